import { baseConfig, isSecretInput, plain, ProgramRun, runProgram } from "../../harness";

const PASSWORD = "random:index/randomPassword:RandomPassword";

const keepers = (run: ProgramRun) =>
    Object.fromEntries(run.mocks.ofType(PASSWORD).map((p) => [p.name, JSON.stringify(p.inputs.keepers)]));

const changed = (a: ProgramRun, b: ProgramRun) => {
    const ka = keepers(a);
    const kb = keepers(b);
    return Object.keys(ka)
        .filter((n) => ka[n] !== kb[n])
        .sort();
};

let base: ProgramRun;
beforeAll(async () => {
    base = await runProgram(baseConfig({ rotation: { seed: "2026-01" } }));
    expect(base.error).toBeUndefined();
});

test("every password comes from @pulumi/random with the global seed in its keepers", () => {
    const pws = base.mocks.ofType(PASSWORD);
    expect(pws.map((p) => p.name).sort()).toEqual([
        "pgstack-db-service-password",
        "pgstack-roles-app-password",
        "pgstack-roles-readonly-password",
        "pgstack-roles-tenant-acme-password",
        "pgstack-roles-tenant-globex-password",
    ]);
    for (const p of pws) expect((p.inputs.keepers as Record<string, string>).seed).toBe("2026-01");
    for (const p of pws) expect(p.inputs.length).toBeGreaterThanOrEqual(32);
});

test("changing tenant X's seed changes only X's password keepers", async () => {
    const rotated = await runProgram(
        baseConfig({ rotation: { seed: "2026-01" }, tenants: [{ id: "acme", seed: "r1" }, { id: "globex" }] }),
    );
    expect(changed(base, rotated)).toEqual(["pgstack-roles-tenant-acme-password"]);
});

test("changing the app role's seed changes only the app password", async () => {
    const rotated = await runProgram(baseConfig({ rotation: { seed: "2026-01", app: "r1" } }));
    expect(changed(base, rotated)).toEqual(["pgstack-roles-app-password"]);
});

test("changing the global seed rotates every password", async () => {
    const rotated = await runProgram(baseConfig({ rotation: { seed: "2026-02" } }));
    expect(changed(base, rotated)).toHaveLength(5);
});

test("a role's password is the generated one, passed as a secret", () => {
    const role = base.mocks.ofType("postgresql:index/role:Role").find((r) => r.inputs.name === "app_tenant_acme");
    const pw = base.mocks.named("pgstack-roles-tenant-acme-password");
    expect(String(plain(role?.inputs.password))).toMatch(/^pwxpgstackxrolesxtenantxacmexpassword/);
    expect(isSecretInput(role?.inputs.password)).toBe(true);
    expect(pw).toBeDefined();
});

test("every DSN output is secret", () => {
    for (const k of ["DATABASE_URL", "DATABASE_SERVICE_URL", "DATABASE_READONLY_URL", "TENANT_DATABASE_URLS"]) {
        expect(base.outputs[k]).toBeDefined();
        expect(base.secret[k]).toBe(true);
    }
});

test("no non-secret output carries a password", () => {
    const passwords = base.mocks
        .ofType("postgresql:index/role:Role")
        .map((r) => plain(r.inputs.password))
        .filter(Boolean) as string[];
    expect(passwords.length).toBeGreaterThan(0);
    for (const [k, v] of Object.entries(base.outputs)) {
        if (base.secret[k]) continue;
        for (const pw of passwords) expect(JSON.stringify(v) ?? "").not.toContain(pw);
    }
});

test("DSNs name the right role and database and carry the configured sslmode", () => {
    const app = new URL(base.outputs.DATABASE_URL as string);
    expect(app.username).toBe("app_app");
    expect(app.pathname).toBe("/app");
    expect(app.searchParams.get("sslmode")).toBe("verify-full");
    const tenants = base.outputs.TENANT_DATABASE_URLS as Record<string, string>;
    expect(Object.keys(tenants).sort()).toEqual(["acme", "globex"]);
    expect(new URL(tenants.acme).username).toBe("app_tenant_acme");
});

test("sslmode require is carried into every DSN when configured", async () => {
    const run = await runProgram(baseConfig({ sslmode: "require" }));
    for (const k of ["DATABASE_URL", "DATABASE_SERVICE_URL"]) {
        expect(new URL(run.outputs[k] as string).searchParams.get("sslmode")).toBe("require");
    }
});
