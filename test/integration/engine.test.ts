/**
 * The real engine (Go-built pulumi CLI + Node.js language host, offline) checking stack config before
 * any resource exists: the CLI's type checks of declared keys, the program's own validation, and how
 * the admin password is stored. The full program runs in stack.test.ts.
 */
import { randomBytes } from "crypto";
import { dropDatabasesAndRoles, localPg, LocalPg, localServerConfig, ownOrDeadRun, ProjectStack } from "./support";

let pg: LocalPg;
let stack: ProjectStack;

beforeAll(async () => {
    pg = localPg();
    stack = await ProjectStack.open(`it-engine-${process.pid}`);
});
afterAll(async () => {
    await stack?.remove();
    if (pg) await dropLeftovers();
});

// The stack some tests below `up` for real: per process (the local cluster is shared).
const DB = `it_engine_${process.pid}`;
const dropLeftovers = () => dropDatabasesAndRoles(pg, "it\\_engine\\_%", ownOrDeadRun("it_engine"));

const validConfig = () => ({
    environment: "local",
    server: localServerConfig(pg),
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

test("server.pooler with a non-superuser admin makes `pulumi preview` fail naming pgstack:server.pooler", async () => {
    const cfg = validConfig();
    await stack.configure(
        { ...cfg, server: { ...cfg.server, superuser: false, pooler: { host: pg.host, port: 6432 } } },
        { adminPassword: pg.password },
    );
    expect(await previewError()).toMatch(/pgstack:server\.pooler: needs server\.superuser true/);
});

test("where the server exists, a wrong admin password fails `preview`, `preview --refresh` and a no-op `up`, naming pgstack:adminPassword", async () => {
    await dropLeftovers();
    await stack.configure(
        { ...validConfig(), databaseName: DB, tenantRolePrefix: `${DB}_t_`, tenants: [{ id: "acme" }] },
        { adminPassword: pg.password },
    );
    await stack.stack.up({ color: "never" });
    const wrong = `wrong-${randomBytes(12).toString("hex")}`;
    stack.setSecret("pgstack:adminPassword", wrong);
    const failures: Record<string, string> = {};
    const attempt = async (what: string, run: () => Promise<unknown>) => {
        failures[what] = await run().then(
            () => "",
            (e: Error) => e.message,
        );
    };
    await attempt("preview", () => stack.stack.preview({ color: "never" }));
    await attempt("preview --refresh", () => stack.stack.preview({ color: "never", refresh: true }));
    await attempt("up", () => stack.stack.up({ color: "never" }));
    for (const [what, message] of Object.entries(failures)) {
        expect({ what, namesKey: /pgstack:adminPassword \/ pgstack:server\.adminUser/.test(message) }).toEqual({
            what,
            namesKey: true,
        });
        expect(message).toMatch(/password authentication failed/);
        expect(message).not.toContain(wrong);
    }
    // With the right password again, `up` converges (the failed `up` had already stored the providers'
    // new inputs: they are updated back) and then nothing changes.
    stack.setSecret("pgstack:adminPassword", pg.password);
    await stack.stack.up({ color: "never" });
    await stack.stack.preview({ color: "never", expectNoChanges: true });
    await stack.stack.destroy({ color: "never" });
});
