/**
 * pgBouncer configuration and the SQL its auth lookup needs: pure functions, shared by the Docker
 * server (components/server/docker.ts), the local pooler (scripts/local-pgbouncer.ts) and the access
 * layer's lookup function (components/access/poolerAuth.ts).
 *
 * Two decisions live here, so every pgBouncer the project runs gets them:
 *
 * - **No session state survives a client.** In transaction pooling pgBouncer runs no reset query by
 *   default, so a session-level `SET app.tenant_id`, `SET ROLE` or `set_config(…, false)` stays on the
 *   server connection and the next client inherits it. We run `DISCARD ALL` after every release
 *   (`server_reset_query_always = 1`). `DISCARD ALL` rather than `RESET ALL`: `RESET ALL` leaves `SET ROLE`
 *   and `SET SESSION AUTHORIZATION` in place, and those are exactly what would carry one tenant's
 *   identity to the next client. It costs one round trip per transaction; pgBouncer (≥ 1.22) sees the
 *   `DISCARD ALL` and forgets the prepared statements it had on that connection.
 * - **The auth user is not the superuser.** pgBouncer logs in as `pgbouncer_auth`, a role with no
 *   other rights, and looks passwords up through a SECURITY DEFINER function that only it may execute
 *   (`authLookupBody`, `authQuery`).
 */

import { createHash, createHmac, pbkdf2Sync, randomBytes } from "crypto";
import { LINE_BREAK, SQL_IDENTIFIER } from "../config/patterns";

/** The dedicated login role pgBouncer uses to look up passwords, and the schema of its lookup function. */
export const PGBOUNCER_AUTH_USER = "pgbouncer_auth";
export const PGBOUNCER_AUTH_SCHEMA = "pgbouncer";
/** The lookup function in that schema (`authLookupBody`). */
export const AUTH_LOOKUP_FUNCTION = "get_auth";
/**
 * The query pgBouncer runs (as the auth user) for every login it does not know from auth_file: one row,
 * the user and its secret (NULL: no login).
 */
export const authQuery = (schema = PGBOUNCER_AUTH_SCHEMA): string =>
    `SELECT $1, ${ident(schema)}.${AUTH_LOOKUP_FUNCTION}($1)`;

export const RESET_QUERY = "DISCARD ALL";

export type PoolMode = "session" | "transaction" | "statement";
export type TlsMode = "disable" | "allow" | "prefer" | "require" | "verify-ca" | "verify-full";

/** One entry of [databases]: `name = host=… port=… dbname=…`. `name` may be `*` (any database). */
export interface PgbouncerDatabase {
    name: string;
    host: string;
    port: number;
    /** The database on the server; the client's database name when absent. */
    dbname?: string;
    poolSize?: number;
}

export interface PgbouncerIniOptions {
    listenAddr: string;
    listenPort: number;
    /** Directory of pgBouncer's own Unix socket; "" disables it. Default: pgBouncer's (/tmp). */
    unixSocketDir?: string;
    logfile?: string;
    pidfile?: string;
    databases: PgbouncerDatabase[];
    /** auth_file: the auth user's own secret; every other login is looked up with auth_query. */
    authFile: string;
    authUser?: string;
    /** The query run for logins not in auth_file. Default: the lookup function (`authQuery()`). */
    authQuery?: string;
    /** Database the auth query runs in (where the lookup function lives). Default: the client's. */
    authDbname?: string;
    poolMode: PoolMode;
    maxClientConn: number;
    defaultPoolSize: number;
    /** admin_users / stats_users; empty: nobody may use the admin console. */
    adminUsers?: string[];
    statsUsers?: string[];
    /** TLS towards clients. `sslmode` must encrypt: require, verify-ca or verify-full. */
    clientTls: { sslmode: "require" | "verify-ca" | "verify-full"; certFile: string; keyFile: string; caFile?: string };
    /** TLS towards the server. verify-ca / verify-full need `caFile`. */
    serverTls: {
        sslmode: "require" | "verify-ca" | "verify-full";
        caFile?: string;
        certFile?: string;
        keyFile?: string;
    };
    /** Defaults to DISCARD ALL, always (see the header). */
    serverResetQuery?: string;
    serverResetQueryAlways?: boolean;
    ignoreStartupParameters?: string[];
    /** max_prepared_statements (pgBouncer >= 1.21): prepared statements through transaction pooling. */
    maxPreparedStatements?: number;
}

/** A plain lower-case SQL identifier, checked (the SQL below is not built from user text otherwise). */
function ident(name: string): string {
    if (!SQL_IDENTIFIER.test(name)) throw new Error(`pgbouncer: "${name}" is not a plain lower-case SQL identifier`);
    return name;
}

/** A value written into pgbouncer.ini: one line, so it cannot smuggle in other settings. */
function oneLine(what: string, value: string | number): string {
    const s = String(value);
    if (LINE_BREAK.test(s)) throw new Error(`pgbouncer: ${what} may not contain a line break`);
    return s;
}

/** A connection-string value in [databases]: quoted when it has spaces or quotes. */
function connValue(what: string, v: string | number): string {
    const s = oneLine(what, v);
    return /^[A-Za-z0-9_.:*/-]+$/.test(s) ? s : `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

/** pgbouncer.ini: TLS required from clients and used to the server, lookups through the auth function. */
export function renderPgbouncerIni(o: PgbouncerIniOptions): string {
    if (!["require", "verify-ca", "verify-full"].includes(o.clientTls.sslmode)) {
        throw new Error(`pgbouncer: client TLS must be required (got ${o.clientTls.sslmode})`);
    }
    if (!["require", "verify-ca", "verify-full"].includes(o.serverTls.sslmode)) {
        throw new Error(`pgbouncer: server TLS must be required (got ${o.serverTls.sslmode})`);
    }
    if (o.serverTls.sslmode !== "require" && !o.serverTls.caFile) {
        throw new Error(`pgbouncer: server_tls_sslmode ${o.serverTls.sslmode} needs serverTls.caFile`);
    }
    if (o.databases.length === 0) throw new Error("pgbouncer: at least one [databases] entry");
    const databases = o.databases.map((d) => {
        if (!/^(\*|[A-Za-z0-9_][A-Za-z0-9_.-]*)$/.test(d.name)) {
            throw new Error(`pgbouncer: "${d.name}" is not a database name for [databases]`);
        }
        const parts: [string, string | number | undefined][] = [
            ["host", d.host],
            ["port", d.port],
            ["dbname", d.dbname],
            ["pool_size", d.poolSize],
        ];
        return `${d.name} = ${parts
            .filter(([, v]) => v !== undefined)
            .map(([k, v]) => `${k}=${connValue(k, v as string | number)}`)
            .join(" ")}`;
    });
    const settings: [string, string | number | undefined][] = [
        ["listen_addr", o.listenAddr],
        ["listen_port", o.listenPort],
        ["unix_socket_dir", o.unixSocketDir],
        ["logfile", o.logfile],
        ["pidfile", o.pidfile],
        ["auth_type", "scram-sha-256"],
        ["auth_file", o.authFile],
        ["auth_user", o.authUser ?? PGBOUNCER_AUTH_USER],
        ["auth_query", o.authQuery ?? authQuery()],
        ["auth_dbname", o.authDbname],
        ["pool_mode", o.poolMode],
        ["max_client_conn", o.maxClientConn],
        ["default_pool_size", o.defaultPoolSize],
        ["max_prepared_statements", o.maxPreparedStatements],
        ["server_reset_query", o.serverResetQuery ?? RESET_QUERY],
        ["server_reset_query_always", (o.serverResetQueryAlways ?? true) ? 1 : 0],
        ["admin_users", (o.adminUsers ?? []).join(",") || undefined],
        ["stats_users", (o.statsUsers ?? []).join(",") || undefined],
        ["client_tls_sslmode", o.clientTls.sslmode],
        ["client_tls_cert_file", o.clientTls.certFile],
        ["client_tls_key_file", o.clientTls.keyFile],
        ["client_tls_ca_file", o.clientTls.caFile],
        ["server_tls_sslmode", o.serverTls.sslmode],
        ["server_tls_ca_file", o.serverTls.caFile],
        ["server_tls_cert_file", o.serverTls.certFile],
        ["server_tls_key_file", o.serverTls.keyFile],
        ["ignore_startup_parameters", (o.ignoreStartupParameters ?? ["extra_float_digits"]).join(",") || undefined],
    ];
    return [
        "[databases]",
        ...databases,
        "",
        "[pgbouncer]",
        ...settings.filter(([, v]) => v !== undefined).map(([k, v]) => `${k} = ${oneLine(k, v as string | number)}`),
        "",
    ].join("\n");
}

/** One line of pgBouncer's auth_file (userlist.txt): `"user" "secret"`, with `"` doubled. */
export function userlistLine(user: string, secret: string): string {
    const q = (s: string) => `"${oneLine("userlist entry", s).replace(/"/g, '""')}"`;
    return `${q(user)} ${q(secret)}\n`;
}

/**
 * The auth lookup every pgBouncer the project runs uses (docker mode's, scripts/local-pgbouncer.sh's,
 * any `server.pooler`), installed in the app database by components/access/poolerAuth.ts:
 * `<schema>.get_auth(username text) RETURNS text`, SECURITY DEFINER (it reads pg_shadow, which only a
 * superuser may), the login's secret (SCRAM verifier) from pg_catalog.pg_shadow, NULL for an unknown
 * login or a superuser (pgBouncer treats NULL as a secret nothing matches), so even the auth role
 * cannot learn a superuser's secret. The Pulumi Function resource has no `SET search_path`, so the
 * body names everything in pg_catalog, operators included: a caller's search_path cannot redirect it.
 *
 * It lives in the app database because pgBouncer before 1.20 has no `auth_dbname`: the query runs in
 * the database the client asks for.
 */
export function authLookupBody(): string {
    return [
        "",
        "    SELECT s.passwd::pg_catalog.text",
        "    FROM pg_catalog.pg_shadow s",
        "    WHERE s.usename OPERATOR(pg_catalog.=) username",
        "      AND NOT s.usesuper",
        "",
    ].join("\n");
}

/**
 * The auth role's attributes, whoever creates it: it logs in, has no other right, inherits nothing,
 * and may hold a few connections (pgBouncer opens one per database it looks logins up in).
 */
export const AUTH_ROLE_CONNECTION_LIMIT = 20;

/**
 * A SCRAM-SHA-256 verifier for `password` (RFC 7677, PostgreSQL's `SCRAM-SHA-256$<iter>:<salt>$<stored>:<server>`),
 * so `ALTER ROLE … PASSWORD '<verifier>'` never sends the password itself to the server (or its logs).
 */
export function scramSha256Verifier(password: string, salt: Buffer = randomBytes(16), iterations = 4096): string {
    const salted = pbkdf2Sync(password.normalize("NFKC"), salt, iterations, 32, "sha256");
    const clientKey = createHmac("sha256", salted).update("Client Key").digest();
    const storedKey = createHash("sha256").update(clientKey).digest();
    const serverKey = createHmac("sha256", salted).update("Server Key").digest();
    const b64 = (b: Buffer) => b.toString("base64");
    return `SCRAM-SHA-256$${iterations}:${b64(salt)}$${b64(storedKey)}:${b64(serverKey)}`;
}

/** The first pgBouncer that keeps protocol-level prepared statements in transaction pooling. */
export const PREPARED_STATEMENTS_SINCE = "1.21";

/** Whether version `v` ("1.18", "1.24.1") is at least `min`. */
export function versionAtLeast(v: string, min: string): boolean {
    const a = v.split(".").map(Number);
    const b = min.split(".").map(Number);
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
        const x = a[i] ?? 0;
        const y = b[i] ?? 0;
        if (x !== y) return x > y;
    }
    return true;
}

/** The pgBouncer version an image tag names ("edoburu/pgbouncer:v1.24.1-p1" -> "1.24.1"), if it names one. */
export function imageVersion(image: string): string | undefined {
    const tag = /:v?(\d+\.\d+(?:\.\d+)?)(?:[-_.][A-Za-z0-9_.-]*)?$/.exec(image);
    return tag?.[1];
}

export interface PoolerFacts {
    poolMode: PoolMode;
    version?: string;
    maxPreparedStatements: number;
}

/**
 * Why prepared statements fail through a pooler DATABASE_URL goes through, or undefined when they
 * work: session pooling always does; transaction pooling only with pgBouncer >= 1.21 and
 * max_prepared_statements > 0 (before that, a statement prepared on one server connection is run on
 * another: pgx's and psycopg 3's defaults and node-postgres named statements fail).
 */
export function preparedStatementsProblem(key: string, p: PoolerFacts): string | undefined {
    if (p.poolMode === "session") return undefined;
    const fix =
        `serve DATABASE_URL from a session-pooled listener (${key}.poolMode: session), or run pgBouncer >= ` +
        `${PREPARED_STATEMENTS_SINCE} with max_prepared_statements (${key}.version, ${key}.maxPreparedStatements)`;
    if (p.version === undefined) {
        return `${key}: ${p.poolMode} pooling with an unknown pgBouncer version: prepared statements may fail through DATABASE_URL; ${fix}`;
    }
    if (!versionAtLeast(p.version, PREPARED_STATEMENTS_SINCE)) {
        return `${key}: pgBouncer ${p.version} in ${p.poolMode} pooling cannot keep prepared statements (drivers' defaults fail through DATABASE_URL); ${fix}`;
    }
    if (p.maxPreparedStatements === 0) {
        return `${key}: pgBouncer ${p.version} in ${p.poolMode} pooling with max_prepared_statements 0: prepared statements fail through DATABASE_URL; ${fix}`;
    }
    return undefined;
}
