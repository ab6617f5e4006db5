/**
 * Restoring a `pg_dump -Fc` artifact into the stack's database: the logic behind the dynamic provider
 * of components/dumpRestore.ts (docs/runbooks/publish-dump.md).
 *
 * This module is serialized into the dynamic provider (Pulumi's closure serialization captures the
 * functions `restoreProvider` uses), so it imports only Node built-ins and Pulumi *types*: nothing
 * here may hold a secret at module level or import project modules with side effects.
 *
 * Order of a restore, so nothing touches the database before the artifact is proven:
 *   1. the file's SHA-256 must equal the declared `pgstack:restore.sha256` (else fail, nothing done);
 *   2. the service role's password goes to libpq through a temporary passfile (0600, in a 0700 dir,
 *      removed afterwards): never argv, never a log line, never an output;
 *   3. the client must be at least the server's major version (pg_restore refuses newer archives
 *      silently otherwise, or misses features);
 *   4. the extensions are created (IF NOT EXISTS), so objects of the dump that need them restore;
 *   5. `pg_restore --no-owner --no-privileges --clean --if-exists --single-transaction` with a TOC list
 *      that leaves out SCHEMA and EXTENSION entries (see `filterToc`).
 *
 * Safe restore, the choice: one transaction. `--single-transaction` (which implies --exit-on-error)
 * runs the drops of `--clean` and the whole restore in a single transaction, so a restore that fails
 * anywhere (a corrupt archive, a missing extension, a type error) rolls back completely and the
 * previous tables and rows are still served. Readers block on the dropped tables' locks for the
 * duration and then see the new data at commit; they never see an empty or half-restored database.
 * The alternative, restoring beside the live data (a new schema or database) and swapping names,
 * shortens the lock window but needs either a rename of every app schema (breaking the schema-level
 * grants and default privileges the access layer owns) or a database rename (no connections allowed
 * at all): more moving parts for a read-only dataset whose restores take seconds to minutes.
 */
import { spawn } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { SHA256_HEX } from "../config/patterns";

/** The config keys errors name. */
export const SHA256_KEY = "pgstack:restore.sha256";
export const ARTIFACT_KEY = "pgstack:restore.artifact.path";
export const EXTENSIONS_KEY = "pgstack:restore.extensions";

/** Inputs of the dynamic resource, once the engine has resolved them. */
export interface RestoreInputs {
    /** Absolute path of the `pg_dump -Fc` archive. */
    artifactPath: string;
    /** Declared SHA-256 of the archive (lower-case hex). */
    sha256: string;
    /** Database to restore into. */
    database: string;
    /** Secret: the service role's DSN (postgresql://user:password@host:port/db?sslmode=…&sslrootcert=…). */
    serviceUrl: string;
    /** Extensions to create before the restore. */
    extensions: string[];
    /** Directory of pg_restore/psql; "" picks the newest installed PostgreSQL client. */
    pgBinDir: string;
}

/** Outputs: no secrets, ever. */
export interface RestoreOutputs {
    /** SHA-256 of the archive that was restored. */
    digest: string;
    database: string;
    extensions: string[];
    artifactPath: string;
    /** ISO time the restore committed. */
    restoredAt: string;
    /** Tables in the restored schemas after the restore. */
    tableCount: number;
}

/**
 * An error for the operator. A plain Error, not a subclass: a class extending Error loses its
 * message through Pulumi's closure serialization (the constructor is replayed as `Error.call`).
 */
export function restoreError(message: string): Error {
    const e = new Error(message);
    e.name = "RestoreError";
    return e;
}

// ---------------------------------------------------------------------------------------------
// The artifact

/** SHA-256 of a file, streamed (dumps can be large). */
export function sha256File(file: string): Promise<string> {
    return new Promise((resolve, reject) => {
        const hash = createHash("sha256");
        fs.createReadStream(file)
            .on("error", reject)
            .on("data", (chunk) => hash.update(chunk))
            .on("end", () => resolve(hash.digest("hex")));
    });
}

/** Fails (naming the key) unless the file exists and its SHA-256 is the declared one. */
export async function verifyArtifact(file: string, declared: string): Promise<string> {
    if (!SHA256_HEX.test(declared)) {
        throw restoreError(`${SHA256_KEY}: "${declared}" is not a SHA-256 (64 lower-case hex digits)`);
    }
    let stat: fs.Stats;
    try {
        stat = fs.statSync(file);
    } catch {
        throw restoreError(`${ARTIFACT_KEY}: ${file} does not exist (make it with npm run dump)`);
    }
    if (!stat.isFile()) throw restoreError(`${ARTIFACT_KEY}: ${file} is not a file`);
    const actual = await sha256File(file);
    if (actual !== declared) {
        throw restoreError(
            `${SHA256_KEY}: ${file} has SHA-256 ${actual}, not the declared ${declared}; ` +
                "nothing was restored (the database was not touched)",
        );
    }
    return actual;
}

// ---------------------------------------------------------------------------------------------
// Connecting: libpq environment, password in a passfile

/** libpq URL query parameters and the environment variables that carry them. */
const PARAM_ENV: Record<string, string> = {
    host: "PGHOST",
    port: "PGPORT",
    user: "PGUSER",
    dbname: "PGDATABASE",
    sslmode: "PGSSLMODE",
    sslrootcert: "PGSSLROOTCERT",
    sslcert: "PGSSLCERT",
    sslkey: "PGSSLKEY",
    sslcrl: "PGSSLCRL",
    connect_timeout: "PGCONNECT_TIMEOUT",
    application_name: "PGAPPNAME",
    target_session_attrs: "PGTARGETSESSIONATTRS",
    options: "PGOPTIONS",
};

export interface Connection {
    /** PG* variables without the password (safe to show). */
    env: Record<string, string>;
    /** The password ("" when the DSN has none), to go into a passfile only. */
    password: string;
    /** The user ("" when the DSN has none: libpq's default). */
    user: string;
}

/**
 * Splits a libpq URL into PG* environment variables and the password. `database` (when not "")
 * overrides the URL's database. Errors never quote the DSN (it holds the password).
 */
export function connectionOf(dsn: string, database: string): Connection {
    let url: URL;
    try {
        url = new URL(dsn);
    } catch {
        throw restoreError("the DSN is not a valid postgresql:// URL");
    }
    if (url.protocol !== "postgresql:" && url.protocol !== "postgres:") {
        throw restoreError("the DSN is not a postgresql:// URL");
    }
    const user = decodeURIComponent(url.username);
    const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
    const env: Record<string, string> = { PGAPPNAME: "pgstack-restore", PGCONNECT_TIMEOUT: "30" };
    if (host) env.PGHOST = host;
    if (url.port) env.PGPORT = url.port;
    if (user) env.PGUSER = user;
    const db = database || decodeURIComponent(url.pathname.replace(/^\//, ""));
    if (db) env.PGDATABASE = db;
    let password = decodeURIComponent(url.password);
    for (const [k, v] of url.searchParams) {
        if (k === "password") {
            password = v;
            continue;
        }
        const name = PARAM_ENV[k];
        if (!name) throw restoreError(`the DSN has a parameter pgstack does not pass on: ${k}`);
        env[name] = v;
    }
    return { env, password, user };
}

/** One .pgpass line matching any host/port/database/user (the file is private to one restore). */
export function passfileLine(password: string): string {
    return `*:*:*:*:${password.replace(/\\/g, "\\\\").replace(/:/g, "\\:")}\n`;
}

/** Replaces every occurrence of the secrets in a text (stderr of a tool, an error message). */
export function redact(text: string, secrets: string[]): string {
    let out = text;
    for (const s of secrets.filter((x) => x.length > 0)) out = out.split(s).join("[secret]");
    return out;
}

// ---------------------------------------------------------------------------------------------
// Tools: binaries, argv

/** The newest `/usr/lib/postgresql/<major>/bin` holding pg_restore and psql, or "" (use PATH). */
export function findPgBinDir(preferred = "", root = "/usr/lib/postgresql"): string {
    if (preferred) return preferred;
    let majors: string[] = [];
    try {
        majors = fs.readdirSync(root).filter((d) => /^\d+$/.test(d));
    } catch {
        return "";
    }
    majors.sort((a, b) => Number(b) - Number(a));
    for (const m of majors) {
        const bin = path.join(root, m, "bin");
        if (fs.existsSync(path.join(bin, "pg_restore")) && fs.existsSync(path.join(bin, "psql"))) return bin;
    }
    return "";
}

export const tool = (binDir: string, name: string): string => (binDir ? path.join(binDir, name) : name);

/** Major version from `pg_restore --version` output ("pg_restore (PostgreSQL) 15.20 (Debian …)"). */
export function clientMajor(versionOutput: string): number {
    const m = versionOutput.match(/\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?/);
    if (!m) throw restoreError(`cannot read the PostgreSQL client version from "${versionOutput.trim()}"`);
    const major = Number(m[1]);
    // 9.6 and older: major is "9.6"; they are far too old anyway.
    return major;
}

/** Major version from `server_version_num` (e.g. 150020 → 15). */
export const serverMajor = (versionNum: string): number => Math.floor(Number(versionNum.trim()) / 10000);

/**
 * pg_restore's argv: no connection string and no password (those are in the environment and the
 * passfile). `--single-transaction` makes the restore all-or-nothing (see the module comment).
 */
export function pgRestoreArgs(o: { archive: string; listFile: string; database: string }): string[] {
    return [
        "--no-owner",
        "--no-privileges",
        "--clean",
        "--if-exists",
        "--single-transaction",
        "--exit-on-error",
        "--no-password",
        `--use-list=${o.listFile}`,
        `--dbname=${o.database}`,
        o.archive,
    ];
}

/** psql's argv for one statement batch: no psqlrc, stop at the first error, unaligned tuples only. */
export function psqlArgs(sql: string): string[] {
    return [
        "--no-psqlrc",
        "--no-password",
        "--quiet",
        "--tuples-only",
        "--no-align",
        "-v",
        "ON_ERROR_STOP=1",
        "-c",
        sql,
    ];
}

// ---------------------------------------------------------------------------------------------
// The archive's table of contents

export interface FilteredToc {
    /** The list for `pg_restore --use-list`, with the skipped entries commented out. */
    list: string;
    /** Schemas holding the dump's tables. */
    schemas: string[];
    /** TABLE entries restored. */
    tables: number;
    /** Entries left out ("SCHEMA - app", "EXTENSION - pg_trgm", …). */
    skipped: string[];
}

/**
 * Filters `pg_restore --list` output. Left out:
 *  - SCHEMA (and comments on it): the app schemas belong to the stack (the access layer creates them
 *    with their grants and default privileges); `--clean` would drop and recreate them, losing those.
 *  - EXTENSION (and comments on it): extensions are created before the restore by `extensions`
 *    (as the stack does); `--clean` would try to drop them, which the service role may not.
 * A TOC line is `<id>; <tableoid> <oid> <DESC> <namespace> <name> <owner>`.
 */
export function filterToc(listing: string): FilteredToc {
    const schemas = new Set<string>();
    const skipped: string[] = [];
    let tables = 0;
    const out = listing.split("\n").map((line) => {
        const m = line.match(/^\d+;\s+\d+\s+\d+\s+(.*)$/);
        if (!m) return line;
        const rest = m[1];
        if (/^(SCHEMA|EXTENSION|COMMENT - (SCHEMA|EXTENSION)) /.test(rest)) {
            skipped.push(rest.trim());
            return `;${line}`;
        }
        const t = rest.match(/^TABLE (?!DATA )(\S+) /); // not "TABLE DATA <schema> <name>"
        if (t) {
            tables += 1;
            schemas.add(t[1]);
        }
        return line;
    });
    return { list: out.join("\n"), schemas: [...schemas].sort(), tables, skipped };
}

// ---------------------------------------------------------------------------------------------
// SQL

export const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;
export const quoteLiteral = (s: string): string => `'${s.replace(/'/g, "''")}'`;

export function createExtensionsSql(extensions: string[]): string {
    return extensions.map((e) => `CREATE EXTENSION IF NOT EXISTS ${quoteIdent(e)};`).join("\n");
}

export function tableCountSql(schemas: string[]): string {
    const list = schemas.length > 0 ? schemas.map(quoteLiteral).join(", ") : "NULL";
    return (
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace " +
        `WHERE c.relkind IN ('r', 'p') AND n.nspname IN (${list})`
    );
}

// ---------------------------------------------------------------------------------------------
// Running it

interface Ran {
    code: number;
    stdout: string;
    stderr: string;
}

/** Runs a tool without a shell; output is capped so a chatty failure cannot exhaust memory. */
function runTool(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<Ran> {
    return new Promise((resolve) => {
        const child = spawn(cmd, args, { env, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        const cap = 1 << 20;
        child.stdout.on("data", (d: Buffer) => {
            if (stdout.length < cap) stdout += d.toString("utf8");
        });
        child.stderr.on("data", (d: Buffer) => {
            if (stderr.length < cap) stderr += d.toString("utf8");
        });
        child.on("error", (e) => resolve({ code: -1, stdout, stderr: `${stderr}${e.message}` }));
        child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });
}

/** The last lines of a tool's stderr, for an error message. */
const tail = (s: string, n = 15): string => s.trim().split("\n").slice(-n).join("\n");

/** Ensures the extensions, as the service role (trusted extensions, or ones it may create). */
async function ensureExtensions(
    extensions: string[],
    psql: (sql: string) => Promise<Ran>,
    secrets: string[],
): Promise<void> {
    if (extensions.length === 0) return;
    const r = await psql(createExtensionsSql(extensions));
    if (r.code !== 0) {
        throw restoreError(
            `${EXTENSIONS_KEY}: could not create ${extensions.join(", ")} as the service role ` +
                "(is it installed on the server, and trusted? otherwise list it in pgstack:extensions, " +
                `which the admin creates); nothing was restored:\n${redact(tail(r.stderr), secrets)}`,
        );
    }
}

/** Verifies, then restores the archive in one transaction. Returns the outputs (no secrets). */
export async function restoreDump(inputs: RestoreInputs): Promise<RestoreOutputs> {
    // 1. The artifact first: a wrong digest fails before any connection.
    const digest = await verifyArtifact(inputs.artifactPath, inputs.sha256);

    const conn = connectionOf(inputs.serviceUrl, inputs.database);
    const secrets = [conn.password, encodeURIComponent(conn.password), inputs.serviceUrl];
    const binDir = findPgBinDir(inputs.pgBinDir);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgstack-restore-"));
    fs.chmodSync(dir, 0o700);
    try {
        // 2. The password only ever lives in this file.
        const passfile = path.join(dir, "pgpass");
        fs.writeFileSync(passfile, passfileLine(conn.password), { mode: 0o600 });
        const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? "", HOME: dir, ...conn.env, PGPASSFILE: passfile };
        const psql = (sql: string) => runTool(tool(binDir, "psql"), psqlArgs(sql), env);

        // 3. Client ≥ server.
        const version = await runTool(tool(binDir, "pg_restore"), ["--version"], env);
        if (version.code !== 0) {
            throw restoreError(`pg_restore not found or not runnable (${tool(binDir, "pg_restore")})`);
        }
        const server = await psql("SHOW server_version_num");
        if (server.code !== 0) {
            throw restoreError(
                `cannot connect to database ${inputs.database} as ${conn.user}; nothing was restored:\n` +
                    redact(tail(server.stderr), secrets),
            );
        }
        const client = clientMajor(version.stdout);
        if (client < serverMajor(server.stdout)) {
            throw restoreError(
                `pg_restore ${client} is older than the server (${serverMajor(server.stdout)}): install the ` +
                    "matching PostgreSQL client (or pass pgBinDir); nothing was restored",
            );
        }

        // 4. Extensions the dump's objects may need.
        await ensureExtensions(inputs.extensions, psql, secrets);

        // 5. The table of contents, without schemas and extensions.
        const listing = await runTool(tool(binDir, "pg_restore"), ["--list", inputs.artifactPath], env);
        if (listing.code !== 0) {
            throw restoreError(
                `${ARTIFACT_KEY}: ${inputs.artifactPath} is not a readable pg_dump -Fc archive; nothing was restored:\n` +
                    redact(tail(listing.stderr), secrets),
            );
        }
        const toc = filterToc(listing.stdout);
        const listFile = path.join(dir, "toc.list");
        fs.writeFileSync(listFile, toc.list, { mode: 0o600 });

        // 6. One transaction: all or nothing.
        const restored = await runTool(
            tool(binDir, "pg_restore"),
            pgRestoreArgs({ archive: inputs.artifactPath, listFile, database: inputs.database }),
            env,
        );
        if (restored.code !== 0) {
            throw restoreError(
                `pg_restore of ${inputs.artifactPath} (${SHA256_KEY} ${digest}) failed and was rolled back ` +
                    `(one transaction): database ${inputs.database} still serves the previous data:\n` +
                    redact(tail(restored.stderr), secrets),
            );
        }

        const count = await psql(tableCountSql(toc.schemas));
        return {
            digest,
            database: inputs.database,
            extensions: [...inputs.extensions],
            artifactPath: inputs.artifactPath,
            restoredAt: new Date().toISOString(),
            tableCount: count.code === 0 ? Number(count.stdout.trim()) : toc.tables,
        };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** Only the extensions, when they changed but the artifact did not. */
export async function ensureExtensionsOnly(inputs: RestoreInputs): Promise<void> {
    const conn = connectionOf(inputs.serviceUrl, inputs.database);
    const secrets = [conn.password, encodeURIComponent(conn.password), inputs.serviceUrl];
    const binDir = findPgBinDir(inputs.pgBinDir);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgstack-restore-"));
    try {
        const passfile = path.join(dir, "pgpass");
        fs.writeFileSync(passfile, passfileLine(conn.password), { mode: 0o600 });
        const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? "", HOME: dir, ...conn.env, PGPASSFILE: passfile };
        await ensureExtensions(inputs.extensions, (sql) => runTool(tool(binDir, "psql"), psqlArgs(sql), env), secrets);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

// ---------------------------------------------------------------------------------------------
// The decision: when to restore

const sameSet = (a: readonly string[] = [], b: readonly string[] = []): boolean =>
    a.length === b.length && [...a].sort().join("\0") === [...b].sort().join("\0");

/** What an `up` must do, given the last restore's outputs (absent: never restored) and the inputs. */
export function planRestore(
    olds: Pick<RestoreOutputs, "digest" | "database" | "extensions"> | undefined,
    news: Pick<RestoreInputs, "sha256" | "database" | "extensions">,
): { restore: boolean; extensions: boolean } {
    if (!olds) return { restore: true, extensions: true };
    // The digest is the trigger (a new path to the same bytes restores nothing); so is a new database.
    const restore = olds.digest !== news.sha256 || olds.database !== news.database;
    return { restore, extensions: restore || !sameSet(olds.extensions, news.extensions) };
}

// ---------------------------------------------------------------------------------------------
// The dynamic provider

/**
 * Create restores; update restores again only when the digest (or database) changed, and otherwise
 * only ensures a changed extension list; delete leaves the data (the database is retained by the
 * access layer). `check` verifies the artifact whenever a restore is pending, so `pulumi preview`
 * already fails on a wrong digest or a missing file.
 */
export const restoreProvider: dynamic.ResourceProvider<RestoreInputs, RestoreOutputs> = {
    async check(olds, news) {
        const failures: dynamic.CheckFailure[] = [];
        const sha = typeof news.sha256 === "string" ? news.sha256 : "";
        if (!SHA256_HEX.test(sha)) {
            failures.push({ property: "sha256", reason: `${SHA256_KEY}: must be 64 lower-case hex digits` });
        } else if (!olds || olds.sha256 !== news.sha256 || olds.database !== news.database) {
            try {
                await verifyArtifact(news.artifactPath, sha);
            } catch (e) {
                failures.push({ property: "sha256", reason: (e as Error).message });
            }
        }
        return { inputs: news, failures };
    },

    async diff(_id, olds, news) {
        const plan = planRestore(olds, news);
        return {
            changes: plan.restore || plan.extensions,
            replaces: [],
            deleteBeforeReplace: false,
        };
    },

    async create(inputs) {
        const outs = await restoreDump(inputs);
        return { id: `restore-${inputs.database}`, outs };
    },

    async update(_id, olds, news) {
        const plan = planRestore(olds, news);
        if (plan.restore) return { outs: await restoreDump(news) };
        if (plan.extensions) await ensureExtensionsOnly(news);
        return { outs: { ...olds, extensions: [...news.extensions], artifactPath: news.artifactPath } };
    },

    async delete() {
        // The restored data stays: the database outlives the stack (retainOnDelete), and a read-only
        // production must not lose its tables because a config key was removed.
    },
};
