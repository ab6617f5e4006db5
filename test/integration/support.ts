/** Integration support: the engine, the local cluster and stacks (scripts/lib/engine.ts), and pg clients. */
import * as fs from "fs";
import { Client, ClientConfig } from "pg";
import { LocalPg, ProjectStack } from "../../scripts/lib/engine";

export { engineEnv, localPg, REPO } from "../../scripts/lib/engine";
export type { CommandResult, LocalPg } from "../../scripts/lib/engine";

/** A throwaway stack in a temp dir. */
export class TempStack extends ProjectStack {}

/** A client connecting with verify-full against the cluster's generated CA. */
export function client(pg: LocalPg, over: Partial<ClientConfig> & { database?: string } = {}): Client {
    return new Client({
        host: pg.host,
        port: pg.port,
        user: pg.user,
        password: pg.password,
        database: "postgres",
        ssl: { ca: fs.readFileSync(pg.ca, "utf8"), rejectUnauthorized: true, servername: "localhost" },
        connectionTimeoutMillis: 10_000,
        ...over,
    });
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
