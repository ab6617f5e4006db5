import { currentTenantBody, enableTenantRlsBody, quoteIdent, quoteLiteral } from "../../lib/sql";

test("identifiers are quoted, embedded quotes doubled", () => {
    expect(quoteIdent('we"ird')).toBe('"we""ird"');
});

test("literals are quoted, embedded quotes doubled", () => {
    expect(quoteLiteral("it's")).toBe("'it''s'");
});

test("the tenant guard keys on the session user first, then the current user", () => {
    const body = currentTenantBody("app_tenant_");
    expect(body.indexOf("starts_with(session_user::text, 'app_tenant_')")).toBeGreaterThan(0);
    expect(body.indexOf("starts_with(current_user::text, 'app_tenant_')")).toBeGreaterThan(
        body.indexOf("session_user"),
    );
    expect(body).toContain(`substr(current_user::text, ${"app_tenant_".length + 1})`);
    expect(body).toContain("current_setting('app.tenant_id', true)");
});

test("the RLS helper compares the column to the tenant id cast to the column's own type", () => {
    const body = enableTenantRlsBody("pgstack", "app_tenants");
    expect(body).toContain("FORCE ROW LEVEL SECURITY");
    expect(body).toContain('USING (%I = ("pgstack".current_tenant_id())::%s)');
    expect(body).not.toContain("%I::text");
    expect(body).toContain("WITH CHECK");
});

test("the RLS helper grants DML on the table it guards to the tenants group, and only there", () => {
    const body = enableTenantRlsBody("pgstack", "app_tenants");
    expect(body).toContain("GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO %I', target, 'app_tenants'");
    // The group name is a literal, quoted, never spliced into the SQL text.
    expect(enableTenantRlsBody("pgstack", "a'b")).toContain("'a''b'");
});
