/**
 * Cleanup on the shared local cluster: what a stack keeps on purpose (its database, the service role)
 * and what a killed run left. The cluster is shared by every run on the machine, so a run only ever
 * drops its own names or those of runs whose process is gone.
 */
import { escapeIdentifier } from "pg";
import { LocalPg, withAdmin } from "./localServices";

/** Whether a process is alive (an earlier run's pid, read from the names it left). */
export function processAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
}

/**
 * For names stamped `<prefix>_<pid>…` by a run: true for this process's and for those of runs whose
 * process is gone (killed before their own cleanup). The local cluster is shared, so nothing of a
 * live run is ever touched.
 */
export function ownOrDeadRun(prefix: string): (name: string) => boolean {
    const stamp = new RegExp(`^${prefix}_(\\d+)`);
    return (name) => {
        const pid = Number(stamp.exec(name)?.[1]);
        return pid === process.pid || (pid > 0 && !processAlive(pid));
    };
}

/** A LIKE pattern matching names that start with `prefix` (its `_` and `%` taken literally). */
export function likePrefix(prefix: string): string {
    return `${prefix.replace(/[\\_%]/g, (c) => `\\${c}`)}%`;
}

/**
 * Drops, on the local cluster, the databases and roles whose name is LIKE `like` and that `select`
 * picks: what a stack keeps on purpose (its database, the service role) and what a killed run left.
 * Returns what it dropped.
 */
export async function dropDatabasesAndRoles(
    pg: LocalPg,
    like: string,
    select: (name: string) => boolean,
): Promise<{ databases: string[]; roles: string[] }> {
    return withAdmin(pg, async (c) => {
        const dbs = await c.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE $1", [like]);
        const databases = dbs.rows.map((d) => d.datname).filter(select);
        for (const datname of databases) {
            await c.query(`DROP DATABASE IF EXISTS ${escapeIdentifier(datname)} WITH (FORCE)`);
        }
        const found = await c.query<{ rolname: string }>("SELECT rolname FROM pg_roles WHERE rolname LIKE $1", [like]);
        const roles = found.rows.map((r) => r.rolname).filter(select);
        if (roles.length > 0) {
            const drop = roles.map(escapeIdentifier).join(", ");
            // Their databases are gone; DROP OWNED takes privileges on shared objects, DROP ROLE memberships.
            await c.query(`DROP OWNED BY ${drop}`);
            await c.query(`DROP ROLE ${drop}`);
        }
        return { databases, roles };
    });
}
