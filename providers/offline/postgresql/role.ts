/**
 * `postgresql:index/role:Role` (resource_postgresql_role.go). Nothing replaces: a
 * rename is ALTER ROLE … RENAME. ID = the role name.
 */
import { createHash } from "crypto";
import { bool, num, Props, str, strList } from "../props";
import { CheckFailure, ResourceDef } from "../resource";
import { atLeast, PgVersion, pgLockRole, qi, ql, Querier, withRolesGranted } from "./client";
import { POSTGRESQL } from "../../../upstream/tokens";
import { PgContext, withContext } from "./context";

export interface RoleSpec {
    name: string;
    password: string;
    encryptedPassword: boolean;
    validUntil: string;
    connectionLimit: number;
    superuser: boolean;
    createDatabase: boolean;
    createRole: boolean;
    inherit: boolean;
    login: boolean;
    replication: boolean;
    bypassRowLevelSecurity: boolean;
    roles: string[];
    searchPaths: string[];
    statementTimeout: number;
    idleInTransactionSessionTimeout: number;
    assumeRole: string;
    skipDropRole: boolean;
    skipReassignOwned: boolean;
}

export function roleSpec(p: Props): RoleSpec {
    return {
        name: str(p, "name") ?? "",
        password: str(p, "password") ?? "",
        encryptedPassword: bool(p, "encryptedPassword") ?? true,
        validUntil: str(p, "validUntil") ?? "infinity",
        connectionLimit: num(p, "connectionLimit") ?? -1,
        superuser: bool(p, "superuser") ?? false,
        createDatabase: bool(p, "createDatabase") ?? false,
        createRole: bool(p, "createRole") ?? false,
        inherit: bool(p, "inherit") ?? true,
        login: bool(p, "login") ?? false,
        replication: bool(p, "replication") ?? false,
        bypassRowLevelSecurity: bool(p, "bypassRowLevelSecurity") ?? false,
        roles: strList(p, "roles"),
        searchPaths: strList(p, "searchPaths"),
        statementTimeout: num(p, "statementTimeout") ?? 0,
        idleInTransactionSessionTimeout: num(p, "idleInTransactionSessionTimeout") ?? 0,
        assumeRole: str(p, "assumeRole") ?? "",
        skipDropRole: bool(p, "skipDropRole") ?? false,
        skipReassignOwned: bool(p, "skipReassignOwned") ?? false,
    };
}

/** `[ENCRYPTED|UNENCRYPTED ]PASSWORD '<pw>'`, `PASSWORD NULL`, or nothing for an empty password. */
export function passwordClause(password: string, encrypted: boolean): string | undefined {
    if (password === "") return undefined;
    if (password.toUpperCase() === "NULL") return "PASSWORD NULL";
    return `${encrypted ? "ENCRYPTED" : "UNENCRYPTED"} PASSWORD ${ql(password)}`;
}

export function searchPathSql(name: string, paths: string[]): string {
    for (const p of paths) {
        if (p.includes(", ")) throw new Error(`search_path element "${p}" must not contain ", "`);
    }
    const value = paths.length ? paths.map(qi).join(", ") : "DEFAULT";
    return `ALTER ROLE ${qi(name)} SET search_path TO ${value}`;
}

function timeoutSql(name: string, setting: string, value: number): string {
    return value !== 0
        ? `ALTER ROLE ${qi(name)} SET ${setting} TO ${value}`
        : `ALTER ROLE ${qi(name)} RESET ${setting}`;
}

function assumeRoleSql(name: string, assume: string): string {
    return assume !== "" ? `ALTER ROLE ${qi(name)} SET ROLE TO ${qi(assume)}` : `ALTER ROLE ${qi(name)} RESET ROLE`;
}

export function createRoleSql(r: RoleSpec, v: PgVersion): string[] {
    const opts: string[] = [];
    const pw = passwordClause(r.password, r.encryptedPassword);
    if (pw) opts.push(pw);
    opts.push(`VALID UNTIL ${ql(r.validUntil || "infinity")}`);
    opts.push(`CONNECTION LIMIT ${r.connectionLimit}`);
    opts.push(r.superuser ? "SUPERUSER" : "NOSUPERUSER");
    opts.push(r.createDatabase ? "CREATEDB" : "NOCREATEDB");
    opts.push(r.createRole ? "CREATEROLE" : "NOCREATEROLE");
    opts.push(r.inherit ? "INHERIT" : "NOINHERIT");
    opts.push(r.login ? "LOGIN" : "NOLOGIN");
    if (atLeast(v, 9, 5)) opts.push(r.bypassRowLevelSecurity ? "BYPASSRLS" : "NOBYPASSRLS");
    if (atLeast(v, 9, 1)) opts.push(r.replication ? "REPLICATION" : "NOREPLICATION");
    const sql = [`CREATE ROLE ${qi(r.name)} WITH ${opts.join(" ")}`];
    for (const g of r.roles) sql.push(`GRANT ${qi(g)} TO ${qi(r.name)}`);
    sql.push(searchPathSql(r.name, r.searchPaths));
    if (r.statementTimeout !== 0) sql.push(timeoutSql(r.name, "statement_timeout", r.statementTimeout));
    if (r.idleInTransactionSessionTimeout !== 0) {
        sql.push(timeoutSql(r.name, "idle_in_transaction_session_timeout", r.idleInTransactionSessionTimeout));
    }
    if (r.assumeRole !== "") sql.push(assumeRoleSql(r.name, r.assumeRole));
    return sql;
}

/** Update SQL in upstream's order; `memberships` = the role's current memberships (pg_auth_members). */
export function updateRoleSql(o: RoleSpec, n: RoleSpec, memberships: string[], v: PgVersion): string[] {
    const sql: string[] = [];
    const name = qi(n.name);
    if (o.name !== n.name) sql.push(`ALTER ROLE ${qi(o.name)} RENAME TO ${name}`);
    if ((n.password !== o.password || n.name !== o.name) && n.password !== "") {
        sql.push(`ALTER ROLE ${name} ${passwordClause(n.password, n.encryptedPassword)}`);
    }
    if (atLeast(v, 9, 5) && o.bypassRowLevelSecurity !== n.bypassRowLevelSecurity) {
        sql.push(`ALTER ROLE ${name} WITH ${n.bypassRowLevelSecurity ? "BYPASSRLS" : "NOBYPASSRLS"}`);
    }
    if (o.connectionLimit !== n.connectionLimit) sql.push(`ALTER ROLE ${name} CONNECTION LIMIT ${n.connectionLimit}`);
    const flag = (changed: boolean, on: boolean, yes: string) => {
        if (changed) sql.push(`ALTER ROLE ${name} WITH ${on ? yes : `NO${yes}`}`);
    };
    flag(o.createDatabase !== n.createDatabase, n.createDatabase, "CREATEDB");
    flag(o.createRole !== n.createRole, n.createRole, "CREATEROLE");
    flag(o.inherit !== n.inherit, n.inherit, "INHERIT");
    flag(o.login !== n.login, n.login, "LOGIN");
    if (atLeast(v, 9, 1)) flag(o.replication !== n.replication, n.replication, "REPLICATION");
    flag(o.superuser !== n.superuser, n.superuser, "SUPERUSER");
    if (o.validUntil !== n.validUntil && n.validUntil !== "") {
        sql.push(`ALTER ROLE ${name} VALID UNTIL ${ql(n.validUntil)}`);
    }
    for (const g of memberships) sql.push(`REVOKE ${qi(g)} FROM ${name}`);
    for (const g of n.roles) sql.push(`GRANT ${qi(g)} TO ${name}`);
    sql.push(searchPathSql(n.name, n.searchPaths));
    if (o.statementTimeout !== n.statementTimeout) {
        sql.push(timeoutSql(n.name, "statement_timeout", n.statementTimeout));
    }
    if (o.idleInTransactionSessionTimeout !== n.idleInTransactionSessionTimeout) {
        sql.push(timeoutSql(n.name, "idle_in_transaction_session_timeout", n.idleInTransactionSessionTimeout));
    }
    if (o.assumeRole !== n.assumeRole) sql.push(assumeRoleSql(n.name, n.assumeRole));
    return sql;
}

export interface RoleConfig {
    searchPaths: string[];
    statementTimeout: number;
    idleInTransactionSessionTimeout: number;
    assumeRole: string;
}

/** Parses pg_roles.rolconfig entries as upstream does. */
export function parseRoleConfig(rolconfig: string[] | null | undefined): RoleConfig {
    const c: RoleConfig = { searchPaths: [], statementTimeout: 0, idleInTransactionSessionTimeout: 0, assumeRole: "" };
    for (const entry of rolconfig ?? []) {
        const eq = entry.indexOf("=");
        const key = entry.slice(0, eq);
        const value = entry.slice(eq + 1);
        if (key === "search_path") {
            c.searchPaths = value.split(", ").map((s) => s.replace(/^"+|"+$/g, ""));
        } else if (key === "statement_timeout") {
            c.statementTimeout = parseInt(value, 10) || 0;
        } else if (key === "idle_in_transaction_session_timeout") {
            c.idleInTransactionSessionTimeout = parseInt(value, 10) || 0;
        } else if (key === "role") {
            c.assumeRole = value;
        }
    }
    return c;
}

/**
 * The password kept in state after a read, as upstream's Read keeps it: SCRAM hashes are trusted as
 * is; an md5 hash that matches md5(password || name) keeps the state value; otherwise the server's
 * value replaces it.
 */
export function reconcilePassword(statePw: string, dbPasswd: string, name: string): string {
    if (dbPasswd.startsWith("SCRAM-SHA-256")) return statePw;
    if (dbPasswd.startsWith("md5") && !statePw.startsWith("md5") && !statePw.startsWith("SCRAM-SHA-256")) {
        const h = createHash("md5")
            .update(statePw + name)
            .digest("hex");
        if (`md5${h}` === dbPasswd) return statePw;
    }
    return dbPasswd;
}

export function roleReadSql(v: PgVersion): string {
    const extra = [atLeast(v, 9, 1) ? ", rolreplication" : "", atLeast(v, 9, 5) ? ", rolbypassrls" : ""].join("");
    return (
        "SELECT ARRAY(SELECT pg_get_userbyid(roleid) FROM pg_catalog.pg_auth_members members WHERE member = pg_roles.oid) AS memberships, " +
        "rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin, rolconnlimit, " +
        `COALESCE(rolvaliduntil::TEXT, 'infinity') AS validuntil, rolconfig${extra} ` +
        "FROM pg_catalog.pg_roles WHERE rolname=$1"
    );
}

async function readRolePassword(ctx: PgContext, q: Querier, name: string, statePw: string): Promise<string> {
    if (statePw === "" || !ctx.client.config.superuser) return statePw;
    const cur = await q.query("SELECT rolsuper, CURRENT_USER AS u FROM pg_roles WHERE rolname = CURRENT_USER");
    if (cur.length === 0 || cur[0].rolsuper !== true) {
        const who = cur.length ? String(cur[0].u) : ctx.client.config.username;
        throw new Error(
            `could not read role password from Postgres as connected user ${who} is not a SUPERUSER. ` +
                "You can set `superuser = false` in the provider configuration so it will not try to read the password from Postgres",
        );
    }
    const rows = await q.query(
        "SELECT COALESCE(passwd,'') AS passwd FROM pg_catalog.pg_shadow AS s WHERE s.usename=$1",
        [name],
    );
    if (rows.length === 0) return statePw;
    return reconcilePassword(statePw, String(rows[0].passwd), name);
}

async function readRole(ctx: PgContext, name: string, state: Props): Promise<{ id: string; outputs: Props } | null> {
    const v = await ctx.client.serverVersion();
    return withContext(
        `error reading role ${name}`,
        ctx.client.run(undefined, async (q) => {
            const rows = await q.query(roleReadSql(v), [name]);
            if (rows.length === 0) return null;
            const r = rows[0];
            const cfg = parseRoleConfig(r.rolconfig as string[] | null);
            const password = await readRolePassword(ctx, q, name, str(state, "password") ?? "");
            const outputs: Props = {
                ...state,
                name: String(r.rolname),
                superuser: r.rolsuper === true,
                inherit: r.rolinherit === true,
                createRole: r.rolcreaterole === true,
                createDatabase: r.rolcreatedb === true,
                login: r.rolcanlogin === true,
                connectionLimit: Number(r.rolconnlimit),
                validUntil: String(r.validuntil),
                roles: (r.memberships as string[]) ?? [],
                searchPaths: cfg.searchPaths,
                statementTimeout: cfg.statementTimeout,
                idleInTransactionSessionTimeout: cfg.idleInTransactionSessionTimeout,
                assumeRole: cfg.assumeRole,
                encryptedPassword: true,
                skipDropRole: bool(state, "skipDropRole") ?? false,
                skipReassignOwned: bool(state, "skipReassignOwned") ?? false,
            };
            if (atLeast(v, 9, 1)) outputs.replication = r.rolreplication === true;
            if (atLeast(v, 9, 5)) outputs.bypassRowLevelSecurity = r.rolbypassrls === true;
            if (password !== "" || state.password !== undefined) outputs.password = password;
            return { id: String(r.rolname), outputs };
        }),
    );
}

async function exec(q: Querier, sql: string[]): Promise<void> {
    for (const s of sql) await q.query(s);
}

export const role: ResourceDef<PgContext> = {
    token: POSTGRESQL.Role,
    autoname: true,
    props: {
        name: { kind: "string" },
        password: { kind: "string", secret: true },
        passwordWo: { kind: "string", secret: true, unsupported: "write-only passwords; use password" },
        passwordWoVersion: { kind: "string", unsupported: "write-only passwords; use password" },
        encrypted: { kind: "string" },
        roles: { kind: "set" },
        searchPaths: { kind: "list" },
        encryptedPassword: { kind: "bool", default: true },
        validUntil: { kind: "string", default: "infinity" },
        connectionLimit: { kind: "int", default: -1, min: -1 },
        superuser: { kind: "bool", default: false },
        createDatabase: { kind: "bool", default: false },
        createRole: { kind: "bool", default: false },
        idleInTransactionSessionTimeout: { kind: "int", min: 0 },
        inherit: { kind: "bool", default: true },
        login: { kind: "bool", default: false },
        replication: { kind: "bool", default: false },
        bypassRowLevelSecurity: { kind: "bool", default: false },
        skipDropRole: { kind: "bool", default: false },
        skipReassignOwned: { kind: "bool", default: false },
        statementTimeout: { kind: "int", min: 0 },
        assumeRole: { kind: "string" },
    },
    validate(inputs) {
        const f: CheckFailure[] = [];
        for (const p of strList(inputs, "searchPaths")) {
            if (p.includes(", "))
                f.push({ property: "searchPaths", reason: `search_path element "${p}" contains ", "` });
        }
        return f;
    },
    async create(ctx, inputs) {
        const r = roleSpec(inputs);
        const v = await ctx.client.serverVersion();
        await withContext(
            `error creating role ${r.name}`,
            ctx.client.tx(undefined, (q) => exec(q, createRoleSql(r, v))),
        );
        const read = await readRole(ctx, r.name, inputs);
        if (!read) throw new Error(`role ${r.name} not found after create`);
        return read;
    },
    async read(ctx, id, state) {
        return readRole(ctx, str(state, "name") ?? id, state);
    },
    async update(ctx, id, olds, news) {
        const o = roleSpec(olds);
        const n = roleSpec(news);
        const v = await ctx.client.serverVersion();
        await withContext(
            `could not update role ${o.name}`,
            ctx.client.tx(undefined, async (q) => {
                await pgLockRole(q, o.name);
                // Memberships are read after a possible rename (it keeps them).
                const rename = o.name !== n.name ? [`ALTER ROLE ${qi(o.name)} RENAME TO ${qi(n.name)}`] : [];
                await exec(q, rename);
                const rows = await q.query(
                    "SELECT pg_get_userbyid(roleid) AS g FROM pg_catalog.pg_auth_members WHERE pg_get_userbyid(member) = $1",
                    [n.name],
                );
                const sql = updateRoleSql(
                    o,
                    n,
                    rows.map((r) => String(r.g)),
                    v,
                ).slice(rename.length);
                await exec(q, sql);
            }),
        );
        const read = await readRole(ctx, n.name, news);
        if (!read) throw new Error(`role ${n.name} not found after update (id ${id})`);
        return read;
    },
    async delete(ctx, id, state) {
        const r = roleSpec({ name: id, ...state });
        const v = await ctx.client.serverVersion();
        const admin = ctx.client.admin;
        await withContext(
            `could not delete role ${r.name}`,
            ctx.client.tx(undefined, async (q) => {
                await pgLockRole(q, r.name);
                if (!r.skipReassignOwned) {
                    await withRolesGranted(q, v, [r.name], async () => {
                        await q.query(`REASSIGN OWNED BY ${qi(r.name)} TO ${qi(admin)}`);
                        await q.query(`DROP OWNED BY ${qi(r.name)}`);
                    });
                }
                if (!r.skipDropRole) await q.query(`DROP ROLE ${qi(r.name)}`);
            }),
        );
    },
};
