/**
 * The README's "What the access layer promises", one test per promise, against the access model
 * (lib/accessModel.ts): the data the components turn into resources. The same promises are tested on
 * a real server through the real engine in test/integration/stack.test.ts.
 */
import { AccessDeclaration, AccessModel, accessModel, WantedGrant, WantedRole } from "../../lib/accessModel";

const declared = (extra: Partial<AccessDeclaration> = {}): AccessDeclaration => ({
    databaseName: "app",
    roles: { service: "app_service", app: "app_app", readonly: "app_readonly" },
    schemas: ["app", "billing"],
    tenants: [
        { id: "acme", connectionLimit: 20, reclaimKeptObjects: false },
        { id: "globex", connectionLimit: -1, reclaimKeptObjects: false },
    ],
    tenantRolePrefix: "app_tenant_",
    tenantAccess: "login",
    tenantSearchPath: ["app"],
    maintenanceDatabase: "postgres",
    ...extra,
});

const model = accessModel(declared());
const DML = ["SELECT", "INSERT", "UPDATE", "DELETE"];

/** Every grant and revoke of a model, wherever it lives. */
const allGrants = (m: AccessModel): WantedGrant[] => [
    ...m.database.revokes,
    ...m.database.connect,
    ...m.appSchemas.flatMap((s) => s.grants),
    ...m.tenants.flatMap((t) => t.schema.grants),
];
const grantsTo = (m: AccessModel, role: string) => allGrants(m).filter((g) => g.role === role);
const role = (m: AccessModel, name: string): WantedRole => {
    const r = m.roles.find((x) => x.name === name);
    if (!r) throw new Error(`no role ${name}`);
    return r;
};
const on = (grants: WantedGrant[], kind: "grant" | "default", objectType: string, schema?: string) =>
    grants.filter(
        (g) => g.kind === kind && g.objectType === objectType && (schema === undefined || g.schema === schema),
    );

describe("the service role", () => {
    test("owns the database and the app schemas", () => {
        expect(model.database.owner).toBe("app_service");
        expect(model.appSchemas.map((s) => [s.name, s.owner])).toEqual([
            ["app", "app_service"],
            ["billing", "app_service"],
        ]);
    });

    test("no role the stack creates is superuser, createrole, createdb, replication or bypassrls", () => {
        for (const m of [model, accessModel(declared({ tenantAccess: "both" }))]) {
            expect(m.roles.length).toBeGreaterThanOrEqual(7);
            for (const r of m.roles) {
                expect(r).toMatchObject({
                    superuser: false,
                    createRole: false,
                    createDatabase: false,
                    replication: false,
                    bypassRowLevelSecurity: false,
                });
            }
        }
    });

    test("the service role is kept with the data it owns; no other role is", () => {
        expect(model.roles.filter((r) => r.keepOnDelete).map((r) => r.name)).toEqual(["app_service"]);
    });
});

describe("the app role", () => {
    test("the app role is NOINHERIT, with CONNECT granted to it directly", () => {
        expect(role(model, "app_app").inherit).toBe(false);
        expect(model.database.connect.map((g) => [g.role, g.privileges])).toEqual([
            ["app_connect", ["CONNECT"]],
            ["app_app", ["CONNECT"]],
        ]);
    });

    test("the app role cannot create tables (never CREATE or TEMPORARY, anywhere)", () => {
        for (const tenantAccess of ["login", "setrole", "both"] as const) {
            const m = accessModel(declared({ tenantAccess }));
            const privileges = grantsTo(m, "app_app").flatMap((g) => g.privileges);
            expect(privileges.length).toBeGreaterThan(0);
            expect(privileges).not.toContain("CREATE");
            expect(privileges).not.toContain("TEMPORARY");
            expect(privileges).not.toContain("ALL");
            // And nothing it is a member of carries them either.
            for (const group of role(m, "app_app").memberOf) {
                expect(grantsTo(m, group).flatMap((g) => g.privileges)).not.toContain("CREATE");
            }
        }
    });

    test("the app role gets USAGE, DML on tables, USAGE/SELECT on sequences and EXECUTE on functions in every app schema, now and by default", () => {
        for (const schema of ["app", "billing"]) {
            const g = grantsTo(model, "app_app").filter((x) => x.schema === schema);
            expect(on(g, "grant", "schema").map((x) => x.privileges)).toEqual([["USAGE"]]);
            for (const kind of ["grant", "default"] as const) {
                expect(on(g, kind, "table").map((x) => x.privileges)).toEqual([DML]);
                expect(on(g, kind, "sequence").map((x) => x.privileges)).toEqual([["USAGE", "SELECT"]]);
                expect(on(g, kind, "function").map((x) => x.privileges)).toEqual([["EXECUTE"]]);
            }
        }
    });

    test("a table a migration adds is usable at once: default privileges follow what the service role creates", () => {
        const defaults = allGrants(model).filter((g) => g.kind === "default" && g.role !== "public");
        expect(defaults.length).toBeGreaterThan(0);
        for (const d of defaults) expect(d.owner).toBe("app_service");
    });

    test("with login access the app role is a member of nothing", () => {
        expect(role(model, "app_app").memberOf).toEqual([]);
    });

    test("with setrole or both access the app role is a member of every tenant role and of nothing else", () => {
        for (const tenantAccess of ["setrole", "both"] as const) {
            const m = accessModel(declared({ tenantAccess }));
            expect(role(m, "app_app").memberOf).toEqual(["app_tenant_acme", "app_tenant_globex"]);
        }
    });

    test("nothing can SET ROLE to the service, read-only or admin role: no role is a member of them", () => {
        for (const tenantAccess of ["login", "setrole", "both"] as const) {
            const m = accessModel(declared({ tenantAccess }));
            const memberships = m.roles.flatMap((r) => r.memberOf);
            expect(memberships).not.toContain("app_service");
            expect(memberships).not.toContain("app_readonly");
            expect(memberships).not.toContain("app_app");
        }
    });
});

describe("the read-only role", () => {
    test("the read-only role gets SELECT only, now and by default", () => {
        const grants = grantsTo(model, "app_readonly");
        expect(grants.length).toBeGreaterThan(0);
        for (const g of grants) {
            expect(g.privileges).toEqual(g.objectType === "schema" ? ["USAGE"] : ["SELECT"]);
        }
        expect(on(grants, "default", "table")).toHaveLength(2);
    });

    test("the read-only role cannot run a function a migration adds: PUBLIC's default EXECUTE is revoked for what the service role creates", () => {
        expect(on(grantsTo(model, "app_readonly"), "default", "function")).toEqual([]);
        expect(model.database.revokes.filter((g) => g.kind === "default")).toEqual([
            expect.objectContaining({ role: "public", objectType: "function", owner: "app_service", privileges: [] }),
        ]);
        // Functions that already exist in an adopted app schema lose PUBLIC's EXECUTE before the app's grant.
        for (const s of model.appSchemas) {
            expect(s.grants[0]).toMatchObject({ role: "public", objectType: "function", privileges: [] });
        }
    });

    test("the read-only role reaches the database through the connect group", () => {
        expect(role(model, "app_readonly").memberOf).toEqual(["app_connect"]);
    });

    test("without readonlyRole there is no read-only role and no grant to one", () => {
        const m = accessModel(declared({ roles: { service: "app_service", app: "app_app" } }));
        expect(m.roles.map((r) => r.key)).not.toContain("readonly");
        expect(grantsTo(m, "app_readonly")).toEqual([]);
    });
});

describe("PUBLIC", () => {
    test("PUBLIC loses CONNECT and TEMPORARY on the database, the maintenance database and template1", () => {
        const revoked = model.database.revokes.filter((g) => g.objectType === "database");
        expect(revoked.map((g) => [g.database, g.role, g.privileges])).toEqual([
            ["app", "public", []],
            ["postgres", "public", []],
            ["template1", "public", []],
        ]);
    });

    test("PUBLIC loses CREATE on the public schema", () => {
        expect(model.database.revokes.filter((g) => g.schema === "public")).toEqual([
            expect.objectContaining({ role: "public", objectType: "schema", privileges: ["USAGE"] }),
        ]);
    });

    test("nothing is granted to PUBLIC", () => {
        for (const g of grantsTo(model, "public")) {
            expect(g.privileges.filter((p) => p !== "USAGE" || g.schema !== "public")).toEqual([]);
        }
    });
});

describe("sessions", () => {
    test("login roles resolve names in their own schemas, never through public", () => {
        expect(role(model, "app_app").searchPath).toEqual(["app", "billing"]);
        expect(role(model, "app_readonly").searchPath).toEqual(["app", "billing"]);
        expect(role(model, "app_service").searchPath).toEqual(["app", "billing"]);
        expect(role(model, "app_tenant_acme").searchPath).toEqual(["tenant_acme", "app"]);
        for (const r of model.roles) expect(r.searchPath ?? []).not.toContain("public");
    });

    test("app, read-only and tenant sessions end an idle transaction after 5 minutes; migrations are exempt", () => {
        for (const n of ["app_app", "app_readonly", "app_tenant_acme", "app_tenant_globex"]) {
            expect(role(model, n).idleInTransactionSessionTimeout).toBe(300_000);
        }
        expect(role(model, "app_service").idleInTransactionSessionTimeout).toBeUndefined();
    });

    test("a tenant role has the connection limit its config gives it (20 unless it says otherwise)", () => {
        expect(role(model, "app_tenant_acme").connectionLimit).toBe(20);
        expect(role(model, "app_tenant_globex").connectionLimit).toBe(-1);
    });
});

describe("tenants", () => {
    test("each tenant has schema tenant_<id> owned by the service role", () => {
        expect(model.tenants.map((t) => [t.schema.name, t.schema.owner])).toEqual([
            ["tenant_acme", "app_service"],
            ["tenant_globex", "app_service"],
        ]);
    });

    test("a tenant role is granted on its own schema only: USAGE and default privileges, 4 grants per tenant", () => {
        for (const id of ["acme", "globex"]) {
            const grants = grantsTo(model, `app_tenant_${id}`);
            expect(grants.map((g) => `${g.kind}:${g.objectType}`).sort()).toEqual([
                "default:function",
                "default:sequence",
                "default:table",
                "grant:schema",
            ]);
            for (const g of grants) expect(g.schema).toBe(`tenant_${id}`);
            expect(on(grants, "default", "table")[0]).toMatchObject({ owner: "app_service", privileges: DML });
        }
    });

    test("a tenant role has no USAGE on another tenant's schema, and no privilege on anything in it", () => {
        for (const tenantAccess of ["login", "setrole", "both"] as const) {
            const m = accessModel(declared({ tenantAccess }));
            const reach = (roleName: string): Set<string> => {
                // The role and every role it is a member of (INHERIT), as far as it goes.
                const seen = new Set<string>([roleName]);
                const todo = [roleName];
                while (todo.length > 0) {
                    const r = m.roles.find((x) => x.name === todo.pop());
                    for (const g of r?.memberOf ?? []) {
                        if (!seen.has(g)) {
                            seen.add(g);
                            todo.push(g);
                        }
                    }
                }
                return seen;
            };
            const acme = reach("app_tenant_acme");
            expect(allGrants(m).filter((g) => acme.has(g.role) && g.schema === "tenant_globex")).toEqual([]);
            expect([...acme]).not.toContain("app_tenant_globex");
        }
    });

    test("a tenant login cannot SET ROLE to another tenant: its only memberships are the connect and tenants groups", () => {
        for (const t of model.roles.filter((r) => r.kind === "tenant")) {
            expect(t.memberOf).toEqual(["app_connect", "app_tenants"]);
        }
    });

    test("the groups are NOLOGIN and members of nothing", () => {
        for (const g of model.roles.filter((r) => r.kind === "group")) {
            expect(g).toMatchObject({ login: false, memberOf: [], password: false });
        }
        expect(model.roles.filter((r) => r.kind === "group").map((r) => r.name)).toEqual([
            "app_connect",
            "app_tenants",
        ]);
    });

    test("the tenants group gets USAGE and sequences on the app schemas, and no table: shared tables come with enable_tenant_rls", () => {
        const grants = grantsTo(model, "app_tenants");
        expect(grants.map((g) => `${g.kind}:${g.schema}:${g.objectType}`).sort()).toEqual([
            "default:app:sequence",
            "default:billing:sequence",
            "grant:app:schema",
            "grant:app:sequence",
            "grant:billing:schema",
            "grant:billing:sequence",
        ]);
    });

    test("login and both access give a tenant a password (and a DSN); setrole makes it NOLOGIN without one", () => {
        for (const [tenantAccess, login] of [
            ["login", true],
            ["both", true],
            ["setrole", false],
        ] as const) {
            const t = role(accessModel(declared({ tenantAccess })), "app_tenant_acme");
            expect([t.login, t.password]).toEqual([login, login]);
        }
    });

    test("a tenant id used again gets its kept schema's objects only with reclaimKeptObjects", () => {
        const m = accessModel(
            declared({
                tenants: [
                    { id: "acme", connectionLimit: 20, reclaimKeptObjects: false },
                    { id: "globex", connectionLimit: 20, reclaimKeptObjects: true },
                ],
            }),
        );
        const existing = (id: string) =>
            grantsTo(m, `app_tenant_${id}`)
                .filter((g) => g.kind === "grant" && g.objectType !== "schema")
                .map((g) => g.objectType)
                .sort();
        expect(existing("acme")).toEqual([]);
        expect(existing("globex")).toEqual(["function", "sequence", "table"]);
    });

    test("adding a tenant adds only that tenant's role, schema and grants, and changes nothing else (login access)", () => {
        const more = accessModel(
            declared({
                tenants: [...declared().tenants, { id: "initech", connectionLimit: 20, reclaimKeptObjects: false }],
            }),
        );
        expect(more.roles.filter((r) => r.name !== "app_tenant_initech")).toEqual(model.roles);
        expect(more.database).toEqual(model.database);
        expect(more.appSchemas).toEqual(model.appSchemas);
        expect(more.tenants.slice(0, 2)).toEqual(model.tenants);
    });
});

describe("the row-level-security guard", () => {
    test("the connect group, the service and app roles and the tenants group may use the guard schema", () => {
        expect(model.guard.schema).toBe("pgstack");
        expect(model.guard.usage.map((u) => u.role)).toEqual(["app_connect", "app_service", "app_app", "app_tenants"]);
    });
});

test("roles come after the roles they are a member of", () => {
    for (const tenantAccess of ["login", "setrole", "both"] as const) {
        const m = accessModel(declared({ tenantAccess }));
        m.roles.forEach((r, i) => {
            for (const g of r.memberOf) {
                expect(m.roles.findIndex((x) => x.name === g)).toBeLessThan(i);
            }
        });
    }
});
