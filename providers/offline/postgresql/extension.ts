/**
 * `postgresql:index/extension:Extension` (resource_postgresql_extension.go).
 * CREATE EXTENSION IF NOT EXISTS (an existing extension is adopted); `name` and `database` replace,
 * `schema` and `version` update in place. ID = `<database>.<name>`.
 */
import { bool, Props, str } from "../props";
import { ResourceDef } from "../resource";
import { qi } from "./client";
import { databaseObjectId, DatabaseObjectKey, databaseObjectKey } from "../../../upstream/ids";
import { POSTGRESQL } from "../../../upstream/tokens";
import { PgContext, withContext } from "./context";

/** The inputs that make up the ID (upstream/ids.ts), and the rest of the extension's inputs. */
export interface ExtensionSpec extends DatabaseObjectKey {
    schema: string;
    version: string;
    dropCascade: boolean;
    createCascade: boolean;
}

export function extensionSpec(p: Props, providerDb: string): ExtensionSpec {
    return {
        ...databaseObjectKey(p, providerDb),
        schema: str(p, "schema") ?? "",
        version: str(p, "version") ?? "",
        dropCascade: bool(p, "dropCascade") ?? false,
        createCascade: bool(p, "createCascade") ?? false,
    };
}

export function createExtensionSql(e: ExtensionSpec): string {
    let sql = `CREATE EXTENSION IF NOT EXISTS ${qi(e.name)}`;
    if (e.schema) sql += ` SCHEMA ${qi(e.schema)}`;
    if (e.version) sql += ` VERSION ${qi(e.version)}`;
    if (e.createCascade) sql += " CASCADE";
    return sql;
}

export function updateExtensionSql(o: ExtensionSpec, n: ExtensionSpec): string[] {
    const sql: string[] = [];
    if (o.schema !== n.schema) {
        if (!n.schema) throw new Error("schema cannot be empty");
        sql.push(`ALTER EXTENSION ${qi(n.name)} SET SCHEMA ${qi(n.schema)}`);
    }
    if (o.version !== n.version) {
        sql.push(
            n.version
                ? `ALTER EXTENSION ${qi(n.name)} UPDATE TO ${qi(n.version)}`
                : `ALTER EXTENSION ${qi(n.name)} UPDATE`,
        );
    }
    return sql;
}

export function dropExtensionSql(e: ExtensionSpec): string {
    return `DROP EXTENSION ${qi(e.name)} ${e.dropCascade ? "CASCADE" : "RESTRICT"}`;
}

async function readExtension(ctx: PgContext, state: Props) {
    const e = extensionSpec(state, ctx.client.config.database);
    return withContext(
        `error reading extension ${e.name}`,
        (async () => {
            const db = await ctx.client.run(undefined, (q) =>
                q.query("SELECT datname FROM pg_database WHERE datname=$1", [e.database]),
            );
            if (db.length === 0) return null;
            const rows = await ctx.client.run(e.database, (q) =>
                q.query(
                    "SELECT n.nspname, e.extversion FROM pg_catalog.pg_extension e, pg_catalog.pg_namespace n WHERE n.oid = e.extnamespace AND e.extname = $1",
                    [e.name],
                ),
            );
            if (rows.length === 0) return null;
            return {
                id: databaseObjectId(e),
                outputs: {
                    ...state,
                    name: e.name,
                    database: e.database,
                    schema: String(rows[0].nspname),
                    version: String(rows[0].extversion),
                },
            };
        })(),
    );
}

export const extension: ResourceDef<PgContext> = {
    token: POSTGRESQL.Extension,
    autoname: true,
    props: {
        name: { kind: "string", forceNew: true },
        schema: { kind: "string", computed: true },
        version: { kind: "string", computed: true },
        database: { kind: "string", computed: true, forceNew: true },
        dropCascade: { kind: "bool", default: false },
        createCascade: { kind: "bool", default: false },
    },
    async create(ctx, inputs) {
        const e = extensionSpec(inputs, ctx.client.config.database);
        await withContext(
            `error creating extension ${e.name}`,
            ctx.client.tx(e.database, (q) => q.query(createExtensionSql(e))),
        );
        const r = await readExtension(ctx, { ...inputs, database: e.database });
        if (!r) throw new Error(`extension ${e.name} not found after create`);
        return r;
    },
    async read(ctx, id, state) {
        if (state.name === undefined) {
            const dot = id.indexOf(".");
            return readExtension(ctx, { database: id.slice(0, dot), name: id.slice(dot + 1) });
        }
        return readExtension(ctx, state);
    },
    async update(ctx, _id, olds, news) {
        const db = ctx.client.config.database;
        const o = extensionSpec(olds, db);
        const n = extensionSpec({ ...olds, ...news }, db);
        await withContext(
            `error updating extension ${n.name}`,
            ctx.client.tx(n.database, async (q) => {
                for (const s of updateExtensionSql(o, n)) await q.query(s);
            }),
        );
        const r = await readExtension(ctx, { ...olds, ...news, database: n.database });
        if (!r) throw new Error(`extension ${n.name} not found after update`);
        return r;
    },
    async delete(ctx, _id, state) {
        const e = extensionSpec(state, ctx.client.config.database);
        await withContext(
            `error deleting extension ${e.name}`,
            ctx.client.tx(e.database, (q) => q.query(dropExtensionSql(e))),
        );
    },
};
