/**
 * `postgresql:index/schema:Schema` (resource_postgresql_schema.go). An existing
 * schema is adopted silently; `policies` (deprecated) are granted but never read back, as
 * upstream. Only `database` replaces. ID = `<database>.<schema>`.
 */
import { bool, isObject, Props, str, Value } from "../props";
import { ResourceDef } from "../resource";
import { atLeast, PgVersion, qi, Querier, withRolesGranted } from "./client";
import { databaseObjectId, DatabaseObjectKey, databaseObjectKey } from "../../../upstream/ids";
import { POSTGRESQL } from "../../../upstream/tokens";
import { PgContext, withContext } from "./context";

export interface SchemaPolicy {
    role: string;
    create: boolean;
    createWithGrant: boolean;
    usage: boolean;
    usageWithGrant: boolean;
}

/** The inputs that make up the ID (upstream/ids.ts), and the rest of the schema's inputs. */
export interface SchemaSpec extends DatabaseObjectKey {
    owner: string;
    ifNotExists: boolean;
    dropCascade: boolean;
    policies: SchemaPolicy[];
}

export function policiesFrom(v: Value | undefined): SchemaPolicy[] {
    if (!Array.isArray(v)) return [];
    // Upstream merges policies per lower-cased role.
    const byRole = new Map<string, SchemaPolicy>();
    for (const e of v) {
        if (!isObject(e)) continue;
        const role = typeof e.role === "string" ? e.role : "";
        const key = role.toLowerCase();
        const p = byRole.get(key) ?? {
            role,
            create: false,
            createWithGrant: false,
            usage: false,
            usageWithGrant: false,
        };
        p.create ||= e.create === true;
        p.createWithGrant ||= e.createWithGrant === true;
        p.usage ||= e.usage === true;
        p.usageWithGrant ||= e.usageWithGrant === true;
        byRole.set(key, p);
    }
    return [...byRole.values()];
}

export function schemaSpec(p: Props, providerDb: string): SchemaSpec {
    return {
        ...databaseObjectKey(p, providerDb),
        owner: str(p, "owner") ?? "",
        ifNotExists: bool(p, "ifNotExists") ?? true,
        dropCascade: bool(p, "dropCascade") ?? false,
        policies: policiesFrom(p.policies),
    };
}

export function createSchemaSql(s: SchemaSpec, v: PgVersion): string {
    const ine = s.ifNotExists && atLeast(v, 9, 3) ? "IF NOT EXISTS " : "";
    const auth = s.owner ? ` AUTHORIZATION ${qi(s.owner)}` : "";
    return `CREATE SCHEMA ${ine}${qi(s.name)}${auth}`;
}

const target = (role: string) => (role === "" ? "PUBLIC" : qi(role));

export function policyGrantSql(schema: string, p: SchemaPolicy): string[] {
    const sql: string[] = [];
    if (p.create || p.createWithGrant) {
        sql.push(
            `GRANT CREATE ON SCHEMA ${qi(schema)} TO ${target(p.role)}${p.createWithGrant ? " WITH GRANT OPTION" : ""}`,
        );
    }
    if (p.usage || p.usageWithGrant) {
        sql.push(
            `GRANT USAGE ON SCHEMA ${qi(schema)} TO ${target(p.role)}${p.usageWithGrant ? " WITH GRANT OPTION" : ""}`,
        );
    }
    return sql;
}

export function policyRevokeSql(schema: string, p: SchemaPolicy): string[] {
    const sql: string[] = [];
    if (p.createWithGrant) sql.push(`REVOKE GRANT OPTION FOR CREATE ON SCHEMA ${qi(schema)} FROM ${target(p.role)}`);
    if (p.create || p.createWithGrant) sql.push(`REVOKE CREATE ON SCHEMA ${qi(schema)} FROM ${target(p.role)}`);
    if (p.usageWithGrant) sql.push(`REVOKE GRANT OPTION FOR USAGE ON SCHEMA ${qi(schema)} FROM ${target(p.role)}`);
    if (p.usage || p.usageWithGrant) sql.push(`REVOKE USAGE ON SCHEMA ${qi(schema)} FROM ${target(p.role)}`);
    return sql;
}

const samePolicy = (a: SchemaPolicy, b: SchemaPolicy) =>
    a.create === b.create &&
    a.createWithGrant === b.createWithGrant &&
    a.usage === b.usage &&
    a.usageWithGrant === b.usageWithGrant;

async function roleExists(q: Querier, role: string): Promise<boolean> {
    return role === "" || (await q.query("SELECT 1 FROM pg_roles WHERE rolname=$1", [role])).length > 0;
}

async function readSchema(ctx: PgContext, state: Props) {
    const s = schemaSpec(state, ctx.client.config.database);
    return withContext(
        `error reading schema ${s.name}`,
        (async () => {
            const db = await ctx.client.run(undefined, (q) =>
                q.query("SELECT datname FROM pg_database WHERE datname=$1", [s.database]),
            );
            if (db.length === 0) return null;
            const rows = await ctx.client.run(s.database, (q) =>
                q.query(
                    "SELECT pg_catalog.pg_get_userbyid(n.nspowner) AS owner, COALESCE(n.nspacl,'{}'::aclitem[])::TEXT[] AS acl FROM pg_catalog.pg_namespace n WHERE n.nspname=$1",
                    [s.name],
                ),
            );
            if (rows.length === 0) return null;
            return {
                id: databaseObjectId(s),
                outputs: { ...state, name: s.name, database: s.database, owner: String(rows[0].owner) },
            };
        })(),
    );
}

export const schema: ResourceDef<PgContext> = {
    token: POSTGRESQL.Schema,
    autoname: true,
    props: {
        name: { kind: "string" },
        database: { kind: "string", computed: true, forceNew: true },
        owner: { kind: "string", computed: true },
        ifNotExists: { kind: "bool", default: true },
        dropCascade: { kind: "bool", default: false },
        policies: {
            kind: "objectSet",
            computed: true,
            fields: {
                create: { kind: "bool", default: false },
                createWithGrant: { kind: "bool", default: false },
                role: { kind: "string", default: "" },
                usage: { kind: "bool", default: false },
                usageWithGrant: { kind: "bool", default: false },
            },
        },
    },
    async create(ctx, inputs) {
        const s = schemaSpec(inputs, ctx.client.config.database);
        const v = await ctx.client.serverVersion();
        await withContext(
            `error creating schema ${s.name}`,
            ctx.client.tx(s.database, async (q) => {
                const dbOwner = await q.query(
                    "SELECT pg_catalog.pg_get_userbyid(d.datdba) AS owner FROM pg_catalog.pg_database d WHERE d.datname = $1",
                    [s.database],
                );
                const roles = dbOwner.length ? [String(dbOwner[0].owner)] : [];
                if (s.owner && !roles.includes(s.owner)) roles.push(s.owner);
                await withRolesGranted(q, v, roles, async () => {
                    const exists = await q.query("SELECT TRUE FROM pg_catalog.pg_namespace WHERE nspname = $1", [
                        s.name,
                    ]);
                    if (exists.length === 0) await q.query(createSchemaSql(s, v));
                    else if (s.owner) await q.query(`ALTER SCHEMA ${qi(s.name)} OWNER TO ${qi(s.owner)}`);
                    for (const p of s.policies) for (const sql of policyGrantSql(s.name, p)) await q.query(sql);
                });
            }),
        );
        const r = await readSchema(ctx, { ...inputs, database: s.database });
        if (!r) throw new Error(`schema ${s.name} not found after create`);
        return r;
    },
    async read(ctx, id, state) {
        if (state.name === undefined) {
            const dot = id.indexOf(".");
            return readSchema(ctx, { database: id.slice(0, dot), name: id.slice(dot + 1) });
        }
        return readSchema(ctx, state);
    },
    async update(ctx, _id, olds, news) {
        const db = ctx.client.config.database;
        const o = schemaSpec(olds, db);
        const n = schemaSpec({ ...news, database: news.database ?? olds.database }, db);
        const v = await ctx.client.serverVersion();
        await withContext(
            `error updating schema ${o.name}`,
            ctx.client.tx(n.database, async (q) => {
                if (o.name !== n.name) await q.query(`ALTER SCHEMA ${qi(o.name)} RENAME TO ${qi(n.name)}`);
                const newOwner = str(news, "owner");
                if (newOwner !== undefined && newOwner !== o.owner) {
                    if (newOwner === "") throw new Error("owner cannot be empty");
                    await q.query(`ALTER SCHEMA ${qi(n.name)} OWNER TO ${qi(newOwner)}`);
                }
                if (news.policies === undefined) return;
                const owner = newOwner ?? o.owner;
                await withRolesGranted(q, v, owner ? [owner] : [], async () => {
                    const oldBy = new Map(o.policies.map((p) => [p.role.toLowerCase(), p]));
                    const newBy = new Map(n.policies.map((p) => [p.role.toLowerCase(), p]));
                    for (const [k, p] of oldBy) {
                        const np = newBy.get(k);
                        if (np && samePolicy(p, np)) continue;
                        if (await roleExists(q, p.role)) for (const s of policyRevokeSql(n.name, p)) await q.query(s);
                    }
                    for (const [k, p] of newBy) {
                        const op = oldBy.get(k);
                        if (op && samePolicy(p, op)) continue;
                        for (const s of policyGrantSql(n.name, p)) await q.query(s);
                    }
                });
            }),
        );
        const r = await readSchema(ctx, { ...olds, ...news, database: n.database });
        if (!r) throw new Error(`schema ${n.name} not found after update`);
        return r;
    },
    async delete(ctx, _id, state) {
        const s = schemaSpec(state, ctx.client.config.database);
        const v = await ctx.client.serverVersion();
        await withContext(
            `error deleting schema ${s.name}`,
            ctx.client.tx(s.database, async (q) => {
                const exists = await q.query("SELECT TRUE FROM pg_catalog.pg_namespace WHERE nspname = $1", [s.name]);
                if (exists.length === 0) return;
                await withRolesGranted(q, v, s.owner ? [s.owner] : [], () =>
                    q.query(`DROP SCHEMA ${qi(s.name)} ${s.dropCascade ? "CASCADE" : "RESTRICT"}`),
                );
            }),
        );
    },
};
