/**
 * The real engine (built by scripts/engine/bootstrap.sh, run offline), the real local PostgreSQL
 * cluster (scripts/local-pg.sh: TLS, scram-sha-256, no trust) and stacks of this project driven
 * through Pulumi's Automation API. Used by `npm run local:*`, the benchmark and the integration tests.
 */
import { LocalWorkspace, PulumiCommand, Stack, StackSettings } from "@pulumi/pulumi/automation";
import { execFileSync, spawnSync } from "child_process";
import { randomBytes, randomUUID } from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { Client, ClientConfig, escapeIdentifier } from "pg";
import { parse } from "yaml";
import { planAdoption, PreviewStep, StateResource } from "../../lib/pending";

export const REPO = path.resolve(__dirname, "../..");

function run(cmd: string, args: string[], env?: NodeJS.ProcessEnv, timeoutMs = 600_000): string {
    return execFileSync(cmd, args, { cwd: REPO, env: env ?? process.env, encoding: "utf8", timeout: timeoutMs });
}

let engineEnvCache: Record<string, string> | undefined;

/**
 * Builds the engine if needed (a cold build takes minutes) and returns the environment to run it:
 * scripts/engine/env.sh's PATH (engine, and the offline providers where the upstream plugins are
 * absent), PULUMI_HOME, no update check, no plugin downloads.
 */
export function engineEnv(): Record<string, string> {
    if (engineEnvCache) return engineEnvCache;
    const boot = spawnSync("bash", [path.join(REPO, "scripts/engine/bootstrap.sh")], {
        cwd: REPO,
        // Its progress goes to stderr: stdout stays the caller's (local:outputs -- --json is pure JSON).
        stdio: ["ignore", 2, "inherit"],
        timeout: 60 * 60_000,
    });
    if (boot.status !== 0) throw new Error(`scripts/engine/bootstrap.sh failed (exit ${boot.status})`);
    // A throwaway passphrase for env.sh's check; every stack below sets its own backend and passphrase.
    const dump = run("bash", ["-c", `. "${REPO}/scripts/engine/env.sh" && env -0`], {
        ...process.env,
        PULUMI_BACKEND_URL: process.env.PULUMI_BACKEND_URL ?? "file://" + os.tmpdir(),
    });
    const env: Record<string, string> = {};
    for (const entry of dump.split("\0")) {
        const i = entry.indexOf("=");
        if (i > 0) env[entry.slice(0, i)] = entry.slice(i + 1);
    }
    // Types are checked by `npm run lint`; the engine only needs to run the program.
    env.PULUMI_NODEJS_TRANSPILE_ONLY = "true";
    engineEnvCache = env;
    return env;
}

/** Where `npm run local:*` keeps the local stack (its Pulumi.local.yaml copy and state). */
export function localStackDir(): string {
    const cache = engineEnv().PGSTACK_CACHE ?? path.join(process.env.HOME ?? "/tmp", ".cache/pgstack");
    return path.join(cache, "local-stack");
}

export interface LocalPg {
    host: string;
    port: number;
    /** The admin a stack on the cluster is configured with (server.adminUser, pgstack:adminPassword). */
    user: string;
    password: string;
    /** Whether that admin is a superuser (server.superuser): false for the RDS-like admin. */
    superuser: boolean;
    ca: string;
    /**
     * The cluster's own superuser, for what a test or script does beside the stack (setup, checks,
     * cleanup): the same login as `user` unless PGSTACK_ADMIN=rds.
     */
    cluster: { user: string; password: string };
    /** The RDS-like admin scripts/local-pg.sh makes (what PGSTACK_ADMIN=rds configures stacks with). */
    rdsAdmin: { user: string; password: string };
}

/** Which admin the local stack and the integration tests run with: PGSTACK_ADMIN (superuser | rds). */
export function localAdminKind(env: NodeJS.ProcessEnv = process.env): "superuser" | "rds" {
    const v = env.PGSTACK_ADMIN ?? "superuser";
    if (v !== "superuser" && v !== "rds") {
        throw new Error(
            `PGSTACK_ADMIN must be superuser or rds (the RDS-like admin of scripts/local-pg.sh), not "${v}"`,
        );
    }
    return v;
}

/**
 * Starts (once) the local TLS cluster and returns how to reach it: as its superuser, or with
 * PGSTACK_ADMIN=rds as the RDS-like admin scripts/local-pg.sh makes (no SUPERUSER, CREATEROLE,
 * CREATEDB, rds_superuser's predefined roles), which is then what stacks are configured with.
 */
export function localPg(): LocalPg {
    run("bash", [path.join(REPO, "scripts/local-pg.sh"), "start"]);
    return localPgFromFacts(run("bash", [path.join(REPO, "scripts/local-pg.sh"), "env"]), localAdminKind());
}

/** A LocalPg from what `scripts/local-pg.sh env` printed, with the given admin kind as the stack's admin. */
export function localPgFromFacts(env: string, kind: "superuser" | "rds"): LocalPg {
    const facts = Object.fromEntries(
        env
            .trim()
            .split("\n")
            .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    );
    const cluster = {
        user: facts.PGSTACK_PG_USER,
        password: fs.readFileSync(facts.PGSTACK_PG_PASSWORD_FILE, "utf8").trim(),
    };
    const rdsAdmin = {
        user: facts.PGSTACK_PG_RDS_USER,
        password: fs.readFileSync(facts.PGSTACK_PG_RDS_PASSWORD_FILE, "utf8").trim(),
    };
    const admin = kind === "rds" ? rdsAdmin : cluster;
    return {
        host: facts.PGSTACK_PG_HOST,
        port: Number(facts.PGSTACK_PG_PORT),
        ...admin,
        superuser: kind === "superuser",
        ca: facts.PGSTACK_PG_CA,
        cluster,
        rdsAdmin,
    };
}

export interface LocalPooler {
    host: string;
    port: number;
    /** The login pgBouncer looks passwords up as (server.pooler.authUser). */
    authUser: string;
    /** The second listener, in transaction pooling (port is in session pooling). */
    transactionPort: number;
    /** pgBouncer's version (Debian 12: 1.18, no auth_dbname). */
    version: string;
    /** Where its files live (pgbouncer.ini, pgbouncer.pid, pgbouncer.log). */
    dir: string;
}

/**
 * Starts (once) the local cluster and a real pgBouncer in front of it (scripts/local-pgbouncer.sh:
 * TLS from clients and to the server, SCRAM, session pooling on `port` and transaction pooling on
 * `transactionPort`, DISCARD ALL between clients) and
 * returns where it listens. Idempotent: a running pooler is reloaded only when its config changed.
 */
export function localPooler(): LocalPooler {
    const script = path.join(REPO, "scripts/local-pgbouncer.sh");
    run("bash", [script, "start"]);
    const facts = Object.fromEntries(
        run("bash", [script, "env"])
            .trim()
            .split("\n")
            .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    );
    return {
        host: facts.PGSTACK_POOLER_HOST,
        port: Number(facts.PGSTACK_POOLER_PORT),
        transactionPort: Number(facts.PGSTACK_POOLER_TX_PORT),
        authUser: facts.PGSTACK_POOLER_AUTH_USER,
        version: facts.PGSTACK_POOLER_VERSION,
        dir: facts.PGSTACK_POOLER_DIR,
    };
}

export interface LocalS3 {
    /** https://127.0.0.1:<port>: S3 and IAM over TLS. */
    endpoint: string;
    /** The same server's plain-HTTP S3 listener (loopback), which every bucket policy refuses. */
    httpEndpoint: string;
    region: string;
    /** PEM CA the endpoint's certificate is signed by. */
    ca: string;
    /** AWS shared-credentials file ([default]) with the server's admin key. */
    credentialsFile: string;
    accessKeyId: string;
    secretAccessKey: string;
}

/**
 * Starts (once) the local S3-compatible server (scripts/local-s3.sh: SeaweedFS over TLS on
 * 127.0.0.1, built and cached by scripts/seaweedfs/build.sh) and returns how to reach it as its admin.
 */
export function localS3(): LocalS3 {
    const script = path.join(REPO, "scripts/local-s3.sh");
    run("bash", [script, "start"], undefined, 30 * 60_000);
    const facts = Object.fromEntries(
        run("bash", [script, "env"])
            .trim()
            .split("\n")
            .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    );
    const ini = fs.readFileSync(facts.PGSTACK_S3_ADMIN_CREDENTIALS, "utf8");
    const value = (k: string) => new RegExp(`^${k}\\s*=\\s*(\\S+)`, "m").exec(ini)?.[1] ?? "";
    return {
        endpoint: facts.PGSTACK_S3_ENDPOINT,
        httpEndpoint: facts.PGSTACK_S3_HTTP_ENDPOINT,
        region: facts.PGSTACK_S3_REGION,
        ca: facts.PGSTACK_S3_CA,
        credentialsFile: facts.PGSTACK_S3_ADMIN_CREDENTIALS,
        accessKeyId: value("aws_access_key_id"),
        secretAccessKey: value("aws_secret_access_key"),
    };
}

/** `pgstack:storage` keys that point a stack's S3 storage at the local server (endpoint, CA, admin key file). */
export function localStorageConfig(s3: LocalS3): Record<string, unknown> {
    return {
        provider: "s3",
        region: s3.region,
        endpoint: s3.endpoint,
        forcePathStyle: true,
        caCertPath: s3.ca,
        sharedCredentialsFile: s3.credentialsFile,
    };
}

/**
 * `pgstack:server` for a stack on the local cluster: existing-server mode, verify-full, as the admin
 * localPg chose; `superuser: false` for the RDS-like admin, as RDS mode configures the provider.
 */
export function localServerConfig(pg: LocalPg): Record<string, unknown> {
    return {
        mode: "existing",
        host: pg.host,
        port: pg.port,
        adminUser: pg.user,
        caCertPath: pg.ca,
        sslmode: "verify-full",
        superuser: pg.superuser,
    };
}

/**
 * node-postgres settings for the local cluster's superuser (what tests and scripts do beside the
 * stack), verify-full against its CA.
 */
export function adminClientConfig(pg: LocalPg, database = "postgres"): ClientConfig {
    return {
        host: pg.host,
        port: pg.port,
        user: pg.cluster.user,
        password: pg.cluster.password,
        database,
        ssl: { ca: fs.readFileSync(pg.ca, "utf8"), rejectUnauthorized: true, servername: "localhost" },
        connectionTimeoutMillis: 10_000,
    };
}

/** Whether a process is alive (an earlier run's pid, read from the names it left). */
export function processAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
}

/**
 * For names stamped `<prefix>_<pid>…` by a run: true for this process's and for those of runs whose
 * process is gone (killed before their own cleanup). The local cluster is shared, so nothing of a
 * live run is ever touched.
 */
export function ownOrDeadRun(prefix: string): (name: string) => boolean {
    const stamp = new RegExp(`^${prefix}_(\\d+)`);
    return (name) => {
        const pid = Number(stamp.exec(name)?.[1]);
        return pid === process.pid || (pid > 0 && !processAlive(pid));
    };
}

/**
 * Drops, on the local cluster, the databases and roles whose name is LIKE `like` and that `select`
 * picks: what a stack keeps on purpose (its database, the service role) and what a killed run left.
 */
export async function dropDatabasesAndRoles(
    pg: LocalPg,
    like: string,
    select: (name: string) => boolean,
): Promise<void> {
    const c = new Client(adminClientConfig(pg));
    await c.connect();
    try {
        const dbs = await c.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE $1", [like]);
        for (const { datname } of dbs.rows.filter((d) => select(d.datname))) {
            await c.query(`DROP DATABASE IF EXISTS ${escapeIdentifier(datname)} WITH (FORCE)`);
        }
        const roles = await c.query<{ rolname: string }>("SELECT rolname FROM pg_roles WHERE rolname LIKE $1", [like]);
        const drop = roles.rows
            .map((r) => r.rolname)
            .filter(select)
            .map(escapeIdentifier);
        if (drop.length > 0) {
            // Their databases are gone; DROP OWNED takes privileges on shared objects, DROP ROLE memberships.
            await c.query(`DROP OWNED BY ${drop.join(", ")}`);
            await c.query(`DROP ROLE ${drop.join(", ")}`);
        }
    } finally {
        await c.end();
    }
}

export interface ProjectStackOptions {
    /** Where the stack lives (Pulumi.yaml, Pulumi.<stack>.yaml, state/): a new temp dir by default. */
    dir?: string;
    /** Passphrase of the stack's secrets; a random one per throwaway stack by default. */
    passphrase?: string;
    /** Extra environment for the engine and the program (e.g. PULUMI_SKIP_CHECKPOINTS). */
    env?: Record<string, string>;
}

/**
 * A stack of this project in a directory of its own (a Pulumi.yaml whose `main` is the repo) with its
 * own file backend, so neither the repo's stack files nor another stack's state are touched. The
 * Automation API drives it; `stack` is the Automation API's Stack (up, preview, refresh, destroy,
 * outputs, exportStack).
 */
export class ProjectStack {
    public readonly dir: string;
    public readonly name: string;
    public readonly stack: Stack;
    public readonly env: Record<string, string>;

    private constructor(name: string, dir: string, stack: Stack, env: Record<string, string>) {
        this.name = name;
        this.dir = dir;
        this.stack = stack;
        this.env = env;
    }

    /** Opens (or creates) the stack; an existing dir keeps its state (re-runs of `local:up`). */
    static async open(name: string, opts: ProjectStackOptions = {}): Promise<ProjectStack> {
        const dir = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), `pgstack-${name}-`));
        fs.mkdirSync(path.join(dir, "state"), { recursive: true });
        const passphraseFile = path.join(dir, ".passphrase");
        if (!fs.existsSync(passphraseFile)) {
            const pass = opts.passphrase ?? randomBytes(24).toString("base64url");
            fs.writeFileSync(passphraseFile, pass, { mode: 0o600 });
        }
        const base = engineEnv();
        const env: Record<string, string> = {
            ...base,
            ...(opts.env ?? {}),
            PULUMI_BACKEND_URL: `file://${path.join(dir, "state")}`,
            PULUMI_CONFIG_PASSPHRASE_FILE: passphraseFile,
        };
        delete env.PULUMI_CONFIG_PASSPHRASE;
        const projectSettings = {
            ...(parse(fs.readFileSync(path.join(REPO, "Pulumi.yaml"), "utf8")) as object),
            main: REPO,
        };
        // The engine's own CLI (PGSTACK_ENGINE_DIR/bin/pulumi), not whatever `pulumi` is on the caller's PATH.
        const pulumiCommand = await PulumiCommand.get({ root: env.PGSTACK_ENGINE_DIR, skipVersionCheck: true });
        const ws = await LocalWorkspace.create({
            pulumiCommand,
            workDir: dir,
            projectSettings: projectSettings as never,
            envVars: env,
            pulumiHome: env.PULUMI_HOME,
        });
        const stack = await Stack.createOrSelect(name, ws);
        return new ProjectStack(name, dir, stack, env);
    }

    /**
     * Writes the stack's plain config (objects stay objects in Pulumi.<stack>.yaml) and its secrets,
     * which the CLI encrypts. Secrets go to `pulumi config set --secret` on stdin, never on argv
     * (the Automation API's setConfig puts the value on the command line, visible in `ps`).
     */
    async configure(plain: Record<string, unknown>, secrets: Record<string, string> = {}): Promise<void> {
        const ws = this.stack.workspace;
        const current: StackSettings = await ws.stackSettings(this.name).catch(() => ({}) as StackSettings);
        const config = Object.fromEntries(
            Object.entries(plain).map(([k, v]) => [k.includes(":") ? k : `pgstack:${k}`, v as never]),
        );
        // Keep secrets already set unless they are set again below.
        for (const [k, v] of Object.entries(current.config ?? {})) {
            if (v && typeof v === "object" && "secure" in (v as object) && !(k in config)) config[k] = v as never;
        }
        await ws.saveStackSettings(this.name, { ...current, config });
        for (const [k, v] of Object.entries(secrets)) this.setSecret(k.includes(":") ? k : `pgstack:${k}`, v);
    }

    /** `pulumi config set --secret KEY` with the value on stdin. */
    setSecret(key: string, value: string): void {
        const r = spawnSync("pulumi", ["config", "set", "--secret", key, "--stack", this.name, "--non-interactive"], {
            cwd: this.dir,
            env: this.env,
            input: value,
            encoding: "utf8",
        });
        if (r.status !== 0) throw new Error(`pulumi config set --secret ${key} failed: ${r.stderr}`);
    }

    /**
     * `pulumi stack export` as a user runs it: secrets stay encrypted. (The Automation API's
     * exportStack always passes --show-secrets.)
     */
    exportState(): string {
        const r = spawnSync("pulumi", ["stack", "export", "--stack", this.name, "--non-interactive"], {
            cwd: this.dir,
            env: this.env,
            encoding: "utf8",
            maxBuffer: 256 * 1024 * 1024,
        });
        if (r.status !== 0) throw new Error(`pulumi stack export failed: ${r.stderr}`);
        return r.stdout;
    }

    /** Settles what an interrupted `up` left behind: see recoverInterrupted. */
    async recoverInterrupted(): Promise<RecoverySummary> {
        return recoverInterrupted(this.stack, this.dir, this.env);
    }

    stackFile(): string {
        return fs.readFileSync(path.join(this.dir, `Pulumi.${this.name}.yaml`), "utf8");
    }

    /** Every file of the file backend's state (checkpoints, backups, history), concatenated. */
    stateFiles(): string {
        const out: string[] = [];
        const walk = (d: string) => {
            for (const e of fs.readdirSync(d, { withFileTypes: true })) {
                const p = path.join(d, e.name);
                if (e.isDirectory()) walk(p);
                else out.push(fs.readFileSync(p, "utf8"));
            }
        };
        walk(path.join(this.dir, "state"));
        return out.join("\n");
    }

    /** Outputs as plain values (secrets revealed: for callers that need the DSNs). */
    async outputValues(): Promise<Record<string, unknown>> {
        const outs = await this.stack.outputs();
        return Object.fromEntries(Object.entries(outs).map(([k, v]) => [k, v.value]));
    }

    /** Removes the stack and its directory. Resources it still holds are forgotten, not deleted. */
    async remove(): Promise<void> {
        await this.stack.workspace.removeStack(this.name, { force: true }).catch(() => undefined);
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}

/**
 * A file backend's checkpoint of `stack` that does not parse (a kill can leave it truncated) is
 * replaced by the last copy that does: the backup the backend keeps beside it (<stack>.json.bak),
 * else the checkpoint of the newest finished update (history/). The broken one is kept as
 * <stack>.json.broken; an unreadable attributes sidecar (<stack>.json.attrs) is set aside. Returns
 * whether anything was repaired; what was created since is adopted by the caller.
 */
export function restoreCheckpointBackup(backendUrl: string | undefined, stackName: string): boolean {
    if (!backendUrl?.startsWith("file://")) return false;
    const root = path.join(backendUrl.slice("file://".length), ".pulumi");
    const stacks = path.join(root, "stacks");
    if (!fs.existsSync(stacks)) return false;
    const parses = (f: string) => {
        try {
            JSON.parse(fs.readFileSync(f, "utf8"));
            return true;
        } catch {
            return false;
        }
    };
    let repaired = false;
    for (const project of fs.readdirSync(stacks)) {
        const file = path.join(stacks, project, `${stackName}.json`);
        // The backend keeps each file's attributes (content type, md5) in a <file>.attrs sidecar; a kill
        // between writing the two can leave it empty, and the engine then fails "failed to load
        // checkpoint: EOF" on a checkpoint that is whole. Without the sidecar the file is read as is.
        const attrs = `${file}.attrs`;
        if (fs.existsSync(attrs) && !parses(attrs)) {
            fs.renameSync(attrs, `${attrs}.broken`);
            repaired = true;
        }
        if (!fs.existsSync(file) || parses(file)) continue;
        const historyDir = path.join(root, "history", project, stackName);
        const history = fs.existsSync(historyDir)
            ? fs
                  .readdirSync(historyDir)
                  .filter((n) => n.endsWith(".checkpoint.json"))
                  .sort()
                  .reverse()
                  .map((n) => path.join(historyDir, n))
            : [];
        const good = [`${file}.bak`, ...history].find((f) => fs.existsSync(f) && parses(f));
        if (!good) return repaired;
        fs.renameSync(file, `${file}.broken`);
        if (fs.existsSync(attrs)) fs.renameSync(attrs, `${attrs}.broken`);
        fs.copyFileSync(good, file);
        return true;
    }
    return repaired;
}

/** What recoverInterrupted did: counts, and the URNs of the last round that could not be adopted. */
export interface RecoverySummary {
    adopted: number;
    added: number;
    cleared: number;
    /** Declared, not in the state, and not adoptable (random passwords: the next `up` makes them). */
    skipped: string[];
    /** URNs put into the state with the ID their inputs give, over all rounds. */
    adoptedUrns: string[];
    /** URNs of the pending operations the dead run left, over all rounds. */
    pendingUrns: string[];
}

/**
 * Settles what an interrupted `up` left behind (docs/runbooks/tenants.md, "An interrupted up"),
 * whether or not the dead run recorded what it was doing (PULUMI_SKIP_CHECKPOINTS records nothing):
 * releases the dead run's lock; runs a preview to learn every resource the program declares; puts
 * each one the state lacks whose provider ID follows from its inputs into the state with that ID
 * (lib/pending.ts planAdoption; `pulumi stack import` of the edited state), with the providers and
 * components it needs; clears the pending operations; and refreshes, so each adopted resource is
 * kept if the server has it and dropped (created by the next `up`) if not.
 * `pulumi refresh --import-pending-creates` would only cover recorded creates, and this engine
 * (3.259) drops the "importing" operations it makes without reading them. The state is read with
 * `pulumi stack export` (secrets stay encrypted), not the Automation API's --show-secrets export.
 */
export async function recoverInterrupted(
    stack: Stack,
    cwd: string,
    env: Record<string, string | undefined>,
): Promise<RecoverySummary> {
    // A kill can leave the checkpoint or its attributes sidecar unreadable, and then every command
    // that loads the stack fails, `pulumi cancel` included: repair first, so the cancel can release
    // the dead run's lock (a lock left behind makes the `stack import` below fail).
    restoreCheckpointBackup(env.PULUMI_BACKEND_URL, stack.name);
    await stack.cancel();
    const done: RecoverySummary = { adopted: 0, added: 0, cleared: 0, skipped: [], adoptedUrns: [], pendingUrns: [] };
    // Resources served through a database adopted in the first round wait for the second: its
    // refresh shows whether the database is on the server (then they are adopted) or not (then
    // nothing inside it is, and the next `up` creates it all).
    for (let round = 0; round < 2; round++) {
        const r = await adoptionRound(stack, cwd, env, round === 0);
        done.adopted += r.adopted;
        done.added += r.added;
        done.cleared += r.cleared;
        done.skipped = r.skipped;
        done.adoptedUrns.push(...r.adoptedUrns);
        done.pendingUrns.push(...r.pendingUrns);
        if (r.deferred === 0) break;
    }
    return done;
}

/** One round of recoverInterrupted: export, preview, plan, import, refresh. */
async function adoptionRound(
    stack: Stack,
    cwd: string,
    env: Record<string, string | undefined>,
    first: boolean,
): Promise<RecoverySummary & { deferred: number }> {
    const cli = (args: string[]) =>
        spawnSync("pulumi", [...args, "--stack", stack.name, "--non-interactive"], {
            cwd,
            env,
            encoding: "utf8",
            maxBuffer: 256 * 1024 * 1024,
        });
    let exported = cli(["stack", "export"]);
    // Killed while writing a checkpoint, the file backend leaves it truncated ("failed to load
    // checkpoint: EOF"); it keeps the one before as <stack>.json.bak: back to that one, the
    // adoption below finds what was created since.
    if (exported.status !== 0 && /failed to load checkpoint/.test(exported.stderr)) {
        if (restoreCheckpointBackup(env.PULUMI_BACKEND_URL, stack.name)) exported = cli(["stack", "export"]);
    }
    if (exported.status !== 0) throw new Error(`pulumi stack export failed:\n${exported.stderr}`);
    const state = JSON.parse(exported.stdout) as {
        deployment: { resources?: StateResource[]; pending_operations?: { resource?: { urn?: string } }[] };
    };
    const preview = cli(["preview", "--json"]);
    // A failed preview lists only the steps before its error: planning from it would leave the rest
    // of what the dead run created out of the state.
    let steps: PreviewStep[] | undefined;
    try {
        if (preview.status === 0) steps = (JSON.parse(preview.stdout) as { steps?: PreviewStep[] }).steps ?? [];
    } catch {
        steps = undefined;
    }
    if (!steps) throw new Error(`pulumi preview failed:\n${preview.stderr}\n${previewDiagnostics(preview.stdout)}`);
    // The providers' admin password, for providers the state lacks (the preview masks it).
    const password = cli(["config", "get", "pgstack:adminPassword"]);
    const plan = planAdoption(state.deployment.resources ?? [], steps, {
        viaAdopted: first ? "defer" : "skip",
        newProviderId: () => randomUUID(),
        adminPassword:
            password.status === 0 && password.stdout.trim() !== "" ? password.stdout.replace(/\n$/, "") : undefined,
    });
    const pendingUrns = (state.deployment.pending_operations ?? []).map((o) => o.resource?.urn ?? "?");
    const cleared = pendingUrns.length;
    const changed = plan.adopted.length + plan.added.length + cleared > 0;
    if (changed) {
        state.deployment.resources = plan.resources;
        state.deployment.pending_operations = [];
        await stack.importStack(state as never);
    }
    if (first || changed) await stack.refresh({ clearPendingCreates: true, color: "never" });
    return {
        adopted: plan.adopted.length,
        added: plan.added.length,
        cleared,
        skipped: plan.skipped,
        adoptedUrns: plan.adopted,
        pendingUrns,
        deferred: plan.deferred.length,
    };
}

/** The error diagnostics of a `pulumi preview --json` output (where a failed preview says why). */
function previewDiagnostics(stdout: string): string {
    try {
        const d = (JSON.parse(stdout) as { diagnostics?: { severity?: string; message?: string }[] }).diagnostics;
        return (d ?? [])
            .filter((x) => x.severity === "error")
            .map((x) => x.message ?? "")
            .join("\n");
    } catch {
        return "";
    }
}

/** A TCP port on 127.0.0.1 that is free now (the kernel picks it), for a throwaway server. */
export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const s = net.createServer();
        s.once("error", reject);
        s.listen(0, "127.0.0.1", () => {
            const port = (s.address() as net.AddressInfo).port;
            s.close(() => resolve(port));
        });
    });
}
