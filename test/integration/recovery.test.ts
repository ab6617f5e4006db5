/**
 * Recovery without a record: the engine is killed at many points of a 20-tenant `up`, with
 * checkpoints and with PULUMI_SKIP_CHECKPOINTS=true (which records nothing, not even pending
 * operations); each time `recover` (scripts/lib/recovery.ts recoverInterrupted, what `npm run recover`
 * and `local:recover` run) and one `up` must converge with no SQL by hand: the `up` succeeds, a
 * preview shows no change, every tenant's DSN works, and every row written between the kill and the
 * recovery is still there.
 *
 * Each trial starts from an empty server and an empty state (20 tenants: about 200 resources); the
 * kill points are spread over the run, five in each checkpoint mode, and at half of them the server
 * crashes and restarts as well.
 */
import { EngineEvent } from "@pulumi/pulumi/automation";
import { spawnSync } from "child_process";
import * as path from "path";
import {
    asDsn,
    dropDatabasesAndRoles,
    killEngine,
    localPg,
    LocalPg,
    localServerConfig,
    ownOrDeadRun,
    ProjectStack,
    query,
    REPO,
    rolesNotInState,
    withAdmin,
} from "./support";

const TENANTS = 20;
const DB = `it_recover_${process.pid}`;
const PREFIX = `${DB}_t_`;
/**
 * After how many finished creates the engine is killed (the run has about 200), whether checkpoints
 * are skipped (five points each), and whether the server crashes too (immediate stop and start, as a
 * power loss would: every transaction in flight is lost, and a provider still running cannot commit
 * anything after the recovery has looked).
 */
const KILL_POINTS: [number, boolean, boolean][] = [
    [3, true, false],
    [22, false, true],
    [41, true, false],
    [60, true, true],
    [79, false, false],
    [98, true, true],
    [117, false, false],
    [136, false, true],
    [155, false, false],
    [174, true, true],
];

/**
 * `npm test` runs four of them, one early and one late in each mode, two with a server crash, to
 * stay within CI's time; PGSTACK_RECOVERY_POINTS=all runs the ten (about 12 minutes on a quiet machine),
 * PGSTACK_RECOVERY_POINTS=79,117 the ones named.
 */
const CI_POINTS = new Set([3, 22, 155, 174]);
const chosen = process.env.PGSTACK_RECOVERY_POINTS;
const points =
    chosen === "all"
        ? KILL_POINTS
        : KILL_POINTS.filter(([p]) => (chosen ? chosen.split(",").map(Number).includes(p) : CI_POINTS.has(p)));

let pg: LocalPg;
let stack: ProjectStack | undefined;

const config = () => ({
    environment: "local",
    server: localServerConfig(pg),
    databaseName: DB,
    schemas: ["app"],
    readonlyRole: true,
    tenantRolePrefix: PREFIX,
    tenants: Array.from({ length: TENANTS }, (_, i) => ({ id: `t${i}` })),
    rotation: { seed: "s1" },
});

const dropLeftovers = () => dropDatabasesAndRoles(pg, "it\\_recover\\_%", ownOrDeadRun("it_recover"));

beforeAll(async () => {
    pg = localPg();
    await dropLeftovers();
});
afterAll(async () => {
    await stack?.remove();
    await dropLeftovers();
});

/** The local cluster stops as a crash would and starts again (scripts/local-pg.sh crash-restart). */
function crashRestartServer(): void {
    const r = spawnSync("bash", [path.join(REPO, "scripts/local-pg.sh"), "crash-restart"], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`crash-restart failed: ${r.stderr}`);
}

/** Tenant schemas the killed run left on the server; one row goes into each (an app at work). */
async function writeRows(): Promise<string[]> {
    const exists = await withAdmin(
        pg,
        (c) => query<{ datname: string }>(c, "SELECT datname FROM pg_database WHERE datname = $1", [DB]),
        "postgres",
    );
    if (exists.length === 0) return [];
    return withAdmin(
        pg,
        async (c) => {
            const schemas = (
                await query<{ nspname: string }>(c, "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'tenant\\_%'")
            ).map((r) => r.nspname);
            for (const s of schemas) {
                await c.query(`CREATE TABLE ${s}.kept (v text)`);
                await c.query(`INSERT INTO ${s}.kept VALUES ('written after the kill')`);
            }
            return schemas;
        },
        DB,
    );
}

describe.each(points)(
    "killed after %i creates (skip checkpoints: %s, server crash: %s)",
    (point, skipCheckpoints, crash) => {
        test(`recover + up converge with no manual SQL and every row kept`, async () => {
            await stack?.remove();
            await dropLeftovers();
            stack = await ProjectStack.open(`it-recover-${process.pid}`, {
                env: { PULUMI_SKIP_CHECKPOINTS: skipCheckpoints ? "true" : "false" },
            });
            await stack.configure(config(), { adminPassword: pg.password });

            let created = 0;
            let killed = false;
            const run = stack.stack.up({
                color: "never",
                onEvent: (e: EngineEvent) => {
                    const m = e.resOutputsEvent?.metadata;
                    if (m && m.op === "create") created += 1;
                    if (created >= point && !killed) {
                        killed = true;
                        killEngine();
                    }
                },
            });
            await expect(run).rejects.toThrow();
            expect(killed).toBe(true);
            if (crash) crashRestartServer();
            const rolesAtKill = await rolesNotInState(pg, stack, PREFIX).catch((e: Error) => [`(${e.message})`]);
            const rows = await writeRows();

            const t0 = Date.now();
            const settled = await stack.recoverInterrupted();
            const recoverMs = Date.now() - t0;
            const notInState = await rolesNotInState(pg, stack, PREFIX);
            // What recover saw and did, when a role was left out (the received value shows it).
            const why = notInState.length ? { rolesAtKill, ...settled } : {};
            expect({ notInState, why }).toEqual({ notInState: [], why: {} });
            await stack.stack.up({ color: "never" });
            await stack.stack.preview({ expectNoChanges: true, color: "never" });
            process.stderr.write(
                `[recovery] point ${point} skip=${skipCheckpoints} crash=${crash}: adopted ${settled.adopted}, restored ` +
                    `${settled.added}, cleared ${settled.cleared}, ${rows.length} schemas with rows; recover ${recoverMs} ms\n`,
            );

            const o = (await stack.outputValues()) as { TENANT_DATABASE_URLS: Record<string, string> };
            expect(Object.keys(o.TENANT_DATABASE_URLS)).toHaveLength(TENANTS);
            for (const [id, url] of Object.entries(o.TENANT_DATABASE_URLS)) {
                expect(await asDsn(url, "SELECT current_user AS u")).toEqual([{ u: `${PREFIX}${id}` }]);
            }
            for (const s of rows) {
                expect(await withAdmin(pg, (c) => query(c, `SELECT v FROM ${s}.kept`), DB)).toEqual([
                    { v: "written after the kill" },
                ]);
            }
        });
    },
);
