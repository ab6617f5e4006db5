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

    test("what a provider serves through a database adopted in the same round waits for the next round, and is skipped there when the database is still not in the state", () => {
        const DB = `${U}postgresql:index/database:Database::db`;
        const APP = `${U}pulumi:providers:postgresql::app`;
        const GRANT = `${U}postgresql:index/schema:Schema::inside`;
        const more = [
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
                inputs: { host: "h", database: UNKNOWN_VALUE, password: "[secret]" },
                propertyDependencies: { database: [DB] },
            }),
            step(GRANT, {
                type: "postgresql:index/schema:Schema",
                custom: true,
                parent: STACK,
                provider: `${APP}::${UNKNOWN_VALUE}`,
                inputs: { name: "tenant_acme" },
            }),
        ];
        const first = planAdoption([], more, { newProviderId: () => "pid", adminPassword: "pw" });
        expect(first.adopted).toEqual([DB]);
        expect(first.deferred).toEqual([APP, GRANT]);
        // The refresh dropped the database (not on the server): the next round skips what is inside it.
        const second = planAdoption([], more, { newProviderId: () => "pid", adminPassword: "pw", viaAdopted: "skip" });
        expect(second.deferred).toEqual([]);
        expect(second.skipped).toEqual(expect.arrayContaining([APP, GRANT]));
        // The refresh kept it: the provider connects to it by name and what it serves is adopted.
        const kept = first.resources.filter((r) => r.urn !== APP && r.urn !== GRANT);
        const third = planAdoption(kept, more, {
            newProviderId: () => "pid2",
            adminPassword: "pw",
            viaAdopted: "skip",
        });
        expect(third.added).toEqual([APP]);
        expect(third.resources.find((r) => r.urn === APP)?.inputs?.database).toBe("appdb");
        expect(third.adopted).toEqual([GRANT]);
    });

    test("a provider that names a database adopted in the same round (a string from config) waits too", () => {
        const DB = `${U}postgresql:index/database:Database::db`;
        const APP = `${U}pulumi:providers:postgresql::app`;
        const ROLE = `${U}postgresql:index/role:Role::t`;
        const more = [
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
                inputs: { host: "h", database: "appdb", password: "[secret]" },
            }),
            step(ROLE, {
                type: "postgresql:index/role:Role",
                custom: true,
                parent: STACK,
                provider: `${APP}::${UNKNOWN_VALUE}`,
                inputs: { name: "t" },
            }),
        ];
        const first = planAdoption([], more, { newProviderId: () => "pid", adminPassword: "pw" });
        expect(first.adopted).toEqual([DB]);
        expect(first.deferred).toEqual([APP, ROLE]);
    });

    test("without the admin password a provider the state lacks, and what it serves, are skipped", () => {
        const plan = planAdoption([], steps, { newProviderId: () => "pid" });
        expect(plan.adopted).toEqual([]);
        expect(plan.skipped).toContain(PROVIDER);
    });
});
