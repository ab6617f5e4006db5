import { adminLoginProblem } from "../../components/server/adminLogin";
import { baseConfig, rdsServer, runProgram } from "../harness";

const GET_SCHEMAS = "postgresql:index/getSchemas:getSchemas";
const target = { host: "db.example.internal", port: 5432, adminUser: "pgstack_admin", database: "postgres" };

test("an existing server's admin login is checked on every run: one getSchemas call through the admin provider, in the maintenance database", async () => {
    const run = await runProgram(
        baseConfig({ server: { ...(baseConfig().server as object), maintenanceDatabase: "ops" } }),
    );
    expect(run.error).toBeUndefined();
    const calls = run.mocks.calls.filter((c) => c.token === GET_SCHEMAS);
    expect(calls).toHaveLength(1);
    expect(calls[0].inputs).toMatchObject({ database: "ops" });
    expect(calls[0].provider).toMatch(/::pgstack-server-provider::/);
});

test("an RDS stack makes no login check (its server may not exist yet; the stack generates its admin password)", async () => {
    const run = await runProgram(baseConfig({ server: rdsServer(), adminPassword: undefined }), { secretKeys: [] });
    expect(run.error).toBeUndefined();
    expect(run.mocks.calls.filter((c) => c.token === GET_SCHEMAS)).toEqual([]);
});

test("a refused admin login names pgstack:adminPassword and pgstack:server.adminUser, and keeps the provider's reason", () => {
    const m = adminLoginProblem(
        'Error connecting to PostgreSQL server db (scheme: postgres, user: pgstack_admin, password: XXXX): password authentication failed for user "pgstack_admin"',
        target,
    );
    expect(m).toMatch(/^pgstack:adminPassword \/ pgstack:server\.adminUser: /);
    expect(m).toContain('password authentication failed for user "pgstack_admin"');
    expect(m).toContain("db.example.internal:5432");
});

test("a server that cannot be reached names pgstack:server.host and port, not the password", () => {
    const m = adminLoginProblem("connect ECONNREFUSED 10.0.0.1:5432", target);
    expect(m).toMatch(/^pgstack:server\.host \/ pgstack:server\.port: /);
    expect(m).not.toContain("adminPassword");
});
