/**
 * Makes a dump artifact for `pgstack:restore` (docs/runbooks/publish-dump.md):
 *
 *   npm run dump -- <source DSN> <out file>
 *
 * runs `pg_dump -Fc` of the source database into <out file>, writes `<out file>.sha256` (sha256sum
 * format, so `sha256sum -c` checks it) and prints the digest plus the config to set. The DSN's
 * password goes to pg_dump through a temporary passfile (0600), never argv, and is never printed.
 * Env: PGSTACK_PG_BIN, the directory of pg_dump (default: the newest /usr/lib/postgresql/<v>/bin);
 * the client must be at least the source server's version (pg_dump refuses an older one).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { connectionOf, findPgBinDir, passfileLine, redact, restoreError, sha256File, tool } from "../lib/restore";

function usage(): never {
    process.stderr.write("usage: npm run dump -- <source DSN postgresql://user:password@host:port/db?…> <out file>\n");
    process.exit(2);
}

async function main(argv: string[]): Promise<void> {
    if (argv.length !== 2 || argv.some((a) => a === "-h" || a === "--help")) usage();
    const [dsn, out] = argv;
    const conn = connectionOf(dsn, "");
    if (!conn.env.PGDATABASE) throw restoreError("the source DSN names no database (postgresql://…/<db>)");
    const binDir = findPgBinDir(process.env.PGSTACK_PG_BIN ?? "");
    const target = path.resolve(out);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const partial = `${target}.partial`;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgstack-dump-"));
    try {
        const env: NodeJS.ProcessEnv = { ...process.env, ...conn.env, PGAPPNAME: "pgstack-dump" };
        delete env.PGPASSWORD;
        if (conn.password) {
            env.PGPASSFILE = path.join(dir, "pgpass");
            fs.writeFileSync(env.PGPASSFILE, passfileLine(conn.password), { mode: 0o600 });
        }
        const where = `${conn.env.PGDATABASE} on ${conn.env.PGHOST ?? "(default host)"}:${conn.env.PGPORT ?? "5432"}`;
        process.stderr.write(`[dump] pg_dump -Fc of ${where} as ${conn.user || "(default user)"} → ${target}\n`);
        const r = spawnSync(tool(binDir, "pg_dump"), ["--format=custom", "--no-password", `--file=${partial}`], {
            env,
            encoding: "utf8",
            stdio: ["ignore", "inherit", "pipe"],
        });
        if (r.status !== 0) {
            const why = redact(r.stderr ?? r.error?.message ?? "", [conn.password, encodeURIComponent(conn.password)]);
            throw restoreError(`pg_dump failed (exit ${r.status}):\n${why.trim()}`);
        }
        fs.renameSync(partial, target);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
        fs.rmSync(partial, { force: true });
    }
    const digest = await sha256File(target);
    fs.writeFileSync(`${target}.sha256`, `${digest}  ${path.basename(target)}\n`);
    process.stderr.write(
        `[dump] wrote ${target} (${fs.statSync(target).size} bytes) and ${target}.sha256\n` +
            "[dump] set in the stack file:\n" +
            `  pgstack:restore:\n    artifact:\n      path: ${out}\n    sha256: ${digest}\n`,
    );
    process.stdout.write(`${digest}\n`);
}

main(process.argv.slice(2)).catch((e: unknown) => {
    process.stderr.write(`[dump] ERROR: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
});
