import { parseConfig } from "../../config/schema";
import { baseConfig, problemsOf, runProgram } from "../harness";

const server = (extra: Record<string, unknown>) => ({
    mode: "existing",
    host: "db.internal",
    caCertPath: "/ca.pem",
    ...extra,
});

const rds = (extra: Record<string, unknown>) => ({
    mode: "rds",
    vpcId: "vpc-0abc",
    subnetIds: ["subnet-01", "subnet-02"],
    caCertPath: "/ca.pem",
    ...extra,
});

// [what is wrong, config overrides, the key the error must name]
const invalid: [string, Record<string, unknown>, string][] = [
    ["missing environment", { environment: undefined }, "pgstack:environment"],
    ["unknown environment", { environment: "prod" }, "pgstack:environment"],
    ["missing server", { server: undefined }, "pgstack:server"],
    ["unknown server mode", { server: { mode: "cloudsql", host: "x" } }, "pgstack:server"],
    ["empty host", { server: server({ host: "" }) }, "pgstack:server.host"],
    ["port out of range", { server: server({ port: 70000 }) }, "pgstack:server.port"],
    ["port not a number", { server: server({ port: "5432" }) }, "pgstack:server.port"],
    ["unknown server key", { server: server({ hots: "typo" }) }, "pgstack:server.hots"],
    ["admin password missing", { adminPassword: undefined }, "pgstack:adminPassword"],
    ["database name with a quote", { databaseName: 'app"; drop' }, "pgstack:databaseName"],
    ["database name upper case", { databaseName: "App" }, "pgstack:databaseName"],
    ["tenant id upper case", { tenants: [{ id: "Acme" }] }, "pgstack:tenants[0].id"],
    ["tenant id starting with a digit", { tenants: [{ id: "1acme" }] }, "pgstack:tenants[0].id"],
    ["tenant id with a dash", { tenants: [{ id: "ac-me" }] }, "pgstack:tenants[0].id"],
    ["tenant id too long", { tenants: [{ id: "a".repeat(41) }] }, "pgstack:tenants[0].id"],
    ["tenant id SQL injection", { tenants: [{ id: "x; drop schema public" }] }, "pgstack:tenants[0].id"],
    ["duplicate tenant", { tenants: [{ id: "acme" }, { id: "acme" }] }, "pgstack:tenants[1].id"],
    ["reserved tenant id public", { tenants: [{ id: "public" }] }, "pgstack:tenants[0].id"],
    ["reserved tenant id pg_*", { tenants: [{ id: "pg_catalog" }] }, "pgstack:tenants[0].id"],
    ["reserved tenant id information_schema", { tenants: [{ id: "information_schema" }] }, "pgstack:tenants[0].id"],
    [
        "tenant colliding with an app schema",
        { schemas: ["app", "tenant_acme"], tenants: [{ id: "acme" }] },
        "pgstack:schemas[1]",
    ],
    ["unknown tenant key", { tenants: [{ id: "acme", sede: "x" }] }, "pgstack:tenants[0].sede"],
    ["empty tenant seed", { tenants: [{ id: "acme", seed: "" }] }, "pgstack:tenants[0].seed"],
    ["app schema public", { schemas: ["public"] }, "pgstack:schemas[0]"],
    ["app schema is the guard schema", { schemas: ["pgstack"] }, "pgstack:schemas[0]"],
    ["no app schema", { schemas: [] }, "pgstack:schemas"],
    ["weak DSN sslmode", { sslmode: "disable" }, "pgstack:sslmode"],
    ["weak DSN sslmode prefer", { sslmode: "prefer" }, "pgstack:sslmode"],
    ["unknown sslmode", { sslmode: "required" }, "pgstack:sslmode"],
    ["weak admin sslmode", { server: server({ sslmode: "allow" }) }, "pgstack:server.sslmode"],
    ["verify-full without a CA", { server: { mode: "existing", host: "db.internal" } }, "pgstack:server.caCertPath"],
    ["extension name with a quote", { extensions: ["vector'"] }, "pgstack:extensions[0]"],
    ["duplicate extension", { extensions: ["vector", "vector"] }, "pgstack:extensions"],
    ["role name with a space", { roles: { app: "app role" } }, "pgstack:roles.app"],
    ["two roles with one name", { roles: { app: "same", service: "same" } }, "pgstack:roles"],
    ["role with the tenant prefix", { roles: { app: "app_tenant_x" } }, "pgstack:roles"],
    ["unknown role kind", { roles: { admin: "root" } }, "pgstack:roles.admin"],
    ["bad tenant role prefix", { tenantRolePrefix: "Tenant-" }, "pgstack:tenantRolePrefix"],
    ["empty global seed", { rotation: { seed: "" } }, "pgstack:rotation.seed"],
    [
        "retainOnDelete off without allowDataLoss",
        { dataProtection: { retainOnDelete: false } },
        "pgstack:dataProtection.retainOnDelete",
    ],
    [
        "protect off in production without allowDataLoss",
        { environment: "production", dataProtection: { protect: false } },
        "pgstack:dataProtection.protect",
    ],
    ["readonlyRole not a boolean", { readonlyRole: "yes" }, "pgstack:readonlyRole"],
    ["tenants not a list", { tenants: { id: "acme" } }, "pgstack:tenants"],
    ["unknown top-level key", { databse: "typo" }, "pgstack:databse"],
    ["RDS open to the internet", { server: rds({ allowedCidrs: ["0.0.0.0/0"] }) }, "pgstack:server.allowedCidrs[0]"],
    ["RDS open to the IPv6 internet", { server: rds({ allowedCidrs: ["::/0"] }) }, "pgstack:server.allowedCidrs[0]"],
    [
        "public RDS without the override",
        { server: rds({ publiclyAccessible: true }) },
        "pgstack:server.publiclyAccessible",
    ],
    [
        "production RDS without deletion protection",
        { environment: "production", server: rds({ deletionProtection: false }) },
        "pgstack:server.deletionProtection",
    ],
    [
        "production RDS with 1 day of backups",
        { environment: "production", server: rds({ backupRetentionDays: 1 }) },
        "pgstack:server.backupRetentionDays",
    ],
    [
        "production RDS with a weak admin sslmode",
        { environment: "production", server: rds({ sslmode: "prefer" }) },
        "pgstack:server.sslmode",
    ],
    ["RDS with one subnet", { server: rds({ subnetIds: ["subnet-01"] }) }, "pgstack:server.subnetIds"],
    ["RDS with a bad VPC id", { server: rds({ vpcId: "my-vpc" }) }, "pgstack:server.vpcId"],
    [
        "RDS turning force_ssl off",
        { server: rds({ parameters: { "rds.force_ssl": "0" } }) },
        "pgstack:server.parameters",
    ],
    [
        "RDS with an unknown instance class",
        { server: rds({ instanceClass: "t3.micro" }) },
        "pgstack:server.instanceClass",
    ],
    [
        "Docker published on all interfaces",
        { server: { mode: "docker", caCertPath: "/ca", bindAddress: "0.0.0.0" } },
        "pgstack:server.bindAddress",
    ],
    ["pooler without a host", { server: server({ pooler: { port: 6432 } }) }, "pgstack:server.pooler.host"],
    ["pooler port out of range", { server: server({ pooler: { host: "p", port: 0 } }) }, "pgstack:server.pooler.port"],
    [
        "pooler auth user not an identifier",
        { server: server({ pooler: { host: "p", authUser: "auth user" } }) },
        "pgstack:server.pooler.authUser",
    ],
    [
        "unknown pooler key",
        { server: server({ pooler: { host: "p", poolMode: "x" } }) },
        "pgstack:server.pooler.poolMode",
    ],
    [
        "pooler with a non-superuser admin (its pg_shadow lookup needs a superuser owner)",
        { server: server({ pooler: { host: "p" } }) },
        "pgstack:server.pooler",
    ],
    [
        "Docker with an unknown pool mode",
        { server: { mode: "docker", caCertPath: "/ca", pgbouncer: { poolMode: "fast" } } },
        "pgstack:server.pgbouncer.poolMode",
    ],
];

describe("invalid stack config is rejected with the key named", () => {
    test.each(invalid)("%s", (_what, overrides, key) => {
        const raw = baseConfig(overrides);
        for (const [k, v] of Object.entries(overrides)) if (v === undefined) delete raw[k];
        const problems = problemsOf(raw);
        expect(
            problems.some((p) => p.startsWith(`${key}:`) || p.startsWith(`${key}[`) || p.startsWith(`${key}.`)),
        ).toBe(true);
    });

    test("there are at least 15 distinct invalid configs", () => {
        expect(new Set(invalid.map(([, , key]) => key)).size).toBeGreaterThanOrEqual(15);
    });
});

describe("an invalid config registers no resource", () => {
    test.each([
        ["tenant id", { tenants: [{ id: "Bad" }] }, "pgstack:tenants[0].id"],
        ["sslmode", { sslmode: "disable" }, "pgstack:sslmode"],
        ["missing admin password", { adminPassword: "" }, "pgstack:adminPassword"],
    ])("bad %s", async (_what, overrides, key) => {
        const run = await runProgram(baseConfig(overrides));
        expect(run.error?.message).toContain(key);
        expect(run.mocks.resources).toHaveLength(0);
    });
});

describe("safe defaults", () => {
    const minimal = () => ({ environment: "staging", server: server({}), adminPassword: "x" });

    test("DSN sslmode defaults to verify-full", () => {
        expect(parseConfig(minimal()).sslmode).toBe("verify-full");
    });

    test("the admin connection defaults to verify-full", () => {
        expect((parseConfig(minimal()).server as { sslmode: string }).sslmode).toBe("verify-full");
    });

    test("data is retained on delete by default", () => {
        expect(parseConfig(minimal()).dataProtection.retainOnDelete).toBe(true);
    });

    test("production protects data by default", () => {
        expect(parseConfig({ ...minimal(), environment: "production" }).dataProtection.protect).toBe(true);
    });

    test("weakening protection in production takes allowDataLoss", () => {
        const c = parseConfig({
            ...minimal(),
            environment: "production",
            allowDataLoss: true,
            dataProtection: { protect: false, retainOnDelete: false },
        });
        expect(c.dataProtection).toEqual({ protect: false, retainOnDelete: false });
    });

    test("a public RDS instance takes the explicit override", () => {
        const c = parseConfig({ ...minimal(), server: rds({ publiclyAccessible: true, allowPublicAccess: true }) });
        expect(c.server).toMatchObject({ publiclyAccessible: true });
    });

    test("production RDS without deletion protection takes allowDataLoss", () => {
        const c = parseConfig({
            ...minimal(),
            environment: "production",
            allowDataLoss: true,
            server: rds({ deletionProtection: false }),
        });
        expect(c.server).toMatchObject({ deletionProtection: false });
    });

    test("an insecure sslmode takes allowInsecureSsl", () => {
        expect(parseConfig({ ...minimal(), sslmode: "disable", allowInsecureSsl: true }).sslmode).toBe("disable");
    });

    test("an existing server has no pooler unless configured; its auth user defaults to pgbouncer_auth", () => {
        expect(parseConfig(minimal()).server).not.toHaveProperty("pooler");
        const c = parseConfig({ ...minimal(), server: server({ superuser: true, pooler: { host: "127.0.0.1" } }) });
        expect(c.server).toMatchObject({ pooler: { host: "127.0.0.1", port: 6432, authUser: "pgbouncer_auth" } });
    });

    test("the read-only role is off unless asked for", () => {
        expect(parseConfig(minimal()).roles.readonly).toBeUndefined();
    });
});

describe("the connect group <db>_connect is a stack role too", () => {
    test("a configured role may not take the connect group's name", () => {
        const problems = problemsOf(baseConfig({ roles: { readonly: "app_connect" } }));
        expect(problems.join("\n")).toMatch(
            /pgstack:roles.readonly: the readonly role "app_connect" is also the connect group/,
        );
    });

    test("a tenant prefix that the connect group starts with is rejected (tenant id connect would collide)", () => {
        const problems = problemsOf(
            baseConfig({ tenantRolePrefix: "app_", roles: { service: "svc", app: "web", readonly: "ro" } }),
        );
        expect(problems.join("\n")).toMatch(/pgstack:tenantRolePrefix: the connect group "app_connect".*"connect"/);
    });

    test("the default names pass", () => {
        expect(() => parseConfig(baseConfig())).not.toThrow();
    });
});

describe("tenants on shared tables, prepared statements through the pooler", () => {
    test("a tenant's search_path is tenant_<id> then every app schema, unless pgstack:tenantSearchPath names fewer", () => {
        expect(parseConfig(baseConfig({ schemas: ["app", "billing"] })).tenantSearchPath).toEqual(["app", "billing"]);
        expect(
            parseConfig(baseConfig({ schemas: ["app", "billing"], tenantSearchPath: ["billing"] })).tenantSearchPath,
        ).toEqual(["billing"]);
    });

    test("a tenantSearchPath entry that is not an app schema is one error naming the key", () => {
        const problems = problemsOf(baseConfig({ schemas: ["app"], tenantSearchPath: ["app", "billing"] }));
        expect(problems).toEqual([
            'pgstack:tenantSearchPath[1]: "billing" is not an app schema (pgstack:schemas: app)',
        ]);
    });

    test("an id used again gets no rights on its kept tables unless tenants[].reclaimKeptObjects says so", () => {
        const c = parseConfig(baseConfig({ tenants: [{ id: "acme" }, { id: "globex", reclaimKeptObjects: true }] }));
        expect(c.tenants.map((t) => t.reclaimKeptObjects)).toEqual([false, true]);
    });

    test("a configured role may not take the tenants group's name, and the tenant prefix may not lead to it", () => {
        expect(problemsOf(baseConfig({ roles: { readonly: "app_tenants" } })).join("\n")).toMatch(
            /pgstack:roles\.readonly: the readonly role "app_tenants" is also the tenant group/,
        );
        expect(
            problemsOf(baseConfig({ tenantRolePrefix: "app_ten", roles: { service: "s", app: "w" } })).join("\n"),
        ).toMatch(/pgstack:tenantRolePrefix: the tenants group "app_tenants".*"ants"/);
    });

    const pooler = (extra: object) =>
        baseConfig({
            server: {
                mode: "existing",
                host: "db",
                caCertPath: "/ca.pem",
                superuser: true,
                pooler: { host: "pool", ...extra },
            },
            adminPassword: "x",
        });

    test("server.pooler.maxPreparedStatements with a pgBouncer older than 1.21 (or of unknown version) is one error naming the key", () => {
        expect(problemsOf(pooler({ version: "1.18", maxPreparedStatements: 100 }))).toEqual([
            "pgstack:server.pooler.maxPreparedStatements: needs pgBouncer >= 1.21 (1.18 does not have max_prepared_statements; set server.pooler.version, or 0)",
        ]);
        expect(problemsOf(pooler({ maxPreparedStatements: 100 }))[0]).toMatch(
            /^pgstack:server.pooler.maxPreparedStatements: needs pgBouncer >= 1.21 \(version unknown/,
        );
        expect(() => parseConfig(pooler({ version: "1.21.0", maxPreparedStatements: 100 }))).not.toThrow();
        expect(problemsOf(pooler({ version: "one" }))[0]).toMatch(
            /^pgstack:server.pooler.version: a pgBouncer version/,
        );
    });

    test("docker mode: max_prepared_statements is on by default; an image older than 1.21 with it is one error naming the key", () => {
        const docker = (pgbouncer: object) =>
            baseConfig({ server: { mode: "docker", caCertPath: "/ca.pem", pgbouncer } });
        const c = parseConfig(docker({}));
        expect(c.server.mode === "docker" && c.server.pgbouncer.maxPreparedStatements).toBe(200);
        expect(problemsOf(docker({ image: "edoburu/pgbouncer:1.20.1-p0" }))).toEqual([
            "pgstack:server.pgbouncer.maxPreparedStatements: needs pgBouncer >= 1.21 (1.20.1 does not have max_prepared_statements; use a newer image or set it to 0)",
        ]);
        expect(() =>
            parseConfig(docker({ image: "edoburu/pgbouncer:1.20.1-p0", maxPreparedStatements: 0 })),
        ).not.toThrow();
    });
});
