import { baseConfig, ProgramRun, runProgram, transitiveDependencies } from "../../harness";

const GRANT = "postgresql:index/grant:Grant";

let run: ProgramRun;
beforeAll(async () => {
    run = await runProgram(baseConfig({ extensions: ["pg_stat_statements", "vector"] }));
    expect(run.error).toBeUndefined();
});

test("PUBLIC loses CONNECT and TEMPORARY on the database", () => {
    const revoke = run.mocks
        .ofType(GRANT)
        .find((g) => g.inputs.role === "public" && g.inputs.objectType === "database");
    expect(revoke?.inputs.privileges).toEqual([]);
});

test("PUBLIC may not CREATE in the public schema", () => {
    const lock = run.mocks
        .ofType(GRANT)
        .find((g) => g.inputs.role === "public" && g.inputs.objectType === "schema" && g.inputs.schema === "public");
    expect(lock?.inputs.privileges).toEqual(["USAGE"]);
});

test("CONNECT goes to the connect group and the (NOINHERIT) app role only, one after the other, after PUBLIC's is revoked", () => {
    const connects = run.mocks
        .ofType(GRANT)
        .filter((g) => g.inputs.objectType === "database" && (g.inputs.privileges as string[]).includes("CONNECT"));
    expect(connects.map((g) => g.inputs.role)).toEqual(["app_connect", "app_app"]);
    const deps = run.mocks.options.get(connects[0].name)?.dependencies ?? [];
    expect(deps.some((u) => u.endsWith("pgstack-db-revoke-public"))).toBe(true);
    const appDeps = run.mocks.options.get(connects[1].name)?.dependencies ?? [];
    expect(appDeps.some((u) => u.endsWith("pgstack-schemas-connect"))).toBe(true);
});

test("app schemas are owned by the service role", () => {
    const schema = run.mocks.ofType("postgresql:index/schema:Schema").find((s) => s.inputs.name === "app");
    expect(schema?.inputs.owner).toBe("app_service");
});

test("configured extensions are created in the database", () => {
    const ext = run.mocks.ofType("postgresql:index/extension:Extension");
    expect(ext.map((e) => [e.inputs.name, e.inputs.database])).toEqual([
        ["pg_stat_statements", "app"],
        ["vector", "app"],
    ]);
});

test("the tenant guard functions are installed and run with the caller's rights", () => {
    const fns = run.mocks.ofType("postgresql:index/function:Function");
    expect(fns.map((f) => f.inputs.name).sort()).toEqual(["current_tenant_id", "enable_tenant_rls"]);
    for (const f of fns) {
        expect(f.inputs.schema).toBe("pgstack");
        expect(f.inputs.securityDefiner ?? false).toBe(false);
    }
});

test("the database is retained when it leaves the stack", () => {
    expect(run.mocks.options.get("pgstack-db-database")?.retainOnDelete).toBe(true);
});

test("in production the database is protected", async () => {
    const prod = await runProgram(baseConfig({ environment: "production" }));
    expect(prod.mocks.options.get("pgstack-db-database")?.protect).toBe(true);
});

test("every PostgreSQL resource goes through the stack's admin provider or its twin on the app database", () => {
    const pg = run.mocks.custom.filter((r) => r.type.startsWith("postgresql:"));
    expect(pg.length).toBeGreaterThan(10);
    for (const r of pg) expect(r.provider).toMatch(/pgstack-server-provider|pgstack-db-provider/);
    // What must exist before the database goes through the admin provider.
    for (const n of ["pgstack-db-service-role", "pgstack-db-database"]) {
        expect(run.mocks.resources.find((r) => r.name === n)?.provider).toMatch(/pgstack-server-provider/);
    }
});

test("PUBLIC loses CONNECT on the maintenance database and template1", () => {
    const revoked = run.mocks
        .ofType(GRANT)
        .filter((g) => g.inputs.role === "public" && g.inputs.objectType === "database")
        .map((g) => [g.inputs.database, g.inputs.privileges]);
    expect(revoked).toEqual(
        expect.arrayContaining([
            ["postgres", []],
            ["template1", []],
        ]),
    );
});

test("PUBLIC loses EXECUTE on functions the service role creates, in every schema", () => {
    const d = run.mocks
        .ofType("postgresql:index/defaultPrivileges:DefaultPrivileges")
        .filter((x) => x.inputs.role === "public");
    expect(d.map((x) => [x.inputs.owner, x.inputs.objectType, x.inputs.schema, x.inputs.privileges])).toEqual([
        ["app_service", "function", undefined, []],
    ]);
});

test("the app role's EXECUTE on an app schema's functions waits for PUBLIC's EXECUTE revoke on them (same ACLs)", () => {
    const appFunctions = run.mocks
        .ofType(GRANT)
        .find((g) => g.inputs.role === "app_app" && g.inputs.objectType === "function" && g.inputs.schema === "app");
    expect(appFunctions).toBeDefined();
    expect(transitiveDependencies(run, appFunctions!.name)).toContain("pgstack-schemas-app-no-public-execute");
});

test("the stack's functions are dropped before they are created again when a change replaces them", () => {
    const fns = run.mocks.ofType("postgresql:index/function:Function");
    expect(fns.length).toBe(2);
    for (const f of fns) expect(run.mocks.options.get(f.name)?.deleteBeforeReplace).toBe(true);
});

describe("a non-superuser admin (RDS master user) and the database's ACL", () => {
    const GRANT_ROLE = "postgresql:index/grantRole:GrantRole";

    test("a non-superuser admin is made a member of the service role before the database exists (only the owner's members can change its ACL)", async () => {
        const server = { ...(baseConfig().server as object), adminUser: "rds_master", superuser: false };
        const r = await runProgram(baseConfig({ server }));
        expect(r.error).toBeUndefined();
        const memberships = r.mocks.ofType(GRANT_ROLE);
        expect(memberships.map((m) => m.inputs)).toEqual([
            expect.objectContaining({ role: "rds_master", grantRole: "app_service" }),
        ]);
        const dbDeps = r.mocks.options.get("pgstack-db-database")?.dependencies ?? [];
        expect(dbDeps.some((u) => u.endsWith(`::${memberships[0].name}`))).toBe(true);
    });

    test("a superuser admin takes no such membership", async () => {
        const server = { ...(baseConfig().server as object), superuser: true };
        const r = await runProgram(baseConfig({ server }));
        expect(r.error).toBeUndefined();
        expect(r.mocks.ofType(GRANT_ROLE)).toEqual([]);
    });
});
