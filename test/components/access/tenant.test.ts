import {
    baseConfig,
    directDependencies,
    ProgramRun,
    Recorded,
    runProgram,
    transitiveDependencies,
} from "../../harness";

const GRANT = "postgresql:index/grant:Grant";
const DEFAULTS = "postgresql:index/defaultPrivileges:DefaultPrivileges";

let run: ProgramRun;
beforeAll(async () => {
    run = await runProgram(baseConfig({ tenants: [{ id: "acme" }, { id: "globex", connectionLimit: -1 }] }));
    expect(run.error).toBeUndefined();
});

const key = (r: Recorded) => `${r.type}|${r.name}`;

test("each tenant gets schema tenant_<id> owned by the service role", () => {
    const schemas = run.mocks
        .ofType("postgresql:index/schema:Schema")
        .filter((s) => String(s.inputs.name).startsWith("tenant_"));
    expect(schemas.map((s) => [s.inputs.name, s.inputs.owner])).toEqual([
        ["tenant_acme", "app_service"],
        ["tenant_globex", "app_service"],
    ]);
});

test("each tenant gets login role app_tenant_<id>, with a connection limit of 20 unless configured", () => {
    const roles = run.mocks
        .ofType("postgresql:index/role:Role")
        .filter((r) => String(r.inputs.name).startsWith("app_tenant_"));
    expect(roles.map((r) => [r.inputs.name, r.inputs.login, r.inputs.connectionLimit])).toEqual([
        ["app_tenant_acme", true, 20],
        ["app_tenant_globex", true, -1],
    ]);
});

test("a tenant role is granted on its own schema only: USAGE and default privileges (tables, sequences, functions)", () => {
    for (const id of ["acme", "globex"]) {
        const grants = run.mocks.resources.filter(
            (r) => (r.type === GRANT || r.type === DEFAULTS) && r.inputs.role === `app_tenant_${id}`,
        );
        expect(grants.map((g) => `${g.type === GRANT ? "grant" : "default"}:${g.inputs.objectType}`).sort()).toEqual([
            "default:function",
            "default:sequence",
            "default:table",
            "grant:schema",
        ]);
        for (const g of grants) expect(g.inputs.schema).toBe(`tenant_${id}`);
    }
});

test("tables created later in a tenant schema are granted to the tenant (default privileges from the service role)", () => {
    const d = run.mocks
        .ofType(DEFAULTS)
        .find((r) => r.inputs.role === "app_tenant_acme" && r.inputs.objectType === "table");
    expect(d?.inputs).toMatchObject({
        owner: "app_service",
        schema: "tenant_acme",
        privileges: ["SELECT", "INSERT", "UPDATE", "DELETE"],
    });
});

test("adding a tenant adds exactly that tenant's resources and changes no other", async () => {
    const before = await runProgram(baseConfig({ tenants: [{ id: "acme" }] }));
    const after = await runProgram(baseConfig({ tenants: [{ id: "acme" }, { id: "initech" }] }));
    const beforeKeys = new Map(before.mocks.resources.map((r) => [key(r), r]));
    const added = after.mocks.resources.filter((r) => !beforeKeys.has(key(r)));
    expect(added.length).toBeGreaterThan(5);
    // The tenant's schema and grants, and its role and password (made with the other roles).
    for (const r of added) expect(r.name).toMatch(/^pgstack-(roles-)?tenant-initech(-|$)/);
    for (const r of after.mocks.resources) {
        const old = beforeKeys.get(key(r));
        if (old) expect(r.inputs).toEqual(old.inputs);
    }
    expect(after.mocks.resources.length - before.mocks.resources.length).toBe(added.length);
});

test("removing a tenant keeps its schema (and rows) on the server", () => {
    for (const id of ["acme", "globex"]) {
        expect(run.mocks.options.get(`pgstack-tenant-${id}-schema`)?.retainOnDelete).toBe(true);
    }
});

test("in production tenant schemas are protected", async () => {
    const prod = await runProgram(baseConfig({ environment: "production" }));
    expect(prod.mocks.options.get("pgstack-tenant-acme-schema")?.protect).toBe(true);
});

test("a tenant's grants wait for the database-wide setup and the RLS guard", () => {
    const first = "pgstack-tenant-acme-access-usage";
    // Directly: what its inputs name, and the guard's last grant (one URN per tenant in the state, not ten).
    const direct = directDependencies(run, first);
    expect(direct.sort()).toEqual(
        [
            "pgstack-db-database",
            "pgstack-guard-usage-tenants",
            "pgstack-roles-tenant-acme-role",
            "pgstack-tenant-acme-schema",
        ].sort(),
    );
    const all = transitiveDependencies(run, first);
    for (const dep of ["pgstack-schemas-connect", "pgstack-guard-enable-tenant-rls", "pgstack-db-database"]) {
        expect(all).toContain(dep);
    }
});

test("tenant roles are created (and so dropped) through the provider connected to the app database", () => {
    const role = run.mocks.resources.find((r) => r.name === "pgstack-roles-tenant-acme-role");
    expect(role?.provider).toMatch(/pgstack-db-provider/);
    const dbProvider = run.mocks.resources.find((r) => r.name === "pgstack-db-provider");
    expect(dbProvider?.inputs.database).toBe("app");
});

test("setrole access: tenant roles cannot log in and have no DSN; the app role may SET ROLE to each and inherits none", async () => {
    const r = await runProgram(baseConfig({ tenantAccess: "setrole" }));
    expect(r.error).toBeUndefined();
    const roles = r.mocks.ofType("postgresql:index/role:Role");
    const tenantRoles = roles.filter((x) => String(x.inputs.name).startsWith("app_tenant_"));
    expect(tenantRoles.map((x) => [x.inputs.login, x.inputs.password])).toEqual([
        [false, undefined],
        [false, undefined],
    ]);
    const app = roles.find((x) => x.inputs.name === "app_app");
    expect(app?.inputs.inherit).toBe(false);
    expect(app?.inputs.roles).toEqual(["app_tenant_acme", "app_tenant_globex"]);
    expect(r.mocks.ofType("random:index/randomPassword:RandomPassword").map((p) => p.name)).not.toContain(
        "pgstack-roles-tenant-acme-password",
    );
});

test("every tenant role is a member of <db>_connect and <db>_tenants, search_path tenant_<id> then the app schemas", () => {
    const roles = run.mocks
        .ofType("postgresql:index/role:Role")
        .filter((r) => String(r.inputs.name).startsWith("app_tenant_"));
    for (const r of roles) {
        const id = String(r.inputs.name).slice("app_tenant_".length);
        expect(r.inputs.roles).toEqual(["app_connect", "app_tenants"]);
        expect(r.inputs.searchPaths).toEqual([`tenant_${id}`, "app"]);
    }
    const group = run.mocks.ofType("postgresql:index/role:Role").find((r) => r.inputs.name === "app_tenants");
    expect(group?.inputs).toMatchObject({
        login: false,
        inherit: true,
        superuser: false,
        bypassRowLevelSecurity: false,
    });
});

test("the tenants group gets USAGE and sequences on each app schema and USAGE on the guard, no table grant (tables come with enable_tenant_rls)", () => {
    const grants = run.mocks.resources.filter(
        (r) => (r.type === GRANT || r.type === DEFAULTS) && r.inputs.role === "app_tenants",
    );
    expect(
        grants.map((g) => `${g.type === GRANT ? "grant" : "default"}:${g.inputs.schema}:${g.inputs.objectType}`).sort(),
    ).toEqual(["default:app:sequence", "grant:app:schema", "grant:app:sequence", "grant:pgstack:schema"]);
});

test("an id used again gets its kept tables' rights only with reclaimKeptObjects: true", async () => {
    const reclaim = await runProgram(
        baseConfig({ tenants: [{ id: "acme" }, { id: "globex", reclaimKeptObjects: true }] }),
    );
    expect(reclaim.error).toBeUndefined();
    const existing = (id: string) =>
        reclaim.mocks
            .ofType(GRANT)
            .filter((g) => g.inputs.role === `app_tenant_${id}` && g.inputs.objectType !== "schema")
            .map((g) => g.inputs.objectType)
            .sort();
    expect(existing("acme")).toEqual([]);
    expect(existing("globex")).toEqual(["function", "sequence", "table"]);
});
