/**
 * Each access component built on its own, from plain arguments, under mocks: what a Pulumi program
 * other than this stack's index.ts would do with them.
 */
import type * as pulumiType from "@pulumi/pulumi";
import { AccessDeclaration, accessModel } from "../../../lib/accessModel";
import { runComponent } from "../../harness";

const declared: AccessDeclaration = {
    databaseName: "shop",
    roles: { service: "shop_owner", app: "shop_web" },
    schemas: ["store"],
    tenants: [{ id: "north", connectionLimit: 5, reclaimKeptObjects: false }],
    tenantRolePrefix: "shop_t_",
    tenantAccess: "setrole",
    tenantSearchPath: ["store"],
    maintenanceDatabase: "postgres",
};
const model = accessModel(declared);

const admin = {
    host: "db.internal",
    port: 5432,
    username: "admin",
    password: "admin-secret",
    sslmode: "verify-full" as const,
    sslrootcert: "/ca.pem",
    superuser: true,
};

async function provider(pulumi: typeof pulumiType) {
    void pulumi;
    const { adminProvider } = await import("../../../components/server/provider");
    return adminProvider("admin", admin);
}

test("AccessRoles creates the model's roles with their memberships, through the provider it is given", async () => {
    const run = await runComponent(async (pulumi) => {
        const { AccessRoles } = await import("../../../components/access/roles");
        const roles = new AccessRoles("r", {
            roles: model.roles.slice(1),
            seeds: { global: "s1", own: {} },
            provider: await provider(pulumi),
        });
        return { app: roles.get("app").name, tenant: roles.get("tenant-north").name };
    });
    expect(run.error).toBeUndefined();
    expect(run.outputs).toEqual({ app: "shop_web", tenant: "shop_t_north" });
    const roles = run.mocks.ofType("postgresql:index/role:Role");
    expect(roles.map((r) => r.name)).toEqual([
        "r-connect-group-role",
        "r-tenants-group-role",
        "r-tenant-north-role",
        "r-app-role",
    ]);
    const byName = Object.fromEntries(roles.map((r) => [r.inputs.name, r]));
    expect(byName.shop_web.inputs).toMatchObject({ login: true, inherit: false, roles: ["shop_t_north"] });
    expect(byName.shop_t_north.inputs).toMatchObject({
        login: false,
        connectionLimit: 5,
        roles: ["shop_connect", "shop_tenants"],
    });
    expect(byName.shop_t_north.inputs.password).toBeUndefined();
    // The app role's membership waits for the tenant role it names.
    const deps = run.mocks.options.get("r-app-role")?.dependencies ?? [];
    expect(deps.some((u) => u.endsWith("::r-tenant-north-role"))).toBe(true);
    for (const r of roles) expect(r.provider).toMatch(/::admin::/);
});

test("AppDatabase creates its owner, the database, PUBLIC's revokes and a provider on the database", async () => {
    const run = await runComponent(async (pulumi) => {
        const { AppDatabase } = await import("../../../components/access/database");
        const db = new AppDatabase("d", {
            database: model.database,
            owner: model.roles[0],
            seeds: { global: "s1", own: {} },
            extensions: ["vector"],
            protection: { retainOnDelete: true, protect: false },
            admin,
            provider: await provider(pulumi),
        });
        return { name: db.name, owner: db.owner.name };
    });
    expect(run.error).toBeUndefined();
    expect(run.outputs).toEqual({ name: "shop", owner: "shop_owner" });
    expect(run.mocks.named("d-database").inputs).toMatchObject({ name: "shop", owner: "shop_owner" });
    expect(run.mocks.options.get("d-service-role")?.retainOnDelete).toBe(true);
    expect(run.mocks.named("d-provider").inputs).toMatchObject({ database: "shop", host: "db.internal" });
    const revoked = run.mocks
        .ofType("postgresql:index/grant:Grant")
        .filter((g) => g.inputs.objectType === "database")
        .map((g) => g.inputs.database);
    expect(revoked.sort()).toEqual(["postgres", "shop", "template1"]);
});

test("Tenant creates its schema and chains its grants after what it is told to wait for", async () => {
    const run = await runComponent(async (pulumi) => {
        const { Tenant } = await import("../../../components/access/tenant");
        const p = await provider(pulumi);
        const postgresql = await import("@pulumi/postgresql");
        const before = new postgresql.Grant(
            "before",
            { database: "shop", role: "public", objectType: "database", privileges: [] },
            { provider: p },
        );
        const t = new Tenant("t", {
            tenant: model.tenants[0],
            databaseName: "shop",
            database: "shop",
            roles: {},
            protection: { retainOnDelete: true, protect: true },
            after: [before],
            provider: p,
        });
        return { schema: t.schemaName };
    });
    expect(run.error).toBeUndefined();
    expect(run.outputs.schema).toBe("tenant_north");
    expect(run.mocks.options.get("t-schema")).toMatchObject({ retainOnDelete: true, protect: true });
    const grants = run.mocks.resources.filter((r) => r.name.startsWith("t-access-"));
    expect(grants.map((g) => g.name)).toEqual([
        "t-access-usage",
        "t-access-default-tables",
        "t-access-default-sequences",
        "t-access-default-functions",
    ]);
    const first = run.mocks.options.get("t-access-usage")?.dependencies ?? [];
    expect(first.some((u) => u.endsWith("::before"))).toBe(true);
    const second = run.mocks.options.get("t-access-default-tables")?.dependencies ?? [];
    expect(second.some((u) => u.endsWith("::t-access-usage"))).toBe(true);
});

test("AccessLayer runs from plain arguments and an endpoint, in any program", async () => {
    const run = await runComponent(async (pulumi) => {
        const { AccessLayer } = await import("../../../components/access/accessLayer");
        const p = await provider(pulumi);
        const access = new AccessLayer("shop", {
            endpoint: {
                host: pulumi.output("db.internal"),
                port: pulumi.output(5432),
                pooler: { host: pulumi.output("pool.internal"), port: pulumi.output(6432), authUser: "lookup" },
                adminUser: pulumi.output("admin"),
                adminPassword: pulumi.secret("admin-secret"),
                caCertPath: pulumi.output("/ca.pem"),
                provider: p,
                admin,
                maintenanceDatabase: "postgres",
            },
            databaseName: "shop",
            roles: declared.roles,
            schemas: ["store"],
            extensions: [],
            tenants: [{ id: "north", connectionLimit: 5, reclaimKeptObjects: false }],
            tenantRolePrefix: "shop_t_",
            tenantAccess: "setrole",
            tenantSearchPath: ["store"],
            sslmode: "verify-full",
            rotation: { seed: "s1" },
            protection: { retainOnDelete: true, protect: false },
            readOnly: false,
        });
        return { app: access.appUrl, service: access.serviceUrl, tenants: access.tenantUrls };
    });
    expect(run.error).toBeUndefined();
    const app = new URL(String(run.outputs.app));
    expect([app.username, app.host, app.pathname]).toEqual(["shop_web", "pool.internal:6432", "/shop"]);
    expect(new URL(String(run.outputs.service)).host).toBe("db.internal:5432");
    expect(run.outputs.tenants).toEqual({});
    expect(run.mocks.named("shop-pooler-auth-get-auth-execute").inputs.role).toBe("lookup");
});
