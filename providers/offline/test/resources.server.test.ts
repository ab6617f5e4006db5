/**
 * The offline postgresql provider against the local TLS/SCRAM cluster: for each resource, create
 * (the catalog shows exactly what was asked), a clean re-plan, update in place, replace, drift seen
 * by Read, delete. Every object is uniquely named and cleaned up.
 */
import { Client } from "pg";
import * as fs from "fs";
import { role } from "../postgresql/role";
import { database } from "../postgresql/database";
import { schema } from "../postgresql/schema";
import { grant } from "../postgresql/grant";
import { defaultPrivileges } from "../postgresql/defaultPrivileges";
import { extension } from "../postgresql/extension";
import { fn } from "../postgresql/function";
import { grantRole } from "../postgresql/grantRole";
import { PgContext } from "../postgresql/context";
import { Props } from "../props";
import { Admin, Lifecycle, localPg, LocalPg, providerContext, unique } from "./support";

const sorted = (v: unknown) => (Array.isArray(v) ? [...v].sort() : v);

let pg: LocalPg;
let admin: Admin;
let ctx: PgContext;
let db: string;
const roles: string[] = [];
const databases: string[] = [];

/** A role made out of band (by the admin), dropped at the end. */
async function makeRole(prefix: string, attrs = "NOLOGIN"): Promise<string> {
    const name = unique(prefix);
    roles.push(name);
    await admin.q(`CREATE ROLE "${name}" ${attrs}`);
    return name;
}

beforeAll(async () => {
    pg = localPg();
    admin = new Admin(pg);
    ctx = providerContext(pg);
    db = unique("offp_db");
    databases.push(db);
    await admin.q(`CREATE DATABASE "${db}"`);
});

afterAll(async () => {
    await ctx?.client.close();
    for (const d of databases) {
        await admin.release(d);
        await admin.q(`DROP DATABASE IF EXISTS "${d}" WITH (FORCE)`);
    }
    for (const r of roles) {
        const exists = await admin.q("SELECT 1 FROM pg_roles WHERE rolname=$1", [r]);
        if (exists.length) {
            await admin.q(`DROP OWNED BY "${r}"`);
            await admin.q(`DROP ROLE "${r}"`);
        }
    }
    await admin?.close();
});

describe("Role", () => {
    it("creates a login role that reads back exactly, with a working password", async () => {
        const group = await makeRole("offp_grp");
        const name = unique("offp_role");
        roles.push(name);
        const r = new Lifecycle(role, ctx);
        const state = await r.create({
            name,
            login: true,
            password: "Pa'ss w0rd",
            connectionLimit: 3,
            roles: [group],
            searchPaths: ["public", "my schema"],
            statementTimeout: 1000,
        });
        expect(r.id).toBe(name);
        const [row] = await admin.q(
            "SELECT rolcanlogin, rolconnlimit, rolsuper, rolinherit, rolconfig, array(SELECT pg_get_userbyid(roleid)::text FROM pg_auth_members WHERE member = r.oid) AS m FROM pg_roles r WHERE rolname=$1",
            [name],
        );
        expect(row).toEqual({
            rolcanlogin: true,
            rolconnlimit: 3,
            rolsuper: false,
            rolinherit: true,
            rolconfig: ['search_path=public, "my schema"', "statement_timeout=1000"],
            m: [group],
        });
        expect(state).toMatchObject({
            password: "Pa'ss w0rd",
            validUntil: "infinity",
            searchPaths: ["public", "my schema"],
        });
        expect(r.diff({ ...r.inputs }).changes).toBe(false);

        await admin.q(`GRANT CONNECT ON DATABASE "${db}" TO "${name}"`);
        const login = new Client({
            host: pg.host,
            port: pg.port,
            user: name,
            password: "Pa'ss w0rd",
            database: db,
            ssl: { ca: fs.readFileSync(pg.ca, "utf8"), rejectUnauthorized: true },
        });
        await login.connect();
        expect((await login.query("SELECT current_user AS u")).rows[0].u).toBe(name);
        await login.end();
    });

    it("renames and updates in place; an update revokes memberships made outside the resource", async () => {
        const extra = await makeRole("offp_extra");
        const name = unique("offp_role");
        const renamed = `${name}_b`;
        roles.push(name, renamed);
        const r = new Lifecycle(role, ctx);
        await r.create({ name, login: true });
        await admin.q(`GRANT "${extra}" TO "${name}"`);
        const d = await r.up({ name: renamed, login: true, connectionLimit: 7 });
        expect(d.replaces).toEqual([]);
        expect(Object.keys(d.detailed).sort()).toEqual(["connectionLimit", "name"]);
        const rows = await admin.q<{ rolconnlimit: number; n: string }>(
            "SELECT rolconnlimit, (SELECT count(*) FROM pg_auth_members WHERE member = r.oid)::int AS n FROM pg_roles r WHERE rolname=$1",
            [renamed],
        );
        expect(rows).toEqual([{ rolconnlimit: 7, n: 0 }]);
        expect(r.state.name).toBe(renamed);
        await r.delete();
        expect(await admin.q("SELECT 1 FROM pg_roles WHERE rolname=$1", [renamed])).toEqual([]);
    });

    it("sees drift on refresh and drops a role that is gone from state", async () => {
        const name = unique("offp_role");
        roles.push(name);
        const r = new Lifecycle(role, ctx);
        await r.create({ name, login: false });
        await admin.q(`ALTER ROLE "${name}" CONNECTION LIMIT 9 LOGIN`);
        const refreshed = await r.refresh();
        expect(refreshed).toMatchObject({ connectionLimit: 9, login: true });
        expect(r.diff({ name, login: false }).detailed).toEqual({ connectionLimit: "UPDATE", login: "UPDATE" });
        await r.up({ name, login: false });
        expect(await admin.q("SELECT rolconnlimit, rolcanlogin FROM pg_roles WHERE rolname=$1", [name])).toEqual([
            { rolconnlimit: -1, rolcanlogin: false },
        ]);
        await admin.q(`DROP ROLE "${name}"`);
        expect(await r.refresh()).toBeNull();
    });

    it("reassigns what the role owns to the admin on delete", async () => {
        const name = unique("offp_owner");
        roles.push(name);
        const r = new Lifecycle(role, ctx);
        await r.create({ name });
        const s = unique("offp_s");
        await admin.q(`CREATE SCHEMA "${s}" AUTHORIZATION "${name}"`);
        await r.delete();
        expect(
            await admin.q("SELECT pg_get_userbyid(nspowner)::text AS o FROM pg_namespace WHERE nspname=$1", [s]),
        ).toEqual([{ o: pg.user }]);
        await admin.q(`DROP SCHEMA "${s}"`);
    });
});

describe("Database", () => {
    it("creates with an owner, updates in place, replaces on encoding, sees drift, drops", async () => {
        const owner = await makeRole("offp_dbo");
        const name = unique("offp_d");
        databases.push(name);
        const d = new Lifecycle(database, ctx);
        const state = await d.create({ name, owner });
        expect(state).toMatchObject({
            name,
            owner,
            encoding: "UTF8",
            template: "template0",
            connectionLimit: -1,
            allowConnections: true,
            isTemplate: false,
            tablespaceName: "pg_default",
        });
        expect(
            await admin.q("SELECT pg_get_userbyid(datdba)::text AS o, datconnlimit FROM pg_database WHERE datname=$1", [
                name,
            ]),
        ).toEqual([{ o: owner, datconnlimit: -1 }]);
        // The temporary GRANT owner TO admin is revoked again.
        expect(
            await admin.q("SELECT 1 FROM pg_auth_members WHERE roleid = (SELECT oid FROM pg_roles WHERE rolname=$1)", [
                owner,
            ]),
        ).toEqual([]);
        expect(d.diff({ name, owner }).changes).toBe(false);

        await d.up({ name, owner, connectionLimit: 5 });
        expect(await admin.q("SELECT datconnlimit FROM pg_database WHERE datname=$1", [name])).toEqual([
            { datconnlimit: 5 },
        ]);

        await admin.q(`ALTER DATABASE "${name}" CONNECTION LIMIT 2`);
        expect(await d.refresh()).toMatchObject({ connectionLimit: 2 });

        const plan = await d.up({ name, owner, connectionLimit: 5, encoding: "SQL_ASCII" });
        expect(plan.replaces).toEqual(["encoding"]);
        expect(plan.deleteBeforeReplace).toBe(true);
        expect(
            await admin.q("SELECT pg_encoding_to_char(encoding) AS e FROM pg_database WHERE datname=$1", [name]),
        ).toEqual([{ e: "SQL_ASCII" }]);

        await d.delete();
        expect(await admin.q("SELECT 1 FROM pg_database WHERE datname=$1", [name])).toEqual([]);
        expect(await d.refresh()).toBeNull();
    });
});

describe("Schema", () => {
    it("creates with an owner, adopts an existing one, renames, changes owner, drops", async () => {
        const owner = await makeRole("offp_so");
        const owner2 = await makeRole("offp_so2");
        const name = unique("offp_s");
        const s = new Lifecycle(schema, ctx);
        const state = await s.create({ name, database: db, owner });
        expect(s.id).toBe(`${db}.${name}`);
        expect(state).toMatchObject({ name, database: db, owner, ifNotExists: true, dropCascade: false });
        expect(
            await admin.q("SELECT pg_get_userbyid(nspowner)::text AS o FROM pg_namespace WHERE nspname=$1", [name], db),
        ).toEqual([{ o: owner }]);
        expect(s.diff({ name, database: db, owner }).changes).toBe(false);
        expect(s.diff({ name, database: "other", owner }).replaces).toEqual(["database"]);

        await s.up({ name: `${name}_x`, database: db, owner: owner2 });
        expect(
            await admin.q(
                "SELECT pg_get_userbyid(nspowner)::text AS o FROM pg_namespace WHERE nspname=$1",
                [`${name}_x`],
                db,
            ),
        ).toEqual([{ o: owner2 }]);

        const adopted = unique("offp_s");
        await admin.q(`CREATE SCHEMA "${adopted}"`, [], db);
        const a = new Lifecycle(schema, ctx);
        await a.create({ name: adopted, database: db, owner, ifNotExists: false });
        expect(
            await admin.q(
                "SELECT pg_get_userbyid(nspowner)::text AS o FROM pg_namespace WHERE nspname=$1",
                [adopted],
                db,
            ),
        ).toEqual([{ o: owner }]);

        await admin.q(`DROP SCHEMA "${adopted}"`, [], db);
        expect(await a.refresh()).toBeNull();
        await s.delete();
        expect(await admin.q("SELECT 1 FROM pg_namespace WHERE nspname=$1", [`${name}_x`], db)).toEqual([]);
    });
});

describe("Grant", () => {
    let owner: string;
    let grantee: string;
    let sch: string;

    beforeAll(async () => {
        owner = await makeRole("offp_go");
        grantee = await makeRole("offp_ge");
        sch = unique("offp_gs");
        await admin.q(`CREATE SCHEMA "${sch}" AUTHORIZATION "${owner}"`, [], db);
        await admin.q(`CREATE TABLE "${sch}".t1 (id int); CREATE TABLE "${sch}".t2 (id int)`, [], db);
        await admin.q(
            `ALTER TABLE "${sch}".t1 OWNER TO "${owner}"; ALTER TABLE "${sch}".t2 OWNER TO "${owner}"`,
            [],
            db,
        );
    });

    const privs = async (table: string) =>
        (
            await admin.q<{ p: string[] }>(
                "SELECT coalesce(array_agg(privilege_type::text ORDER BY privilege_type), '{}') AS p FROM information_schema.role_table_grants WHERE grantee=$1 AND table_schema=$2 AND table_name=$3",
                [grantee, sch, table],
                db,
            )
        )[0].p;

    it("grants on all tables, reduces in place, sees drift, replaces delete-first, revokes", async () => {
        const g = new Lifecycle(grant, ctx);
        const inputs = {
            role: grantee,
            database: db,
            schema: sch,
            objectType: "table",
            privileges: ["SELECT", "INSERT"],
        };
        await g.create(inputs);
        expect(g.id).toBe(`${grantee}_${db}_${sch}_table`);
        expect(await privs("t1")).toEqual(["INSERT", "SELECT"]);
        expect(await privs("t2")).toEqual(["INSERT", "SELECT"]);
        expect(g.diff({ ...inputs, privileges: ["INSERT", "SELECT"] }).changes).toBe(false);

        const d = await g.up({ ...inputs, privileges: ["SELECT"] });
        expect(d.detailed).toEqual({ privileges: "UPDATE" });
        expect(await privs("t1")).toEqual(["SELECT"]);

        await admin.q(`GRANT DELETE ON "${sch}".t2 TO "${grantee}"`, [], db);
        expect(sorted((await g.refresh())?.privileges)).toEqual(["DELETE", "SELECT"]);
        expect(g.diff({ ...inputs, privileges: ["SELECT"] }).detailed).toEqual({ privileges: "UPDATE" });
        await g.up({ ...inputs, privileges: ["SELECT"] });
        expect(await privs("t2")).toEqual(["SELECT"]);

        const r = await g.up({ ...inputs, privileges: ["SELECT"], withGrantOption: true });
        expect(r.replaces).toEqual(["withGrantOption"]);
        expect(r.deleteBeforeReplace).toBe(true);
        const grantable = await admin.q(
            "SELECT is_grantable FROM information_schema.role_table_grants WHERE grantee=$1 AND table_schema=$2 AND table_name='t1'",
            [grantee, sch],
            db,
        );
        expect(grantable).toEqual([{ is_grantable: "YES" }]);

        await g.delete();
        expect(await privs("t1")).toEqual([]);
    });

    it("is authoritative for a database grant to PUBLIC and for schema USAGE", async () => {
        const pub = new Lifecycle(grant, ctx);
        await pub.create({ role: "public", database: db, objectType: "database", privileges: [] });
        expect(pub.id).toBe(`public_${db}_database`);
        const acl = await admin.q<{ acl: string[] }>("SELECT datacl::text[] AS acl FROM pg_database WHERE datname=$1", [
            db,
        ]);
        expect(acl[0].acl.some((a) => a.startsWith("="))).toBe(false);

        const usage = new Lifecycle(grant, ctx);
        await usage.create({
            role: grantee,
            database: db,
            schema: sch,
            objectType: "schema",
            privileges: ["USAGE", "CREATE"],
        });
        await usage.up({ role: grantee, database: db, schema: sch, objectType: "schema", privileges: ["USAGE"] });
        expect(
            await admin.q(
                "SELECT has_schema_privilege($1, $2, 'USAGE') AS u, has_schema_privilege($1, $2, 'CREATE') AS c",
                [grantee, sch],
                db,
            ),
        ).toEqual([{ u: true, c: false }]);
        await usage.delete();
        expect(await admin.q("SELECT has_schema_privilege($1, $2, 'USAGE') AS u", [grantee, sch], db)).toEqual([
            { u: false },
        ]);
        await pub.delete();
    });

    it("waits for the grantee's advisory lock (pgLockRole in the target database)", async () => {
        const holder = new Client({
            host: pg.host,
            port: pg.port,
            user: pg.user,
            password: pg.password,
            database: db,
            ssl: { ca: fs.readFileSync(pg.ca, "utf8"), rejectUnauthorized: true },
        });
        await holder.connect();
        await holder.query("BEGIN");
        await holder.query("SELECT pg_advisory_xact_lock(oid::bigint) FROM pg_roles WHERE rolname = $1", [grantee]);
        const g = new Lifecycle(grant, ctx);
        let done = false;
        const creating = g
            .create({ role: grantee, database: db, schema: sch, objectType: "sequence", privileges: ["USAGE"] })
            .then(() => (done = true));
        await new Promise((r) => setTimeout(r, 1500));
        expect(done).toBe(false);
        await holder.query("COMMIT");
        await creating;
        expect(done).toBe(true);
        await holder.end();
        await g.delete();
    });

    it("drops a grant from state when its schema or role is gone", async () => {
        const tmpRole = await makeRole("offp_gt");
        const g = new Lifecycle(grant, ctx);
        await g.create({ role: tmpRole, database: db, schema: sch, objectType: "function", privileges: ["EXECUTE"] });
        await admin.q(`DROP OWNED BY "${tmpRole}"`, [], db);
        await admin.q(`DROP ROLE "${tmpRole}"`);
        expect(await g.refresh()).toBeNull();
    });
});

describe("DefaultPrivileges", () => {
    it("grants on future tables, updates, sees drift, revokes", async () => {
        const owner = await makeRole("offp_dpo");
        const grantee = await makeRole("offp_dpg");
        const sch = unique("offp_dps");
        await admin.q(`CREATE SCHEMA "${sch}" AUTHORIZATION "${owner}"`, [], db);
        const d = new Lifecycle(defaultPrivileges, ctx);
        const inputs = {
            role: grantee,
            database: db,
            owner,
            schema: sch,
            objectType: "table",
            privileges: ["SELECT", "UPDATE"],
        };
        await d.create(inputs);
        expect(d.id).toBe(`${grantee}_${db}_${sch}_${owner}_table`);
        const acl = async () =>
            (
                await admin.q<{ acl: string[] }>(
                    "SELECT coalesce(defaclacl::text[], '{}') AS acl FROM pg_default_acl a JOIN pg_namespace n ON n.oid = a.defaclnamespace WHERE nspname = $1 AND defaclobjtype = 'r'",
                    [sch],
                    db,
                )
            )[0]?.acl ?? [];
        expect(await acl()).toEqual([`${grantee}=rw/${owner}`]);
        expect(d.diff(inputs).changes).toBe(false);

        await d.up({ ...inputs, privileges: ["SELECT"] });
        expect(await acl()).toEqual([`${grantee}=r/${owner}`]);

        await admin.q(
            `ALTER DEFAULT PRIVILEGES FOR ROLE "${owner}" IN SCHEMA "${sch}" GRANT DELETE ON TABLES TO "${grantee}"`,
            [],
            db,
        );
        expect(sorted((await d.refresh())?.privileges)).toEqual(["DELETE", "SELECT"]);
        await d.up({ ...inputs, privileges: ["SELECT"] });

        await admin.q(
            `ALTER DEFAULT PRIVILEGES FOR ROLE "${owner}" IN SCHEMA "${sch}" REVOKE ALL ON TABLES FROM "${grantee}"`,
            [],
            db,
        );
        expect(await d.refresh()).toBeNull();

        await d.create({ ...inputs, privileges: ["SELECT"] });
        await d.delete();
        expect(await acl()).toEqual([]);
    });

    it("works for a non-superuser admin by granting the owner role only inside the transaction", async () => {
        const limited = await makeRole("offp_adm", "LOGIN CREATEROLE PASSWORD 'lim1ted-Pw'");
        await admin.q(`GRANT CREATE, CONNECT ON DATABASE "${db}" TO "${limited}"`);
        const owner = await makeRole("offp_dpo");
        const grantee = await makeRole("offp_dpg");
        const limitedCtx = providerContext(
            { ...pg, user: limited, password: "lim1ted-Pw" },
            {
                superuser: "false",
                database: db,
            },
        );
        try {
            const d = new Lifecycle(defaultPrivileges, limitedCtx);
            await d.create({ role: grantee, database: db, owner, objectType: "sequence", privileges: ["USAGE"] });
            expect(d.id).toBe(`${grantee}_${db}_noschema_${owner}_sequence`);
            const member = await admin.q(
                "SELECT 1 FROM pg_auth_members WHERE roleid = (SELECT oid FROM pg_roles WHERE rolname=$1) AND member = (SELECT oid FROM pg_roles WHERE rolname=$2)",
                [owner, limited],
            );
            expect(member).toEqual([]);
            await d.delete();
        } finally {
            await limitedCtx.client.close();
            await admin.q(`REVOKE ALL ON DATABASE "${db}" FROM "${limited}"`);
        }
    });
});

describe("Extension", () => {
    it("creates, moves schema in place, replaces on name, drops", async () => {
        const e = new Lifecycle(extension, ctx);
        const state = await e.create({ name: "citext", database: db });
        expect(e.id).toBe(`${db}.citext`);
        expect(state).toMatchObject({ name: "citext", database: db, schema: "public", version: "1.6" });
        expect(e.diff({ name: "citext", database: db }).changes).toBe(false);
        const sch = unique("offp_es");
        await admin.q(`CREATE SCHEMA "${sch}"`, [], db);
        await e.up({ name: "citext", database: db, schema: sch });
        expect(
            await admin.q(
                "SELECT extnamespace::regnamespace::text AS s FROM pg_extension WHERE extname='citext'",
                [],
                db,
            ),
        ).toEqual([{ s: sch }]);
        expect(e.diff({ name: "hstore", database: db }).replaces).toEqual(["name"]);
        await admin.q("DROP EXTENSION citext", [], db);
        expect(await e.refresh()).toBeNull();
        await e.create({ name: "citext", database: db });
        await e.delete();
        expect(await admin.q("SELECT 1 FROM pg_extension WHERE extname='citext'", [], db)).toEqual([]);
    });
});

describe("Function", () => {
    it("creates, reads back without a diff, updates the body in place, replaces on args, drops", async () => {
        const sch = unique("offp_fs");
        await admin.q(`CREATE SCHEMA "${sch}"`, [], db);
        const f = new Lifecycle(fn, ctx);
        const label = { name: "label", type: "text", default: "'n'::text" };
        const inputs: Props = {
            name: "add_one",
            schema: sch,
            database: db,
            args: [{ name: "x", type: "integer" }, label],
            returns: "integer",
            language: "sql",
            volatility: "IMMUTABLE",
            parallel: "SAFE",
            strict: true,
            body: "SELECT x + 1",
        };
        const state = await f.create(inputs);
        expect(f.id).toBe(`${db}.${sch}.add_one(integer,text)`);
        expect(state).toMatchObject({
            volatility: "IMMUTABLE",
            parallel: "SAFE",
            strict: true,
            body: "SELECT x + 1",
            returns: "integer",
        });
        expect(f.diff(inputs).changes).toBe(false);
        expect((await admin.q(`SELECT "${sch}".add_one(41) AS v`, [], db))[0]).toEqual({ v: 42 });

        const d = await f.up({ ...inputs, body: "SELECT x + 2" });
        expect(d.replaces).toEqual([]);
        expect((await admin.q(`SELECT "${sch}".add_one(40) AS v`, [], db))[0]).toEqual({ v: 42 });

        // Alias types read back canonical, so after a refresh they plan a replacement (as upstream).
        expect(f.diff({ ...inputs, body: "SELECT x + 2", args: [{ name: "x", type: "int" }, label] }).replaces).toEqual(
            ["args"],
        );

        await admin.q(`DROP FUNCTION "${sch}".add_one(integer, text)`, [], db);
        expect(await f.refresh()).toBeNull();
        await f.create(inputs);
        await f.delete();
        expect(
            await admin.q(
                "SELECT 1 FROM pg_proc WHERE proname='add_one' AND pronamespace = $1::regnamespace",
                [sch],
                db,
            ),
        ).toEqual([]);
    });
});

describe("GrantRole", () => {
    it("grants membership, is wiped by a Role update (upstream's documented conflict), revokes", async () => {
        const group = await makeRole("offp_gg");
        const name = unique("offp_gm");
        roles.push(name);
        const member = new Lifecycle(role, ctx);
        await member.create({ name });
        const gr = new Lifecycle(grantRole, ctx);
        await gr.create({ role: name, grantRole: group, withAdminOption: true });
        expect(gr.id).toBe(`${name}_${group}_true`);
        expect(gr.state).toMatchObject({ withAdminOption: true });
        expect(gr.diff({ role: name, grantRole: group }).replaces).toEqual(["withAdminOption"]);

        await member.up({ name, connectionLimit: 4 });
        expect(await gr.refresh()).toBeNull();

        await gr.create({ role: name, grantRole: group });
        await gr.delete();
        expect(
            await admin.q("SELECT 1 FROM pg_auth_members WHERE member = (SELECT oid FROM pg_roles WHERE rolname=$1)", [
                name,
            ]),
        ).toEqual([]);
        await member.delete();
    });
});
