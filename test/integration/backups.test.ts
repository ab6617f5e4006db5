/**
 * Backups that run, for real: a PostgreSQL cluster of scripts/local-pg.sh (its own, on a free port),
 * pgBackRest and pg_dump through `npm run backup` (scripts/local-backup.ts) into a bucket of a real
 * SeaweedFS S3 server over TLS on loopback (its own CA; the certificate carries DNS:127.0.0.1, which
 * pgBackRest needs), checked with the S3 SDK. The bucket has Object Lock with a default retention, like
 * the stack's backup bucket (a missing WAL segment is then a delete marker over a locked version). Needs: the SeaweedFS build (scripts/seaweedfs/build.sh),
 * pgbackrest, openssl, PostgreSQL server binaries. A missing tool fails the tests; it does not skip them.
 */
import { CreateBucketCommand, GetObjectCommand, PutObjectLockConfigurationCommand, S3Client } from "@aws-sdk/client-s3";
import { ChildProcess, execFileSync, spawn, spawnSync } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import type { BackupTarget } from "../../lib/backup";
import { newestWal, parseStanzaInfo } from "../../lib/pgbackrestInfo";
import { freePort, LocalPg, localPgFromFacts, withAdmin } from "../../scripts/lib/localServices";
import { deleteObject, listObjects, s3Client } from "../../scripts/lib/s3";
import { REPO } from "./support";

const SCRIPT = path.join(REPO, "scripts/local-backup.ts");
const TS_NODE = path.join(REPO, "node_modules/.bin/ts-node");
const BUCKET = "pgstack-test-backups";
const DATABASE = `backups_${process.pid}`;

let work: string;
let weed: ChildProcess | undefined;
let weedLog = "";
let caPem: string;
let caFile: string;
let target: BackupTarget;
let s3: S3Client;
/** The test's own cluster: scripts/local-pg.sh with its own directory and port. */
let clusterEnv: Record<string, string>;
let pg: LocalPg;

function sh(cmd: string, args: string[], env: Record<string, string> = {}): string {
    return execFileSync(cmd, args, {
        encoding: "utf8",
        env: { ...process.env, ...env },
        stdio: ["ignore", "pipe", "pipe"],
    });
}

interface Run {
    code: number | null;
    out: string;
    seconds: number;
}

/** `npm run backup -- <args>` against the test's cluster and bucket. */
function backupCli(args: string[], extraEnv: Record<string, string> = {}): Run {
    const t0 = Date.now();
    const r = spawnSync(TS_NODE, ["--transpile-only", SCRIPT, ...args], {
        cwd: REPO,
        encoding: "utf8",
        timeout: 300_000,
        env: { ...process.env, ...clusterEnv, ...extraEnv },
    });
    const seconds = Math.round((Date.now() - t0) / 100) / 10;
    process.stdout.write(`npm run backup -- ${args.join(" ")}: exit ${r.status} in ${seconds}s\n`);
    return { code: r.status, out: `${r.stdout}${r.stderr}`, seconds };
}

/** The BACKUP_* outputs the stack would have, as the environment `setup` reads them from. */
const outputsEnv = () => ({
    BACKUP_S3_ENDPOINT: target.endpoint,
    BACKUP_S3_BUCKET: target.bucket,
    BACKUP_S3_REGION: target.region,
    BACKUP_S3_FORCE_PATH_STYLE: "true",
    BACKUP_AWS_ACCESS_KEY_ID: target.accessKeyId,
    BACKUP_AWS_SECRET_ACCESS_KEY: target.secretAccessKey,
    BACKUP_S3_CA_FILE: caFile,
});

function makeTls(dir: string): void {
    const o = (args: string[]) => sh("openssl", args);
    o(
        ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2"].concat([
            "-subj",
            "/CN=pgstack test S3 CA",
            "-keyout",
            `${dir}/ca.key`,
            "-out",
            `${dir}/ca.crt`,
        ]),
    );
    o(
        ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=127.0.0.1"].concat([
            "-keyout",
            `${dir}/s3.key`,
            "-out",
            `${dir}/s3.csr`,
        ]),
    );
    // pgBackRest checks the endpoint name against DNS entries only: an IP-only SAN fails.
    fs.writeFileSync(
        `${dir}/s3.ext`,
        "subjectAltName=DNS:127.0.0.1,IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n",
    );
    o(
        [
            "x509",
            "-req",
            "-in",
            `${dir}/s3.csr`,
            "-CA",
            `${dir}/ca.crt`,
            "-CAkey",
            `${dir}/ca.key`,
            "-CAcreateserial",
        ].concat(["-days", "2", "-extfile", `${dir}/s3.ext`, "-out", `${dir}/s3.crt`]),
    );
}

async function startSeaweed(): Promise<void> {
    const bin = sh("bash", [path.join(REPO, "scripts/seaweedfs/build.sh")]).trim();
    const ports = await Promise.all(Array.from({ length: 10 }, () => freePort()));
    const [https, http, master, masterGrpc, volume, volumeGrpc, filer, filerGrpc, s3Grpc, adminPort] = ports;
    const key = { accessKey: `AK${randomBytes(8).toString("hex")}`, secretKey: randomBytes(24).toString("base64url") };
    fs.writeFileSync(
        `${work}/s3.json`,
        JSON.stringify({
            identities: [
                { name: "backup", credentials: [key], actions: ["Admin", "Read", "List", "Tagging", "Write"] },
            ],
        }),
        { mode: 0o600 },
    );
    fs.mkdirSync(`${work}/weed`);
    weed = spawn(
        bin,
        [
            "mini",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            `-dir=${work}/weed`,
            "-master.telemetry=false",
            `-master.port=${master}`,
            `-master.port.grpc=${masterGrpc}`,
            `-volume.port=${volume}`,
            `-volume.port.grpc=${volumeGrpc}`,
            `-filer.port=${filer}`,
            `-filer.port.grpc=${filerGrpc}`,
            `-s3.port=${http}`,
            `-s3.port.grpc=${s3Grpc}`,
            `-s3.port.https=${https}`,
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            `-s3.cert.file=${work}/s3.crt`,
            `-s3.key.file=${work}/s3.key`,
            `-s3.config=${work}/s3.json`,
            "-webdav=false",
            "-admin.ui=false",
            `-admin.port=${adminPort}`,
            "-admin.port.legacy=0",
        ],
        { stdio: ["ignore", "pipe", "pipe"] },
    );
    weed.stdout?.on("data", (d) => (weedLog += d));
    weed.stderr?.on("data", (d) => (weedLog += d));
    target = {
        endpoint: `https://127.0.0.1:${https}`,
        bucket: BUCKET,
        region: "us-east-1",
        forcePathStyle: true,
        accessKeyId: key.accessKey,
        secretAccessKey: key.secretKey,
        walgPrefix: "walg",
        pgbackrestPath: "pgbackrest",
        retentionDays: 14,
    };
    s3 = s3Client(target, caPem);
    const deadline = Date.now() + 60_000;
    for (;;) {
        if (weed.exitCode !== null) throw new Error(`SeaweedFS exited early:\n${weedLog.slice(-3000)}`);
        try {
            // Like the stack's backup bucket: Object Lock with a default retention (governance, 1 day).
            await s3.send(new CreateBucketCommand({ Bucket: BUCKET, ObjectLockEnabledForBucket: true }));
            await s3.send(
                new PutObjectLockConfigurationCommand({
                    Bucket: BUCKET,
                    ObjectLockConfiguration: {
                        ObjectLockEnabled: "Enabled",
                        Rule: { DefaultRetention: { Mode: "GOVERNANCE", Days: 1 } },
                    },
                }),
            );
            return;
        } catch (e) {
            if (Date.now() > deadline)
                throw new Error(
                    `SeaweedFS did not serve S3 in 60s (${(e as Error).message}):\n${weedLog.slice(-3000)}`,
                );
            await new Promise((r) => setTimeout(r, 500));
        }
    }
}

beforeAll(async () => {
    for (const tool of ["pgbackrest", "openssl"]) {
        if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) throw new Error(`backups test needs ${tool}`);
    }
    // Under /var/tmp so the cluster's OS user (postgres, when we are root) can reach it.
    work = fs.mkdtempSync("/var/tmp/pgstack-backups-test-");
    fs.chmodSync(work, 0o755);
    makeTls(work);
    caFile = `${work}/ca.crt`;
    caPem = fs.readFileSync(caFile, "utf8");
    await startSeaweed();
    clusterEnv = { PGSTACK_PG_DIR: `${work}/pg`, PGSTACK_PG_PORT: String(await freePort()) };
    sh("bash", [path.join(REPO, "scripts/local-pg.sh"), "start"], clusterEnv);
    pg = localPgFromFacts(sh("bash", [path.join(REPO, "scripts/local-pg.sh"), "env"], clusterEnv), "superuser");
    await withAdmin(pg, (c) => c.query(`CREATE DATABASE ${DATABASE}`));
    await withAdmin(
        pg,
        async (c) => {
            await c.query("CREATE TABLE orders (id int PRIMARY KEY, note text)");
            await c.query("INSERT INTO orders SELECT i, md5(i::text) FROM generate_series(1, 500) i");
        },
        DATABASE,
    );
});

afterAll(async () => {
    if (clusterEnv)
        spawnSync("bash", [path.join(REPO, "scripts/local-pg.sh"), "destroy"], {
            env: { ...process.env, ...clusterEnv },
        });
    if (weed && weed.exitCode === null) {
        weed.kill("SIGTERM");
        await new Promise((r) => setTimeout(r, 1000));
        if (weed.exitCode === null) weed.kill("SIGKILL");
    }
    if (work) fs.rmSync(work, { recursive: true, force: true });
});

const keys = async (prefix: string) => (await listObjects(s3, BUCKET, prefix)).map((o) => o.key);

test("setup archives WAL and takes a full base backup into the bucket, with no key in a readable file", () => {
    const r = backupCli(["setup", `--database=${DATABASE}`], outputsEnv());
    expect(r.out).toMatch(/full backup \S+F done/);
    expect(r.code).toBe(0);
    const dir = `${work}/pg/backup`;
    const conf = fs.readFileSync(`${dir}/pgbackrest.conf`, "utf8");
    expect(conf).not.toContain(target.secretAccessKey);
    expect(conf).not.toContain(target.accessKeyId);
    expect(conf).toMatch(/repo1-s3-uri-style=path/);
    for (const f of ["pgbackrest.conf", "repo.env", "backup.json"]) {
        expect((fs.statSync(`${dir}/${f}`).mode & 0o777).toString(8)).toBe("600");
    }
    expect(r.out).not.toContain(target.secretAccessKey);
});

test("neither key appears in pgBackRest's logs or the server's log", () => {
    const logs = [
        ...fs.readdirSync(`${work}/pg/backup/log`).map((f) => `${work}/pg/backup/log/${f}`),
        `${work}/pg/server.log`,
    ];
    expect(logs.length).toBeGreaterThan(1);
    for (const f of logs) {
        const text = fs.readFileSync(f, "utf8");
        expect(text).not.toContain(target.secretAccessKey);
        expect(text).not.toContain(target.accessKeyId);
    }
});

test("the base backup and archived WAL segments are objects in the bucket", async () => {
    const all = await keys("pgbackrest/");
    expect(all.some((k) => /^pgbackrest\/backup\/local\/\d{8}-\d{6}F\/backup\.manifest$/.test(k))).toBe(true);
    expect(
        all.filter((k) => /^pgbackrest\/archive\/local\/\d+-1\/[0-9A-F]{16}\/[0-9A-F]{24}-[0-9a-f]{40}/.test(k)).length,
    ).toBeGreaterThan(0);
});

test("freshness fails while there is no dump, and dump puts a pg_dump -Fc of the database under dumps/", async () => {
    const before = backupCli(["freshness"]);
    expect(before.out).toMatch(/STALE logical dump: none in the bucket/);
    expect(before.code).toBe(1);

    const r = backupCli(["dump"]);
    expect(r.code).toBe(0);
    const key = r.out.split("\n").find((l) => l.startsWith(`dumps/${DATABASE}/`)) as string;
    expect(key).toMatch(new RegExp(`^dumps/${DATABASE}/\\d{8}T\\d{6}Z\\.dump$`));
    const obj = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key, Range: "bytes=0-4" }));
    // The custom format's magic: pg_restore reads it.
    expect(await obj.Body?.transformToString()).toBe("PGDMP");
    expect(obj.Metadata?.sha256).toMatch(/^[0-9a-f]{64}$/);
});

test("freshness passes when all three are recent, writes the textfile, and fails when backups stop", async () => {
    const textfile = `${work}/pgstack_backup.prom`;
    const ok = backupCli(["freshness", `--textfile=${textfile}`]);
    expect(ok.out).toMatch(/ok base backup: newest/);
    expect(ok.out).toMatch(/ok archived WAL segment: newest/);
    expect(ok.out).toMatch(/ok logical dump: newest/);
    expect(ok.code).toBe(0);
    expect(fs.readFileSync(textfile, "utf8")).toMatch(
        /^pgstack_backup_stale\{stanza="local",bucket="pgstack-test-backups",kind="base"\} 0$/m,
    );

    // Backups that stop: nothing newer arrives while the clock runs past the thresholds.
    await new Promise((r) => setTimeout(r, 3000));
    const stale = backupCli(["freshness", "--max-base-age=2s", `--textfile=${textfile}`], {
        PGSTACK_BACKUP_MAX_DUMP_AGE: "2s",
    });
    expect(stale.out).toMatch(/STALE base backup: newest .* old \(past 2s\)/);
    expect(stale.out).toMatch(/STALE logical dump/);
    expect(stale.out).toMatch(/ok archived WAL segment/);
    expect(stale.code).toBe(1);
    expect(fs.readFileSync(textfile, "utf8")).toMatch(/^pgstack_backup_stale\{[^}]*kind="base"\} 1$/m);

    expect(backupCli(["freshness", "--max-base-age=soon"]).code).toBe(2);
});

test("schedule prints the nightly cron jobs for this cluster", () => {
    const r = backupCli(["schedule", "--textfile=/var/lib/node_exporter/pgstack_backup.prom"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`PGSTACK_PG_DIR=${work}/pg\n`);
    expect(r.out).toMatch(/^30 2 \* \* \* \S+ cd \S+ && npm run --silent backup -- backup >>\S+ 2>&1$/m);
    expect(r.out).toMatch(/^0 3 \* \* \* \S+ cd \S+ && npm run --silent backup -- dump >>/m);
    expect(r.out).toMatch(
        /^\*\/15 \* \* \* \* \S+ .* freshness --textfile=\/var\/lib\/node_exporter\/pgstack_backup\.prom /m,
    );
});

test("the drill restores the bucket into a throwaway cluster to a point in time after the last base backup", () => {
    const r = backupCli(["drill"]);
    expect(r.out).toMatch(/DRILL PASSED: base backup \S+ \+ WAL from s3:\/\/pgstack-test-backups restored to /);
    expect(r.code).toBe(0);
    expect(fs.readdirSync(`${work}/pg`).filter((d) => d.startsWith("drill-"))).toEqual([]);
});

test("the drill fails when a WAL segment after the last base backup is missing from the bucket", async () => {
    // Writes after the backup, in segments of their own, all archived.
    for (let i = 0; i < 2; i++) {
        await withAdmin(
            pg,
            async (c) => {
                await c.query("INSERT INTO orders SELECT i, 'later' FROM generate_series($1::int, $1::int + 99) i", [
                    1000 + i * 100,
                ]);
                await c.query("SELECT pg_switch_wal()");
            },
            DATABASE,
        );
    }
    const wrapper = `${work}/pg/backup/pgbackrest.sh`;
    const asOwner = (args: string[]) =>
        process.getuid?.() === 0 ? sh("runuser", ["-u", "postgres", "--", wrapper, ...args]) : sh(wrapper, args);
    asOwner(["--stanza=local", "check"]);
    const info = parseStanzaInfo(asOwner(["--stanza=local", "--output=json", "info"]), "local");
    const stop = info.backups[info.backups.length - 1].archiveStop as string;
    const segments = (await keys(`pgbackrest/archive/local/${newestWal(info)?.id}/`))
        .map((k) => ({ k, seg: /\/([0-9A-F]{24})-/.exec(k)?.[1] ?? "" }))
        .filter((s) => s.seg > stop)
        .sort((a, b) => a.seg.localeCompare(b.seg));
    expect(segments.length).toBeGreaterThan(1);
    await deleteObject(s3, BUCKET, segments[0].k);

    const r = backupCli(["drill"]);
    expect(r.out).toMatch(
        /FAILED: the restore could not reach the target time: a WAL segment .* is missing from the bucket/,
    );
    expect(r.code).toBe(1);
    expect(fs.readdirSync(`${work}/pg`).filter((d) => d.startsWith("drill-"))).toEqual([]);
});
