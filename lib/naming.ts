/** Names the stack derives: pure functions, so the rules live in one place and are unit-tested. */

/** The schema a tenant's data lives in. */
export function tenantSchemaName(tenantId: string): string {
    return `tenant_${tenantId}`;
}

/** The login role a tenant's application connects as. */
export function tenantRoleName(prefix: string, tenantId: string): string {
    return `${prefix}${tenantId}`;
}

/** The NOLOGIN group role that carries CONNECT on the database, so one grant serves every login role. */
export function connectGroupName(databaseName: string): string {
    return `${databaseName}_connect`;
}

/** The schema holding the row-level-security guard (components/rlsGuard.ts). */
export const GUARD_SCHEMA = "pgstack";
