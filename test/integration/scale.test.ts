/**
 * Reliability at scale: `up` of 100 tenants from empty through the real engine and the
 * provider against the local TLS cluster, three times at the default parallelism and once at
 * parallel 64, with zero errors (no "tuple concurrently updated", no deadlock) and a no-op `preview`
 * after each. Between runs the stack's state is thrown away and what it retains on purpose (the
 * database, tenant schemas, the service role) is dropped with SQL, so every run starts from empty.
 *
 * The runs write the state once, at the end, as scripts/engine/env.sh ships it
 * (PULUMI_SKIP_CHECKPOINTS=true); recovery.test.ts covers a run killed half-way. Without the engine's
 * serial state writes between steps, provider operations overlap more than in a checkpointed run,
 * which makes a race more likely to show, not less. PGSTACK_SCALE_CHECKPOINTS=1 writes every step.
 */
import * as fs from "fs";
import * as path from "path";
import { EngineEvent } from "@pulumi/pulumi/automation";
import {
    dropDatabasesAndRoles,
    localPg,
    LocalPg,
    localServerConfig,
    ownOrDeadRun,
    ProjectStack,
    query,
    withAdmin,
} from "./support";

// 100 tenants, the scale the README promises; `npm test`'s second pass (PGSTACK_ADMIN=rds) runs a smaller one to stay in CI's time.
const TENANTS = Number(process.env.PGSTACK_SCALE_TENANTS ?? 100);
if (!Number.isInteger(TENANTS) || TENANTS < 1) throw new Error("PGSTACK_SCALE_TENANTS must be a positive integer");
// Per process: the local cluster is shared with other runs (the benchmark, other engineers' tests).
const DB = `it_scale_${process.pid}`;
const PREFIX = `${DB}_t_`;
const ENV: Record<string, string> =
    process.env.PGSTACK_SCALE_CHECKPOINTS === "1" ? { PULUMI_SKIP_CHECKPOINTS: "false" } : {};

let pg: LocalPg;
let stack: ProjectStack | undefined;

const config = () => ({
    environment: "local",
    server: localServerConfig(pg),
    databaseName: DB,
    schemas: ["app"],
    readonlyRole: true,
    tenantRolePrefix: PREFIX,
    tenantAccess: "both",
    tenants: Array.from({ length: TENANTS }, (_, i) => ({ id: `t${i}` })),
    rotation: { seed: "s1" },
});

/** Drops this run's database and roles, and those of earlier runs whose process is gone. */
const dropLeftovers = () => dropDatabasesAndRoles(pg, "it\\_scale\\_%", ownOrDeadRun("it_scale"));

/** A new stack with no state on an empty server (for this run's names). */
async function fresh(): Promise<ProjectStack> {
    await stack?.remove();
    await dropLeftovers();
    stack = await ProjectStack.open(`it-scale-${process.pid}`, { env: ENV });
    await stack.configure(config(), { adminPassword: pg.password });
    return stack;
}

interface UpReport {
    seconds: number;
    errors: string[];
    created: number;
}

/** `up` from empty; every error diagnostic the engine reports, and what the engine printed. */
async function upFromEmpty(parallel?: number): Promise<UpReport> {
    const s = await fresh();
    const errors: string[] = [];
    const printed: string[] = [];
    const onEvent = (e: EngineEvent) => {
        const d = e.diagnosticEvent;
        if (d && d.severity === "error") errors.push(`${d.urn ?? ""}: ${d.message}`);
    };
    const t = Date.now();
    const result = await s.stack
        .up({ color: "never", parallel, onEvent, onOutput: (o) => void printed.push(o) })
        .catch((e: Error) => {
            errors.push(e.message.slice(0, 4000));
            return undefined;
        });
    const seconds = (Date.now() - t) / 1000;
    const text = printed.join("");
    for (const m of text.match(/.*(concurrently updated|deadlock detected).*/g) ?? []) errors.push(m);
    return { seconds, errors, created: result?.summary.resourceChanges?.create ?? 0 };
}

/** What the server holds for this stack's tenants after an `up`. */
async function tenantFacts(): Promise<{ roles: number; schemas: number; defaults: number; usage: number }> {
    const roles = await withAdmin(pg, (c) =>
        query<{ n: number }>(c, "SELECT count(*)::int AS n FROM pg_roles WHERE rolname LIKE $1", [
            `${PREFIX.replace(/_/g, "\\_")}%`,
        ]),
    );
    const inDb = await withAdmin(
        pg,
        (c) =>
            query<{ schemas: number; defaults: number; usage: number }>(
                c,
                `SELECT (SELECT count(*)::int FROM pg_namespace WHERE nspname LIKE 'tenant\\_%') AS schemas,
                        (SELECT count(*)::int FROM pg_default_acl d JOIN pg_namespace n ON n.oid = d.defaclnamespace
                          WHERE n.nspname LIKE 'tenant\\_%') AS defaults,
                        (SELECT count(*)::int FROM pg_namespace n
                          WHERE n.nspname LIKE 'tenant\\_%'
                            AND has_schema_privilege($1 || substr(n.nspname, 8), n.oid, 'USAGE')) AS usage`,
                [PREFIX],
            ),
        DB,
    );
    return { roles: roles[0].n, ...inDb[0] };
}

const expected = { roles: TENANTS, schemas: TENANTS, defaults: 3 * TENANTS, usage: TENANTS };

beforeAll(async () => {
    pg = localPg();
});
afterAll(async () => {
    await stack?.remove();
    if (pg) await dropLeftovers();
});

describe(`${TENANTS} tenants from empty through the real engine`, () => {
    const runs: { label: string; parallel?: number }[] = [
        { label: "default parallelism, run 1" },
        { label: "default parallelism, run 2" },
        { label: "default parallelism, run 3" },
        { label: "parallel 64", parallel: 64 },
    ];
    test.each(runs)("`up` ($label): zero errors, every tenant in place, then a no-op `preview`", async (r) => {
        const report = await upFromEmpty(r.parallel);
        process.stdout.write(`scale.test: up of ${TENANTS} tenants (${r.label}): ${report.seconds.toFixed(1)} s\n`);
        expect(report.errors).toEqual([]);
        expect(report.created).toBeGreaterThanOrEqual(7 * TENANTS);
        expect(await tenantFacts()).toEqual(expected);
        const preview = await stack!.stack.preview({ color: "never", expectNoChanges: true, parallel: r.parallel });
        expect(Object.entries(preview.changeSummary).filter(([k, n]) => k !== "same" && n > 0)).toEqual([]);
    });
});

test("adding one tenant to the stack creates only that tenant's resources, and the engine writes no automatic log", async () => {
    expect(stack).toBeDefined();
    const withExtra = { ...config(), tenants: [...config().tenants, { id: "extra" }] };
    await stack!.configure(withExtra);
    const t = Date.now();
    const result = await stack!.stack.up({ color: "never" });
    process.stdout.write(`scale.test: up adding a tenant to ${TENANTS}: ${((Date.now() - t) / 1000).toFixed(1)} s\n`);
    const changes = result.summary.resourceChanges ?? {};
    // Its password, role, component, schema, USAGE and three default privileges; the app role's
    // memberships name it (tenantAccess both), so that role is updated.
    expect(changes).toEqual({ same: expect.any(Number), create: 8, update: 1 });
    // scripts/engine/env.sh puts a file where the engine's log directory would be: still there, empty.
    const logs = fs.statSync(path.join(stack!.env.PULUMI_HOME, "logs"));
    expect(logs.isFile() && logs.size === 0).toBe(true);
});
