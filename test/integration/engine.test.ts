/**
 * The real engine (Go-built pulumi CLI + Node.js language host, offline) checking stack config before
 * any resource exists: the CLI's type checks of declared keys, the program's own validation, and how
 * the admin password is stored. The full program runs in stack.test.ts.
 */
import { localPg, LocalPg, ProjectStack } from "./support";

let pg: LocalPg;
let stack: ProjectStack;

beforeAll(async () => {
    pg = localPg();
    stack = await ProjectStack.open(`it-engine-${process.pid}`);
});
afterAll(async () => stack?.remove());

const validConfig = () => ({
    environment: "local",
    server: { mode: "existing", host: pg.host, port: pg.port, adminUser: pg.user, caCertPath: pg.ca, superuser: true },
    databaseName: "it_engine",
    tenantRolePrefix: "it_engine_t_",
    tenants: [{ id: "acme" }],
});

/** `pulumi preview`'s error text, or "" when it succeeded. */
async function previewError(): Promise<string> {
    try {
        await stack.stack.preview({ color: "never" });
        return "";
    } catch (e) {
        return (e as Error).message;
    }
}

test("a missing admin password makes `pulumi preview` fail naming pgstack:adminPassword", async () => {
    await stack.configure(validConfig());
    expect(await previewError()).toContain("pgstack:adminPassword");
});

test("the CLI checks declared config types before the program runs", async () => {
    await stack.configure({ ...validConfig(), readonlyRole: "maybe" }, { adminPassword: pg.password });
    expect(await previewError()).toMatch(/readonlyRole.*must be of type 'boolean'/);
});

test("the admin password is stored encrypted and never printed", async () => {
    await stack.configure({ ...validConfig(), tenants: [{ id: "BAD" }] }, { adminPassword: pg.password });
    expect(stack.stackFile()).toContain("secure:");
    expect(stack.stackFile()).not.toContain(pg.password);
    const err = await previewError();
    expect(err).toContain("pgstack:tenants[0].id");
    expect(err).not.toContain(pg.password);
});
