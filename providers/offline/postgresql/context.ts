/** What every postgresql resource operation receives: the configured client. */
import { PgClient } from "./client";

export interface PgContext {
    client: PgClient;
}

/** Prefixes an error with what was being done, as upstream's `fmt.Errorf("could not …: %w")`. */
export async function withContext<T>(what: string, p: Promise<T>): Promise<T> {
    try {
        return await p;
    } catch (err) {
        const msg = err instanceof Error ? err.message : String(err);
        throw new Error(`${what}: ${msg}`);
    }
}
