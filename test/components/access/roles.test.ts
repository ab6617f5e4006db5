import { baseConfig, ProgramRun, Recorded, runProgram } from "../../harness";

const ROLE = "postgresql:index/role:Role";
const GRANT = "postgresql:index/grant:Grant";
const DEFAULTS = "postgresql:index/defaultPrivileges:DefaultPrivileges";
const DML = ["SELECT", "INSERT", "UPDATE", "DELETE"];

let run: ProgramRun;
beforeAll(async () => {
    run = await runProgram(baseConfig({ schemas: ["app", "billing"] }));
    expect(run.error).toBeUndefined();
});

const grantsTo = (role: string): Recorded[] =>
    run.mocks.resources.filter((r) => (r.type === GRANT || r.type === DEFAULTS) && r.inputs.role === role);

test("no role the stack creates is superuser, createrole, createdb, replication or bypassrls", () => {
    const roles = run.mocks.ofType(ROLE);
    expect(roles.length).toBeGreaterThanOrEqual(6);
    for (const r of roles) {
        expect(r.inputs).toMatchObject({
            superuser: false,
            createRole: false,
            createDatabase: false,
            replication: false,
            bypassRowLevelSecurity: false,
        });
    }
});

test("the app role is never granted CREATE or TEMPORARY", () => {
    const privileges = grantsTo("app_app").flatMap((g) => g.inputs.privileges as string[]);
    expect(privileges.length).toBeGreaterThan(0);
    expect(privileges).not.toContain("CREATE");
    expect(privileges).not.toContain("TEMPORARY");
    expect(privileges).not.toContain("ALL");
});

test("the app role gets DML on tables, USAGE/SELECT on sequences, EXECUTE on functions in every app schema", () => {
    for (const schema of ["app", "billing"]) {
        const on = (type: string, objectType: string) =>
            grantsTo("app_app").find(
                (g) => g.type === type && g.inputs.schema === schema && g.inputs.objectType === objectType,
            );
        expect(on(GRANT, "schema")?.inputs.privileges).toEqual(["USAGE"]);
        expect(on(GRANT, "table")?.inputs.privileges).toEqual(DML);
        expect(on(GRANT, "sequence")?.inputs.privileges).toEqual(["USAGE", "SELECT"]);
        expect(on(GRANT, "function")?.inputs.privileges).toEqual(["EXECUTE"]);
    }
});

test("tables the service role creates later are granted to the app role (default privileges)", () => {
    for (const schema of ["app", "billing"]) {
        const defaults = grantsTo("app_app").filter((g) => g.type === DEFAULTS && g.inputs.schema === schema);
        expect(defaults.map((d) => [d.inputs.objectType, d.inputs.owner, d.inputs.privileges])).toEqual([
            ["table", "app_service", DML],
            ["sequence", "app_service", ["USAGE", "SELECT"]],
            ["function", "app_service", ["EXECUTE"]],
        ]);
    }
});

test("the read-only role gets SELECT and nothing else, now and by default", () => {
    const grants = grantsTo("app_readonly");
    expect(grants.length).toBeGreaterThan(0);
    for (const g of grants) {
        const expected = g.inputs.objectType === "schema" ? ["USAGE"] : ["SELECT"];
        expect(g.inputs.privileges).toEqual(expected);
    }
    expect(grants.filter((g) => g.type === DEFAULTS && g.inputs.objectType === "table")).toHaveLength(2);
});

test("the read-only role's grants on a schema wait for the app role's (no concurrent catalog updates)", () => {
    const usage = run.mocks.named("pgstack-schemas-app-readonly-usage");
    const deps = run.mocks.options.get(usage.name)?.dependencies ?? [];
    expect(deps.some((u) => u.endsWith("pgstack-schemas-app-app-default-functions"))).toBe(true);
});

test("the read-only role reaches the database through the connect group, the NOINHERIT app role on its own; the service role owns it", () => {
    const role = (n: string) => run.mocks.ofType(ROLE).find((r) => r.inputs.name === n);
    expect(role("app_app")?.inputs.roles).toEqual([]);
    expect(role("app_app")?.inputs.inherit).toBe(false);
    expect(role("app_readonly")?.inputs.roles).toEqual(["app_connect"]);
    expect(role("app_connect")?.inputs.login).toBe(false);
    expect(run.mocks.ofType("postgresql:index/database:Database")[0].inputs.owner).toBe("app_service");
});

test("without readonlyRole there is no read-only role or DSN", async () => {
    const r = await runProgram(baseConfig({ readonlyRole: false }));
    expect(r.mocks.ofType(ROLE).map((x) => x.inputs.name)).not.toContain("app_readonly");
    expect(r.outputs.DATABASE_READONLY_URL).toBeUndefined();
});

test("the connect group and the login roles are created (so dropped) through the provider on the app database", () => {
    for (const n of ["pgstack-roles-connect-group-role", "pgstack-roles-app-role", "pgstack-roles-readonly-role"]) {
        expect(run.mocks.resources.find((r) => r.name === n)?.provider).toMatch(/pgstack-db-provider/);
    }
    // The service role must exist before the database it owns: the admin provider.
    expect(run.mocks.resources.find((r) => r.name === "pgstack-db-service-role")?.provider).toMatch(
        /pgstack-server-provider/,
    );
    expect(run.mocks.options.get("pgstack-db-service-role")?.retainOnDelete).toBe(true);
});
