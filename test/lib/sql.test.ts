import { currentTenantBody, enableTenantRlsBody, quoteIdent, quoteLiteral } from "../../lib/sql";

test("identifiers are quoted, embedded quotes doubled", () => {
    expect(quoteIdent('we"ird')).toBe('"we""ird"');
});

test("literals are quoted, embedded quotes doubled", () => {
    expect(quoteLiteral("it's")).toBe("'it''s'");
});

test("the tenant guard strips exactly the configured role prefix", () => {
    const body = currentTenantBody("app_tenant_");
    expect(body).toContain("starts_with(current_user::text, 'app_tenant_')");
    expect(body).toContain(`substr(current_user::text, ${"app_tenant_".length + 1})`);
    expect(body).toContain("current_setting('app.tenant_id', true)");
});

test("the RLS helper forces row-level security and quotes the column with %I", () => {
    const body = enableTenantRlsBody("pgstack");
    expect(body).toContain("FORCE ROW LEVEL SECURITY");
    expect(body).toContain('%I::text = "pgstack".current_tenant_id()');
    expect(body).toContain("WITH CHECK");
});
