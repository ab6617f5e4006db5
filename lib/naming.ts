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

/**
 * The NOLOGIN group every tenant role is a member of (INHERIT): USAGE on the app schemas, and DML on
 * each shared table that `enable_tenant_rls` guards, so row-level security is the boundary there.
 */
export function tenantsGroupName(databaseName: string): string {
    return `${databaseName}_tenants`;
}

/**
 * A tenant's search_path: its own schema first, then the app schemas it names unqualified. Set on the
 * role (a tenant login gets it) and by the checkout code after SET ROLE (which does not apply it).
 */
export function tenantSearchPath(tenantId: string, appSchemas: readonly string[]): string {
    return [tenantSchemaName(tenantId), ...appSchemas].join(", ");
}

/** The schema holding the row-level-security guard (components/access/rlsGuard.ts). */
export { GUARD_SCHEMA } from "../config/constants";
