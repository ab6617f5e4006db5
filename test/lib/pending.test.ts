import { planAdoption, planPendingCreates, UNKNOWN_VALUE } from "../../lib/pending";

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

describe("planAdoption: recovery without a record", () => {
    const U = "urn:pulumi:s::pgstack::";
    const PROVIDER = `${U}pulumi:providers:postgresql::pg`;
    const STACK = `${U}pulumi:pulumi:Stack::pgstack-s`;
    const step = (urn: string, ns: Record<string, unknown>) => ({
        op: "create",
        urn,
        newState: { urn, ...ns } as never,
    });
    const steps = [
        step(STACK, { type: "pulumi:pulumi:Stack", custom: false }),
        step(PROVIDER, {
            type: "pulumi:providers:postgresql",
            custom: true,
            parent: STACK,
            inputs: { host: "h", database: "postgres", password: "[secret]" },
        }),
        step(`${U}postgresql:index/role:Role::svc`, {
            type: "postgresql:index/role:Role",
            custom: true,
            parent: STACK,
            provider: `${PROVIDER}::${UNKNOWN_VALUE}`,
            inputs: { name: "app_service", login: true, password: UNKNOWN_VALUE },
            dependencies: [PROVIDER, `${U}random:index/randomPassword:RandomPassword::pw`],
        }),
        step(`${U}postgresql:index/schema:Schema::s`, {
            type: "postgresql:index/schema:Schema",
            custom: true,
            parent: STACK,
            provider: `${PROVIDER}::${UNKNOWN_VALUE}`,
            inputs: { name: "tenant_acme", database: UNKNOWN_VALUE },
        }),
        step(`${U}random:index/randomPassword:RandomPassword::pw`, {
            type: "random:index/randomPassword:RandomPassword",
            custom: true,
            parent: STACK,
            inputs: { length: 40 },
        }),
    ];

    test("with an empty state (PULUMI_SKIP_CHECKPOINTS), every declared resource whose ID follows from its inputs is added with that ID", () => {
        const plan = planAdoption([], steps, { newProviderId: () => "pid-1", adminPassword: "admin-pw" });
        const role = plan.resources.find((r) => r.urn.endsWith("::svc"));
        expect(role).toMatchObject({ id: "app_service", provider: `${PROVIDER}::pid-1`, parent: STACK });
        // The unknown password is left out (the next up sets it); only dependencies in the state remain.
        expect(role?.inputs).toEqual({ name: "app_service", login: true });
        expect(role?.dependencies).toEqual([PROVIDER]);
        expect(plan.adopted).toEqual([`${U}postgresql:index/role:Role::svc`]);
        // The stack and the provider (its masked password from the stack's admin password) are restored.
        expect(plan.added).toEqual([STACK, PROVIDER]);
        const provider = plan.resources.find((r) => r.urn === PROVIDER);
        expect(JSON.stringify(provider?.inputs)).toContain('"plaintext":"\\"admin-pw\\""');
        // An ID that needs an unknown value, and a random password (nothing on the server), are skipped.
        expect(plan.skipped.sort()).toEqual(
            [`${U}postgresql:index/schema:Schema::s`, `${U}random:index/randomPassword:RandomPassword::pw`].sort(),
        );
    });

    test("resources already in the state are kept as they are, in the program's order", () => {
        const existing = [
            { urn: STACK, type: "pulumi:pulumi:Stack", custom: false },
            {
                urn: PROVIDER,
                type: "pulumi:providers:postgresql",
                custom: true,
                id: "old",
                inputs: { database: "app" },
            },
            { urn: `${U}postgresql:index/role:Role::gone`, type: "postgresql:index/role:Role", custom: true, id: "x" },
        ];
        const plan = planAdoption(existing, steps, { newProviderId: () => "never" });
        expect(plan.resources.map((r) => r.urn.split("::").pop())).toEqual(["pgstack-s", "pg", "svc", "gone"]);
        expect(plan.resources.find((r) => r.urn.endsWith("::svc"))?.provider).toBe(`${PROVIDER}::old`);
        expect(plan.added).toEqual([]);
    });

    // The app database, the provider that connects to it (naming it by the database's output, or by
    // the same string from config) and one resource served through that provider.
    const DB = `${U}postgresql:index/database:Database::db`;
    const APP = `${U}pulumi:providers:postgresql::app`;
    const INSIDE = `${U}postgresql:index/schema:Schema::inside`;
    const throughAppDb = (database: "output" | "config") => [
        ...steps.slice(0, 2),
        step(DB, {
            type: "postgresql:index/database:Database",
            custom: true,
            parent: STACK,
            provider: `${PROVIDER}::${UNKNOWN_VALUE}`,
            inputs: { name: "appdb" },
        }),
        step(APP, {
            type: "pulumi:providers:postgresql",
            custom: true,
            parent: STACK,
            inputs: { host: "h", database: database === "output" ? UNKNOWN_VALUE : "appdb", password: "[secret]" },
            ...(database === "output" ? { propertyDependencies: { database: [DB] } } : {}),
        }),
        step(INSIDE, {
            type: "postgresql:index/schema:Schema",
            custom: true,
            parent: STACK,
            provider: `${APP}::${UNKNOWN_VALUE}`,
            inputs: { name: "tenant_acme" },
        }),
    ];

    test("what a provider serves through a database adopted in the same round waits for the next round, and is skipped there when the database is still not in the state", () => {
        const more = throughAppDb("output");
        const first = planAdoption([], more, { newProviderId: () => "pid", adminPassword: "pw" });
        expect(first.adopted).toEqual([DB]);
        expect(first.deferred).toEqual([APP, INSIDE]);
        // The refresh dropped the database (not on the server): the next round skips what is inside it.
        const second = planAdoption([], more, { newProviderId: () => "pid", adminPassword: "pw", viaAdopted: "skip" });
        expect(second.deferred).toEqual([]);
        expect(second.skipped).toEqual(expect.arrayContaining([APP, INSIDE]));
        // The refresh kept it: the provider connects to it by name and what it serves is adopted.
        const kept = first.resources.filter((r) => r.urn !== APP && r.urn !== INSIDE);
        const third = planAdoption(kept, more, {
            newProviderId: () => "pid2",
            adminPassword: "pw",
            viaAdopted: "skip",
        });
        expect(third.added).toEqual([APP]);
        expect(third.resources.find((r) => r.urn === APP)?.inputs?.database).toBe("appdb");
        expect(third.adopted).toEqual([INSIDE]);
    });

    test("a provider that names a database adopted in the same round (a string from config) waits too", () => {
        const first = planAdoption([], throughAppDb("config"), { newProviderId: () => "pid", adminPassword: "pw" });
        expect(first.adopted).toEqual([DB]);
        expect(first.deferred).toEqual([APP, INSIDE]);
    });

    test("a resource whose provider and parent are in the state but not among the preview's steps (unchanged resources are listed only with --show-sames) is adopted after them", () => {
        const TENANT = `${U}pgstack:access:Tenant::t`;
        const ROLE = `${U}postgresql:index/role:Role::t`;
        const existing = [
            { urn: STACK, type: "pulumi:pulumi:Stack", custom: false },
            { urn: PROVIDER, type: "pulumi:providers:postgresql", custom: true, id: "pid", inputs: {}, parent: STACK },
            { urn: TENANT, type: "pgstack:access:Tenant", custom: false, parent: STACK },
        ];
        const onlyChanges = [
            step(ROLE, {
                type: "postgresql:index/role:Role",
                custom: true,
                parent: TENANT,
                provider: `${PROVIDER}::pid`,
                inputs: { name: "app_tenant_t" },
                dependencies: [PROVIDER],
            }),
        ];
        const plan = planAdoption(existing, onlyChanges, { newProviderId: () => "never" });
        expect(plan.adopted).toEqual([ROLE]);
        const order = plan.resources.map((r) => r.urn);
        expect(order[0]).toBe(STACK);
        expect(order.indexOf(ROLE)).toBeGreaterThan(Math.max(order.indexOf(PROVIDER), order.indexOf(TENANT)));
        expect(plan.resources[order.indexOf(ROLE)]).toMatchObject({
            id: "app_tenant_t",
            provider: `${PROVIDER}::pid`,
            parent: TENANT,
        });
    });

    test("without the admin password a provider the state lacks, and what it serves, are skipped", () => {
        const plan = planAdoption([], steps, { newProviderId: () => "pid" });
        expect(plan.adopted).toEqual([]);
        expect(plan.skipped).toContain(PROVIDER);
    });
});
