/**
 * The real engine (Go-built pulumi CLI + Node.js language host, offline) running this program.
 * See the note in README: the postgresql/random provider plugins cannot be built here, so what runs
 * through the engine is everything that happens before a provider is needed.
 */
import { client, localPg, LocalPg, query, TempStack, withClient } from "./support";

let pg: LocalPg;
let stack: TempStack;

beforeAll(() => {
    pg = localPg();
    stack = new TempStack(`it-engine-${process.pid}`);
});
afterAll(() => stack?.remove());

/** What an invalid run could have touched: roles, databases and schemas on the server. */
async function serverState(): Promise<string> {
    return withClient(client(pg), async (c) => {
        const roles = await query(c, "SELECT rolname FROM pg_roles ORDER BY 1");
        const dbs = await query(c, "SELECT datname FROM pg_database ORDER BY 1");
        const schemas = await query(c, "SELECT nspname FROM pg_namespace ORDER BY 1");
        return JSON.stringify({ roles, dbs, schemas });
    });
}

const validConfig = () => ({
    environment: "local",
    server: { mode: "existing", host: pg.host, port: pg.port, adminUser: pg.user, caCertPath: pg.ca, superuser: true },
    databaseName: "it_engine",
    tenantRolePrefix: "it_engine_t_",
    tenants: [{ id: "acme" }],
});

test("an invalid tenant id makes `pulumi preview` fail naming the key, and the database is unchanged", async () => {
    const before = await serverState();
    stack.configure({ ...validConfig(), tenants: [{ id: "Acme-Corp" }] }, { adminPassword: pg.password });
    const r = stack.pulumi(["preview"]);
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toContain("pgstack:tenants[0].id");
    expect(await serverState()).toBe(before);
});

test("a missing admin password makes `pulumi preview` fail naming pgstack:adminPassword", () => {
    stack.configure(validConfig());
    const r = stack.pulumi(["preview"]);
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toContain("pgstack:adminPassword");
});

test("the CLI checks declared config types before the program runs", () => {
    stack.configure({ ...validConfig(), readonlyRole: "maybe" }, { adminPassword: pg.password });
    const r = stack.pulumi(["preview"]);
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/readonlyRole.*must be of type 'boolean'/);
});

test("the admin password is stored encrypted and never printed", () => {
    stack.configure({ ...validConfig(), tenants: [{ id: "BAD" }] }, { adminPassword: pg.password });
    expect(stack.stackFile()).toContain("secure:");
    expect(stack.stackFile()).not.toContain(pg.password);
    const r = stack.pulumi(["preview"]);
    expect(r.stdout + r.stderr).not.toContain(pg.password);
});

test("the engine runs offline: no plugin download is attempted", () => {
    stack.configure({ ...validConfig(), tenants: [{ id: "BAD" }] }, { adminPassword: pg.password });
    const r = stack.pulumi(["preview"]);
    expect(r.stdout + r.stderr).not.toMatch(/download|Downloading|get\.pulumi\.com|github\.com\/pulumi/i);
});
