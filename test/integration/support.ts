/** Integration support: the engine, the local cluster and stacks (scripts/lib/), and pg clients. */
import { POSTGRESQL } from "../../upstream/tokens";
import * as fs from "fs";
import { Client, ClientConfig } from "pg";
import { adminClientConfig, LocalPg, withAdmin } from "../../scripts/lib/localServices";
import { ProjectStack } from "../../scripts/lib/projectStack";

export { dropDatabasesAndRoles, ownOrDeadRun } from "../../scripts/lib/cleanup";
export { engineEnv, REPO } from "../../scripts/lib/engineEnv";
export { localPg, localServerConfig, withAdmin } from "../../scripts/lib/localServices";
export { ProjectStack };
export type { LocalPg } from "../../scripts/lib/localServices";

/** A client connecting with verify-full against the cluster's generated CA (as the admin by default). */
export function client(pg: LocalPg, over: Partial<ClientConfig> & { database?: string } = {}): Client {
    return new Client({ ...adminClientConfig(pg), ...over });
}

/**
 * A client for one of the stack's DSNs, exactly as an application would use it: the URL is parsed by
 * `pg` itself (pg-connection-string), so sslmode=verify-full and sslrootcert in the DSN decide TLS.
 */
export function dsnClient(url: string): Client {
    return new Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
}

export async function query<T = Record<string, unknown>>(c: Client, sql: string, params: unknown[] = []): Promise<T[]> {
    return (await c.query(sql, params)).rows as T[];
}

/** Runs fn with a connected client and always closes it. */
export async function withClient<T>(c: Client, fn: (c: Client) => Promise<T>): Promise<T> {
    await c.connect();
    try {
        return await fn(c);
    } finally {
        await c.end();
    }
}

/** Runs one statement through a DSN; resolves to the rows or rejects with the server's error. */
export async function asDsn<T = Record<string, unknown>>(
    url: string,
    sql: string,
    params: unknown[] = [],
): Promise<T[]> {
    return withClient(dsnClient(url), (c) => query<T>(c, sql, params));
}

/** SIGKILL the `pulumi` process the Automation API started, and everything under it (plugins, language host). */
export function killEngine(): void {
    const children = (pid: number): number[] =>
        fs
            .readdirSync("/proc")
            .filter((d) => /^\d+$/.test(d))
            .map(Number)
            .filter((p) => {
                try {
                    return Number(fs.readFileSync(`/proc/${p}/stat`, "utf8").split(") ")[1].split(" ")[1]) === pid;
                } catch {
                    return false;
                }
            });
    const tree = (pid: number): number[] => [pid, ...children(pid).flatMap(tree)];
    const engines = children(process.pid).filter((p) => {
        try {
            return fs.readFileSync(`/proc/${p}/cmdline`, "utf8").split("\0")[0].endsWith("pulumi");
        } catch {
            return false;
        }
    });
    for (const p of engines.flatMap(tree)) {
        try {
            process.kill(p, "SIGKILL");
        } catch {
            // already gone
        }
    }
}

/**
 * Roles on the server whose names start with `prefix` that the stack's state does not hold: after
 * `recover` there must be none, or the next `up` fails "role … already exists".
 */
export async function rolesNotInState(pg: LocalPg, stack: ProjectStack, prefix: string): Promise<string[]> {
    const state = JSON.parse(stack.exportState()) as { deployment: { resources?: { type: string; id?: string }[] } };
    const ids = new Set((state.deployment.resources ?? []).filter((r) => r.type === POSTGRESQL.Role).map((r) => r.id));
    const onServer = await withAdmin(pg, (c) =>
        query<{ rolname: string }>(c, "SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1) ORDER BY 1", [
            prefix,
        ]),
    );
    return onServer.map((r) => r.rolname).filter((n) => !ids.has(n));
}
