/**
 * The restore drill, for real: PostgreSQL 15 and pgBackRest back up to and restore from an S3 API
 * served by moto_server on a loopback port. pgBackRest speaks S3 over TLS only and moto's own TLS mode
 * drops request bodies, so moto serves plain HTTP and this test puts a TLS front (a self-signed
 * certificate for 127.0.0.1, verified by pgBackRest) before it. Needs: pgbackrest, moto_server,
 * openssl, PostgreSQL 15 binaries (PG_BIN). A missing tool fails the tests; it does not skip them.
 */
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import * as tls from "tls";
import { renderPgBackRestConfig } from "../../lib/backup";
import { freePort } from "../../scripts/lib/localServices";

const SCRIPT = path.join(__dirname, "../../scripts/restore-drill.sh");
const PG_BIN = process.env.PG_BIN ?? "/usr/lib/postgresql/15/bin";
const BUCKET = "pgstack-drill-backups";
const CREDENTIALS = { accessKeyId: "drill-key-id", secretAccessKey: "drill-secret-key" };
/** One drill may take this long before it is stopped; a test waits a little longer. */
const DRILL_LIMIT_MS = 180_000;
const TEST_TIMEOUT_MS = DRILL_LIMIT_MS + 30_000;

let dir: string;
let caFile: string;
let moto: ChildProcess | undefined;
let motoLog = "";
let front: tls.Server | undefined;
let endpoint: string;
let motoPort: number;
/** Drills still running: stopped (their own cleanup stops their clusters) before moto goes away. */
const running = new Set<ChildProcess>();

function requireTool(ok: boolean, message: string): void {
    if (!ok) throw new Error(`restore drill prerequisites: ${message}`);
}
const onPath = (cmd: string) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;

/** A plain-HTTP request straight to moto (no TLS front): status and body. */
function request(method: string, port: number, urlPath: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
        const req = http.request({ host: "127.0.0.1", port, path: urlPath, method, timeout: 2000 }, (res) => {
            let body = "";
            res.on("data", (d) => (body += d));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on("timeout", () => req.destroy(new Error("timeout")));
        req.on("error", reject);
        req.end();
    });
}

async function waitForMoto(port: number): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
        if (moto?.exitCode !== null) throw new Error(`moto_server exited early:\n${motoLog}`);
        if ((await request("GET", port, "/").catch(() => undefined))?.status === 200) return;
        await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`moto_server did not answer on 127.0.0.1:${port} within 30s:\n${motoLog}`);
}

interface DrillRun {
    code: number | null;
    output: string;
    seconds: number;
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        try {
            process.kill(-child.pid, signal);
        } catch {
            // already gone
        }
    }
}

/** SIGTERM to the drill's process group: the script's trap stops its clusters and cleans up. */
const stopDrill = (child: ChildProcess) => killGroup(child, "SIGTERM");

function runDrill(env: Record<string, string>): Promise<DrillRun> {
    const start = Date.now();
    return new Promise((resolve) => {
        // Own process group, so stopping it reaches pgbackrest and pg_ctl too.
        const child = spawn("bash", [SCRIPT], { env: { ...process.env, PG_BIN, ...env }, detached: true });
        running.add(child);
        let output = "";
        child.stdout?.on("data", (d) => (output += d));
        child.stderr?.on("data", (d) => (output += d));
        const timer = setTimeout(() => {
            output += `\n[test] drill still running after ${DRILL_LIMIT_MS / 1000}s: stopped\n`;
            stopDrill(child);
        }, DRILL_LIMIT_MS);
        child.on("close", (code) => {
            clearTimeout(timer);
            running.delete(child);
            const seconds = Math.round((Date.now() - start) / 100) / 10;
            process.stdout.write(`restore drill ${env.DRILL_FAULT ?? "(no fault)"}: exit ${code} in ${seconds}s\n`);
            resolve({ code, output, seconds });
        });
    });
}

/** The backup environment the stack would export, pointing at the local S3 API. */
const backupEnv = () => ({
    BACKUP_S3_ENDPOINT: endpoint,
    BACKUP_S3_BUCKET: BUCKET,
    BACKUP_S3_REGION: "us-east-1",
    BACKUP_S3_FORCE_PATH_STYLE: "true",
    BACKUP_AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    BACKUP_AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    DRILL_CA_FILE: caFile,
});

beforeAll(async () => {
    requireTool(onPath("pgbackrest"), "pgbackrest not found on PATH (apt-get install pgbackrest)");
    requireTool(onPath("moto_server"), "moto_server not found on PATH (pip install 'moto[server]')");
    requireTool(onPath("openssl"), "openssl not found on PATH (apt-get install openssl)");
    requireTool(
        fs.existsSync(path.join(PG_BIN, "initdb")),
        `${PG_BIN}/initdb not found (apt-get install postgresql-15, or set PG_BIN)`,
    );

    // Readable by the drill's user (it switches to postgres when run as root).
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgstack-drill-test-"));
    fs.chmodSync(dir, 0o755);
    caFile = path.join(dir, "ca.pem");
    const keyFile = path.join(dir, "key.pem");
    const cert = spawnSync(
        "openssl",
        ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"].concat([
            "-addext",
            "subjectAltName=DNS:127.0.0.1,IP:127.0.0.1",
            "-keyout",
            keyFile,
            "-out",
            caFile,
        ]),
        { encoding: "utf8" },
    );
    requireTool(cert.status === 0, `openssl could not make a test certificate: ${cert.stderr}`);
    fs.chmodSync(caFile, 0o644);

    motoPort = await freePort();
    moto = spawn("moto_server", ["-H", "127.0.0.1", "-p", String(motoPort)], { detached: true });
    moto.stdout?.on("data", (d) => (motoLog += d));
    moto.stderr?.on("data", (d) => (motoLog += d));
    await waitForMoto(motoPort);
    const created = await request("PUT", motoPort, `/${BUCKET}`);
    requireTool(created.status === 200, `moto_server refused to create the bucket (HTTP ${created.status})`);

    const tlsFront = tls.createServer({ key: fs.readFileSync(keyFile), cert: fs.readFileSync(caFile) }, (client) => {
        const upstream = net.connect(motoPort, "127.0.0.1");
        const drop = () => {
            client.destroy();
            upstream.destroy();
        };
        client.on("error", drop);
        upstream.on("error", drop);
        client.pipe(upstream).pipe(client);
    });
    front = tlsFront;
    const frontPort = await new Promise<number>((resolve) =>
        tlsFront.listen(0, "127.0.0.1", () => resolve((tlsFront.address() as net.AddressInfo).port)),
    );
    endpoint = `https://127.0.0.1:${frontPort}`;
}, 60_000);

afterAll(async () => {
    // A drill cut short (test timeout) is stopped first and given time to stop its clusters.
    const stopping = [...running].map((child) => new Promise<void>((resolve) => child.once("close", () => resolve())));
    running.forEach(stopDrill);
    await Promise.race([Promise.all(stopping), new Promise((r) => setTimeout(r, 60_000).unref())]);
    for (const child of running) killGroup(child, "SIGKILL");
    if (moto) killGroup(moto, "SIGTERM");
    await new Promise<void>((resolve) => (front ? front.close(() => resolve()) : resolve()));
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
}, 90_000);

test(
    "a full backup plus archived WAL restores into a fresh data directory identical to the source",
    async () => {
        const run = await runDrill(backupEnv());
        expect({ code: run.code, output: run.output }).toEqual({
            code: 0,
            output: expect.stringContaining("RESTORE DRILL PASSED"),
        });
    },
    TEST_TIMEOUT_MS,
);

test(
    "the pgBackRest config rendered by lib/backup.ts restores just as well",
    async () => {
        const conf = path.join(dir, "pgbackrest.conf");
        const rendered = renderPgBackRestConfig(
            {
                endpoint,
                bucket: BUCKET,
                region: "us-east-1",
                forcePathStyle: true,
                ...CREDENTIALS,
                walgPrefix: "walg",
                pgbackrestPath: "pgbackrest",
                retentionDays: 14,
            },
            { stanza: "main", pgDataPath: "/var/lib/postgresql/data", caFile },
        );
        fs.writeFileSync(conf, rendered, { mode: 0o644 });
        // Only the rendered file: no BACKUP_* variables, no CA on the command line.
        const run = await runDrill({ DRILL_PGBACKREST_CONF: conf });
        expect({ code: run.code, output: run.output }).toEqual({
            code: 0,
            output: expect.stringContaining("RESTORE DRILL PASSED"),
        });
    },
    TEST_TIMEOUT_MS,
);

test(
    "a restore that lost a row fails the drill",
    async () => {
        const run = await runDrill({ ...backupEnv(), DRILL_FAULT: "drop-row" });
        expect({ code: run.code, output: run.output }).toEqual({
            code: 1,
            output: expect.stringContaining("RESTORE DRILL FAILED"),
        });
    },
    TEST_TIMEOUT_MS,
);

test(
    "a restore without the WAL written after the backup fails the drill",
    async () => {
        const run = await runDrill({ ...backupEnv(), DRILL_FAULT: "skip-wal" });
        expect({ code: run.code, output: run.output }).toEqual({
            code: 1,
            output: expect.stringContaining("RESTORE DRILL FAILED"),
        });
    },
    TEST_TIMEOUT_MS,
);

test("the drills leave nothing behind in the bucket", async () => {
    const listing = await request("GET", motoPort, `/${BUCKET}?list-type=2`);
    expect([listing.status, listing.body.match(/<Key>[^<]*<\/Key>/g) ?? []]).toEqual([200, []]);
});
