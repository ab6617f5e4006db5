import { Pool, PoolClient } from "pg";

/** A tenant as the stack outputs name it: tenantRoles.<id> and tenantSearchPaths.<id>. */
export interface TenantSession {
    role: string;
    searchPath: string;
}

/**
 * One pool on DATABASE_URL for every tenant, the tenant chosen per transaction: its role and its
 * search_path (SET ROLE does not apply the role's own), both transaction-scoped, so nothing survives
 * COMMIT/ROLLBACK into the next client of a pooled connection.
 */
export async function asTenant<T>(pool: Pool, tenant: TenantSession, work: (c: PoolClient) => Promise<T>): Promise<T> {
    const c = await pool.connect();
    try {
        await c.query("BEGIN");
        // Parameters, not string concatenation; is_local = true: reset at COMMIT/ROLLBACK.
        await c.query("SELECT set_config('role', $1, true), set_config('search_path', $2, true)", [
            tenant.role,
            tenant.searchPath,
        ]);
        const result = await work(c); // tenant_<id> and the app schemas; RLS on shared tables
        await c.query("COMMIT");
        return result;
    } catch (e) {
        await c.query("ROLLBACK");
        throw e;
    } finally {
        c.release();
    }
}
