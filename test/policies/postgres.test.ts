import {
    insecureSslModes,
    postgresConfigTls,
    postgresDsnTls,
    postgresNoDangerousMemberships,
    postgresNoPublicGrants,
    postgresProviderTls,
    postgresRoleLeastPrivilege,
} from "../../policies/postgres";
import { resourceArgs, stackArgs, validateResource, validateStack, withStackEnv, withUnknown } from "./harness";

const ROLE = "postgresql:index/role:Role";
const PROVIDER = "pulumi:providers:postgresql";
const leastPrivilege = {
    superuser: false,
    createDatabase: false,
    createRole: false,
    replication: false,
    bypassRowLevelSecurity: false,
};

describe("postgres-role-least-privilege", () => {
    test("passes a least-privilege login role", async () => {
        const args = resourceArgs(ROLE, { ...leastPrivilege, name: "app_app", login: true });
        expect(await validateResource(postgresRoleLeastPrivilege, args)).toEqual([]);
    });
    test.each(["superuser", "createRole", "createDatabase", "replication", "bypassRowLevelSecurity"])(
        "fails a role with %s",
        async (attribute) => {
            const args = resourceArgs(
                ROLE,
                { ...leastPrivilege, name: "app_app", [attribute]: true },
                { name: "pgstack-roles-app-role" },
            );
            const [v] = await validateResource(postgresRoleLeastPrivilege, args);
            expect(v.message).toContain(`"pgstack-roles-app-role" (role app_app) has ${attribute}: set them false`);
        },
    );
});

describe("postgres-provider-tls", () => {
    test("passes a provider with verify-full", async () => {
        expect(await validateResource(postgresProviderTls, resourceArgs(PROVIDER, { sslmode: "verify-full" }))).toEqual(
            [],
        );
    });
    test.each(["disable", "allow", "prefer"])("fails a provider with sslmode %s", async (sslmode) => {
        const [v] = await validateResource(postgresProviderTls, resourceArgs(PROVIDER, { sslmode }, { name: "admin" }));
        expect(v.message).toMatch(new RegExp(`"admin" uses sslmode ${sslmode}.*verify-full`));
    });
    test("fails a provider without sslmode, for the right reason (PGSSLMODE decides; empty is require)", async () => {
        const [v] = await validateResource(postgresProviderTls, resourceArgs(PROVIDER, { host: "db" }));
        expect(v.message).toMatch(/sets no sslmode/);
        expect(v.message).toContain("PGSSLMODE");
        expect(v.message).toMatch(/lib\/pq uses require/);
        expect(v.message).not.toMatch(/uses prefer/);
    });
    test("fails a resource managed through an insecure default provider", async () => {
        const provider = { type: PROVIDER, name: "default_3_18_1", urn: "urn:p", props: { sslmode: "disable" } };
        const args = resourceArgs(ROLE, leastPrivilege, { provider });
        expect(await validateResource(postgresProviderTls, args)).toHaveLength(1);
    });
});

describe("postgres-dsn-tls", () => {
    test("passes connection settings that require TLS", async () => {
        const args = resourceArgs("docker:index/container:Container", {
            envs: ["DATABASE_URL=postgresql://app@db:5432/app?sslmode=verify-full", "PGSSLMODE=require"],
            uploads: [
                {
                    file: "/etc/pgbouncer/pgbouncer.ini",
                    content: "* = host=pg port=5432\nserver_tls_sslmode = verify-full",
                },
            ],
        });
        expect(await validateResource(postgresDsnTls, args)).toEqual([]);
    });
    test("fails a DSN with sslmode=disable, naming where but not the DSN", async () => {
        const args = resourceArgs(
            "docker:index/container:Container",
            { envs: ["A=1", "DATABASE_URL=postgres://app:s3cret@db/app?sslmode=disable"] },
            { name: "worker" },
        );
        const [v] = await validateResource(postgresDsnTls, args);
        expect([v.message.includes("s3cret"), v.message]).toEqual([
            false,
            expect.stringMatching(/"worker".*envs\[1\] \(sslmode disable\)/),
        ]);
    });
    test("fails pgbouncer talking to the server without TLS", async () => {
        const args = resourceArgs("docker:index/container:Container", {
            uploads: [{ content: "[pgbouncer]\nserver_tls_sslmode = prefer\n" }],
        });
        expect(await validateResource(postgresDsnTls, args)).toHaveLength(1);
    });
    test("fails a property named sslmode on any resource", async () => {
        const args = resourceArgs("command:local:Command", { environment: { PGSSLMODE: "allow" } });
        expect(await validateResource(postgresDsnTls, args)).toHaveLength(1);
    });
    test("skips values unknown in a preview instead of failing", () => {
        expect(insecureSslModes(withUnknown({ ok: "sslmode=verify-full" }, "dsn"))).toEqual([]);
    });
});

describe("postgres-config-tls", () => {
    const run = (config: Record<string, unknown>) =>
        withStackEnv({ stack: "staging", config }, () => validateStack(postgresConfigTls, stackArgs([])));
    test("passes the staging config's verify-full", async () => {
        expect(
            await run({
                "pgstack:sslmode": "verify-full",
                "pgstack:server": JSON.stringify({ mode: "rds", sslmode: "verify-full" }),
            }),
        ).toEqual([]);
    });
    test("fails pgstack:sslmode prefer", async () => {
        const [v] = await run({ "pgstack:sslmode": "prefer" });
        expect(v.message).toMatch(/stack config pgstack:sslmode \(sslmode prefer\)/);
    });
    test("fails pgstack:server.sslmode disable", async () => {
        const [v] = await run({
            "pgstack:server": JSON.stringify({ mode: "existing", host: "db", sslmode: "disable" }),
        });
        expect(v.message).toMatch(/pgstack:server.sslmode \(sslmode disable\)/);
    });
    test("fails a DSN in config with sslmode=allow", async () => {
        expect(await run({ "app:replicaUrl": "postgres://u@h/db?sslmode=allow" })).toHaveLength(1);
    });
});

describe("postgres-config-tls: pgstack:allowInsecureSsl lifts it for a local stack only", () => {
    const insecure = (environment: string) => ({
        "pgstack:environment": environment,
        "pgstack:sslmode": "prefer",
        "pgstack:allowInsecureSsl": "true",
    });
    const run = (stack: string, config: Record<string, unknown>, policyConfig: Record<string, unknown> = {}) =>
        withStackEnv({ stack, config }, () => validateStack(postgresConfigTls, stackArgs([], policyConfig)));
    test("a local stack with allowInsecureSsl true may use sslmode prefer", async () => {
        expect(await run("local", insecure("local"))).toEqual([]);
    });
    test("a local stack without allowInsecureSsl may not", async () => {
        const without: Record<string, unknown> = insecure("local");
        delete without["pgstack:allowInsecureSsl"];
        expect(await run("local", without)).toHaveLength(1);
    });
    test.each([
        ["staging config", "dev", insecure("staging"), {}],
        ["production config", "dev", insecure("production"), {}],
        ["a staging stack name", "acme/pgstack/staging", insecure("local"), {}],
        ["a production stack name", "prod-eu", insecure("local"), {}],
        ["the policy config saying staging", "dev", insecure("local"), { environment: "staging" }],
    ])("allowInsecureSsl does not silence it for %s", async (_what, stack, config, policyConfig) => {
        const [v] = await run(stack, config, policyConfig);
        expect(v.message).toMatch(/pgstack:sslmode \(sslmode prefer\)/);
    });
    test("allowInsecureSsl never lifts an insecure DSN under another key, even on a local stack", async () => {
        expect(
            await run("local", { ...insecure("local"), "app:replicaUrl": "postgres://h/db?sslmode=allow" }),
        ).toHaveLength(1);
    });
});

describe("postgres-no-dangerous-memberships", () => {
    const GRANT_ROLE = "postgresql:index/grantRole:GrantRole";
    test.each([
        "rds_superuser",
        "pg_write_all_data",
        "pg_execute_server_program",
        "pg_read_server_files",
        "pg_signal_backend",
    ])("fails a role made a member of %s", async (member) => {
        const args = resourceArgs(ROLE, { ...leastPrivilege, name: "app_app", roles: ["app_connect", member] });
        const [v] = await validateResource(postgresNoDangerousMemberships, args);
        expect(v.message).toContain(`role app_app a member of ${member}`);
    });
    test("fails a GrantRole of pg_write_server_files", async () => {
        const args = resourceArgs(GRANT_ROLE, { role: "app_tenant_acme", grantRole: "pg_write_server_files" });
        expect(await validateResource(postgresNoDangerousMemberships, args)).toHaveLength(1);
    });
    test("passes the stack's own memberships", async () => {
        const role = resourceArgs(ROLE, { ...leastPrivilege, name: "app_app", roles: ["app_connect"] });
        const grant = resourceArgs(GRANT_ROLE, { role: "app_app", grantRole: "app_tenant_acme" });
        expect(await validateResource(postgresNoDangerousMemberships, role)).toEqual([]);
        expect(await validateResource(postgresNoDangerousMemberships, grant)).toEqual([]);
    });
});

describe("postgres-no-public-grants", () => {
    const GRANT = "postgresql:index/grant:Grant";
    const DEFAULTS = "postgresql:index/defaultPrivileges:DefaultPrivileges";
    test("fails SELECT on tables granted to PUBLIC", async () => {
        const args = resourceArgs(GRANT, {
            database: "app",
            schema: "app",
            role: "public",
            objectType: "table",
            privileges: ["SELECT"],
        });
        const [v] = await validateResource(postgresNoPublicGrants, args);
        expect(v.message).toMatch(/grants SELECT on table to PUBLIC/);
    });
    test("fails default privileges that give PUBLIC EXECUTE", async () => {
        const args = resourceArgs(DEFAULTS, {
            role: "PUBLIC",
            owner: "app_service",
            objectType: "function",
            privileges: ["EXECUTE"],
        });
        expect(await validateResource(postgresNoPublicGrants, args)).toHaveLength(1);
    });
    test("passes revocations from PUBLIC, USAGE on schema public, and grants to stack roles", async () => {
        const cases = [
            resourceArgs(GRANT, { database: "app", role: "public", objectType: "database", privileges: [] }),
            resourceArgs(GRANT, {
                database: "app",
                role: "public",
                schema: "public",
                objectType: "schema",
                privileges: ["USAGE"],
            }),
            resourceArgs(GRANT, {
                database: "app",
                role: "app_app",
                schema: "app",
                objectType: "table",
                privileges: ["SELECT"],
            }),
        ];
        for (const c of cases) expect(await validateResource(postgresNoPublicGrants, c)).toEqual([]);
    });
});

describe("DSN-shaped strings", () => {
    test("a postgres URL without sslmode is reported (libpq would prefer, node-postgres would not use TLS)", () => {
        expect(insecureSslModes({ envs: ["DATABASE_URL=postgresql://u:p@db:5432/app"] })).toEqual([
            { path: "envs[0]", mode: "unset: libpq prefers" },
        ]);
        expect(insecureSslModes("postgresql://u:p@db/app?sslmode=verify-full&sslrootcert=/nowhere/ca.pem")).toEqual([]);
        expect(insecureSslModes("postgres://u:p@db/app?ssl=true")).toEqual([]);
    });
});
