import {
    insecureSslModes,
    postgresConfigTls,
    postgresDsnTls,
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
    test("fails a provider without sslmode (libpq would prefer)", async () => {
        const [v] = await validateResource(postgresProviderTls, resourceArgs(PROVIDER, { host: "db" }));
        expect(v.message).toMatch(/sets no sslmode/);
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
