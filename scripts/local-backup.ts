/**
 * Backups of the local cluster (scripts/local-pg.sh) into the stack's backup bucket, with pgBackRest
 * (WAL archiving, base backups) and pg_dump (nightly logical dumps), and the checks that they work:
 *
 *   npm run backup -- setup       pgBackRest config from the stack's outputs, WAL archiving on, stanza, full backup
 *   npm run backup -- backup [--type=full|diff|incr]
 *   npm run backup -- dump [--database=NAME]      pg_dump -Fc into s3://<bucket>/dumps/<database>/
 *   npm run backup -- freshness [--max-base-age=26h] [--max-wal-age=26h] [--max-dump-age=26h] [--textfile=PATH]
 *   npm run backup -- drill       point-in-time restore into a throwaway cluster, checked, removed
 *   npm run backup -- schedule [--install | --loop] [--textfile=PATH]
 *
 * Where the backups go: the stack's BACKUP_* outputs (lib/backup.ts backupTargetFromOutputs), from the
 * environment when BACKUP_S3_BUCKET is set (e.g. `eval "$(pulumi stack output --shell --show-secrets
 * | grep ^BACKUP_)"`), else from the local stack (`npm run local:up`). `setup` writes them, the key
 * into a 0600 file of the cluster's OS user (never into pgbackrest.conf); the other commands read
 * what setup wrote. Env: PGSTACK_PG_DIR / PGSTACK_PG_PORT as for scripts/local-pg.sh.
 * Exit: 0 ok; 1 a check failed (stale backups, a drill that did not restore); 2 usage; other: error.
 * docs/runbooks/backup-restore.md is the runbook.
 */
import { spawnSync, SpawnSyncReturns } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { STORAGE_DEFAULTS } from "../config/storage";
import {
    BackupTarget,
    backupTargetFromOutputs,
    pgBackRestKeyEnv,
    renderPgBackRestConfig,
    ResolvedBackupTarget,
} from "../lib/backup";
import { evaluateFreshness, FreshnessReport, prometheusTextfile, thresholdsFrom } from "../lib/backupFreshness";
import {
    archiveSettings,
    hbaWithBackupLine,
    identWithBackupMap,
    localBackupPaths,
    LocalBackupPaths,
    localRestoreCommand,
    parseKeyEnvFile,
    renderCronFile,
    renderKeyEnvFile,
    renderWrapper,
} from "../lib/localBackup";
import { newestBackup, newestWal, parseStanzaInfo, StanzaInfo, walKeyPrefix } from "../lib/pgbackrestInfo";
import { passfileLine, sha256File } from "../lib/restore";
import { REPO } from "./lib/engineEnv";
import { freePort, LocalPg, localPgFromFacts, parseFacts, withAdmin } from "./lib/localServices";
import { localStackConfig, openLocalStack } from "./lib/localStack";
import { newestObject, putFile, s3Client } from "./lib/s3";

/** One stanza: the one local cluster. */
export const STANZA = "local";
/** Key prefix of the logical dumps in the backup bucket. */
export const DUMP_PREFIX = "dumps/";

const log = (msg: string) => process.stderr.write(`[backup] ${msg}\n`);

/** A failed check (exit 1), as opposed to an error running it. */
class CheckFailed extends Error {}

// ---------------------------------------------------------------------------------------------
// The cluster

interface ClusterFacts {
    pg: LocalPg;
    dir: string;
    bin: string;
    dataDir: string;
    socketDir: string;
    /** OS user that owns and runs the cluster (postgres when we are root: scripts/local-pg.sh). */
    osUser: string;
}

function localPgScript(cmd: string): string {
    const r = spawnSync("bash", [path.join(REPO, "scripts/local-pg.sh"), cmd], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`scripts/local-pg.sh ${cmd} failed:\n${r.stderr}`);
    return r.stdout;
}

/** The local cluster's facts (started when `start`). */
function cluster(start: boolean): ClusterFacts {
    if (start) localPgScript("start");
    const env = localPgScript("env");
    const facts = parseFacts(env);
    const dir = facts.PGSTACK_PG_DIR;
    return {
        // The cluster's own superuser: backups and drills act beside the stack, not as its admin.
        pg: localPgFromFacts(env, "superuser"),
        dir,
        bin: facts.PGSTACK_PG_BIN,
        dataDir: path.join(dir, "data"),
        socketDir: path.join(dir, "socket"),
        osUser: process.getuid?.() === 0 ? "postgres" : os.userInfo().username,
    };
}

/** Runs a command as the cluster's OS user (runuser when we are root). */
function asOwner(c: ClusterFacts, cmd: string, args: string[], timeoutMs = 600_000): SpawnSyncReturns<string> {
    const root = process.getuid?.() === 0;
    return spawnSync(root ? "runuser" : cmd, root ? ["-u", c.osUser, "--", cmd, ...args] : args, {
        encoding: "utf8",
        timeout: timeoutMs,
        cwd: "/",
    });
}

function chownToOwner(c: ClusterFacts, ...files: string[]): void {
    if (process.getuid?.() !== 0) return;
    const r = spawnSync("chown", ["-R", `${c.osUser}:`, ...files], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`chown ${c.osUser} failed: ${r.stderr}`);
}

// ---------------------------------------------------------------------------------------------
// Setup state

interface SetupState {
    stanza: string;
    endpoint: string;
    bucket: string;
    region: string;
    forcePathStyle: boolean;
    /** pgBackRest repo1-path, no leading slash. */
    repoPath: string;
    /** The database `dump` dumps. */
    database: string;
    hasCa: boolean;
    setupAt: string;
}

interface Ready {
    c: ClusterFacts;
    p: LocalBackupPaths;
    state: SetupState;
    target: BackupTarget;
    caPem?: string;
}

/** What setup left, with the key read back from the key file. */
function ready(start = false): Ready {
    const c = cluster(start);
    const p = localBackupPaths(c.dir);
    if (!fs.existsSync(p.state)) throw new Error(`no backup setup in ${p.dir}: run npm run backup -- setup`);
    const state = JSON.parse(fs.readFileSync(p.state, "utf8")) as SetupState;
    const key = parseKeyEnvFile(fs.readFileSync(p.keyEnv, "utf8"));
    const target: BackupTarget = {
        endpoint: state.endpoint,
        bucket: state.bucket,
        region: state.region,
        forcePathStyle: state.forcePathStyle,
        accessKeyId: key.PGBACKREST_REPO1_S3_KEY,
        secretAccessKey: key.PGBACKREST_REPO1_S3_KEY_SECRET,
        walgPrefix: STORAGE_DEFAULTS.walgPrefix,
        pgbackrestPath: state.repoPath,
        retentionDays: STORAGE_DEFAULTS.backupRetentionDays,
    };
    return { c, p, state, target, ...(state.hasCa ? { caPem: fs.readFileSync(p.caFile, "utf8") } : {}) };
}

/** pgBackRest (through the wrapper that reads the key file) as the cluster's OS user. */
function pgbackrest(r: Pick<Ready, "c" | "p">, args: string[], timeoutMs = 600_000): SpawnSyncReturns<string> {
    return asOwner(r.c, r.p.wrapper, [`--stanza=${STANZA}`, ...args], timeoutMs);
}

function pgbackrestOk(r: Pick<Ready, "c" | "p">, args: string[], timeoutMs?: number): string {
    const res = pgbackrest(r, args, timeoutMs);
    if (res.status !== 0) {
        throw new Error(
            `pgbackrest ${args.join(" ")} failed (exit ${res.status}):\n${(res.stderr || res.stdout || res.error?.message || "").trim()}`,
        );
    }
    return res.stdout;
}

function stanzaInfo(r: Pick<Ready, "c" | "p">): StanzaInfo {
    return parseStanzaInfo(pgbackrestOk(r, ["--output=json", "info"]), STANZA);
}

// ---------------------------------------------------------------------------------------------
// Where the backups go

/** The stack file's pgstack:storage.backups layout (paths, retention), defaults otherwise. */
export function backupLayout(): Pick<BackupTarget, "walgPrefix" | "pgbackrestPath" | "retentionDays"> {
    const storage = localStackConfig()["pgstack:storage"] as
        { backups?: Partial<BackupTarget & { retentionDays: number }> } | undefined;
    const b = storage?.backups ?? {};
    return {
        walgPrefix: b.walgPrefix ?? STORAGE_DEFAULTS.walgPrefix,
        pgbackrestPath: b.pgbackrestPath ?? STORAGE_DEFAULTS.pgbackrestPath,
        retentionDays: b.retentionDays ?? STORAGE_DEFAULTS.backupRetentionDays,
    };
}

/** The local stack file's database (what `dump` dumps by default). */
function stackDatabase(): string {
    return String(localStackConfig()["pgstack:databaseName"] ?? "");
}

/** BACKUP_* from the environment when set there, else the local stack's outputs. */
async function resolveTarget(): Promise<ResolvedBackupTarget> {
    if (process.env.BACKUP_S3_BUCKET) {
        log("backup target: BACKUP_* from the environment");
        return backupTargetFromOutputs(process.env, backupLayout());
    }
    log("backup target: the local stack's outputs");
    const stack = await openLocalStack();
    return backupTargetFromOutputs(await stack.outputValues(), backupLayout());
}

// ---------------------------------------------------------------------------------------------
// Commands

function writeFile(file: string, content: string, mode: number): void {
    fs.writeFileSync(`${file}.tmp`, content, { mode });
    fs.chmodSync(`${file}.tmp`, mode);
    fs.renameSync(`${file}.tmp`, file);
}

async function setup(flags: Flags): Promise<void> {
    await setupBackups(await resolveTarget(), flags.value("database") ?? stackDatabase());
}

/**
 * Backups of the local cluster into the resolved target: files, WAL archiving, stanza, a full backup.
 * Idempotent (a second run rewrites the files, e.g. after a key rotation, and takes another backup).
 */
export async function setupBackups(resolved: ResolvedBackupTarget, database: string): Promise<void> {
    const t = resolved.target;
    const c = cluster(true);
    const p = localBackupPaths(c.dir);
    for (const d of [p.dir, p.log, p.lock, p.spool]) fs.mkdirSync(d, { recursive: true, mode: 0o700 });
    fs.chmodSync(p.dir, 0o700);

    const caPem = resolved.caPem ?? (resolved.caFile ? fs.readFileSync(resolved.caFile, "utf8") : undefined);
    if (caPem) writeFile(p.caFile, caPem, 0o644);
    const conf = renderPgBackRestConfig(t, {
        stanza: STANZA,
        pgDataPath: c.dataDir,
        pgPort: c.pg.port,
        pgSocketPath: c.socketDir,
        pgUser: c.pg.user,
        caFile: caPem ? p.caFile : undefined,
        keysFromEnv: true,
        logPath: p.log,
        lockPath: p.lock,
        spoolPath: p.spool,
    });
    writeFile(p.config, conf, 0o600);
    writeFile(p.keyEnv, renderKeyEnvFile(pgBackRestKeyEnv(t)), 0o600);
    writeFile(p.wrapper, renderWrapper(p), 0o700);
    const state: SetupState = {
        stanza: STANZA,
        endpoint: t.endpoint,
        bucket: t.bucket,
        region: t.region,
        forcePathStyle: t.forcePathStyle,
        repoPath: t.pgbackrestPath.replace(/^\/+/, ""),
        database,
        hasCa: caPem !== undefined,
        setupAt: new Date().toISOString(),
    };
    writeFile(p.state, `${JSON.stringify(state, null, 2)}\n`, 0o600);
    chownToOwner(c, p.dir);
    log(`wrote ${p.config} (no key in it), ${p.keyEnv} (0600, ${c.osUser}) and ${p.wrapper}`);

    // pgBackRest reaches PostgreSQL over the Unix socket only: let the cluster's OS user in as the admin.
    const hba = path.join(c.dataDir, "pg_hba.conf");
    const ident = path.join(c.dataDir, "pg_ident.conf");
    fs.writeFileSync(hba, hbaWithBackupLine(fs.readFileSync(hba, "utf8"), c.pg.user));
    fs.writeFileSync(ident, identWithBackupMap(fs.readFileSync(ident, "utf8"), c.osUser, c.pg.user));

    const settings = archiveSettings(p, STANZA);
    const pending = await withAdmin(c.pg, async (client) => {
        for (const [k, v] of Object.entries(settings)) {
            await client.query(`ALTER SYSTEM SET ${k} = ${client.escapeLiteral(v)}`);
        }
        await client.query("SELECT pg_reload_conf()");
        await new Promise((r) => setTimeout(r, 500));
        const rows = await client.query<{ name: string }>("SELECT name FROM pg_settings WHERE pending_restart");
        return rows.rows.map((x) => x.name);
    });
    if (pending.length > 0) {
        log(`restarting the cluster for ${pending.join(", ")}`);
        localPgScript("stop");
        localPgScript("start");
    }
    const r = { c, p };
    // stanza-create is idempotent when the stanza matches this cluster.
    pgbackrestOk(r, ["stanza-create"]);
    pgbackrestOk(r, ["check"]);
    log(`stanza ${STANZA} in s3://${t.bucket}/${state.repoPath}; WAL archiving on; taking a full backup`);
    pgbackrestOk(r, ["--type=full", "backup"]);
    const b = newestBackup(stanzaInfo(r));
    log(`full backup ${b?.label} done at ${b?.stop.toISOString()}`);
}

function backup(flags: Flags): void {
    const r = ready();
    const type = flags.value("type") ?? "full";
    if (!["full", "diff", "incr"].includes(type)) throw new Usage("--type is full, diff or incr");
    pgbackrestOk(r, [`--type=${type}`, "backup"]);
    const b = newestBackup(stanzaInfo(r));
    log(`${type} backup ${b?.label} done at ${b?.stop.toISOString()}`);
}

async function dump(flags: Flags): Promise<void> {
    const r = ready();
    const database = flags.value("database") ?? r.state.database;
    if (!/^[A-Za-z0-9_]+$/.test(database)) throw new Usage(`--database: "${database}" is not a plain database name`);
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "pgstack-backup-dump-"));
    try {
        const file = path.join(work, "dump");
        const passfile = path.join(work, "pgpass");
        fs.writeFileSync(passfile, passfileLine(r.c.pg.password), { mode: 0o600 });
        const at = new Date();
        const res = spawnSync(path.join(r.c.bin, "pg_dump"), ["--format=custom", "--no-password", `--file=${file}`], {
            encoding: "utf8",
            env: {
                PATH: process.env.PATH ?? "",
                PGHOST: r.c.pg.host,
                PGPORT: String(r.c.pg.port),
                PGUSER: r.c.pg.user,
                PGDATABASE: database,
                PGSSLMODE: "verify-full",
                PGSSLROOTCERT: r.c.pg.ca,
                PGPASSFILE: passfile,
                PGAPPNAME: "pgstack-backup-dump",
            },
        });
        if (res.status !== 0) throw new Error(`pg_dump of ${database} failed (exit ${res.status}):\n${res.stderr}`);
        const sha256 = await sha256File(file);
        const key = `${DUMP_PREFIX}${database}/${at
            .toISOString()
            .replace(/[-:]/g, "")
            .replace(/\.\d+Z$/, "Z")}.dump`;
        await putFile(s3Client(r.target, r.caPem), r.target.bucket, key, file, { sha256, database });
        log(
            `pg_dump -Fc of ${database} (${fs.statSync(file).size} bytes, sha256 ${sha256}) → s3://${r.target.bucket}/${key}`,
        );
        process.stdout.write(`${key}\n`);
    } finally {
        fs.rmSync(work, { recursive: true, force: true });
    }
}

/** The newest base backup, WAL segment and dump, as the bucket has them. */
async function observe(r: Ready): Promise<{ base?: Date; wal?: Date; dump?: Date }> {
    const s3 = s3Client(r.target, r.caPem);
    const info = stanzaInfo(r);
    const wal = newestWal(info);
    const walObject = wal
        ? await newestObject(s3, r.target.bucket, walKeyPrefix(r.state.repoPath, STANZA, wal.id, wal.segment))
        : undefined;
    const dumpObject = await newestObject(s3, r.target.bucket, DUMP_PREFIX);
    return { base: newestBackup(info)?.stop, wal: walObject?.lastModified, dump: dumpObject?.lastModified };
}

async function freshness(flags: Flags): Promise<void> {
    let thresholds;
    try {
        thresholds = thresholdsFrom(flags.args, process.env);
    } catch (e) {
        throw new Usage((e as Error).message);
    }
    const textfile = flags.value("textfile");
    const at = new Date();
    let report: FreshnessReport | undefined;
    let failure: Error | undefined;
    let labels: Record<string, string> = { stanza: STANZA };
    try {
        const r = ready();
        labels = { stanza: STANZA, bucket: r.target.bucket };
        report = evaluateFreshness(await observe(r), thresholds, at);
    } catch (e) {
        failure = e as Error;
    }
    if (textfile) {
        // Written whole and renamed, so the collector never reads half a file.
        writeFile(textfile, prometheusTextfile(report, labels, at), 0o644);
    }
    if (failure) throw new CheckFailed(`could not read the backups: ${failure.message}`);
    for (const i of report?.items ?? []) process.stdout.write(`${i.message}\n`);
    if (!report?.ok) throw new CheckFailed("backups are stale (see above)");
}

/**
 * Restores the bucket's newest backup into a throwaway cluster, to a point in time after it, and
 * checks that a row committed before that point is there and one committed after it is not.
 */
async function drill(): Promise<void> {
    const r = ready();
    const c = r.c;
    const last = newestBackup(stanzaInfo(r));
    if (!last) throw new CheckFailed("no base backup in the bucket to restore");

    // 1. On the live cluster: a row before the target time, then one after it, both archived.
    const before = randomBytes(8).toString("hex");
    const after = randomBytes(8).toString("hex");
    const target = await withAdmin(c.pg, async (client) => {
        await client.query("CREATE SCHEMA IF NOT EXISTS pgstack_backup");
        await client.query(
            "CREATE TABLE IF NOT EXISTS pgstack_backup.drill (token text PRIMARY KEY, phase text NOT NULL, " +
                "written_at timestamptz NOT NULL DEFAULT clock_timestamp())",
        );
        // The backup's stop time has whole seconds: start past the second after it.
        for (;;) {
            const now = (await client.query<{ t: Date }>("SELECT clock_timestamp() AS t")).rows[0].t;
            if (now.getTime() >= last.stop.getTime() + 1500) break;
            await new Promise((res) => setTimeout(res, 250));
        }
        await client.query("INSERT INTO pgstack_backup.drill (token, phase) VALUES ($1, 'before target')", [before]);
        const t = (
            await client.query<{ t: string }>(
                "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00' AS t",
            )
        ).rows[0].t;
        await new Promise((res) => setTimeout(res, 50));
        await client.query("INSERT INTO pgstack_backup.drill (token, phase) VALUES ($1, 'after target')", [after]);
        return t;
    });
    // check switches WAL and waits until the segment holding both rows is in the bucket.
    pgbackrestOk(r, ["check"]);
    log(`last base backup ${last.label} (${last.stop.toISOString()}); restoring to ${target}`);

    // 2. Restore into a throwaway data directory; it never archives (it would write into our stanza).
    const work = path.join(c.dir, `drill-${process.pid}`);
    const data = path.join(work, "data");
    const sock = path.join(work, "socket");
    fs.rmSync(work, { recursive: true, force: true });
    fs.mkdirSync(data, { recursive: true, mode: 0o700 });
    fs.mkdirSync(sock, { recursive: true, mode: 0o700 });
    chownToOwner(c, work);
    const port = await freePort();
    const pgctl = path.join(c.bin, "pg_ctl");
    const serverLog = path.join(work, "server.log");
    try {
        pgbackrestOk(r, [
            `--pg1-path=${data}`,
            "--type=time",
            `--target=${target}`,
            "--target-action=promote",
            "--archive-mode=off",
            `--recovery-option=restore_command=${localRestoreCommand(r.p, STANZA, data)}`,
            "restore",
        ]);
        const opts = `-c port=${port} -c listen_addresses='' -c unix_socket_directories=${sock} -c archive_mode=off`;
        const started = asOwner(
            c,
            pgctl,
            ["-D", data, "-l", serverLog, "-w", "-t", "120", "-o", opts, "start"],
            150_000,
        );
        const psql = (sql: string) =>
            asOwner(c, path.join(c.bin, "psql"), [
                "-X",
                "-At",
                "-h",
                sock,
                "-p",
                String(port),
                "-U",
                c.pg.user,
                "-d",
                "postgres",
                "-c",
                sql,
            ]);
        let promoted = false;
        for (let i = 0; started.status === 0 && i < 240; i++) {
            const q = psql("SELECT pg_is_in_recovery()");
            if (q.status === 0 && q.stdout.trim() === "f") {
                promoted = true;
                break;
            }
            if (!fs.existsSync(path.join(data, "postmaster.pid"))) break;
            await new Promise((res) => setTimeout(res, 500));
        }
        if (!promoted) {
            const text = fs.existsSync(serverLog) ? fs.readFileSync(serverLog, "utf8") : "";
            const missing = /recovery ended before configured recovery target was reached/.test(text);
            throw new CheckFailed(
                (missing
                    ? "the restore could not reach the target time: a WAL segment between the base backup and the target is missing from the bucket"
                    : "the restored cluster did not finish recovery") +
                    `\n${text
                        .split("\n")
                        .filter((l) => /FATAL|ERROR|LOG: +(redo|recovery|restored)/.test(l))
                        .slice(-8)
                        .join("\n")}`,
            );
        }
        // 3. The check: the row before the target is there, the one after it is not.
        const rows = psql(
            `SELECT token || ' ' || phase FROM pgstack_backup.drill WHERE token IN ('${before}', '${after}') ORDER BY 1`,
        );
        if (rows.status !== 0) throw new CheckFailed(`the restored cluster cannot be queried: ${rows.stderr}`);
        const got = rows.stdout.trim();
        if (got !== `${before} before target`) {
            throw new CheckFailed(
                `the restored copy is not the point in time: expected only the row written before ${target}, found: ${got || "(none)"}`,
            );
        }
        process.stdout.write(
            `DRILL PASSED: base backup ${last.label} + WAL from s3://${r.target.bucket} restored to ${target}; ` +
                "the row written before it is there, the one after it is not\n",
        );
    } finally {
        if (fs.existsSync(path.join(data, "postmaster.pid")))
            asOwner(c, pgctl, ["-D", data, "-m", "immediate", "-w", "stop"]);
        fs.rmSync(work, { recursive: true, force: true });
        log(`throwaway cluster ${work} removed`);
    }
}

async function schedule(flags: Flags): Promise<void> {
    const c = cluster(false);
    const p = localBackupPaths(c.dir);
    if (!fs.existsSync(p.state)) throw new Error(`no backup setup in ${p.dir}: run npm run backup -- setup first`);
    const env: Record<string, string> = {
        PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
        PGSTACK_PG_DIR: c.dir,
        PGSTACK_PG_PORT: String(c.pg.port),
    };
    for (const k of ["PGSTACK_CACHE", "HOME"]) if (process.env[k]) env[k] = process.env[k] as string;
    const text = renderCronFile({
        repo: REPO,
        env,
        user: os.userInfo().username,
        logFile: path.join(p.log, "schedule.log"),
        textfile: flags.value("textfile"),
    });
    if (flags.has("install")) {
        if (process.getuid?.() !== 0 || !fs.existsSync("/etc/cron.d")) {
            throw new Error(
                "--install writes /etc/cron.d (needs root and cron); use --loop or add the printed lines to a crontab",
            );
        }
        const file = `/etc/cron.d/pgstack-backup-${c.pg.port}`;
        writeFile(file, text, 0o644);
        log(`installed ${file}`);
    } else if (flags.has("loop")) {
        // Without cron: the same jobs from a foreground loop (a container's command, a systemd service).
        log("loop: a full backup and a dump every 24h, the freshness check every 15 minutes");
        let nextNightly = 0;
        for (;;) {
            const now = Date.now();
            try {
                if (now >= nextNightly) {
                    backup(new Flags(["--type=full"]));
                    await dump(new Flags([]));
                    nextNightly = now + 24 * 3600_000;
                }
                await freshness(flags);
            } catch (e) {
                log((e as Error).message);
            }
            await new Promise((res) => setTimeout(res, 15 * 60_000));
        }
    } else {
        process.stdout.write(text);
    }
}

// ---------------------------------------------------------------------------------------------
// Command line

class Usage extends Error {}

class Flags {
    constructor(public readonly args: string[]) {}
    value(name: string): string | undefined {
        const eq = this.args.find((a) => a.startsWith(`--${name}=`));
        if (eq) return eq.slice(name.length + 3);
        const i = this.args.indexOf(`--${name}`);
        return i >= 0 ? this.args[i + 1] : undefined;
    }
    has(name: string): boolean {
        return this.args.includes(`--${name}`);
    }
}

const COMMANDS: Record<string, (f: Flags) => Promise<void> | void> = {
    setup,
    backup,
    dump,
    freshness,
    drill: () => drill(),
    schedule,
};

async function main(argv: string[]): Promise<number> {
    const [cmd, ...rest] = argv;
    const run = cmd ? COMMANDS[cmd] : undefined;
    if (!run) {
        log(`usage: npm run backup -- ${Object.keys(COMMANDS).join("|")} [flags] (see scripts/local-backup.ts)`);
        return 2;
    }
    try {
        await run(new Flags(rest));
        return 0;
    } catch (e) {
        if (e instanceof Usage) {
            log(`usage: ${e.message}`);
            return 2;
        }
        log(`${e instanceof CheckFailed ? "FAILED" : "ERROR"}: ${(e as Error).message}`);
        return e instanceof CheckFailed ? 1 : 3;
    }
}

if (require.main === module) {
    main(process.argv.slice(2)).then((code) => process.exit(code));
}
