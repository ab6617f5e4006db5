import { createHash } from "crypto";
import { baseConfig, ProgramRun, runProgram } from "../../harness";
import { R2_ACCOUNT, r2Storage } from "./fixtures";

const T = {
    bucket: "cloudflare:index/r2Bucket:R2Bucket",
    lifecycle: "cloudflare:index/r2BucketLifecycle:R2BucketLifecycle",
    lock: "cloudflare:index/r2BucketLock:R2BucketLock",
    domain: "cloudflare:index/r2ManagedDomain:R2ManagedDomain",
    token: "cloudflare:index/accountToken:AccountToken",
};
const DAY = 86400;
const READ = "6a018a9f2fc74eb6b293b0c548f38b39";
const WRITE = "2efd5506f9c8494dacb1fa10a3e7d5b6";

let run: ProgramRun;
beforeAll(async () => {
    run = await runProgram(
        baseConfig({
            storage: r2Storage({
                r2: { accountId: R2_ACCOUNT, jurisdiction: "eu", location: "weur" },
                lifecycle: { rawTransitionDays: 45, abortIncompleteMultipartDays: 2 },
                backups: { retentionDays: 30, lock: { days: 7 } },
            }),
        }),
    );
    expect(run.error).toBeUndefined();
});

const perBucket = (type: string) =>
    Object.fromEntries(run.mocks.ofType(type).map((r) => [r.inputs.bucketName as string, r.inputs]));

test("the raw and backup buckets are created in the account, jurisdiction and location", () => {
    expect(run.mocks.ofType(T.bucket).map((b) => b.inputs)).toEqual([
        {
            accountId: R2_ACCOUNT,
            name: "acme-pgstack-test-raw",
            jurisdiction: "eu",
            location: "weur",
            storageClass: "Standard",
        },
        {
            accountId: R2_ACCOUNT,
            name: "acme-pgstack-test-backups",
            jurisdiction: "eu",
            location: "weur",
            storageClass: "Standard",
        },
    ]);
});

test("no bucket has a public r2.dev URL", () => {
    const domains = perBucket(T.domain);
    expect(Object.keys(domains).sort()).toEqual(["acme-pgstack-test-backups", "acme-pgstack-test-raw"]);
    for (const d of Object.values(domains)) expect(d.enabled).toBe(false);
});

test("lifecycle rules come from config: abort uploads everywhere, move raw artifacts", () => {
    const abort = {
        id: "abort-incomplete-multipart-uploads",
        enabled: true,
        conditions: { prefix: "" },
        abortMultipartUploadsTransition: { condition: { type: "Age", maxAge: 2 * DAY } },
    };
    const lc = perBucket(T.lifecycle);
    expect({ raw: lc["acme-pgstack-test-raw"].rules, backups: lc["acme-pgstack-test-backups"].rules }).toEqual({
        raw: [
            abort,
            {
                id: "transition-raw-artifacts",
                enabled: true,
                conditions: { prefix: "" },
                storageClassTransitions: [
                    { condition: { type: "Age", maxAge: 45 * DAY }, storageClass: "InfrequentAccess" },
                ],
            },
        ],
        backups: [abort],
    });
});

test("the backup lock covers the write-once WAL of pgBackRest and WAL-G, on the backup bucket only", () => {
    expect(run.mocks.ofType(T.lock).map((l) => [l.inputs.bucketName, l.inputs.rules])).toEqual([
        [
            "acme-pgstack-test-backups",
            [
                {
                    id: "backup-lock-0",
                    enabled: true,
                    prefix: "pgbackrest/archive/",
                    condition: { type: "Age", maxAgeSeconds: 7 * DAY },
                },
                {
                    id: "backup-lock-1",
                    enabled: true,
                    prefix: "walg/",
                    condition: { type: "Age", maxAgeSeconds: 7 * DAY },
                },
            ],
        ],
    ]);
});

test("the lifecycle and the disabled public r2.dev URL are retained with the buckets", () => {
    const names = [T.bucket, T.lifecycle, T.lock, T.domain].flatMap((t) => run.mocks.ofType(t)).map((r) => r.name);
    expect(names.filter((n) => run.mocks.options.get(n)?.retainOnDelete !== true)).toEqual([]);
});

test("each token may only read and write objects of its own bucket, and expires", () => {
    const tokens = run.mocks.ofType(T.token).map((t) => ({
        policies: (t.inputs.policies as { effect: string; permissionGroups: unknown; resources: string }[]).map(
            (p) => ({
                ...p,
                resources: JSON.parse(p.resources),
            }),
        ),
        expiresOn: t.inputs.expiresOn,
    }));
    const scoped = (bucket: string) => ({
        policies: [
            {
                effect: "allow",
                permissionGroups: [{ id: READ }, { id: WRITE }],
                resources: { [`com.cloudflare.edge.r2.bucket.${R2_ACCOUNT}_eu_${bucket}`]: "*" },
            },
        ],
        expiresOn: "2099-01-01T00:00:00Z",
    });
    expect(tokens).toEqual([scoped("acme-pgstack-test-raw"), scoped("acme-pgstack-test-backups")]);
});

test("the S3 secret key is the SHA-256 of the token value, and the key id is the token id", () => {
    const sha = (v: string) => createHash("sha256").update(v).digest("hex");
    expect([
        run.outputs.OBJECT_STORAGE_ACCESS_KEY_ID,
        run.outputs.OBJECT_STORAGE_SECRET_ACCESS_KEY,
        run.outputs.BACKUP_AWS_ACCESS_KEY_ID,
        run.outputs.BACKUP_AWS_SECRET_ACCESS_KEY,
    ]).toEqual([
        "pgstack-storage-r2-app-token-id",
        sha("cf-token-pgstack-storage-r2-app-token"),
        "pgstack-storage-r2-backup-token-id",
        sha("cf-token-pgstack-storage-r2-backup-token"),
    ]);
});

test("the R2 outputs use the jurisdiction's endpoint, path style, region auto", () => {
    const o = run.outputs;
    expect([
        o.OBJECT_STORAGE_ENDPOINT,
        o.BACKUP_S3_ENDPOINT,
        o.OBJECT_STORAGE_REGION,
        o.BACKUP_S3_FORCE_PATH_STYLE,
    ]).toEqual([
        `https://${R2_ACCOUNT}.eu.r2.cloudflarestorage.com`,
        `https://${R2_ACCOUNT}.eu.r2.cloudflarestorage.com`,
        "auto",
        "true",
    ]);
});

test("in production the buckets and the lock are protected", async () => {
    const prod = await runProgram(
        baseConfig({ environment: "production", storage: r2Storage({ backups: { lock: { days: 7 } } }) }),
    );
    const data = [T.bucket, T.lock].flatMap((t) => prod.mocks.ofType(t)).map((r) => r.name);
    expect(data.map((n) => [n, prod.mocks.options.get(n)?.protect])).toEqual(data.map((n) => [n, true]));
});
