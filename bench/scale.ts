/**
 * Scale benchmark through the real engine, the offline postgresql/random provider and the local TLS
 * cluster (scripts/local-pg.sh), next to a plain-SQL floor and the mock-mode program time.
 *
 *   npm run bench                         # tenants 10,100,1000, 3 runs; levers at 100 (1 run); RDS-like admin at 1000; mock 100,1000
 *   npm run bench -- --quick              # tenants 10,100, 1 run, no levers, mock 100 (a fast check)
 *   npm run bench -- --tenants=10,100 --runs=2 --runs-for=100:1 --levers=checkpoints --lever-tenants=100
 *        --lever-runs=1 --rds-tenants=100 --mock=100,1000 --mock-runs=3 --out=bench/results/scale.md
 *
 * Per tenant count N (plus N=0, the empty stack every no-op ratio is taken against) and per run,
 * interleaved so load drifts hit every size alike:
 *   - floor: one session per database creating the same roles, database, schemas, grants and default
 *     privileges with plain SQL (the statements the provider runs, minus its reads and locks);
 *   - engine (variant "base", the project as users run it): first `up`; no-op `up`; `preview`;
 *     `preview --refresh`; `up` adding one tenant; `up` removing it again;
 *   - the same with the RDS-like admin (no superuser; --rds-tenants), for errors as much as for time;
 *   - levers (at --lever-tenants, in the first --lever-runs rounds): the same with one of the
 *     project's speed choices undone, so the table says what each one buys: per-step state writes
 *     (PULUMI_SKIP_CHECKPOINTS=false), the SDK's per-resource debug messages (PGSTACK_SDK_DEBUG=1),
 *     the engine's automatic log (PGSTACK_ENGINE_LOGS=1), Node's default flags (no nodeargs).
 * Each scenario has its own database `bench_<pid>_<variant><N>r<run>` and tenant role prefix
 * `<database>_t_`, dropped before and after (and those of earlier bench processes that are gone).
 * Results are rewritten after every round to --out (markdown) and next to it as JSON.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { randomBytes } from "crypto";
import { parse } from "yaml";
import type { Client } from "pg";
import { dropDatabasesAndRoles, ownOrDeadRun } from "../scripts/lib/cleanup";
import { REPO, runInRepo } from "../scripts/lib/engineEnv";
import { localPg, LocalPg, localServerConfig, withAdmin } from "../scripts/lib/localServices";
import { ProjectStack } from "../scripts/lib/projectStack";
import { currentTenantBody, enableTenantRlsBody, quoteIdent as qi, quoteLiteral as ql } from "../lib/sql";
import { tenantsGroupName } from "../lib/naming";
import { median, mockRun } from "./mock-scale";

// ---------------------------------------------------------------------------------------------- options

interface Options {
    tenants: number[];
    runs: number;
    /** Fewer runs for some sizes (--runs-for=300:1): the first `up` grows faster than linearly. */
    runsFor: Record<number, number>;
    mock: number[];
    mockRuns: number;
    levers: string[];
    leverTenants: number[];
    /** Levers run in the first K rounds only. */
    leverRuns: number;
    /** Sizes the RDS-like admin runs at (every round). */
    rdsTenants: number[];
    out: string;
    quick: boolean;
}

function parseArgs(argv: string[]): Options {
    const flags = new Map<string, string>();
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (!a.startsWith("--")) throw new Error(`unexpected argument ${a}`);
        const eq = a.indexOf("=");
        if (eq > 0) flags.set(a.slice(2, eq), a.slice(eq + 1));
        else if (argv[i + 1] !== undefined && !argv[i + 1].startsWith("--")) flags.set(a.slice(2), argv[++i]);
        else flags.set(a.slice(2), "true");
    }
    const quick = flags.get("quick") === "true";
    const list = (k: string, d: string) =>
        (flags.get(k) ?? d)
            .split(",")
            .filter((s) => s.length > 0 && s !== "none")
            .map((s) => s.trim());
    const nums = (k: string, d: string) => list(k, d).map(Number);
    const known = [
        "quick",
        "tenants",
        "runs",
        "runs-for",
        "mock",
        "mock-runs",
        "levers",
        "lever-tenants",
        "lever-runs",
        "rds-tenants",
        "out",
    ];
    for (const k of flags.keys()) if (!known.includes(k)) throw new Error(`unknown option --${k}`);
    const o: Options = {
        quick,
        tenants: nums("tenants", quick ? "10,100" : "10,100,1000"),
        runs: Number(flags.get("runs") ?? (quick ? "1" : "3")),
        runsFor: Object.fromEntries(list("runs-for", "").map((kv) => kv.split(":").map(Number))),
        mock: nums("mock", quick ? "100" : "100,1000"),
        mockRuns: Number(flags.get("mock-runs") ?? "1"),
        levers: list("levers", quick ? "none" : Object.keys(LEVERS).join(",")),
        leverTenants: nums("lever-tenants", "100"),
        leverRuns: Number(flags.get("lever-runs") ?? "1"),
        rdsTenants: nums("rds-tenants", quick ? "none" : "1000"),
        out: path.resolve(flags.get("out") ?? path.join(__dirname, "results", "scale.md")),
    };
    for (const l of o.levers) if (!(l in LEVERS)) throw new Error(`unknown lever ${l} (${Object.keys(LEVERS)})`);
    return o;
}

// ---------------------------------------------------------------------------------------------- variants

interface Variant {
    key: string;
    /** One letter in database names. */
    letter: string;
    label: string;
    env?: Record<string, string>;
    /** Replaces `runtime.options.nodeargs` of the stack's Pulumi.yaml. */
    nodeargs?: string;
    /** The stack's admin: the RDS-like one instead of the cluster's superuser. */
    rds?: boolean;
    /** Around the scenario (what the environment alone cannot switch). */
    before?: () => void;
    after?: () => void;
}

/**
 * scripts/engine/env.sh sourced again with extra environment: it is what turns the engine's
 * automatic log on (PGSTACK_ENGINE_LOGS=1) or off for the engine every scenario runs.
 */
const sourceEnvSh = (env: Record<string, string> = {}) =>
    runInRepo("bash", ["-c", `. "${REPO}/scripts/engine/env.sh"`], { ...process.env, ...env });

const BASE: Variant = { key: "base", letter: "b", label: "as shipped" };
const RDS: Variant = { key: "rds", letter: "r", label: "RDS-like admin (no superuser)", rds: true };
const LEVERS: Record<string, Variant> = {
    checkpoints: {
        key: "checkpoints",
        letter: "c",
        label: "per-step state writes (PULUMI_SKIP_CHECKPOINTS=false)",
        env: { PULUMI_SKIP_CHECKPOINTS: "false" },
    },
    "sdk-debug": {
        key: "sdk-debug",
        letter: "d",
        label: "the SDK's per-resource debug messages sent (PGSTACK_SDK_DEBUG=1)",
        env: { PGSTACK_SDK_DEBUG: "1" },
    },
    "engine-logs": {
        key: "engine-logs",
        letter: "l",
        label: "the engine's automatic log written (PGSTACK_ENGINE_LOGS=1)",
        before: () => sourceEnvSh({ PGSTACK_ENGINE_LOGS: "1" }),
        after: () => sourceEnvSh(),
    },
    "node-defaults": {
        key: "node-defaults",
        letter: "n",
        label: "Node's default flags (no `nodeargs`)",
        nodeargs: "",
    },
};

// ---------------------------------------------------------------------------------------------- SQL helpers

let pg: LocalPg;
/** The same cluster with the RDS-like admin as the stack's admin. */
let rdsPg: LocalPg;
const asAdmin = <T>(fn: (c: Client) => Promise<T>, database = "postgres") => withAdmin(pg, fn, database);

/** Drops a scenario's database and roles; with no name, those of bench processes that are gone. */
async function dropScenario(db?: string): Promise<void> {
    const scenario = (name: string) => name === db || name.startsWith(`${db}_`);
    await dropDatabasesAndRoles(pg, "bench\\_%", db ? scenario : ownOrDeadRun("bench"));
}

/** Sessions ever opened on a database (pg_stat_database.sessions, PostgreSQL 14+). */
async function sessions(databases: string[]): Promise<Record<string, number>> {
    return asAdmin(async (c) => {
        await c.query("SELECT pg_stat_clear_snapshot()");
        const rows = (
            await c.query("SELECT datname, sessions::int AS n FROM pg_stat_database WHERE datname = ANY($1)", [
                databases,
            ])
        ).rows as { datname: string; n: number }[];
        return Object.fromEntries(databases.map((d) => [d, rows.find((r) => r.datname === d)?.n ?? 0]));
    });
}

/** The cost of one connection as the provider opens them: TLS (verify-full) + SCRAM + one query + close. */
async function connectionCost(samples = 30): Promise<number> {
    const ms: number[] = [];
    for (let i = 0; i < samples; i++) {
        const t = now();
        await asAdmin((c) => c.query("SELECT 1"));
        ms.push(now() - t);
    }
    return median(ms);
}

const jsonOut = (md: string) => `${md.replace(/\.md$/, "")}.json`;

/** `runtime.options.nodeargs` of the project's Pulumi.yaml: what the program runs with. */
function shippedNodeargs(): string {
    const project = parse(fs.readFileSync(path.join(REPO, "Pulumi.yaml"), "utf8")) as {
        runtime?: { options?: { nodeargs?: string } };
    };
    return project.runtime?.options?.nodeargs ?? "";
}

const now = () => Number(process.hrtime.bigint()) / 1e6;

// ---------------------------------------------------------------------------------------------- the floor

const TABLE = "SELECT, INSERT, UPDATE, DELETE";
const SEQUENCE = "USAGE, SELECT";

/**
 * The same objects as the stack (tenantAccess both, readonlyRole, schema app), with plain SQL: one
 * multi-statement script on the maintenance database (roles, database, ACLs) and one in the new
 * database (schemas, grants, default privileges, the RLS guard). Passwords are set in clear text, so
 * the server computes SCRAM verifiers as it does for the provider's CREATE ROLE … PASSWORD.
 */
async function sqlFloor(db: string, n: number): Promise<number> {
    const r = (k: string) => qi(`${db}_${k}`);
    const pw = () => ql(randomBytes(24).toString("base64url"));
    const tenants = Array.from({ length: n }, (_, i) => `t${i}`);
    const tRole = (t: string) => qi(`${db}_t_${t}`);
    const tSchema = (t: string) => qi(`tenant_${t}`);
    const limits = "SET idle_in_transaction_session_timeout = 300000";
    const cluster = [
        `CREATE ROLE ${r("connect")} NOLOGIN`,
        `CREATE ROLE ${r("service")} LOGIN PASSWORD ${pw()}`,
        `ALTER ROLE ${r("service")} SET search_path = app`,
        ...tenants.flatMap((t) => [
            `CREATE ROLE ${tRole(t)} LOGIN PASSWORD ${pw()} CONNECTION LIMIT 20 IN ROLE ${r("connect")}`,
            `ALTER ROLE ${tRole(t)} SET search_path = ${tSchema(t)}`,
            `ALTER ROLE ${tRole(t)} ${limits}`,
        ]),
        `CREATE ROLE ${r("app")} LOGIN NOINHERIT PASSWORD ${pw()}`,
        `ALTER ROLE ${r("app")} SET search_path = app`,
        `ALTER ROLE ${r("app")} ${limits}`,
        ...tenants.map((t) => `GRANT ${tRole(t)} TO ${r("app")}`),
        `CREATE ROLE ${r("readonly")} LOGIN PASSWORD ${pw()} IN ROLE ${r("connect")}`,
        `ALTER ROLE ${r("readonly")} SET search_path = app`,
        `ALTER ROLE ${r("readonly")} ${limits}`,
    ];
    const inDb = [
        `REVOKE ALL ON DATABASE ${qi(db)} FROM PUBLIC`,
        `GRANT CONNECT ON DATABASE ${qi(db)} TO ${r("connect")}`,
        `GRANT CONNECT ON DATABASE ${qi(db)} TO ${r("app")}`,
        `REVOKE CREATE ON SCHEMA public FROM PUBLIC`,
        `ALTER DEFAULT PRIVILEGES FOR ROLE ${r("service")} REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC`,
        `CREATE SCHEMA app AUTHORIZATION ${r("service")}`,
        `REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA app FROM PUBLIC`,
        ...[
            ["app", TABLE, SEQUENCE, "EXECUTE"],
            ["readonly", "SELECT", "SELECT", ""],
        ].flatMap(([k, table, seq, fn]) => [
            `GRANT USAGE ON SCHEMA app TO ${r(k)}`,
            `GRANT ${table} ON ALL TABLES IN SCHEMA app TO ${r(k)}`,
            `GRANT ${seq} ON ALL SEQUENCES IN SCHEMA app TO ${r(k)}`,
            `ALTER DEFAULT PRIVILEGES FOR ROLE ${r("service")} IN SCHEMA app GRANT ${table} ON TABLES TO ${r(k)}`,
            `ALTER DEFAULT PRIVILEGES FOR ROLE ${r("service")} IN SCHEMA app GRANT ${seq} ON SEQUENCES TO ${r(k)}`,
            ...(fn
                ? [
                      `GRANT ${fn} ON ALL FUNCTIONS IN SCHEMA app TO ${r(k)}`,
                      `ALTER DEFAULT PRIVILEGES FOR ROLE ${r("service")} IN SCHEMA app GRANT ${fn} ON FUNCTIONS TO ${r(k)}`,
                  ]
                : []),
        ]),
        `CREATE SCHEMA pgstack`,
        `CREATE FUNCTION pgstack.current_tenant_id() RETURNS text LANGUAGE sql STABLE AS ${ql(currentTenantBody(`${db}_t_`))}`,
        `CREATE FUNCTION pgstack.enable_tenant_rls(target regclass, tenant_column text DEFAULT 'tenant_id'::text) RETURNS void LANGUAGE plpgsql AS ${ql(enableTenantRlsBody("pgstack", tenantsGroupName(db)))}`,
        ...["connect", "service", "app"].map((k) => `GRANT USAGE ON SCHEMA pgstack TO ${r(k)}`),
        ...tenants.flatMap((t) => [
            `CREATE SCHEMA ${tSchema(t)} AUTHORIZATION ${r("service")}`,
            `GRANT USAGE ON SCHEMA ${tSchema(t)} TO ${tRole(t)}`,
            `ALTER DEFAULT PRIVILEGES FOR ROLE ${r("service")} IN SCHEMA ${tSchema(t)} GRANT ${TABLE} ON TABLES TO ${tRole(t)}`,
            `ALTER DEFAULT PRIVILEGES FOR ROLE ${r("service")} IN SCHEMA ${tSchema(t)} GRANT ${SEQUENCE} ON SEQUENCES TO ${tRole(t)}`,
            `ALTER DEFAULT PRIVILEGES FOR ROLE ${r("service")} IN SCHEMA ${tSchema(t)} GRANT EXECUTE ON FUNCTIONS TO ${tRole(t)}`,
        ]),
    ];
    const t0 = now();
    await asAdmin(async (c) => {
        await c.query(cluster.join(";\n"));
        await c.query(`CREATE DATABASE ${qi(db)} OWNER ${r("service")}`);
        await c.query(`REVOKE CONNECT, TEMPORARY ON DATABASE template1 FROM PUBLIC`);
    });
    await asAdmin((c) => c.query(inDb.join(";\n")), db);
    return now() - t0;
}

// ---------------------------------------------------------------------------------------------- the engine

const OPS = ["up", "noop", "preview", "refresh", "add", "remove"] as const;
type Op = (typeof OPS)[number];
const OP_LABEL: Record<Op, string> = {
    up: "first `up`",
    noop: "no-op `up`",
    preview: "`preview`",
    refresh: "`preview --refresh`",
    add: "`up` +1 tenant",
    remove: "`up` −1 tenant",
};

interface Scenario {
    variant: string;
    tenants: number;
    run: number;
    resources: number;
    ms: Partial<Record<Op, number>>;
    /** Connections the provider opened during the first `up` (pg_stat_database.sessions). */
    sessions: number;
    error?: string;
}

function stackConfig(admin: LocalPg, db: string, n: number, extra = 0) {
    return {
        environment: "local",
        server: localServerConfig(admin),
        databaseName: db,
        schemas: ["app"],
        readonlyRole: true,
        tenantRolePrefix: `${db}_t_`,
        tenantAccess: "both",
        tenants: Array.from({ length: n + extra }, (_, i) => ({ id: `t${i}` })),
        rotation: { seed: "bench" },
    };
}

async function engineScenario(v: Variant, n: number, run: number): Promise<Scenario> {
    const db = `bench_${process.pid}_${v.letter}${n}r${run}`;
    const result: Scenario = { variant: v.key, tenants: n, run, resources: 0, ms: {}, sessions: 0 };
    const admin = v.rds ? rdsPg : pg;
    await dropScenario(db);
    const log: string[] = [];
    const onOutput = (s: string) => void log.push(s);
    const stack = await ProjectStack.open(db.replace(/_/g, "-"), { env: v.env });
    try {
        v.before?.();
        if (v.nodeargs !== undefined) {
            const ws = stack.stack.workspace;
            const settings = await ws.projectSettings();
            const runtime = typeof settings.runtime === "object" ? settings.runtime : { name: "nodejs" };
            const others = Object.entries(runtime.options ?? {}).filter(([k]) => k !== "nodeargs");
            const options = Object.fromEntries(v.nodeargs ? [...others, ["nodeargs", v.nodeargs]] : others);
            await ws.saveProjectSettings({ ...settings, runtime: { ...runtime, options } });
        }
        await stack.configure(stackConfig(admin, db, n), { adminPassword: admin.password });
        const timed = async <T>(op: Op, fn: () => Promise<T>): Promise<T> => {
            const t = now();
            const r = await fn();
            result.ms[op] = now() - t;
            process.stdout.write(`  ${v.key} n=${n} run=${run} ${op}: ${(result.ms[op]! / 1000).toFixed(1)} s\n`);
            return r;
        };
        const before = await sessions([db, "postgres"]);
        const first = await timed("up", () => stack.stack.up({ color: "never", onOutput }));
        await new Promise((r) => setTimeout(r, 600));
        const after = await sessions([db, "postgres"]);
        result.sessions = after[db] - before[db] + (after.postgres - before.postgres);
        result.resources = first.summary.resourceChanges?.create ?? 0;
        const noop = await timed("noop", () => stack.stack.up({ color: "never", onOutput }));
        const changed = Object.entries(noop.summary.resourceChanges ?? {}).filter(([k, c]) => k !== "same" && c > 0);
        if (changed.length > 0) throw new Error(`no-op up changed resources: ${JSON.stringify(changed)}`);
        await timed("preview", () => stack.stack.preview({ color: "never", onOutput, expectNoChanges: true }));
        await timed("refresh", () =>
            stack.stack.preview({ color: "never", onOutput, refresh: true, expectNoChanges: true }),
        );
        await stack.configure(stackConfig(admin, db, n, 1));
        await timed("add", () => stack.stack.up({ color: "never", onOutput }));
        await stack.configure(stackConfig(admin, db, n));
        await timed("remove", () => stack.stack.up({ color: "never", onOutput }));
    } catch (e) {
        result.error = `${(e as Error).message.slice(0, 2000)}\n${log.join("").slice(-3000)}`;
        process.stdout.write(`  ${v.key} n=${n} run=${run} FAILED: ${result.error.slice(0, 600)}\n`);
    } finally {
        v.after?.();
        await stack.remove();
        await dropScenario(db);
    }
    return result;
}

// ---------------------------------------------------------------------------------------------- report

interface Results {
    options: Options;
    started: string;
    rounds: number;
    floor: { tenants: number; run: number; ms: number }[];
    engine: Scenario[];
    mock: { tenants: number; flags: string; resources: number; ms: number }[];
    connectionMs?: number;
    wallMs: number;
}

const fmt = (ms: number | undefined) => (ms === undefined || Number.isNaN(ms) ? "–" : (ms / 1000).toFixed(2));
const ratio = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined || Number.isNaN(a) || Number.isNaN(b) || b === 0 ? "–" : (a / b).toFixed(2);

function render(r: Results, command: string): string {
    const o = r.options;
    const ok = r.engine.filter((s) => !s.error);
    const med = (variant: string, n: number, op: Op) => {
        const xs = ok.filter((s) => s.variant === variant && s.tenants === n && s.ms[op] !== undefined);
        return xs.length ? median(xs.map((s) => s.ms[op]!)) : undefined;
    };
    const runsOf = (variant: string, n: number) => ok.filter((s) => s.variant === variant && s.tenants === n).length;
    const floor = (n: number) => {
        const xs = r.floor.filter((f) => f.tenants === n);
        return xs.length ? median(xs.map((f) => f.ms)) : undefined;
    };
    const resources = (n: number) => ok.find((s) => s.tenants === n)?.resources;
    const sizes = [0, ...o.tenants];
    const perTenant = (() => {
        const big = [...o.tenants].reverse().find((n) => resources(n) !== undefined && n > 0);
        const r0 = resources(0);
        return big !== undefined && r0 !== undefined ? (resources(big)! - r0) / big : undefined;
    })();
    const L: string[] = [];
    L.push(`# Scale: the real engine against the local cluster (${r.started.slice(0, 10)})`);
    L.push("");
    L.push(
        `Command: \`${command}\` — ${r.rounds} round(s) of ${o.runs} planned, medians; ` +
            `${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), default parallelism ` +
            `(4 × cores = ${4 * os.cpus().length}), offline postgresql/random provider, file backend, ` +
            `tenantAccess both, readonlyRole, one app schema. Wall time of the whole run: ${fmt(r.wallMs)} s.`,
    );
    L.push("Seconds, wall clock around each Automation API call (so each includes starting the CLI,");
    L.push("the language host and both provider plugins, about 1–2 s).");
    L.push("");
    L.push(
        "| tenants | resources | SQL floor | first `up` | no-op `up` | `preview` | `preview --refresh` | `up` +1 tenant | `up` −1 tenant | first `up` / floor | runs |",
    );
    L.push("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (const n of sizes) {
        L.push(
            `| ${n} | ${resources(n) ?? "–"} | ${fmt(floor(n))} | ${OPS.map((op) => fmt(med("base", n, op))).join(" | ")} | ${ratio(med("base", n, "up"), floor(n))} | ${runsOf("base", n)} |`,
        );
    }
    L.push("");
    const big = Math.max(...o.tenants);
    const small = Math.min(...o.tenants.filter((n) => n > 0));
    L.push(`- Resources per tenant (engine count: custom resources + the Tenant component): **${perTenant ?? "–"}**.`);
    for (const op of OPS) {
        L.push(
            `- ${OP_LABEL[op]}: t(${big}) / t(${small}) = ${ratio(med("base", big, op), med("base", small, op))}; ` +
                `per added tenant ≈ ${fmt(
                    (() => {
                        const a = med("base", big, op);
                        const b = med("base", 0, op);
                        return a !== undefined && b !== undefined ? ((a - b) / big) * 1000 : undefined;
                    })(),
                )} ms.`,
        );
    }
    L.push(`- SQL floor: t(${big}) / t(${small}) = ${ratio(floor(big), floor(small))}.`);
    L.push("");

    // The targets, at the largest size.
    const failedAt = (variant: string, n: number) =>
        r.engine.filter((s) => s.variant === variant && s.tenants === n && s.error).length;
    const ranAt = (variant: string, n: number) =>
        r.engine.filter((s) => s.variant === variant && s.tenants === n).length;
    /** A row of the targets table; `value` and `limit` in `unit`. */
    const target = (what: string, value: number | undefined, limit: number, unit: string) =>
        `| ${what} | ${value === undefined ? "–" : `${value.toFixed(2)}${unit}`} | ≤ ${limit}${unit} | ${
            value === undefined ? "–" : value <= limit ? "met" : "**missed**"
        } |`;
    const seconds = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);
    L.push(`## Targets at ${big} tenants`);
    L.push("");
    L.push("| what | measured (median) | target | |");
    L.push("| --- | ---: | ---: | --- |");
    const add = med("base", big, "add");
    const addSmall = med("base", small, "add");
    L.push(target("`up` that adds one tenant", seconds(add), 30, " s"));
    L.push(
        target(
            `… / the same at ${small} tenants`,
            add !== undefined && addSmall !== undefined ? add / addSmall : undefined,
            3,
            "×",
        ),
    );
    L.push(target("`preview`", seconds(med("base", big, "preview")), 30, " s"));
    L.push(target("first `up` from empty", seconds(med("base", big, "up")), 600, " s"));
    L.push(target("no-op `up`", seconds(med("base", big, "noop")), 30, " s"));
    const rdsBig = o.rdsTenants.includes(big);
    L.push(
        `| errors | ${failedAt("base", big)} of ${ranAt("base", big)} runs${
            rdsBig ? `; RDS-like admin: ${failedAt("rds", big)} of ${ranAt("rds", big)}` : ""
        } | 0 in 3 runs | ${
            failedAt("base", big) + (rdsBig ? failedAt("rds", big) : 0) === 0 &&
            ranAt("base", big) >= 3 &&
            (!rdsBig || ranAt("rds", big) >= 3)
                ? "met"
                : "–"
        } |`,
    );
    L.push("");

    // Variants: the RDS-like admin, and each speed choice undone.
    const variantRows: [Variant, number][] = [
        ...o.rdsTenants.map((n): [Variant, number] => [RDS, n]),
        ...o.leverTenants.flatMap((n) => o.levers.map((k): [Variant, number] => [LEVERS[k], n])),
    ];
    if (variantRows.length > 0) {
        L.push("## Variants (same run, interleaved with the base variant; ratio to it)");
        L.push("");
        L.push(
            "| tenants | variant | first `up` | no-op `up` | `preview` | `preview --refresh` | `up` +1 tenant | `up` −1 tenant | runs | errors |",
        );
        L.push("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        const seen = new Set<number>();
        for (const [v, n] of variantRows) {
            if (!seen.has(n)) {
                seen.add(n);
                L.push(
                    `| ${n} | ${BASE.label} | ${OPS.map((op) => fmt(med("base", n, op))).join(" | ")} | ${runsOf("base", n)} | ${failedAt("base", n)} |`,
                );
            }
            const cells = OPS.map((op) => {
                const x = med(v.key, n, op);
                return `${fmt(x)} (${ratio(x, med("base", n, op))}×)`;
            });
            L.push(`| ${n} | ${v.label} | ${cells.join(" | ")} | ${runsOf(v.key, n)} | ${failedAt(v.key, n)} |`);
        }
        L.push("");
    }

    // Provider vs engine.
    const n100 = o.tenants.includes(100) ? 100 : big;
    const sess = ok.filter((s) => s.variant === "base" && s.tenants === n100).map((s) => s.sessions);
    const s100 = sess.length ? median(sess) : undefined;
    L.push("## Where the time of an `up` goes");
    L.push("");
    L.push(
        `- Connections the provider opened during the first \`up\` of ${n100} tenants (pg_stat_database.sessions): ` +
            `${s100 ?? "–"} (one per operation: the offline provider keeps no idle connection, as upstream).`,
    );
    L.push(
        `- One connection (TLS verify-full + SCRAM + SELECT 1 + close, measured from this process): ${r.connectionMs?.toFixed(1) ?? "–"} ms ` +
            `→ ≈ ${s100 !== undefined && r.connectionMs ? ((s100 * r.connectionMs) / 1000).toFixed(1) : "–"} s of connection set-up, serial-equivalent, per first \`up\`.`,
    );
    const pv = med("base", n100, "preview");
    const rf = med("base", n100, "refresh");
    L.push(
        `- \`preview --refresh\` − \`preview\` at ${n100} tenants (one provider Read, i.e. one connection and its queries, per resource): ${fmt(
            rf !== undefined && pv !== undefined ? rf - pv : undefined,
        )} s.`,
    );
    const up = med("base", n100, "up");
    const noop = med("base", n100, "noop");
    L.push(
        `- First \`up\` − no-op \`up\` at ${n100} tenants (the creates: provider SQL + state writes): ${fmt(
            up !== undefined && noop !== undefined ? up - noop : undefined,
        )} s; no-op \`up\` itself (program, Check/Diff, one state write): ${fmt(noop)} s.`,
    );
    if (o.levers.includes("checkpoints") && o.leverTenants.includes(n100)) {
        const cp = med("checkpoints", n100, "up");
        L.push(
            `- Per-step state writes (first \`up\` with PULUMI_SKIP_CHECKPOINTS=false − as shipped): ${fmt(
                up !== undefined && cp !== undefined ? cp - up : undefined,
            )} s.`,
        );
    }
    L.push("");

    // Mock.
    if (r.mock.length > 0) {
        const flagsSet = [...new Set(r.mock.map((m) => m.flags))];
        const mm = (n: number, f: string) => {
            const xs = r.mock.filter((m) => m.tenants === n && m.flags === f);
            return xs.length ? median(xs.map((m) => m.ms)) : undefined;
        };
        L.push("## Mock mode (program time, no engine)");
        L.push("");
        L.push(
            `| tenants | resources | ${flagsSet.map((f) => (f ? `\`node ${f}\` (Pulumi.yaml)` : "Node's default flags")).join(" | ")} |`,
        );
        L.push(`| ---: | ---: | ${flagsSet.map(() => "---:").join(" | ")} |`);
        for (const n of o.mock) {
            L.push(
                `| ${n} | ${r.mock.find((m) => m.tenants === n)?.resources ?? "–"} | ${flagsSet.map((f) => fmt(mm(n, f))).join(" | ")} |`,
            );
        }
        L.push("");
        if (o.mock.includes(100) && o.mock.includes(1000)) {
            for (const f of flagsSet) {
                L.push(
                    `- ${f ? `\`${f}\` (as shipped)` : "Node's default flags"}: t(1000) = ${fmt(mm(1000, f))} s (target < 5 s), t(1000)/t(100) = ${ratio(mm(1000, f), mm(100, f))} (target ≤ 11).`,
                );
            }
            L.push("");
        }
        L.push("Mock mode: `bench/mockProgram.ts` (ts-node transpile-only, `setMocks`), fresh process per run.");
        L.push("");
    }
    const failed = r.engine.filter((s) => s.error);
    L.push(`Errors: ${failed.length} of ${r.engine.length} engine scenarios.`);
    for (const f of failed) L.push(`- ${f.variant} n=${f.tenants} run=${f.run}: ${f.error?.split("\n")[0]}`);
    L.push("");
    return L.join("\n");
}

// ---------------------------------------------------------------------------------------------- main

async function main(): Promise<void> {
    const o = parseArgs(process.argv.slice(2));
    const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`;
    pg = localPg();
    rdsPg = localPg("rds");
    const t0 = now();
    const r: Results = {
        // The results file names its output relative to the repo, so it reads the same on every machine.
        options: { ...o, out: path.relative(path.join(__dirname, ".."), o.out) },
        started: new Date().toISOString(),
        rounds: 0,
        floor: [],
        engine: [],
        mock: [],
        wallMs: 0,
    };
    const save = () => {
        r.wallMs = now() - t0;
        fs.mkdirSync(path.dirname(o.out), { recursive: true });
        fs.writeFileSync(o.out, render(r, command));
        fs.writeFileSync(jsonOut(o.out), `${JSON.stringify(r, null, 4)}\n`);
    };
    await dropScenario();
    r.connectionMs = await connectionCost();
    const sizes = [0, ...o.tenants.filter((n) => n > 0)];
    // The program's own node flags (Pulumi.yaml), and Node's defaults when that lever is on.
    const mockFlags = [shippedNodeargs(), ...(o.levers.includes("node-defaults") ? [""] : [])];
    for (let run = 0; run < Math.max(o.runs, o.mockRuns); run++) {
        if (run < o.runs) {
            // Sizes with fewer runs take the last rounds: the other sizes have their figures first.
            for (const n of sizes.filter((s) => run >= o.runs - (o.runsFor[s] ?? o.runs))) {
                const db = `bench_${process.pid}_f${n}r${run}`;
                await dropScenario(db);
                try {
                    r.floor.push({ tenants: n, run, ms: await sqlFloor(db, n) });
                    process.stdout.write(`  floor n=${n} run=${run}: ${fmt(r.floor[r.floor.length - 1].ms)} s\n`);
                } finally {
                    await dropScenario(db);
                }
                const variants = [
                    BASE,
                    ...(o.rdsTenants.includes(n) ? [RDS] : []),
                    ...(o.leverTenants.includes(n) && run < o.leverRuns ? o.levers.map((k) => LEVERS[k]) : []),
                ];
                for (const v of variants) {
                    r.engine.push(await engineScenario(v, n, run));
                    save();
                }
            }
        }
        if (run < o.mockRuns) {
            for (const n of o.mock) {
                for (const f of mockFlags) {
                    const m = mockRun(n, f ? f.split(/\s+/) : []);
                    r.mock.push({ ...m, flags: f });
                    process.stdout.write(`  mock n=${n} ${f}: ${fmt(m.ms)} s\n`);
                }
            }
        }
        r.rounds = run + 1;
        save();
    }
    await dropScenario();
    save();
    // The results are committed: keep them in the repository's style (`npm run lint` checks them).
    execFileSync(path.join(__dirname, "..", "node_modules", ".bin", "prettier"), ["--write", o.out, jsonOut(o.out)], {
        stdio: "ignore",
    });
    process.stdout.write(`${render(r, command)}\n`);
}

main().catch((e) => {
    process.stderr.write(`${(e as Error).stack ?? e}\n`);
    process.exit(1);
});
