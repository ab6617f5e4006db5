import { planPendingCreates } from "../../lib/pending";

const op = (type: string, name: string, inputs: Record<string, unknown>) => ({
    type: "creating",
    resource: { urn: `urn:pulumi:s::pgstack::${type}::${name}`, type, inputs },
});

test("pending creates are looked up by the ID the provider would have given them; passwords are cleared", () => {
    const plan = planPendingCreates([
        op("postgresql:index/role:Role", "r", { name: "app_tenant_acme", login: true }),
        op("postgresql:index/schema:Schema", "s", { name: "tenant_acme", database: "app" }),
        op("postgresql:index/grant:Grant", "g", {
            role: "app_tenant_acme",
            database: "app",
            schema: "tenant_acme",
            objectType: "schema",
            privileges: ["USAGE"],
        }),
        op("postgresql:index/defaultPrivileges:DefaultPrivileges", "d", {
            role: "app_tenant_acme",
            database: "app",
            schema: "tenant_acme",
            owner: "app_service",
            objectType: "table",
            privileges: ["SELECT"],
        }),
        op("postgresql:index/function:Function", "f", {
            name: "enable_tenant_rls",
            database: "app",
            schema: "pgstack",
            args: [
                { name: "target", type: "regclass" },
                { name: "tenant_column", type: "text", default: "'tenant_id'::text" },
            ],
            body: "BEGIN END;",
        }),
        op("random:index/randomPassword:RandomPassword", "p", { length: 40 }),
        { type: "updating", resource: { urn: "urn:x", type: "postgresql:index/role:Role", inputs: { name: "x" } } },
    ]);
    expect(plan.imports.map(([, id]) => id)).toEqual([
        "app_tenant_acme",
        "app.tenant_acme",
        "app_tenant_acme_app_tenant_acme_schema",
        "app_tenant_acme_app_tenant_acme_app_service_table",
        "app.pgstack.enable_tenant_rls(regclass,text)",
    ]);
    expect(plan.clear).toEqual(["urn:pulumi:s::pgstack::random:index/randomPassword:RandomPassword::p"]);
});
