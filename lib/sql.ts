/**
 * SQL text the stack installs: identifiers and literals are quoted with the `pg` driver's own
 * escaping functions, never concatenated raw.
 */
import { escapeIdentifier, escapeLiteral } from "pg";

export { escapeIdentifier as quoteIdent, escapeLiteral as quoteLiteral };

/** Name of the RLS policy `enable_tenant_rls` installs. */
export const TENANT_POLICY = "pgstack_tenant_isolation";

/**
 * Body of `<guard>.current_tenant_id()`: the tenant the current query runs for.
 * - A tenant login role (`<prefix><id>`, also after `SET ROLE`) is always its own tenant: it cannot
 *   claim another one by setting `app.tenant_id`.
 * - Any other role (the shared app role) gets `app.tenant_id`, which the application sets per
 *   connection checkout (`SET app.tenant_id = '…'`); unset means NULL, and NULL matches no row.
 * SECURITY INVOKER on purpose: inside a SECURITY DEFINER function current_user is the owner, which
 * would hide the caller's role.
 */
export function currentTenantBody(tenantRolePrefix: string): string {
    const prefix = escapeLiteral(tenantRolePrefix);
    return [
        "SELECT CASE",
        `  WHEN pg_catalog.starts_with(current_user::text, ${prefix})`,
        `    THEN pg_catalog.substr(current_user::text, ${tenantRolePrefix.length + 1})`,
        "  ELSE NULLIF(pg_catalog.current_setting('app.tenant_id', true), '')",
        "END",
    ].join("\n");
}

/**
 * Body of `<guard>.enable_tenant_rls(target regclass, tenant_column text)`, the helper migrations call
 * (as the service role, which owns the table) on every table shared between tenants: it enables and
 * FORCEs row-level security and (re)creates one policy that matches rows to current_tenant_id().
 */
export function enableTenantRlsBody(guardSchema: string): string {
    const fn = `${escapeIdentifier(guardSchema)}.current_tenant_id()`;
    const policy = escapeIdentifier(TENANT_POLICY);
    const q = (s: string) => escapeLiteral(s);
    return [
        "BEGIN",
        `  EXECUTE pg_catalog.format(${q("ALTER TABLE %s ENABLE ROW LEVEL SECURITY")}, target);`,
        `  EXECUTE pg_catalog.format(${q("ALTER TABLE %s FORCE ROW LEVEL SECURITY")}, target);`,
        `  EXECUTE pg_catalog.format(${q(`DROP POLICY IF EXISTS ${policy} ON %s`)}, target);`,
        `  EXECUTE pg_catalog.format(${q(`CREATE POLICY ${policy} ON %s USING (%I::text = ${fn}) WITH CHECK (%I::text = ${fn})`)}, target, tenant_column, tenant_column);`,
        "END;",
    ].join("\n");
}
