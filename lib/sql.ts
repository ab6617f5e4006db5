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
 * - A tenant login role (`<prefix><id>` as the session user) is always its own tenant, whatever it
 *   does next: `SET ROLE` to a group it belongs to, `SET app.tenant_id`, or calling a SECURITY DEFINER
 *   function (where current_user is the function's owner). Keying on current_user alone let a tenant
 *   `SET ROLE <db>_connect` and claim any tenant through the setting.
 * - A session that became a tenant role with `SET ROLE` (the app role's pool, on checkout) is that
 *   tenant.
 * - Any other role (the shared app role) gets `app.tenant_id`, which the application sets per
 *   transaction (`set_config('app.tenant_id', …, true)`); unset means NULL, and NULL matches no row.
 * SECURITY INVOKER on purpose: inside a SECURITY DEFINER function current_user is the owner, which
 * would hide the caller's role.
 */
export function currentTenantBody(tenantRolePrefix: string): string {
    const prefix = escapeLiteral(tenantRolePrefix);
    const from = tenantRolePrefix.length + 1;
    return [
        "SELECT CASE",
        `  WHEN pg_catalog.starts_with(session_user::text, ${prefix})`,
        `    THEN pg_catalog.substr(session_user::text, ${from})`,
        `  WHEN pg_catalog.starts_with(current_user::text, ${prefix})`,
        `    THEN pg_catalog.substr(current_user::text, ${from})`,
        "  ELSE NULLIF(pg_catalog.current_setting('app.tenant_id', true), '')",
        "END",
    ].join("\n");
}

/**
 * Body of `<guard>.enable_tenant_rls(target regclass, tenant_column text)`, the helper migrations call
 * (as the service role, which owns the table) on every table shared between tenants: it enables and
 * FORCEs row-level security and (re)creates one policy that matches rows to current_tenant_id().
 * The tenant id is cast to the column's own type: comparing `tenant_id::text` would keep
 * an index on a uuid or integer column from ever being used.
 * It also grants SELECT/INSERT/UPDATE/DELETE on the table to the tenants group (lib/naming.ts), so
 * tenants reach exactly the shared tables the policy guards: a table no migration guarded stays closed
 * to them.
 */
export function enableTenantRlsBody(guardSchema: string, tenantsGroup: string): string {
    const fn = `${escapeIdentifier(guardSchema)}.current_tenant_id()`;
    const policy = escapeIdentifier(TENANT_POLICY);
    const q = (s: string) => escapeLiteral(s);
    return [
        "DECLARE",
        "  coltype text;",
        "BEGIN",
        "  SELECT pg_catalog.format_type(a.atttypid, a.atttypmod) INTO coltype",
        "    FROM pg_catalog.pg_attribute a",
        "    WHERE a.attrelid = target AND a.attname = tenant_column AND NOT a.attisdropped;",
        "  IF coltype IS NULL THEN",
        `    RAISE EXCEPTION ${q("enable_tenant_rls: table % has no column %")}, target, tenant_column;`,
        "  END IF;",
        `  EXECUTE pg_catalog.format(${q("ALTER TABLE %s ENABLE ROW LEVEL SECURITY")}, target);`,
        `  EXECUTE pg_catalog.format(${q("ALTER TABLE %s FORCE ROW LEVEL SECURITY")}, target);`,
        `  EXECUTE pg_catalog.format(${q(`DROP POLICY IF EXISTS ${policy} ON %s`)}, target);`,
        `  EXECUTE pg_catalog.format(${q(`CREATE POLICY ${policy} ON %s USING (%I = (${fn})::%s) WITH CHECK (%I = (${fn})::%s)`)},`,
        "    target, tenant_column, coltype, tenant_column, coltype);",
        `  EXECUTE pg_catalog.format(${q("GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO %I")}, target, ${q(tenantsGroup)});`,
        "END;",
    ].join("\n");
}
