/**
 * Object storage for real: the stack's S3 path (components/storage/s3*.ts) through `pulumi up` of a
 * stack against the local S3-compatible server (scripts/local-s3.sh: SeaweedFS over TLS), with the
 * aws provider the engine finds (the offline one where the upstream plugin is absent). Every promise
 * is checked with the AWS SDK using the keys the stack outputs (app, backup) or the server's admin key.
 *
 * The tests run in order on one stack: each one starts from the state the previous one left.
 */
import {
    DeleteBucketPolicyCommand,
    DeleteObjectCommand,
    GetBucketLifecycleConfigurationCommand,
    GetBucketPolicyCommand,
    GetBucketVersioningCommand,
    GetObjectCommand,
    GetObjectRetentionCommand,
    HeadObjectCommand,
    ListObjectsV2Command,
    ListObjectVersionsCommand,
    PutBucketPolicyCommand,
    PutBucketVersioningCommand,
    PutObjectCommand,
    S3Client,
    DeleteObjectsCommand,
    DeleteBucketCommand,
} from "@aws-sdk/client-s3";
import {
    DeleteAccessKeyCommand,
    DeleteUserCommand,
    DeleteUserPolicyCommand,
    IAMClient,
    ListAccessKeysCommand,
    ListUserPoliciesCommand,
} from "@aws-sdk/client-iam";
import { randomBytes } from "crypto";
import * as fs from "fs";
import { Agent } from "https";
import * as path from "path";
import { EngineEvent } from "@pulumi/pulumi/automation";
import { s3LifecycleRules } from "../../components/storage/s3";
import { parseConfig } from "../../config/schema";
import { localS3, LocalS3, localStorageConfig } from "../../scripts/lib/localServices";
import { dropDatabasesAndRoles, localPg, LocalPg, localServerConfig, ownOrDeadRun, ProjectStack } from "./support";

/** A declared lifecycle rule with plain (not Input) values, as the stack builds them. */
interface PlainRule {
    id: string;
    abortIncompleteMultipartUpload?: { daysAfterInitiation: number };
    noncurrentVersionExpiration?: { noncurrentDays: number };
    transitions?: { days: number; storageClass: string }[];
}

const DB = `it_storage_${process.pid}`;
const PREFIX = `it-storage-${process.pid}`;
const RAW = `${PREFIX}-raw`;
const BACKUPS = `${PREFIX}-backups`;

let pg: LocalPg;
let s3: LocalS3;
let stack: ProjectStack;
const printed: string[] = [];
const record = (s: string) => void printed.push(s);

const storage = () => ({
    ...localStorageConfig(s3),
    bucketPrefix: PREFIX,
    // SeaweedFS answers NotImplemented to storage-class transitions.
    lifecycle: { rawTransitionDays: null },
    backups: { lock: { days: 1, mode: "governance" } },
});
const stackConfig = () => ({
    environment: "local",
    server: localServerConfig(pg),
    databaseName: DB,
    tenantRolePrefix: `${DB}_t_`,
    tenants: [],
    storage: storage(),
});

interface Keys {
    accessKeyId: string;
    secretAccessKey: string;
}
const clients: S3Client[] = [];
function s3Client(keys: Keys, endpoint = s3.endpoint): S3Client {
    const c = new S3Client({
        endpoint,
        region: s3.region,
        forcePathStyle: true,
        credentials: keys,
        maxAttempts: 1,
        requestHandler: { httpsAgent: new Agent({ ca: fs.readFileSync(s3.ca, "utf8") }) },
    });
    clients.push(c);
    return c;
}
const admin = () => s3Client({ accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey });

let app: S3Client;
let backup: S3Client;
let outs: Record<string, unknown>;

/** Resolves to the error code S3 answered with, or "ok". */
async function outcome(p: Promise<unknown>): Promise<string> {
    try {
        await p;
        return "ok";
    } catch (e) {
        return (e as { name?: string; Code?: string }).Code ?? (e as Error).name ?? String(e);
    }
}

async function up(): Promise<string[]> {
    const ops: string[] = [];
    const onEvent = (e: EngineEvent) => {
        const m = e.resOutputsEvent?.metadata;
        if (m && m.op !== "same") ops.push(`${m.op} ${m.urn.split("::").slice(-1)[0]}`);
    };
    await stack.stack.up({ onOutput: record, onEvent, color: "never" });
    return ops;
}

/** Removes what this run made on the S3 server: objects (every version, lock bypassed), buckets, IAM users. */
async function removeStorage(): Promise<void> {
    const a = admin();
    for (const bucket of [RAW, BACKUPS]) {
        const v = await a.send(new ListObjectVersionsCommand({ Bucket: bucket })).catch(() => undefined);
        const objects = [...(v?.Versions ?? []), ...(v?.DeleteMarkers ?? [])].map((x) => ({
            Key: x.Key ?? "",
            VersionId: x.VersionId,
        }));
        if (objects.length > 0) {
            await a
                .send(
                    new DeleteObjectsCommand({
                        Bucket: bucket,
                        BypassGovernanceRetention: true,
                        Delete: { Objects: objects },
                    }),
                )
                .catch(() => undefined);
        }
        await a.send(new DeleteBucketCommand({ Bucket: bucket })).catch(() => undefined);
    }
    const iam = new IAMClient({
        endpoint: s3.endpoint,
        region: s3.region,
        credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
        requestHandler: { httpsAgent: new Agent({ ca: fs.readFileSync(s3.ca, "utf8") }) },
    });
    const state = JSON.parse(stack?.exportState() ?? "{}") as {
        deployment?: { resources?: { type: string; id?: string }[] };
    };
    for (const r of state.deployment?.resources ?? []) {
        if (r.type !== "aws:iam/user:User" || !r.id) continue;
        const keys = await iam.send(new ListAccessKeysCommand({ UserName: r.id })).catch(() => undefined);
        for (const k of keys?.AccessKeyMetadata ?? []) {
            await iam
                .send(new DeleteAccessKeyCommand({ UserName: r.id, AccessKeyId: k.AccessKeyId }))
                .catch(() => undefined);
        }
        const pols = await iam.send(new ListUserPoliciesCommand({ UserName: r.id })).catch(() => undefined);
        for (const p of pols?.PolicyNames ?? []) {
            await iam.send(new DeleteUserPolicyCommand({ UserName: r.id, PolicyName: p })).catch(() => undefined);
        }
        await iam.send(new DeleteUserCommand({ UserName: r.id })).catch(() => undefined);
    }
    iam.destroy();
}

const dropLeftovers = () => dropDatabasesAndRoles(pg, "it\\_storage\\_%", ownOrDeadRun("it_storage"));

beforeAll(async () => {
    pg = localPg();
    s3 = localS3();
    await dropLeftovers();
    stack = await ProjectStack.open(`it-storage-${process.pid}`);
    await stack.configure(stackConfig(), { adminPassword: pg.password });
});
afterAll(async () => {
    if (stack) await removeStorage();
    for (const c of clients) c.destroy();
    await stack?.remove();
    if (pg) await dropLeftovers();
});

describe("object storage on an S3-compatible server through the real engine", () => {
    test("1. `up` creates both buckets and both keys; the backup key and endpoint are outputs, the secret keys secret", async () => {
        await up();
        const o = await stack.stack.outputs();
        outs = Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v.value]));
        expect(outs.BACKUP_S3_BUCKET).toBe(BACKUPS);
        expect(outs.RAW_STORAGE_BUCKET).toBe(RAW);
        expect(outs.BACKUP_S3_ENDPOINT).toBe(s3.endpoint);
        expect(outs.BACKUP_S3_FORCE_PATH_STYLE).toBe("true");
        expect(outs.storageCaCertificate).toBe(fs.readFileSync(s3.ca, "utf8"));
        expect(o.BACKUP_AWS_SECRET_ACCESS_KEY.secret).toBe(true);
        expect(o.OBJECT_STORAGE_SECRET_ACCESS_KEY.secret).toBe(true);
        app = s3Client({
            accessKeyId: String(outs.OBJECT_STORAGE_ACCESS_KEY_ID),
            secretAccessKey: String(outs.OBJECT_STORAGE_SECRET_ACCESS_KEY),
        });
        backup = s3Client({
            accessKeyId: String(outs.BACKUP_AWS_ACCESS_KEY_ID),
            secretAccessKey: String(outs.BACKUP_AWS_SECRET_ACCESS_KEY),
        });
        const all = printed.join("");
        expect(all).not.toContain(String(outs.BACKUP_AWS_SECRET_ACCESS_KEY));
        expect(all).not.toContain(String(outs.OBJECT_STORAGE_SECRET_ACCESS_KEY));
        expect(stack.exportState()).not.toContain(String(outs.BACKUP_AWS_SECRET_ACCESS_KEY));
    });

    test("2. objects are encrypted at rest: SSE-S3 by default, and the plaintext is nowhere in the server's files", async () => {
        const marker = `pgstack-plaintext-${randomBytes(12).toString("hex")}`;
        await app.send(new PutObjectCommand({ Bucket: RAW, Key: "rest/a.txt", Body: marker.repeat(200) }));
        const head = await app.send(new HeadObjectCommand({ Bucket: RAW, Key: "rest/a.txt" }));
        expect(head.ServerSideEncryption).toBe("AES256");
        const got = await app.send(new GetObjectCommand({ Bucket: RAW, Key: "rest/a.txt" }));
        expect(await got.Body?.transformToString()).toBe(marker.repeat(200));
        const dataDir = path.join(path.dirname(s3.credentialsFile), "data");
        const files = (fs.readdirSync(dataDir, { recursive: true }) as string[]).map((f) => path.join(dataDir, f));
        const holding = files.filter((f) => fs.statSync(f).isFile() && fs.readFileSync(f).includes(marker));
        expect(holding).toEqual([]);
    });

    test("3. plain HTTP is refused for every bucket, even with the admin key", async () => {
        const plain = s3Client({ accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey }, s3.httpEndpoint);
        expect(await outcome(plain.send(new GetObjectCommand({ Bucket: RAW, Key: "rest/a.txt" })))).toBe(
            "AccessDenied",
        );
        expect(await outcome(plain.send(new PutObjectCommand({ Bucket: BACKUPS, Key: "x", Body: "x" })))).toBe(
            "AccessDenied",
        );
        expect(await outcome(plain.send(new ListObjectsV2Command({ Bucket: RAW })))).toBe("AccessDenied");
    });

    test("4. versioning is on for both buckets, and the lifecycle rules read back as declared", async () => {
        const a = admin();
        for (const b of [RAW, BACKUPS]) {
            expect((await a.send(new GetBucketVersioningCommand({ Bucket: b }))).Status).toBe("Enabled");
        }
        const declared = parseConfig({ ...stackConfig(), adminPassword: "x" }).storage;
        if (!declared) throw new Error("no storage config");
        for (const [b, kind] of [
            [RAW, "raw"],
            [BACKUPS, "backups"],
        ] as const) {
            const rules = (await a.send(new GetBucketLifecycleConfigurationCommand({ Bucket: b }))).Rules ?? [];
            const want = s3LifecycleRules(declared, kind) as unknown as PlainRule[];
            expect(rules.map((r) => r.ID).sort()).toEqual(want.map((r) => r.id).sort());
            for (const w of want) {
                const r = rules.find((x) => x.ID === w.id);
                if (!r) throw new Error(`rule ${w.id} missing`);
                expect(r.Status).toBe("Enabled");
                if (w.abortIncompleteMultipartUpload) {
                    expect(r.AbortIncompleteMultipartUpload?.DaysAfterInitiation).toBe(
                        w.abortIncompleteMultipartUpload.daysAfterInitiation,
                    );
                }
                if (w.noncurrentVersionExpiration) {
                    expect(r.NoncurrentVersionExpiration?.NoncurrentDays).toBe(
                        w.noncurrentVersionExpiration.noncurrentDays,
                    );
                }
                if (w.transitions) {
                    expect(r.Transitions?.map((t) => [t.Days, t.StorageClass])).toEqual(
                        (w.transitions as { days: number; storageClass: string }[]).map((t) => [
                            t.days,
                            t.storageClass,
                        ]),
                    );
                }
            }
        }
    });

    test("5. a locked object version in the backup bucket cannot be deleted, not even by the admin", async () => {
        const put = await backup.send(
            new PutObjectCommand({ Bucket: BACKUPS, Key: "pgbackrest/archive/seg", Body: "wal" }),
        );
        expect(put.VersionId).toBeTruthy();
        const ret = await admin().send(
            new GetObjectRetentionCommand({ Bucket: BACKUPS, Key: "pgbackrest/archive/seg", VersionId: put.VersionId }),
        );
        expect(ret.Retention?.Mode).toBe("GOVERNANCE");
        expect(
            await outcome(
                admin().send(
                    new DeleteObjectCommand({
                        Bucket: BACKUPS,
                        Key: "pgbackrest/archive/seg",
                        VersionId: put.VersionId,
                    }),
                ),
            ),
        ).toBe("AccessDenied");
        const got = await admin().send(
            new GetObjectCommand({ Bucket: BACKUPS, Key: "pgbackrest/archive/seg", VersionId: put.VersionId }),
        );
        expect(await got.Body?.transformToString()).toBe("wal");
    });

    test("6. the app key puts, gets and lists the raw bucket and nothing else", async () => {
        expect(await outcome(app.send(new PutObjectCommand({ Bucket: RAW, Key: "app/b.txt", Body: "b" })))).toBe("ok");
        expect(await outcome(app.send(new GetObjectCommand({ Bucket: RAW, Key: "app/b.txt" })))).toBe("ok");
        expect(await outcome(app.send(new ListObjectsV2Command({ Bucket: RAW })))).toBe("ok");
        expect(await outcome(app.send(new DeleteObjectCommand({ Bucket: RAW, Key: "app/b.txt" })))).toBe(
            "AccessDenied",
        );
        expect(await outcome(app.send(new PutBucketPolicyCommand({ Bucket: RAW, Policy: "{}" })))).toBe("AccessDenied");
        expect(await outcome(app.send(new GetObjectCommand({ Bucket: BACKUPS, Key: "pgbackrest/archive/seg" })))).toBe(
            "AccessDenied",
        );
        expect(await outcome(app.send(new PutObjectCommand({ Bucket: BACKUPS, Key: "x", Body: "x" })))).toBe(
            "AccessDenied",
        );
        expect(await outcome(app.send(new ListObjectsV2Command({ Bucket: BACKUPS })))).toBe("AccessDenied");
    });

    test("7. the backup key reaches the backup bucket only", async () => {
        expect(
            await outcome(
                backup.send(new PutObjectCommand({ Bucket: BACKUPS, Key: "pgbackrest/backup/x", Body: "x" })),
            ),
        ).toBe("ok");
        expect(await outcome(backup.send(new GetObjectCommand({ Bucket: BACKUPS, Key: "pgbackrest/backup/x" })))).toBe(
            "ok",
        );
        expect(await outcome(backup.send(new ListObjectsV2Command({ Bucket: BACKUPS })))).toBe("ok");
        expect(await outcome(backup.send(new GetObjectCommand({ Bucket: RAW, Key: "rest/a.txt" })))).toBe(
            "AccessDenied",
        );
        expect(await outcome(backup.send(new PutObjectCommand({ Bucket: RAW, Key: "x", Body: "x" })))).toBe(
            "AccessDenied",
        );
        expect(await outcome(backup.send(new ListObjectsV2Command({ Bucket: RAW })))).toBe("AccessDenied");
        expect(await outcome(backup.send(new PutBucketPolicyCommand({ Bucket: BACKUPS, Policy: "{}" })))).toBe(
            "AccessDenied",
        );
    });

    test("8. a second `up` changes nothing, and `preview --refresh` sees no drift", async () => {
        expect(await up()).toEqual([]);
        const p = await stack.stack.preview({ onOutput: record, refresh: true, color: "never" });
        expect(Object.keys(p.changeSummary).filter((k) => k !== "same")).toEqual([]);
    });

    test("9. drift by hand (policy deleted, versioning suspended) shows in `preview --refresh` and `up` repairs it", async () => {
        const a = admin();
        await a.send(new DeleteBucketPolicyCommand({ Bucket: RAW }));
        await a.send(new PutBucketVersioningCommand({ Bucket: RAW, VersioningConfiguration: { Status: "Suspended" } }));
        const p = await stack.stack.preview({ onOutput: record, refresh: true, color: "never", diff: true });
        expect(p.changeSummary.create ?? 0).toBe(1);
        expect(p.changeSummary.update ?? 0).toBe(1);
        await stack.stack.up({ onOutput: record, refresh: true, color: "never" });
        expect((await a.send(new GetBucketVersioningCommand({ Bucket: RAW }))).Status).toBe("Enabled");
        expect((await a.send(new GetBucketPolicyCommand({ Bucket: RAW }))).Policy).toContain("aws:SecureTransport");
        const plain = s3Client({ accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey }, s3.httpEndpoint);
        expect(await outcome(plain.send(new GetObjectCommand({ Bucket: RAW, Key: "rest/a.txt" })))).toBe(
            "AccessDenied",
        );
        const again = await stack.stack.preview({ onOutput: record, refresh: true, color: "never" });
        expect(Object.keys(again.changeSummary).filter((k) => k !== "same")).toEqual([]);
    });
});
