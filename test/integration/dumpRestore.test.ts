/**
 * DumpRestore (components/dumpRestore.ts, lib/restore.ts) through the real engine, on the local TLS
 * cluster: a scratch source database is dumped with `npm run dump`'s script, a target database and a
 * service role are set up by plain SQL the way the access layer does (the service role owns the
 * database and schema `app`; the read-only role gets SELECT by default privileges), and the test
 * program in fixtures/restore/ is driven with the Automation API.
 *
 * The steps depend on each other (one stack, one database), so they run in order.
 */
import { execFileSync, spawnSync } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ProjectStack } from "../../scripts/lib/projectStack";
import {
    adminSql,
    Cluster,
    cluster,
    configureFixture,
    dsn,
    fixtureStack,
    REPO,
    withDb,
} from "./fixtures/restore/harness";

const sfx = `r${Date.now().toString(36)}${randomBytes(2).toString("hex")}`;
const SOURCE = `pgstack_src_${sfx}`;
const TARGET = `pgstack_dst_${sfx}`;
const SERVICE = `${sfx}_service`;
const READONLY = `${sfx}_readonly`;
const servicePassword = `svc:${randomBytes(12).toString("hex")}@/?`; // characters a DSN must encode
const readonlyPassword = randomBytes(12).toString("hex");
const EXTENSIONS = ["pg_trgm", "pgcrypto"];

let pg: Cluster;
let stack: ProjectStack;
let work: string;
const log: string[] = [];
const onOutput = (s: string) => log.push(s);

/** `npm run dump`'s script: dumps the source database, returns the digest it printed. */
function dump(out: string): string {
    const r = spawnSync(
        path.join(REPO, "node_modules/.bin/ts-node"),
        ["--transpile-only", "scripts/dump.ts", dsn(pg, pg.admin, pg.adminPassword, SOURCE), out],
        { cwd: REPO, encoding: "utf8", env: { ...process.env, PGSTACK_PG_BIN: pg.bin } },
    );
    expect(r.status).toBe(0);
    // The DSN's password is never printed.
    expect(r.stdout + r.stderr).not.toContain(pg.adminPassword);
    expect(r.stderr).toContain("[dump] wrote");
    const digest = r.stdout.trim();
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    expect(fs.readFileSync(`${out}.sha256`, "utf8")).toBe(`${digest}  ${path.basename(out)}\n`);
    return digest;
}

async function configure(artifact: string, sha256: string): Promise<void> {
    await configureFixture(stack, {
        database: TARGET,
        serviceUrl: dsn(pg, SERVICE, servicePassword, TARGET),
        restore: { artifact: { path: artifact }, sha256, extensions: EXTENSIONS },
        pgBinDir: pg.bin,
    });
}

const rowsServed = () =>
    withDb(pg, TARGET, async (db) => (await db.query("SELECT id, name FROM app.items ORDER BY id")).rows);

const tablesIn = (schema: string) =>
    withDb(pg, TARGET, async (db) =>
        Number((await db.query("SELECT count(*) FROM pg_tables WHERE schemaname = $1", [schema])).rows[0].count),
    );

const extensionsIn = () =>
    withDb(pg, TARGET, async (db) =>
        (await db.query("SELECT extname FROM pg_extension ORDER BY 1")).rows.map((r: { extname: string }) => r.extname),
    );

/** Runs an up expected to fail; returns its error text. */
async function failingUp(): Promise<string> {
    try {
        await stack.stack.up({ onOutput });
    } catch (e) {
        return String((e as Error).message);
    }
    throw new Error("pulumi up succeeded, but it should have failed");
}

beforeAll(async () => {
    pg = cluster();
    work = fs.mkdtempSync(path.join(os.tmpdir(), "pgstack-dumps-"));
    await adminSql(pg, "postgres", [
        `CREATE DATABASE ${SOURCE}`,
        `CREATE ROLE ${SERVICE} LOGIN PASSWORD '${servicePassword.replace(/'/g, "''")}'`,
        `CREATE ROLE ${READONLY} LOGIN PASSWORD '${readonlyPassword}'`,
        `CREATE DATABASE ${TARGET} OWNER ${SERVICE}`,
        `REVOKE CONNECT, TEMPORARY ON DATABASE ${TARGET} FROM PUBLIC`,
        `GRANT CONNECT ON DATABASE ${TARGET} TO ${SERVICE}, ${READONLY}`,
    ]);
    // What the access layer sets up: the service role owns schema app; the read-only role reads what
    // the service role creates there later (default privileges); PUBLIC may not create in public.
    await adminSql(pg, TARGET, [
        `REVOKE CREATE ON SCHEMA public FROM PUBLIC`,
        `CREATE SCHEMA app AUTHORIZATION ${SERVICE}`,
        `GRANT USAGE ON SCHEMA app TO ${READONLY}`,
        `ALTER DEFAULT PRIVILEGES FOR ROLE ${SERVICE} IN SCHEMA app GRANT SELECT ON TABLES TO ${READONLY}`,
        `ALTER DEFAULT PRIVILEGES FOR ROLE ${SERVICE} IN SCHEMA app GRANT SELECT ON SEQUENCES TO ${READONLY}`,
    ]);
    // The source: a table with rows and an index that needs pg_trgm (so the extension must exist first).
    await adminSql(pg, SOURCE, [
        `CREATE EXTENSION pg_trgm`,
        `CREATE SCHEMA app`,
        `CREATE TABLE app.items (id int PRIMARY KEY, name text NOT NULL)`,
        `CREATE INDEX items_name_trgm ON app.items USING gin (name gin_trgm_ops)`,
        `INSERT INTO app.items VALUES (1, 'alpha'), (2, 'beta'), (3, 'gamma')`,
    ]);
    stack = await fixtureStack("restore");
});

afterAll(async () => {
    await stack?.remove();
    if (pg) {
        await adminSql(pg, "postgres", [
            `DROP DATABASE IF EXISTS ${SOURCE} WITH (FORCE)`,
            `DROP DATABASE IF EXISTS ${TARGET} WITH (FORCE)`,
            `DROP ROLE IF EXISTS ${SERVICE}`,
            `DROP ROLE IF EXISTS ${READONLY}`,
        ]);
    }
    if (work) fs.rmSync(work, { recursive: true, force: true });
});

let v1: string;
let v2: string;
let firstRestoredAt: string;

test("a wrong digest fails the up before the database is touched", async () => {
    const artifact = path.join(work, "v1.dump");
    v1 = dump(artifact);
    await configure(artifact, "0".repeat(64));
    const error = await failingUp();
    expect(error).toContain("pgstack:restore.sha256");
    expect(error).toContain(`not the declared ${"0".repeat(64)}`);
    // Not even the extensions were created: nothing connected.
    expect(await tablesIn("app")).toBe(0);
    expect(await extensionsIn()).toEqual(["plpgsql"]);
});

test("restores the artifact as the service role: rows, extensions, outputs without secrets", async () => {
    await configure(path.join(work, "v1.dump"), v1);
    const preview = await stack.stack.preview({ onOutput });
    expect(preview.changeSummary.create).toBeGreaterThanOrEqual(1);

    const up = await stack.stack.up({ onOutput });
    expect(up.summary.result).toBe("succeeded");
    expect(up.outputs.digest.value).toBe(v1);
    expect(up.outputs.tableCount.value).toBe(1);
    expect(Date.parse(up.outputs.restoredAt.value as string)).toBeGreaterThan(Date.now() - 10 * 60_000);
    firstRestoredAt = up.outputs.restoredAt.value as string;

    expect(await rowsServed()).toEqual([
        { id: 1, name: "alpha" },
        { id: 2, name: "beta" },
        { id: 3, name: "gamma" },
    ]);
    expect(await extensionsIn()).toEqual(expect.arrayContaining(EXTENSIONS));
    // --no-owner: the restored table belongs to the service role, not to the dump's owner.
    const owner = await withDb(
        pg,
        TARGET,
        async (db) =>
            (await db.query("SELECT tableowner FROM pg_tables WHERE schemaname = 'app' AND tablename = 'items'")).rows,
    );
    expect(owner).toEqual([{ tableowner: SERVICE }]);

    // No secret in the outputs, the engine's output, or the state in plaintext.
    const secretForms = [servicePassword, encodeURIComponent(servicePassword)];
    const state = stack.stateFiles();
    expect(state).toContain(v1); // the state file is there, and readable
    for (const s of secretForms) {
        expect(JSON.stringify(up.outputs)).not.toContain(s);
        expect(log.join("")).not.toContain(s);
        expect(state).not.toContain(s);
    }
});

test("a role with SELECT only reads the restored rows and cannot write", async () => {
    const ro = { user: READONLY, password: readonlyPassword };
    await withDb(
        pg,
        TARGET,
        async (db) => {
            expect((await db.query("SELECT count(*)::int AS n FROM app.items")).rows).toEqual([{ n: 3 }]);
            await expect(db.query("INSERT INTO app.items VALUES (9, 'x')")).rejects.toThrow(/permission denied/);
            await expect(db.query("UPDATE app.items SET name = 'x'")).rejects.toThrow(/permission denied/);
            await expect(db.query("DELETE FROM app.items")).rejects.toThrow(/permission denied/);
            await expect(db.query("CREATE TABLE app.mine (id int)")).rejects.toThrow(/permission denied/);
        },
        ro,
    );
});

test("a second up with the same digest is a no-op", async () => {
    const preview = await stack.stack.preview({ onOutput });
    expect(preview.changeSummary.create ?? 0).toBe(0);
    expect(preview.changeSummary.update ?? 0).toBe(0);
    expect(preview.changeSummary.replace ?? 0).toBe(0);
    const up = await stack.stack.up({ onOutput });
    expect(up.summary.resourceChanges).toEqual({ same: expect.any(Number) });
    expect(up.outputs.restoredAt.value).toBe(firstRestoredAt);
});

test("a new digest shows as an update in preview and restores again", async () => {
    await adminSql(pg, SOURCE, [
        "INSERT INTO app.items VALUES (4, 'delta'), (5, 'epsilon')",
        "DELETE FROM app.items WHERE id = 1",
    ]);
    const artifact = path.join(work, "v2.dump");
    v2 = dump(artifact);
    expect(v2).not.toBe(v1);
    await configure(artifact, v2);

    const preview = await stack.stack.preview({ onOutput });
    expect(preview.changeSummary.update).toBe(1);

    const up = await stack.stack.up({ onOutput });
    expect(up.summary.result).toBe("succeeded");
    expect(up.outputs.digest.value).toBe(v2);
    expect(up.outputs.restoredAt.value).not.toBe(firstRestoredAt);
    expect((await rowsServed()).map((r: { id: number }) => r.id)).toEqual([2, 3, 4, 5]);
    // The read-only role reads the re-created table too (default privileges).
    await withDb(
        pg,
        TARGET,
        async (db) => expect((await db.query("SELECT count(*)::int AS n FROM app.items")).rows).toEqual([{ n: 4 }]),
        { user: READONLY, password: readonlyPassword },
    );
});

test("a corrupt artifact (digest matching) fails in pg_restore and the previous rows are still served", async () => {
    const good = fs.readFileSync(path.join(work, "v2.dump"));
    const bad = Buffer.from(good);
    // Flip bytes inside the last compressed data block: the table of contents stays readable, so
    // pg_restore starts (drops, creates) and fails reading the data, inside its one transaction.
    const z = bad.lastIndexOf(Buffer.from([0x78, 0x9c]));
    expect(z).toBeGreaterThan(0);
    for (let i = z + 2; i < z + 8; i++) bad[i] ^= 0xff;
    const artifact = path.join(work, "v3-corrupt.dump");
    fs.writeFileSync(artifact, bad);
    const digest = execFileSync("sha256sum", [artifact], { encoding: "utf8" }).split(" ")[0];
    await configure(artifact, digest);

    const rollbacks = () =>
        withDb(pg, "postgres", async (db) =>
            Number(
                (await db.query("SELECT xact_rollback FROM pg_stat_database WHERE datname = $1", [TARGET])).rows[0]
                    .xact_rollback,
            ),
        );
    const before = await rollbacks();

    const error = await failingUp();
    expect(error).toContain("rolled back");
    // pg_restore's one transaction (drops included) was rolled back on the server.
    let after = await rollbacks();
    for (let i = 0; i < 20 && after <= before; i++) {
        await new Promise((r) => setTimeout(r, 250));
        after = await rollbacks();
    }
    expect(after).toBeGreaterThan(before);
    expect(error).toMatch(/could not uncompress data|unexpected|corrupt/);
    expect((await rowsServed()).map((r: { id: number }) => r.id)).toEqual([2, 3, 4, 5]);
    // The state still records the digest that is served.
    const outputs = await stack.stack.outputs();
    expect(outputs.digest.value).toBe(v2);
});

test("back on the served digest, the up is a no-op again", async () => {
    await configure(path.join(work, "v2.dump"), v2);
    const preview = await stack.stack.preview({ onOutput });
    expect(preview.changeSummary.update ?? 0).toBe(0);
});
