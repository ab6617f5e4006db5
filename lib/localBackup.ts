/**
 * Files and settings of the local cluster's backups (scripts/local-backup.ts): where they live, the
 * key file and the pgBackRest wrapper that reads it, the archive settings, the socket login pgBackRest
 * needs, and the cron file of the schedule. Pure text in, text out.
 *
 * The access key never goes into pgbackrest.conf: it lives in `repo.env` (0600, owned by the cluster's
 * OS user), which `pgbackrest.sh` exports as PGBACKREST_REPO1_S3_KEY / _KEY_SECRET before it runs
 * pgBackRest. archive_command, restore_command and every command of the script go through that
 * wrapper, so the server's own environment never holds the key.
 */
import * as path from "path";
import { ENV_VAR_NAME, LINE_BREAK, SYSTEM_USER_NAME } from "../config/patterns";

export interface LocalBackupPaths {
    /** Directory of everything below (0700, the cluster's OS user). */
    dir: string;
    config: string;
    keyEnv: string;
    wrapper: string;
    caFile: string;
    /** Non-secret facts of the last setup (JSON). */
    state: string;
    log: string;
    lock: string;
    spool: string;
}

/** Characters allowed in paths that end up in archive_command and a shell script. */
const SAFE_PATH = /^\/[A-Za-z0-9/_.-]+$/;

export function assertSafePath(p: string, what: string): string {
    if (!SAFE_PATH.test(p)) {
        throw new Error(`${what} "${p}" must be an absolute path of letters, digits, / _ . - (it goes into a command)`);
    }
    return p;
}

/** The backup files of the cluster living in `pgDir` (PGSTACK_PG_DIR): `<pgDir>/backup/`. */
export function localBackupPaths(pgDir: string): LocalBackupPaths {
    const dir = path.join(assertSafePath(pgDir, "PGSTACK_PG_DIR"), "backup");
    return {
        dir,
        config: path.join(dir, "pgbackrest.conf"),
        keyEnv: path.join(dir, "repo.env"),
        wrapper: path.join(dir, "pgbackrest.sh"),
        caFile: path.join(dir, "s3-ca.crt"),
        state: path.join(dir, "backup.json"),
        log: path.join(dir, "log"),
        lock: path.join(dir, "lock"),
        spool: path.join(dir, "spool"),
    };
}

function shellQuote(v: string): string {
    return `'${v.replace(/'/g, `'\\''`)}'`;
}

/** `NAME='value'` lines (shell syntax, `set -a; .` exports them). */
export function renderKeyEnvFile(env: Record<string, string>): string {
    return Object.entries(env)
        .map(([k, v]) => {
            if (!ENV_VAR_NAME.test(k)) throw new Error(`key file: ${k} is not an environment variable name`);
            if (LINE_BREAK.test(v)) throw new Error(`key file: the value of ${k} may not contain a line break`);
            return `${k}=${shellQuote(v)}\n`;
        })
        .join("");
}

/** Reads back what renderKeyEnvFile wrote. */
export function parseKeyEnvFile(text: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const line of text.split("\n")) {
        if (line.trim() === "" || line.startsWith("#")) continue;
        const m = /^([A-Z_][A-Z0-9_]*)='((?:[^']|'\\'')*)'$/.exec(line);
        if (!m) throw new Error("key file: a line is not NAME='value'");
        out[m[1]] = m[2].replace(/'\\''/g, "'");
    }
    return out;
}

/** pgbackrest.sh: exports the key file and runs pgBackRest with the config. */
export function renderWrapper(p: LocalBackupPaths): string {
    for (const [what, v] of [
        ["key file", p.keyEnv],
        ["config", p.config],
    ] as const) {
        assertSafePath(v, what);
    }
    return [
        "#!/bin/sh",
        "# pgBackRest with the backup key from the key file (written by npm run backup -- setup).",
        "set -a",
        `. ${p.keyEnv}`,
        "set +a",
        `exec pgbackrest --config=${p.config} "$@"`,
        "",
    ].join("\n");
}

/** archive_command: every finished WAL segment goes to the bucket through the wrapper. */
export function localArchiveCommand(p: LocalBackupPaths, stanza: string): string {
    return `${assertSafePath(p.wrapper, "wrapper")} --stanza=${stanza} archive-push %p`;
}

/**
 * restore_command of a restored copy in `dataPath`: segments come from the bucket through the wrapper
 * (pgBackRest's archive-get insists that the server's directory is its pg1-path).
 */
export function localRestoreCommand(p: LocalBackupPaths, stanza: string, dataPath: string): string {
    return `${assertSafePath(p.wrapper, "wrapper")} --stanza=${stanza} --pg1-path=${assertSafePath(dataPath, "data directory")} archive-get %f "%p"`;
}

/**
 * The server settings setup applies with ALTER SYSTEM. archive_timeout bounds how long a written
 * change can sit in an unarchived segment (the restore point objective while the server is busy).
 */
export function archiveSettings(
    p: LocalBackupPaths,
    stanza: string,
    archiveTimeoutSeconds = 300,
): Record<string, string> {
    return {
        wal_level: "replica",
        archive_mode: "on",
        archive_command: localArchiveCommand(p, stanza),
        archive_timeout: `${archiveTimeoutSeconds}s`,
    };
}

export const IDENT_MAP = "pgstack_backup";
const HBA_MARK = "# pgstack backups: pgBackRest (the cluster's OS user) over the Unix socket";

/**
 * pg_hba.conf with one line in front: the cluster's own OS user may log in over the Unix socket as
 * the admin, by peer authentication through IDENT_MAP. pgBackRest talks to PostgreSQL only over the
 * socket; that user owns the data directory already, so this grants nothing it could not take.
 * TCP stays TLS + SCRAM only. Idempotent.
 */
export function hbaWithBackupLine(hba: string, dbUser: string): string {
    if (!/^[a-z_][a-z0-9_]*$/.test(dbUser)) throw new Error(`pg_hba: "${dbUser}" is not a plain role name`);
    const kept = hba
        .split("\n")
        .filter((l, i, all) => l !== HBA_MARK && !(i > 0 && all[i - 1] === HBA_MARK && l.startsWith("local ")));
    return [HBA_MARK, `local all ${dbUser} peer map=${IDENT_MAP}`, ...kept].join("\n");
}

/** pg_ident.conf mapping the OS user to the admin role for IDENT_MAP. Idempotent. */
export function identWithBackupMap(ident: string, osUser: string, dbUser: string): string {
    for (const [what, v] of [
        ["OS user", osUser],
        ["role", dbUser],
    ] as const) {
        if (!SYSTEM_USER_NAME.test(v)) throw new Error(`pg_ident: "${v}" is not a plain ${what} name`);
    }
    const kept = ident.split("\n").filter((l) => !l.startsWith(`${IDENT_MAP} `));
    while (kept.length > 0 && kept[kept.length - 1] === "") kept.pop();
    return [...kept, `${IDENT_MAP} ${osUser} ${dbUser}`, ""].join("\n");
}

export interface ScheduleOptions {
    /** The repository checkout the jobs run from. */
    repo: string;
    /** Environment the jobs need (PGSTACK_PG_DIR, PATH, …). */
    env: Record<string, string>;
    /** OS user of the jobs (the cron.d user field). */
    user: string;
    /** Where the jobs append their output. */
    logFile: string;
    /** node_exporter textfile collector file the freshness job writes, if any. */
    textfile?: string;
    /** Minute and hour of the nightly base backup; the dump runs 30 minutes later. */
    minute?: number;
    hour?: number;
}

/**
 * /etc/cron.d file of the nightly jobs: a full base backup, a `pg_dump -Fc` into the bucket half an
 * hour later, and the freshness check every 15 minutes (writing the textfile when one is given).
 */
export function renderCronFile(o: ScheduleOptions): string {
    const minute = o.minute ?? 30;
    const hour = o.hour ?? 2;
    if (!Number.isInteger(minute) || minute < 0 || minute > 59) throw new Error("schedule: minute must be 0-59");
    if (!Number.isInteger(hour) || hour < 0 || hour > 23) throw new Error("schedule: hour must be 0-23");
    for (const [what, v] of [
        ["repo", o.repo],
        ["log file", o.logFile],
        ...(o.textfile ? [["textfile", o.textfile] as const] : []),
    ] as const) {
        assertSafePath(v, what);
    }
    if (!SYSTEM_USER_NAME.test(o.user)) throw new Error(`schedule: "${o.user}" is not a user name`);
    const dumpAt = hour * 60 + minute + 30;
    const job = (when: string, args: string) =>
        `${when} ${o.user} cd ${o.repo} && npm run --silent backup -- ${args} >>${o.logFile} 2>&1`;
    const env = Object.entries(o.env).map(([k, v]) => {
        if (!ENV_VAR_NAME.test(k) || /[\s'"\\]/.test(v)) throw new Error(`schedule: ${k} cannot go into a cron file`);
        return `${k}=${v}`;
    });
    return [
        "# pgstack: backups of the local cluster (npm run backup -- schedule --install writes this file)",
        "SHELL=/bin/bash",
        ...env,
        job(`${minute} ${hour} * * *`, "backup"),
        job(`${dumpAt % 60} ${Math.floor(dumpAt / 60) % 24} * * *`, "dump"),
        job("*/15 * * * *", `freshness${o.textfile ? ` --textfile=${o.textfile}` : ""}`),
        "",
    ].join("\n");
}
