import { MAX_IDENTIFIER_BYTES, stackNames } from "../../config/names";
import { parseConfig } from "../../config/schema";
import { baseConfig, problemsOf, rdsServer } from "../harness";

const existing = (extra: Record<string, unknown> = {}) => ({
    mode: "existing",
    host: "db.internal",
    caCertPath: "/ca.pem",
    adminUser: "pgstack_admin",
    ...extra,
});
const pooler = { host: "pooler.internal", port: 6432 };
const long = (n: number) => "d".repeat(n);

// [what is wrong, config overrides, the key the error must name, what the message must say]
const refused: [string, Record<string, unknown>, string, RegExp][] = [
    ["databaseName template1", { databaseName: "template1" }, "pgstack:databaseName", /reserved/],
    ["databaseName template0", { databaseName: "template0" }, "pgstack:databaseName", /reserved/],
    ["databaseName postgres", { databaseName: "postgres" }, "pgstack:databaseName", /reserved/],
    ["databaseName pg_x", { databaseName: "pg_x" }, "pgstack:databaseName", /reserved/],
    ["databaseName rdsadmin", { databaseName: "rdsadmin" }, "pgstack:databaseName", /reserved/],
    [
        "databaseName equal to the maintenance database",
        { databaseName: "maint", server: existing({ maintenanceDatabase: "maint" }) },
        "pgstack:databaseName",
        /also the maintenance database/,
    ],
    [
        "tenantRolePrefix pg_ (tenant roles pg_<id>)",
        { tenantRolePrefix: "pg_" },
        "pgstack:tenants[0].id",
        /tenant acme's role "pg_acme" is reserved/,
    ],
    ["tenantRolePrefix rds_ (RDS's own roles)", { tenantRolePrefix: "rds_" }, "pgstack:tenants[0].id", /reserved/],
    [
        "a tenant whose role is the admin user",
        { server: rdsServer(), adminPassword: "", tenantRolePrefix: "pgstack_", tenants: [{ id: "admin" }] },
        "pgstack:tenants[0].id",
        /"pgstack_admin" is also the admin user, set by pgstack:server.adminUser/,
    ],
    [
        "roles.app equal to the admin user",
        { server: existing(), roles: { app: "pgstack_admin" } },
        "pgstack:roles.app",
        /also the admin user/,
    ],
    [
        "roles.service equal to the default admin user postgres",
        { roles: { service: "postgres" } },
        "pgstack:roles.service",
        /reserved/,
    ],
    ["roles.readonly pg_monitor", { roles: { readonly: "pg_monitor" } }, "pgstack:roles.readonly", /reserved/],
    ["roles.app public", { roles: { app: "public" } }, "pgstack:roles.app", /reserved/],
    [
        "a 60-byte databaseName with explicit roles: the connect group is 68 bytes",
        { databaseName: long(60), roles: { service: "s1", app: "a1", readonly: "r1" } },
        "pgstack:databaseName",
        /connect group .* is 68 bytes/,
    ],
    [
        "a 56-byte databaseName: the derived readonly role is 65 bytes",
        { databaseName: long(56), roles: { service: "s1", app: "a1" } },
        "pgstack:databaseName",
        /readonly role .* is 65 bytes/,
    ],
    [
        "app schema pgbouncer with server.pooler",
        { server: existing({ pooler }), schemas: ["app", "pgbouncer"] },
        "pgstack:schemas[1]",
        /also the pooler's lookup schema/,
    ],
    [
        "app schema pgbouncer without server.pooler (it may be set later)",
        { schemas: ["app", "pgbouncer"] },
        "pgstack:schemas[1]",
        /also the pooler's lookup schema/,
    ],
    [
        "roles.app equal to the pooler's auth user",
        { server: existing({ pooler: { ...pooler, authUser: "pool_auth" } }), roles: { app: "pool_auth" } },
        "pgstack:roles.app",
        /also the pooler's auth user/,
    ],
    [
        "roles.service equal to another tenant's role",
        { roles: { service: "app_tenant_acme" }, tenantRolePrefix: "app_tenant_" },
        "pgstack:tenants[0].id",
        /also the service role, set by pgstack:roles.service/,
    ],
    [
        "roles.app equal to the read-only role",
        { roles: { app: "same", readonly: "same" } },
        "pgstack:roles.readonly",
        /also the app role/,
    ],
    [
        "roles.app equal to the tenant group <db>_tenants",
        { roles: { app: "app_tenants" } },
        "pgstack:roles.app",
        /also the tenant group/,
    ],
    [
        "a tenant role equal to the connect group",
        { tenantRolePrefix: "shop_", databaseName: "shop", tenants: [{ id: "connect" }] },
        "pgstack:tenants[0].id",
        /also the connect group/,
    ],
    [
        "a tenant role equal to the derived app role",
        { databaseName: "shop", tenantRolePrefix: "shop_", tenants: [{ id: "app" }] },
        "pgstack:tenants[0].id",
        /also the app role/,
    ],
];

describe("config validation refuses, naming the key, every reserved, over-long or colliding name", () => {
    test.each(refused)("refuses %s", (_what, overrides, key, message) => {
        const problems = problemsOf(baseConfig(overrides));
        const mine = problems.filter((p) => p.startsWith(`${key}: `));
        expect(mine.length).toBeGreaterThan(0);
        expect(mine.join("\n")).toMatch(message);
    });
});

describe("names that are fine are accepted", () => {
    test.each([
        ["the defaults", {}],
        ["a 54-byte databaseName (its longest derived role, <db>_readonly, is 63 bytes)", { databaseName: long(54) }],
        ["explicit roles of 63 bytes", { roles: { service: "s".repeat(63), app: "a".repeat(63) } }],
        ["an RDS stack whose tenants differ from the admin", { server: rdsServer(), adminPassword: "" }],
        ["server.pooler with its schema left to the stack", { server: existing({ pooler, superuser: true }) }],
    ])("accepts %s", (_what, overrides) => {
        expect(() => parseConfig(baseConfig(overrides))).not.toThrow();
    });
});

test("every name the stack derives is listed: database, roles, groups, tenants, schemas, admin and pooler", () => {
    const names = stackNames({
        databaseName: "app",
        roles: {},
        readonlyRole: true,
        schemas: ["app"],
        tenantRolePrefix: "t_",
        tenants: [{ id: "acme" }],
        server: { mode: "existing", adminUser: "adm", maintenanceDatabase: "postgres", pooler: {} },
    }).map((n) => `${n.kind}:${n.name}`);
    expect(names.sort()).toEqual(
        [
            "database:postgres",
            "database:app",
            "role:adm",
            "role:pgbouncer_auth",
            "role:app_connect",
            "role:app_tenants",
            "role:app_service",
            "role:app_app",
            "role:app_readonly",
            "role:t_acme",
            "schema:pgstack",
            "schema:pgbouncer",
            "schema:app",
            "schema:tenant_acme",
        ].sort(),
    );
    expect(MAX_IDENTIFIER_BYTES).toBe(63);
});
