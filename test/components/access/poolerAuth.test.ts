import { authLookupBody } from "../../../lib/pgbouncer";
import { baseConfig, ProgramRun, Recorded, runProgram } from "../../harness";

const GRANT = "postgresql:index/grant:Grant";
const FUNCTION = "postgresql:index/function:Function";
const SCHEMA = "postgresql:index/schema:Schema";

const server = (pooler?: Record<string, unknown>) => ({
    mode: "existing",
    host: "db.example.internal",
    port: 5432,
    adminUser: "pgstack_admin",
    caCertPath: "/etc/ssl/ca.pem",
    // The pooler's lookup needs a superuser admin (config refuses it otherwise).
    superuser: true,
    ...(pooler ? { pooler } : {}),
});

let run: ProgramRun;
let without: ProgramRun;
beforeAll(async () => {
    run = await runProgram(
        baseConfig({ server: server({ host: "pooler.example.internal", port: 6432 }), tenantAccess: "both" }),
    );
    without = await runProgram(baseConfig({ server: server() }));
    expect(run.error).toBeUndefined();
    expect(without.error).toBeUndefined();
});

const poolerAuth = (r: ProgramRun): Recorded[] => r.mocks.resources.filter((x) => x.name.includes("-pooler-auth"));

test("without server.pooler nothing is created for a pooler and every DSN goes to the server", () => {
    expect(poolerAuth(without)).toEqual([]);
    for (const k of ["DATABASE_URL", "DATABASE_SERVICE_URL", "DATABASE_READONLY_URL"]) {
        expect(new URL(without.outputs[k] as string).host).toBe("db.example.internal:5432");
    }
});

test("with server.pooler the app, read-only and tenant DSNs go through the pooler; the service DSN goes direct", () => {
    const host = (k: string) => new URL(run.outputs[k] as string).host;
    expect(host("DATABASE_URL")).toBe("pooler.example.internal:6432");
    expect(host("DATABASE_READONLY_URL")).toBe("pooler.example.internal:6432");
    expect(host("DATABASE_SERVICE_URL")).toBe("db.example.internal:5432");
    for (const url of Object.values(run.outputs.TENANT_DATABASE_URLS as Record<string, string>)) {
        expect(new URL(url).host).toBe("pooler.example.internal:6432");
    }
});

test("the plan: schema pgbouncer owned by the admin, the lookup function, four grants, in the app database", () => {
    const mine = poolerAuth(run);
    expect(mine.map((r) => `${r.type}|${r.name}`).sort()).toEqual(
        [
            "pgstack:access:PoolerAuth|pgstack-pooler-auth",
            `${SCHEMA}|pgstack-pooler-auth-schema`,
            `${FUNCTION}|pgstack-pooler-auth-get-auth`,
            `${GRANT}|pgstack-pooler-auth-get-auth-no-public`,
            `${GRANT}|pgstack-pooler-auth-get-auth-execute`,
            `${GRANT}|pgstack-pooler-auth-schema-usage`,
            `${GRANT}|pgstack-pooler-auth-connect`,
        ].sort(),
    );
    expect(run.mocks.named("pgstack-pooler-auth-schema").inputs).toMatchObject({
        name: "pgbouncer",
        database: "app",
        owner: "pgstack_admin",
    });
    // Through the provider on the app database, like the rest of the access layer's in-database objects.
    const providers = new Set(mine.filter((r) => r.type !== "pgstack:access:PoolerAuth").map((r) => r.provider));
    expect(providers.size).toBe(1);
    expect([...providers][0]).toContain("pgstack-db-provider");
});

test("the lookup is SECURITY DEFINER, returns text, and names everything in pg_catalog (no SET search_path)", () => {
    const f = run.mocks.named("pgstack-pooler-auth-get-auth").inputs;
    // Exactly what the provider reads back from pg_get_functiondef, so a second `up` shows no change.
    expect(f).toEqual({
        database: "app",
        schema: "pgbouncer",
        name: "get_auth",
        args: [{ name: "username", type: "text" }],
        returns: "text",
        language: "sql",
        volatility: "STABLE",
        securityDefiner: true,
        body: authLookupBody(),
    });
    const body = String(f.body);
    expect(body).toContain("pg_catalog.pg_shadow");
    expect(body).toContain("OPERATOR(pg_catalog.=)");
    expect(body).toContain("NOT s.usesuper");
    // Every relation, type and operator it names is pg_catalog-qualified.
    expect(body.replace(/pg_catalog\.\w+|OPERATOR\(pg_catalog\.=\)/g, "")).not.toMatch(/\b(pg_\w+|=)/);
});

test("EXECUTE is taken from PUBLIC and given to the auth user only; the auth user gets CONNECT and USAGE", () => {
    const grants = poolerAuth(run).filter((r) => r.type === GRANT);
    const view = grants.map((g) => ({
        role: g.inputs.role,
        objectType: g.inputs.objectType,
        objects: g.inputs.objects,
        privileges: g.inputs.privileges,
    }));
    expect(view).toEqual(
        expect.arrayContaining([
            { role: "public", objectType: "function", objects: ["get_auth"], privileges: [] },
            { role: "pgbouncer_auth", objectType: "function", objects: ["get_auth"], privileges: ["EXECUTE"] },
            { role: "pgbouncer_auth", objectType: "schema", objects: undefined, privileges: ["USAGE"] },
            { role: "pgbouncer_auth", objectType: "database", objects: undefined, privileges: ["CONNECT"] },
        ]),
    );
    expect(view).toHaveLength(4);
    // One catalog row each: EXECUTE waits for the revoke; CONNECT waits for the database's other ACL grants.
    const deps = (n: string) => run.mocks.options.get(n)?.dependencies ?? [];
    expect(
        deps("pgstack-pooler-auth-get-auth-execute").some((u) => u.endsWith("pgstack-pooler-auth-get-auth-no-public")),
    ).toBe(true);
    expect(deps("pgstack-pooler-auth-connect").some((u) => u.endsWith("::pgstack-schemas-app-connect"))).toBe(true);
});

test("server.pooler.authUser names the role the lookup is granted to", async () => {
    const r = await runProgram(
        baseConfig({ server: server({ host: "p", authUser: "bouncer_lookup" }), tenantAccess: "setrole" }),
    );
    expect(r.error).toBeUndefined();
    const roles = poolerAuth(r)
        .filter((x) => x.type === GRANT && x.inputs.role !== "public")
        .map((x) => x.inputs.role);
    expect(new Set(roles)).toEqual(new Set(["bouncer_lookup"]));
});

test("the lookup function is dropped before it is created again when a change replaces it", () => {
    const fn = poolerAuth(run).find((r) => r.type === FUNCTION);
    expect(fn).toBeDefined();
    expect(run.mocks.options.get(fn!.name)?.deleteBeforeReplace).toBe(true);
});
