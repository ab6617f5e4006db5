/**
 * The policy pack through the real engine (`pulumi preview --policy-pack policies`): the mandatory TLS
 * rule on the stack config sees the stack's config and name (which the engine sends in its
 * ConfigureStack call, not in the pack's environment), and pgstack:allowInsecureSsl lifts it for a
 * local stack only. Previews only: nothing is created.
 */
import * as path from "path";
import { localPg, LocalPg, localServerConfig, ProjectStack, REPO } from "./support";

const DB = `it_policy_${process.pid}`;
let pg: LocalPg;
let stack: ProjectStack;

const insecure = (environment: string) => ({
    environment,
    server: localServerConfig(pg),
    databaseName: DB,
    schemas: ["app"],
    sslmode: "prefer",
    allowInsecureSsl: true,
});

async function previewWithPack(): Promise<{ ok: boolean; text: string }> {
    const policyPacks = [path.join(REPO, "policies")];
    try {
        const r = await stack.stack.preview({ policyPacks, color: "never" });
        return { ok: true, text: r.stdout };
    } catch (e) {
        return { ok: false, text: (e as Error).message };
    }
}

beforeAll(async () => {
    pg = localPg();
    stack = await ProjectStack.open(`it-policy-${process.pid}`);
});
afterAll(async () => {
    await stack?.remove();
});

test("item 6: the policy pack refuses pgstack:sslmode prefer on a staging stack although pgstack:allowInsecureSsl is true", async () => {
    await stack.configure(insecure("staging"), { adminPassword: pg.password });
    const r = await previewWithPack();
    expect(r.ok).toBe(false);
    expect(r.text).toMatch(/mandatory/);
    expect(r.text).toMatch(/postgres-config-tls/);
    expect(r.text).toMatch(/pgstack:sslmode \(sslmode prefer\)/);
    expect(r.text).not.toContain(pg.password);
});

test("item 6: pgstack:allowInsecureSsl true lets a local stack use pgstack:sslmode prefer through the policy pack", async () => {
    await stack.configure(insecure("local"), { adminPassword: pg.password });
    const r = await previewWithPack();
    expect(r.text).not.toMatch(/postgres-config-tls/);
    expect(r.ok).toBe(true);
    expect(r.text).toMatch(/Policies:\s+✅ pgstack@/);
});
