/**
 * The row-level-security contract (lib/sql.ts) on a real server: the guard function and the helper
 * migrations call, installed with the same bodies the stack's postgresql.Function resources carry.
 */
import { escapeIdentifier as id } from "pg";
import { GUARD_SCHEMA } from "../../lib/naming";
import { currentTenantBody, enableTenantRlsBody } from "../../lib/sql";
import { client, localPg, LocalPg, query, withClient } from "./support";

const DB = `it_rls_${process.pid}`;
const P = `it_rls_${process.pid}_`;
const R = { service: `${P}service`, app: `${P}app`, acme: `${P}t_acme`, globex: `${P}t_globex` };
// The stack's tenants group (lib/naming.ts), which enable_tenant_rls grants each guarded table to.
const TENANTS = `${P}tenants`;
const PW = "it-rls-password";
let pg: LocalPg;

const as = (role: string) => client(pg, { user: role, password: PW, database: DB });

beforeAll(async () => {
    pg = localPg();
    await withClient(client(pg), async (c) => {
        for (const r of Object.values(R)) await c.query(`CREATE ROLE ${id(r)} LOGIN PASSWORD '${PW}'`);
        // The roles as the stack makes them: tenants inherit from the tenants group.
        await c.query(`CREATE ROLE ${id(TENANTS)} NOLOGIN`);
        await c.query(`GRANT ${id(TENANTS)} TO ${id(R.acme)}, ${id(R.globex)}`);
        await c.query(`CREATE DATABASE ${id(DB)} OWNER ${id(R.service)}`);
    });
    await withClient(client(pg, { database: DB }), async (c) => {
        const g = id(GUARD_SCHEMA);
        await c.query(`CREATE SCHEMA ${g}`);
        await c.query(
            `CREATE FUNCTION ${g}.current_tenant_id() RETURNS text LANGUAGE sql STABLE AS $body$${currentTenantBody(`${P}t_`)}$body$`,
        );
        await c.query(
            `CREATE FUNCTION ${g}.enable_tenant_rls(target regclass, tenant_column text DEFAULT 'tenant_id'::text) RETURNS void LANGUAGE plpgsql AS $body$${enableTenantRlsBody(GUARD_SCHEMA, TENANTS)}$body$`,
        );
        await c.query(`GRANT USAGE ON SCHEMA ${g} TO ${[R.service, R.app, R.acme, R.globex].map(id).join(", ")}`);
    });
    // The app schema with what the stack grants on it (the app role's DML; USAGE and sequences for
    // the tenants group: components/access/appSchemas.ts), then the migration, as the service role: a shared
    // table, guarded (and granted to the tenants group) by the helper alone.
    await withClient(as(R.service), async (c) => {
        await c.query("CREATE SCHEMA app");
        await c.query(`GRANT USAGE ON SCHEMA app TO ${id(R.app)}, ${id(TENANTS)}`);
        await c.query(
            `ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${id(R.app)}`,
        );
        await c.query(
            `ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT USAGE, SELECT ON SEQUENCES TO ${id(R.app)}, ${id(TENANTS)}`,
        );
        await c.query("CREATE TABLE app.reports (id serial PRIMARY KEY, tenant_id text NOT NULL, body text)");
        await c.query(`SELECT ${id(GUARD_SCHEMA)}.enable_tenant_rls('app.reports')`);
    });
    for (const t of ["acme", "globex"]) {
        await withClient(as(R.app), async (c) => {
            await c.query("SELECT set_config('app.tenant_id', $1, false)", [t]);
            await c.query("INSERT INTO app.reports (tenant_id, body) VALUES ($1, 'x'), ($1, 'y')", [t]);
        });
    }
});

afterAll(async () => {
    await withClient(client(pg), async (c) => {
        await c.query(`DROP DATABASE IF EXISTS ${id(DB)} WITH (FORCE)`);
        for (const r of [...Object.values(R), TENANTS]) await c.query(`DROP ROLE IF EXISTS ${id(r)}`);
    });
});

const tenantsSeen = async (role: string, setting?: string) =>
    withClient(as(role), async (c) => {
        if (setting !== undefined) await c.query("SELECT set_config('app.tenant_id', $1, false)", [setting]);
        const rows = await query<{ tenant_id: string }>(c, "SELECT DISTINCT tenant_id FROM app.reports ORDER BY 1");
        return rows.map((r) => r.tenant_id);
    });

test("the app role sees only the rows of the tenant it set", async () => {
    expect(await tenantsSeen(R.app, "acme")).toEqual(["acme"]);
    expect(await tenantsSeen(R.app, "globex")).toEqual(["globex"]);
});

test("with no tenant set, no row is visible (fail closed)", async () => {
    expect(await tenantsSeen(R.app)).toEqual([]);
});

test("a tenant role sees its own rows and cannot claim another tenant through app.tenant_id", async () => {
    expect(await tenantsSeen(R.acme)).toEqual(["acme"]);
    expect(await tenantsSeen(R.acme, "globex")).toEqual(["acme"]);
});

test("a tenant writes its own rows on a shared table the helper guarded, with no grant of the migration's own", async () => {
    await withClient(as(R.globex), (c) => c.query("INSERT INTO app.reports (tenant_id, body) VALUES ('globex', 'z')"));
    await withClient(as(R.globex), (c) => c.query("DELETE FROM app.reports WHERE body = 'z'"));
    // A table no migration guarded stays closed to tenants.
    await withClient(as(R.service), (c) => c.query("CREATE TABLE app.unguarded (tenant_id text)"));
    await expect(withClient(as(R.acme), (c) => c.query("SELECT * FROM app.unguarded"))).rejects.toThrow(
        /permission denied/,
    );
});

test("a row for another tenant cannot be written", async () => {
    await expect(
        withClient(as(R.acme), (c) => c.query("INSERT INTO app.reports (tenant_id, body) VALUES ('globex', 'z')")),
    ).rejects.toThrow(/row-level security/);
});

test("the table owner (the service role) is bound by the policy too: FORCE ROW LEVEL SECURITY", async () => {
    expect(await tenantsSeen(R.service)).toEqual([]);
    const forced = await withClient(client(pg, { database: DB }), (c) =>
        query<{ relforcerowsecurity: boolean }>(
            c,
            "SELECT relforcerowsecurity FROM pg_class WHERE oid = 'app.reports'::regclass",
        ),
    );
    expect(forced[0].relforcerowsecurity).toBe(true);
});

test("on a uuid tenant column the policy keeps the column's index usable", async () => {
    await withClient(as(R.service), async (c) => {
        await c.query("CREATE TABLE app.events (tenant_id uuid NOT NULL, body text)");
        await c.query(
            "INSERT INTO app.events SELECT ('00000000-0000-0000-0000-' || lpad((i % 500)::text, 12, '0'))::uuid, 'x' FROM generate_series(1, 50000) i",
        );
        await c.query("CREATE INDEX ON app.events (tenant_id)");
        await c.query("ANALYZE app.events");
        await c.query(`SELECT ${id(GUARD_SCHEMA)}.enable_tenant_rls('app.events')`);
    });
    const plan = await withClient(as(R.app), async (c) => {
        await c.query("SELECT set_config('app.tenant_id', '00000000-0000-0000-0000-000000000007', false)");
        const rows = await query<{ "QUERY PLAN": string }>(c, "EXPLAIN SELECT count(*) FROM app.events");
        const n = await query<{ n: number }>(c, "SELECT count(*)::int AS n FROM app.events");
        return { text: rows.map((r) => r["QUERY PLAN"]).join("\n"), n: n[0].n };
    });
    expect(plan.n).toBe(100);
    expect(plan.text).toMatch(/Index|Bitmap/);
    expect(plan.text).not.toMatch(/Seq Scan on events/);
});

test("a tenant that SETs ROLE to a group it belongs to is still its own tenant", async () => {
    const group = `${P}group`;
    await withClient(client(pg), async (c) => {
        await c.query(`CREATE ROLE ${id(group)} NOLOGIN`);
        await c.query(`GRANT ${id(group)} TO ${id(R.acme)}`);
    });
    try {
        await withClient(client(pg, { database: DB }), (c) =>
            c.query(`GRANT SELECT ON app.reports TO ${id(group)}; GRANT USAGE ON SCHEMA app TO ${id(group)}`),
        );
        const seen = await withClient(as(R.acme), async (c) => {
            await c.query(`SET ROLE ${id(group)}`);
            await c.query("SELECT set_config('app.tenant_id', 'globex', false)");
            return (await query<{ t: string }>(c, "SELECT DISTINCT tenant_id AS t FROM app.reports")).map((r) => r.t);
        });
        expect(seen).toEqual(["acme"]);
    } finally {
        await withClient(client(pg, { database: DB }), (c) => c.query(`DROP OWNED BY ${id(group)}`));
        await withClient(client(pg), (c) => c.query(`DROP OWNED BY ${id(group)}; DROP ROLE ${id(group)}`));
    }
});
