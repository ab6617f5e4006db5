/**
 * Connections and the shared mechanics of upstream's config.go and helpers.go: lazy per-database pools that
 * keep no idle connection, transactions, the server version fingerprint, the advisory locks (pgLockRole,
 * pgLockDatabase) and the temporary role memberships (withRolesGranted, grantRoleMembership).
 */
import { escapeIdentifier, escapeLiteral, Pool, PoolClient, types } from "pg";
import { adminName, PgConfig, tlsOptions } from "./config";
import { engineVerbosity, log } from "../log";

// name[] (OID 1003, e.g. ARRAY(SELECT pg_get_userbyid(…))) parses like text[] (OID 1009).
type TypeId = Parameters<typeof types.setTypeParser>[0];
types.setTypeParser(1003 as TypeId, types.getTypeParser(1009 as TypeId));

export const qi = (name: string): string => escapeIdentifier(name);
export const ql = (value: string): string => escapeLiteral(value);

export type Row = Record<string, unknown>;

export interface Querier {
    query(sql: string, params?: unknown[]): Promise<Row[]>;
}

export interface PgVersion {
    major: number;
    minor: number;
}

/** Parses `SELECT VERSION()` output or a semver like `15.2.0`. */
export function parseVersion(text: string): PgVersion {
    const m = /(\d+)(?:\.(\d+))?/.exec(text.replace(/^PostgreSQL\s+/i, ""));
    if (!m) throw new Error(`cannot parse PostgreSQL version from "${text}"`);
    return { major: parseInt(m[1], 10), minor: m[2] ? parseInt(m[2], 10) : 0 };
}

export function atLeast(v: PgVersion, major: number, minor = 0): boolean {
    return v.major > major || (v.major === major && v.minor >= minor);
}

/** Masks password literals in SQL before it is logged. */
export function maskSql(sql: string): string {
    return sql.replace(/PASSWORD\s+'(?:[^']|'')*'/gi, "PASSWORD 'XXXX'");
}

// Every statement, when asked for (PGSTACK_OFFLINE_SQL_LOG=1) or at the engine's most verbose logging.
const sqlLog = process.env.PGSTACK_OFFLINE_SQL_LOG === "1" || engineVerbosity() >= 9;

export class PgClient {
    private pools = new Map<string, Pool>();
    private version?: Promise<PgVersion>;

    constructor(readonly config: PgConfig) {}

    /** The admin role name (databaseUsername or username). */
    get admin(): string {
        return adminName(this.config);
    }

    /** The target database: the resource's own or the provider database. */
    dbName(database?: string): string {
        return database || this.config.database;
    }

    private pool(database?: string): Pool {
        const db = this.dbName(database);
        let p = this.pools.get(db);
        if (!p) {
            const c = this.config;
            const max = c.maxConnections <= 0 ? 1000 : c.maxConnections;
            p = new Pool({
                host: c.host,
                port: c.port,
                database: db,
                user: c.username,
                password: c.password,
                ssl: tlsOptions(c),
                connectionTimeoutMillis: c.connectTimeout > 0 ? c.connectTimeout * 1000 : 0,
                max,
                // SetMaxIdleConns(0): no connection is kept idle (it could block a DROP DATABASE).
                idleTimeoutMillis: 1,
                application_name: "Terraform provider",
            });
            p.on("error", () => undefined);
            this.pools.set(db, p);
        }
        return p;
    }

    private connectError(err: unknown): Error {
        const c = this.config;
        let msg = err instanceof Error ? err.message : String(err);
        if (c.password) msg = msg.split(c.password).join("XXXX");
        return new Error(
            `Error connecting to PostgreSQL server ${c.host} (scheme: postgres, user: ${c.username}, password: XXXX): ${msg}`,
        );
    }

    private async connect(database?: string): Promise<PoolClient> {
        let client: PoolClient;
        try {
            client = await this.pool(database).connect();
        } catch (err) {
            throw this.connectError(err);
        }
        return client;
    }

    private querier(client: PoolClient, db: string): Querier {
        return {
            query: async (sql, params) => {
                if (sqlLog) log(`sql(${db}): ${maskSql(sql)}`);
                const r = await client.query(sql, params as unknown[] | undefined);
                return r.rows as Row[];
            },
        };
    }

    /** The server version: trusted from expectedVersion unless it is the default 9.0.0. */
    serverVersion(): Promise<PgVersion> {
        if (!this.version) {
            const ev = this.config.expectedVersion;
            this.version =
                ev && ev !== "9.0.0"
                    ? Promise.resolve(parseVersion(ev))
                    : this.run(undefined, async (q) => {
                          const rows = await q.query("SELECT VERSION()");
                          return parseVersion(String(rows[0].version));
                      });
            this.version.catch(() => (this.version = undefined));
        }
        return this.version;
    }

    /** Runs fn on one connection outside a transaction. */
    async run<T>(database: string | undefined, fn: (q: Querier) => Promise<T>): Promise<T> {
        const client = await this.connect(database);
        try {
            return await fn(this.querier(client, this.dbName(database)));
        } finally {
            client.release();
        }
    }

    /** Runs fn in a transaction; commits at the end, rolls back on error. */
    async tx<T>(database: string | undefined, fn: (q: Querier) => Promise<T>): Promise<T> {
        const client = await this.connect(database);
        const q = this.querier(client, this.dbName(database));
        try {
            await client.query("BEGIN");
            const result = await fn(q);
            await client.query("COMMIT");
            return result;
        } catch (err) {
            await client.query("ROLLBACK").catch(() => undefined);
            throw err;
        } finally {
            client.release();
        }
    }

    async close(): Promise<void> {
        const pools = [...this.pools.values()];
        this.pools.clear();
        await Promise.all(pools.map((p) => p.end().catch(() => undefined)));
    }
}

/** pgLockRole: serialises work on a role (and its members) within the current database. */
export async function pgLockRole(q: Querier, role: string): Promise<void> {
    await q.query("SET statement_timeout = 0");
    await q.query("SELECT pg_advisory_xact_lock(oid::bigint) FROM pg_roles WHERE rolname = $1", [role]);
    await q.query(
        "SELECT pg_advisory_xact_lock(member::bigint) FROM pg_auth_members JOIN pg_roles ON roleid = pg_roles.oid WHERE rolname = $1",
        [role],
    );
}

/** pgLockDatabase: serialises ACL changes on one database row. */
export async function pgLockDatabase(q: Querier, database: string): Promise<void> {
    await q.query("SET statement_timeout = 0");
    await q.query("SELECT pg_advisory_xact_lock(oid::bigint) FROM pg_database WHERE datname = $1", [database]);
}

/** Is `member` a member of `role` (with SET option on PG16+)? */
export async function isMemberOf(q: Querier, v: PgVersion, role: string, member: string): Promise<boolean> {
    const setOpt = atLeast(v, 16) ? " AND set_option" : "";
    const rows = await q.query(
        `SELECT 1 FROM pg_auth_members WHERE pg_get_userbyid(roleid)=$1 AND pg_get_userbyid(member)=$2${setOpt}`,
        [role, member],
    );
    return rows.length > 0;
}

async function isSuperuser(q: Querier, role: string): Promise<boolean> {
    const rows = await q.query("SELECT rolsuper FROM pg_roles WHERE rolname=$1", [role]);
    return rows.length > 0 && rows[0].rolsuper === true;
}

async function roleExists(q: Querier, role: string): Promise<boolean> {
    return (await q.query("SELECT 1 FROM pg_roles WHERE rolname=$1", [role])).length > 0;
}

/**
 * withRolesGranted: when the connected user is not a superuser, temporarily makes it a member of
 * each role (inside the caller's transaction), runs fn, then undoes the membership changes.
 */
export async function withRolesGranted<T>(q: Querier, v: PgVersion, roles: string[], fn: () => Promise<T>): Promise<T> {
    const current = String((await q.query("SELECT CURRENT_USER AS u"))[0].u);
    if (await isSuperuser(q, current)) return fn();
    const granted: string[] = [];
    const revoked: string[] = [];
    for (const role of roles) {
        if (!role || role === current) continue;
        if (await isSuperuser(q, role)) {
            process.stderr.write(
                `[offline-provider] warning: cannot grant superuser role ${role} to ${current}; continuing without it\n`,
            );
            continue;
        }
        if (await isMemberOf(q, v, current, role)) {
            await q.query(`REVOKE ${qi(current)} FROM ${qi(role)}`);
            revoked.push(role);
        }
        if (!(await isMemberOf(q, v, role, current))) {
            await q.query(`GRANT ${qi(role)} TO ${qi(current)}`);
            granted.push(role);
        }
    }
    const result = await fn();
    for (const role of granted) await q.query(`REVOKE ${qi(role)} FROM ${qi(current)}`);
    for (const role of revoked) {
        if (await roleExists(q, role)) await q.query(`GRANT ${qi(current)} TO ${qi(role)}`);
    }
    return result;
}

/**
 * grantRoleMembership (Database only, outside a transaction): GRANT owner TO admin when the admin
 * is not a member yet; returns the matching revoke (a no-op when nothing was granted).
 */
export async function grantRoleMembership(
    q: Querier,
    v: PgVersion,
    owner: string,
    admin: string,
): Promise<() => Promise<void>> {
    if (!owner || owner === admin || (await isMemberOf(q, v, owner, admin))) return async () => undefined;
    await q.query(`GRANT ${qi(owner)} TO ${qi(admin)}`);
    return async () => {
        await q.query(`REVOKE ${qi(owner)} FROM ${qi(admin)}`);
    };
}
