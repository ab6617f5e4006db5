/**
 * `postgresql:index/database:Database` (resource_postgresql_database.go). CREATE,
 * ALTER and DROP DATABASE run outside transactions; the owner is temporarily granted to the admin
 * (grantRoleMembership) under the admin's advisory lock. template, encoding, lcCollate and lcCtype
 * replace; the rest updates in place. ID = the database name.
 */
import { bool, num, Props, str } from "../props";
import { ResourceDef } from "../resource";
import { atLeast, grantRoleMembership, PgVersion, pgLockRole, qi, ql, Querier } from "./client";
import { POSTGRESQL } from "../../../upstream/tokens";
import { PgContext, withContext } from "./context";

export interface DatabaseSpec {
    name: string;
    owner: string;
    template: string;
    encoding: string;
    lcCollate: string;
    lcCtype: string;
    tablespaceName: string;
    connectionLimit: number;
    allowConnections: boolean;
    isTemplate: boolean;
    alterObjectOwnership: boolean;
}

export function databaseSpec(p: Props): DatabaseSpec {
    return {
        name: str(p, "name") ?? "",
        owner: str(p, "owner") ?? "",
        template: str(p, "template") ?? "",
        encoding: str(p, "encoding") ?? "",
        lcCollate: str(p, "lcCollate") ?? "",
        lcCtype: str(p, "lcCtype") ?? "",
        tablespaceName: str(p, "tablespaceName") ?? "",
        connectionLimit: num(p, "connectionLimit") ?? -1,
        allowConnections: bool(p, "allowConnections") ?? true,
        isTemplate: bool(p, "isTemplate") ?? false,
        alterObjectOwnership: bool(p, "alterObjectOwnership") ?? false,
    };
}

const isDefault = (v: string) => v.toUpperCase() === "DEFAULT";

export function createDatabaseSql(d: DatabaseSpec, admin: string, v: PgVersion): string {
    const parts = [`CREATE DATABASE ${qi(d.name)}`, `OWNER ${qi(d.owner || admin)}`];
    if (!d.template) parts.push("TEMPLATE template0");
    else parts.push(isDefault(d.template) ? "TEMPLATE DEFAULT" : `TEMPLATE ${qi(d.template)}`);
    if (!d.encoding) parts.push("ENCODING 'UTF8'");
    else parts.push(isDefault(d.encoding) ? "ENCODING DEFAULT" : `ENCODING ${ql(d.encoding)}`);
    if (d.lcCollate) parts.push(isDefault(d.lcCollate) ? "LC_COLLATE DEFAULT" : `LC_COLLATE ${ql(d.lcCollate)}`);
    if (d.lcCtype) parts.push(isDefault(d.lcCtype) ? "LC_CTYPE DEFAULT" : `LC_CTYPE ${ql(d.lcCtype)}`);
    if (d.tablespaceName) {
        parts.push(isDefault(d.tablespaceName) ? "TABLESPACE DEFAULT" : `TABLESPACE ${qi(d.tablespaceName)}`);
    }
    if (atLeast(v, 9, 5)) parts.push(`ALLOW_CONNECTIONS ${d.allowConnections}`);
    parts.push(`CONNECTION LIMIT ${d.connectionLimit}`);
    if (atLeast(v, 9, 5)) parts.push(`IS_TEMPLATE ${d.isTemplate}`);
    return parts.join(" ");
}

/** ALTER statements after the rename and owner steps, in upstream's order. */
export function alterDatabaseSql(o: DatabaseSpec, n: DatabaseSpec, v: PgVersion): string[] {
    const sql: string[] = [];
    const name = qi(n.name);
    if (o.tablespaceName !== n.tablespaceName && n.tablespaceName !== "") {
        sql.push(
            isDefault(n.tablespaceName)
                ? `ALTER DATABASE ${name} RESET TABLESPACE`
                : `ALTER DATABASE ${name} SET TABLESPACE ${qi(n.tablespaceName)}`,
        );
    }
    if (o.connectionLimit !== n.connectionLimit)
        sql.push(`ALTER DATABASE ${name} CONNECTION LIMIT = ${n.connectionLimit}`);
    if (atLeast(v, 9, 5) && o.allowConnections !== n.allowConnections) {
        sql.push(`ALTER DATABASE ${name} ALLOW_CONNECTIONS ${n.allowConnections}`);
    }
    if (atLeast(v, 9, 5) && o.isTemplate !== n.isTemplate)
        sql.push(`ALTER DATABASE ${name} IS_TEMPLATE ${n.isTemplate}`);
    return sql;
}

export function dropDatabaseSql(name: string, v: PgVersion): string[] {
    return [
        `ALTER DATABASE ${qi(name)} ALLOW_CONNECTIONS false`,
        // Upstream interpolates the name raw; it is quoted as a literal here.
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ${ql(name)} AND pid <> pg_backend_pid()`,
        atLeast(v, 13) ? `DROP DATABASE ${qi(name)} WITH ( FORCE )` : `DROP DATABASE ${qi(name)}`,
    ];
}

/** Runs fn with the owner granted to the admin, under the admin's lock (a transaction held open). */
async function asOwner<T>(ctx: PgContext, owner: string, fn: (q: Querier) => Promise<T>): Promise<T> {
    const c = ctx.client;
    const v = await c.serverVersion();
    if (!owner) return c.run(undefined, fn);
    return c.tx(undefined, async (lock) => {
        await pgLockRole(lock, c.admin);
        return c.run(undefined, async (q) => {
            const revoke = await grantRoleMembership(q, v, owner, c.admin);
            try {
                return await fn(q);
            } finally {
                await revoke();
            }
        });
    });
}

async function readDatabase(ctx: PgContext, name: string, state: Props) {
    const v = await ctx.client.serverVersion();
    return withContext(
        `error reading database ${name}`,
        ctx.client.run(undefined, async (q) => {
            const a = await q.query(
                "SELECT d.datname, pg_catalog.pg_get_userbyid(d.datdba) AS owner FROM pg_database d WHERE datname=$1",
                [name],
            );
            if (a.length === 0) return null;
            const b = await q.query(
                "SELECT pg_catalog.pg_encoding_to_char(d.encoding) AS encoding, d.datcollate, d.datctype, ts.spcname, d.datconnlimit, d.datallowconn, d.datistemplate " +
                    "FROM pg_catalog.pg_database AS d, pg_catalog.pg_tablespace AS ts WHERE d.datname = $1 AND d.dattablespace = ts.oid",
                [name],
            );
            const r = b[0];
            const outputs: Props = {
                ...state,
                name: String(a[0].datname),
                owner: String(a[0].owner),
                encoding: String(r.encoding),
                lcCollate: String(r.datcollate),
                lcCtype: String(r.datctype),
                tablespaceName: String(r.spcname),
                connectionLimit: Number(r.datconnlimit),
                template: str(state, "template") || "template0",
                alterObjectOwnership: bool(state, "alterObjectOwnership") ?? false,
            };
            if (atLeast(v, 9, 5)) {
                outputs.allowConnections = r.datallowconn === true;
                outputs.isTemplate = r.datistemplate === true;
            }
            return { id: String(a[0].datname), outputs };
        }),
    );
}

export const database: ResourceDef<PgContext> = {
    token: POSTGRESQL.Database,
    autoname: true,
    props: {
        name: { kind: "string" },
        owner: { kind: "string", computed: true },
        template: { kind: "string", computed: true, forceNew: true },
        encoding: { kind: "string", computed: true, forceNew: true },
        lcCollate: { kind: "string", computed: true, forceNew: true },
        lcCtype: { kind: "string", computed: true, forceNew: true },
        tablespaceName: { kind: "string", computed: true },
        connectionLimit: { kind: "int", default: -1, min: -1 },
        allowConnections: { kind: "bool", default: true },
        isTemplate: { kind: "bool", computed: true },
        alterObjectOwnership: { kind: "bool", default: false },
    },
    async create(ctx, inputs) {
        const d = databaseSpec(inputs);
        const v = await ctx.client.serverVersion();
        await withContext(
            `error creating database ${d.name}`,
            asOwner(ctx, d.owner, (q) => q.query(createDatabaseSql(d, ctx.client.admin, v))),
        );
        const r = await readDatabase(ctx, d.name, inputs);
        if (!r) throw new Error(`database ${d.name} not found after create`);
        return r;
    },
    async read(ctx, id, state) {
        return readDatabase(ctx, str(state, "name") ?? id, state);
    },
    async update(ctx, id, olds, news) {
        const o = databaseSpec(olds);
        const n = databaseSpec(news);
        const c = ctx.client;
        const v = await c.serverVersion();
        await withContext(
            `error updating database ${o.name}`,
            (async () => {
                if (o.name !== n.name) {
                    await c.run(undefined, (q) => q.query(`ALTER DATABASE ${qi(o.name)} RENAME TO ${qi(n.name)}`));
                }
                const ownerChanged = n.owner !== "" && o.owner !== n.owner;
                if ((ownerChanged || o.alterObjectOwnership !== n.alterObjectOwnership) && n.alterObjectOwnership) {
                    const current = await c.run(undefined, (q) =>
                        q.query(
                            "SELECT pg_catalog.pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname=$1",
                            [n.name],
                        ),
                    );
                    const currentOwner = current.length ? String(current[0].owner) : "";
                    if (n.owner && currentOwner && currentOwner !== n.owner) {
                        await c.tx(n.name, async (q) => {
                            await pgLockRole(q, c.admin);
                            const revoke = await grantRoleMembership(q, v, currentOwner, c.admin);
                            await q.query(`REASSIGN OWNED BY ${qi(currentOwner)} TO ${qi(n.owner)}`);
                            await revoke();
                        });
                    }
                }
                if (ownerChanged) {
                    await asOwner(ctx, n.owner, (q) => q.query(`ALTER DATABASE ${qi(n.name)} OWNER TO ${qi(n.owner)}`));
                }
                const rest = alterDatabaseSql(o, n, v);
                if (rest.length)
                    await c.run(undefined, async (q) => {
                        for (const s of rest) await q.query(s);
                    });
            })(),
        );
        const r = await readDatabase(ctx, n.name, news);
        if (!r) throw new Error(`database ${n.name} not found after update (id ${id})`);
        return r;
    },
    async delete(ctx, id, state) {
        const d = databaseSpec({ name: id, ...state });
        const v = await ctx.client.serverVersion();
        await withContext(
            `error dropping database ${d.name}`,
            asOwner(ctx, d.owner, async (q) => {
                if (d.isTemplate) await q.query(`ALTER DATABASE ${qi(d.name)} IS_TEMPLATE false`);
                for (const s of dropDatabaseSql(d.name, v)) await q.query(s);
            }),
        );
    },
};
