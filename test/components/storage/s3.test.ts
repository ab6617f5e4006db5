import { baseConfig, ProgramRun, Recorded, runProgram } from "../../harness";
import { s3Storage } from "./fixtures";
import { s3ProviderArgs } from "../../../components/storage/s3";
import { parseConfig } from "../../../config/schema";

const T = {
    bucket: "aws:s3/bucket:Bucket",
    sse: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    publicAccess: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    ownership: "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    versioning: "aws:s3/bucketVersioning:BucketVersioning",
    lifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    policy: "aws:s3/bucketPolicy:BucketPolicy",
    lock: "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
    key: "aws:kms/key:Key",
    userPolicy: "aws:iam/userPolicy:UserPolicy",
};
const BUCKETS = ["acme-pgstack-test-raw", "acme-pgstack-test-backups"];
const KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/pgstack-storage-s3-key";

interface Statement {
    Sid: string;
    Effect: string;
    Principal?: string;
    Action: string[];
    Resource: string[];
    Condition?: Record<string, Record<string, unknown>>;
}
const statementsOf = (r: Recorded): Statement[] => JSON.parse(r.inputs.policy as string).Statement;
/** Each configured bucket's resource of one type, keyed by bucket name. */
const perBucket = (run: ProgramRun, type: string) =>
    Object.fromEntries(run.mocks.ofType(type).map((r) => [r.inputs.bucket as string, r]));
const iamPolicy = (run: ProgramRun, who: "app" | "backup") =>
    statementsOf(run.mocks.named(`pgstack-storage-s3-${who}-policy`));
/** Every (action, resource) pair a policy allows, with its conditions. */
const grants = (statements: Statement[]) =>
    statements.flatMap((s) => s.Action.flatMap((a) => s.Resource.map((r) => `${s.Effect} ${a} ${r}`))).sort();

let run: ProgramRun;
let kms: ProgramRun;
beforeAll(async () => {
    // Sequential: each run isolates the module registry.
    run = await runProgram(
        baseConfig({
            storage: s3Storage({
                lifecycle: {
                    noncurrentVersionExpirationDays: 45,
                    rawTransitionDays: 60,
                    rawTransitionStorageClass: "GLACIER_IR",
                    abortIncompleteMultipartDays: 3,
                },
                backups: { retentionDays: 21, lock: { days: 10, mode: "compliance" } },
            }),
        }),
    );
    kms = await runProgram(baseConfig({ storage: s3Storage({ encryption: "kms", rawPrefix: "nil/raw" }) }));
    expect(run.error).toBeUndefined();
    expect(kms.error).toBeUndefined();
});

test("no storage config, no bucket", async () => {
    const none = await runProgram(baseConfig());
    expect(none.mocks.resources.filter((r) => r.type.startsWith("aws:s3") || r.type.includes("storage"))).toEqual([]);
});

test("there are exactly the raw and backup buckets, in the configured region", () => {
    const buckets = run.mocks.ofType(T.bucket);
    expect(buckets.map((b) => b.inputs.bucket).sort()).toEqual([...BUCKETS].sort());
    for (const b of buckets) expect(b.inputs.region).toBe("eu-west-1");
});

test("every bucket is encrypted with AES256 by default", () => {
    const sse = perBucket(run, T.sse);
    expect(Object.keys(sse).sort()).toEqual([...BUCKETS].sort());
    for (const r of Object.values(sse)) {
        expect(r.inputs.rules).toEqual([{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }]);
    }
});

test("with encryption kms every bucket uses the stack's key, which rotates and outlives a delete", () => {
    const sse = perBucket(kms, T.sse);
    expect(Object.keys(sse).sort()).toEqual([...BUCKETS].sort());
    for (const r of Object.values(sse)) {
        expect(r.inputs.rules).toEqual([
            {
                applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: KEY_ARN },
                bucketKeyEnabled: true,
            },
        ]);
    }
    const [key] = kms.mocks.ofType(T.key);
    expect([key.inputs.enableKeyRotation, key.inputs.deletionWindowInDays]).toEqual([true, 30]);
});

test("every bucket blocks all four kinds of public access", () => {
    const blocks = perBucket(run, T.publicAccess);
    expect(Object.keys(blocks).sort()).toEqual([...BUCKETS].sort());
    for (const r of Object.values(blocks)) {
        const { blockPublicAcls, blockPublicPolicy, ignorePublicAcls, restrictPublicBuckets } = r.inputs;
        expect({ blockPublicAcls, blockPublicPolicy, ignorePublicAcls, restrictPublicBuckets }).toEqual({
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
        });
    }
});

test("ACLs are off: the bucket owner owns every object", () => {
    const own = perBucket(run, T.ownership);
    expect(Object.keys(own).sort()).toEqual([...BUCKETS].sort());
    for (const r of Object.values(own)) expect(r.inputs.rule).toEqual({ objectOwnership: "BucketOwnerEnforced" });
});

test("every bucket is versioned", () => {
    const v = perBucket(run, T.versioning);
    expect(Object.keys(v).sort()).toEqual([...BUCKETS].sort());
    for (const r of Object.values(v)) expect(r.inputs.versioningConfiguration).toEqual({ status: "Enabled" });
});

test("every bucket policy denies plain HTTP and TLS below 1.2 to everyone", () => {
    const policies = perBucket(run, T.policy);
    expect(Object.keys(policies).sort()).toEqual([...BUCKETS].sort());
    for (const [bucket, r] of Object.entries(policies)) {
        const resources = [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`];
        expect(statementsOf(r)).toEqual([
            {
                Sid: "DenyInsecureTransport",
                Effect: "Deny",
                Principal: "*",
                Action: ["s3:*"],
                Resource: resources,
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
            {
                Sid: "DenyOutdatedTls",
                Effect: "Deny",
                Principal: "*",
                Action: ["s3:*"],
                Resource: resources,
                Condition: { NumericLessThan: { "s3:TlsVersion": "1.2" } },
            },
        ]);
    }
});

test("the app credential may list, read and write the raw bucket, and nothing else", () => {
    expect(grants(iamPolicy(run, "app"))).toEqual([
        "Allow s3:GetObject arn:aws:s3:::acme-pgstack-test-raw/*",
        "Allow s3:ListBucket arn:aws:s3:::acme-pgstack-test-raw",
        "Allow s3:PutObject arn:aws:s3:::acme-pgstack-test-raw/*",
    ]);
});

test("the backup credential may list, read, write and delete in the backup bucket, and nothing else", () => {
    expect(grants(iamPolicy(run, "backup"))).toEqual([
        "Allow s3:DeleteObject arn:aws:s3:::acme-pgstack-test-backups/*",
        "Allow s3:GetObject arn:aws:s3:::acme-pgstack-test-backups/*",
        "Allow s3:ListBucket arn:aws:s3:::acme-pgstack-test-backups",
        "Allow s3:PutObject arn:aws:s3:::acme-pgstack-test-backups/*",
    ]);
});

test("with a rawPrefix and KMS the app may touch only that prefix and use only the bucket key", () => {
    const statements = iamPolicy(kms, "app");
    expect(grants(statements)).toEqual([
        `Allow kms:Decrypt ${KEY_ARN}`,
        `Allow kms:GenerateDataKey ${KEY_ARN}`,
        "Allow s3:GetObject arn:aws:s3:::acme-pgstack-test-raw/nil/raw/*",
        "Allow s3:ListBucket arn:aws:s3:::acme-pgstack-test-raw",
        "Allow s3:PutObject arn:aws:s3:::acme-pgstack-test-raw/nil/raw/*",
    ]);
    expect(statements.find((s) => s.Sid === "ListBucket")?.Condition).toEqual({
        StringLike: { "s3:prefix": ["nil/raw/*"] },
    });
});

test("credentialsExpireOn puts an aws:CurrentTime limit on every allowed statement", async () => {
    const exp = await runProgram(baseConfig({ storage: s3Storage({ credentialsExpireOn: "2099-06-30T00:00:00Z" }) }));
    const statements = [...iamPolicy(exp, "app"), ...iamPolicy(exp, "backup")];
    expect(statements.map((s) => s.Condition?.DateLessThan)).toEqual(
        statements.map(() => ({ "aws:CurrentTime": "2099-06-30T00:00:00Z" })),
    );
});

test("lifecycle rules come from config: abort uploads, expire old versions, move raw artifacts", () => {
    const lc = perBucket(run, T.lifecycle);
    const common = [
        {
            id: "abort-incomplete-multipart-uploads",
            status: "Enabled",
            filter: {},
            abortIncompleteMultipartUpload: { daysAfterInitiation: 3 },
        },
        {
            id: "expire-noncurrent-versions",
            status: "Enabled",
            filter: {},
            noncurrentVersionExpiration: { noncurrentDays: 45 },
            expiration: { expiredObjectDeleteMarker: true },
        },
    ];
    expect({
        raw: lc["acme-pgstack-test-raw"].inputs.rules,
        backups: lc["acme-pgstack-test-backups"].inputs.rules,
    }).toEqual({
        raw: [
            ...common,
            {
                id: "transition-raw-artifacts",
                status: "Enabled",
                filter: {},
                transitions: [{ days: 60, storageClass: "GLACIER_IR" }],
            },
        ],
        backups: common,
    });
});

test("a backup lock is S3 Object Lock enabled in place on the versioned backup bucket only", () => {
    const locks = run.mocks.ofType(T.lock);
    expect(locks.map((l) => [l.inputs.bucket, l.inputs.objectLockEnabled, l.inputs.rule])).toEqual([
        ["acme-pgstack-test-backups", "Enabled", { defaultRetention: { days: 10, mode: "COMPLIANCE" } }],
    ]);
    // Never the bucket's ForceNew objectLockEnabled: turning the lock on must not replace a named bucket.
    expect(run.mocks.ofType(T.bucket).map((b) => b.inputs.objectLockEnabled)).toEqual([undefined, undefined]);
    const versioning = run.mocks.ofType(T.versioning).find((v) => v.inputs.bucket === "acme-pgstack-test-backups");
    const deps = run.mocks.options.get(locks[0].name)?.dependencies ?? [];
    expect(deps.some((u) => u.endsWith(`::${versioning?.name}`))).toBe(true);
});

test("turning the lock on leaves the bucket's inputs as they were", async () => {
    const unlocked = await runProgram(baseConfig({ storage: s3Storage({ backups: { lock: undefined } }) }));
    expect(unlocked.error).toBeUndefined();
    const inputs = (r: typeof run) => r.mocks.ofType(T.bucket).map((b) => b.inputs);
    expect(inputs(run)).toEqual(inputs(unlocked));
    expect(unlocked.mocks.ofType(T.lock)).toHaveLength(0);
});

test("every child that guards a bucket's data is retained with it", () => {
    const guards = [T.bucket, T.publicAccess, T.ownership, T.sse, T.versioning, T.lifecycle, T.policy, T.lock];
    const names = guards.flatMap((t) => run.mocks.ofType(t)).map((r) => r.name);
    expect(names.length).toBeGreaterThanOrEqual(15);
    expect(names.filter((n) => run.mocks.options.get(n)?.retainOnDelete !== true)).toEqual([]);
});

test("no bucket can be force-destroyed", () => {
    const buckets = [...run.mocks.ofType(T.bucket), ...kms.mocks.ofType(T.bucket)];
    expect(buckets.map((b) => b.inputs.forceDestroy)).toEqual(buckets.map(() => false));
});

test("buckets and the key stay in the cloud when they leave the stack", () => {
    const names = [...kms.mocks.ofType(T.bucket), ...kms.mocks.ofType(T.key)].map((r) => r.name);
    expect(names.map((n) => kms.mocks.options.get(n)?.retainOnDelete)).toEqual(names.map(() => true));
});

test("in production buckets, key and object lock are protected", async () => {
    const prod = await runProgram(
        baseConfig({
            environment: "production",
            storage: s3Storage({ encryption: "kms", backups: { lock: { days: 7 } } }),
        }),
    );
    const data = [T.bucket, T.key, T.lock].flatMap((t) => prod.mocks.ofType(t)).map((r) => r.name);
    expect(data).toHaveLength(4);
    expect(data.map((n) => prod.mocks.options.get(n)?.protect)).toEqual(data.map(() => true));
    // and so is every guard on the buckets.
    const guards = [T.publicAccess, T.ownership, T.sse, T.versioning, T.lifecycle, T.policy];
    const guardNames = guards.flatMap((t) => prod.mocks.ofType(t)).map((r) => r.name);
    expect(guardNames.filter((n) => prod.mocks.options.get(n)?.protect !== true)).toEqual([]);
});

test("outside production nothing is protected unless asked", () => {
    const names = run.mocks.ofType(T.bucket).map((r) => r.name);
    expect(names.map((n) => run.mocks.options.get(n)?.protect)).toEqual(names.map(() => false));
});

test("the S3 outputs point at the regional endpoint, virtual-hosted style", () => {
    const o = run.outputs;
    expect([
        o.RAW_STORAGE_BUCKET,
        o.OBJECT_STORAGE_REGION,
        o.OBJECT_STORAGE_ENDPOINT,
        o.WALG_S3_PREFIX,
        o.BACKUP_S3_FORCE_PATH_STYLE,
    ]).toEqual([
        "acme-pgstack-test-raw",
        "eu-west-1",
        "https://s3.eu-west-1.amazonaws.com",
        "s3://acme-pgstack-test-backups/walg",
        "false",
    ]);
});

test("each credential's secret key is exported only as a secret", () => {
    expect([
        run.outputs.OBJECT_STORAGE_SECRET_ACCESS_KEY,
        run.secret.OBJECT_STORAGE_SECRET_ACCESS_KEY,
        run.outputs.BACKUP_AWS_SECRET_ACCESS_KEY,
        run.secret.BACKUP_AWS_SECRET_ACCESS_KEY,
    ]).toEqual(["aws-secret-pgstack-storage-s3-app-key", true, "aws-secret-pgstack-storage-s3-backup-key", true]);
});

describe("the AWS provider of the storage", () => {
    const storageOf = (extra: Record<string, unknown>) => {
        const s = parseConfig(baseConfig({ storage: s3Storage(extra) })).storage;
        if (!s) throw new Error("no storage");
        return s;
    };
    test("on AWS: only the region (and a credentials file when given), no endpoint override", () => {
        expect(s3ProviderArgs(storageOf({}))).toEqual({ region: "eu-west-1", sharedCredentialsFiles: undefined });
    });
    test("an S3-compatible endpoint: S3, IAM and STS there, path style, its CA, no AWS-only checks", () => {
        const args = s3ProviderArgs(
            storageOf({
                endpoint: "https://127.0.0.1:58333",
                caCertPath: "/tmp/ca.crt",
                sharedCredentialsFile: "/tmp/admin.credentials",
            }),
        );
        expect(args).toEqual({
            region: "eu-west-1",
            sharedCredentialsFiles: ["/tmp/admin.credentials"],
            endpoints: [
                { s3: "https://127.0.0.1:58333", iam: "https://127.0.0.1:58333", sts: "https://127.0.0.1:58333" },
            ],
            s3UsePathStyle: true,
            customCaBundle: "/tmp/ca.crt",
            skipCredentialsValidation: true,
            skipRequestingAccountId: true,
            skipMetadataApiCheck: true,
            skipRegionValidation: true,
        });
    });
    test("every storage resource goes through that provider, and the outputs name the endpoint", async () => {
        const r = await runProgram(baseConfig({ storage: s3Storage({ endpoint: "https://127.0.0.1:58333" }) }));
        const providers = r.mocks.ofType("pulumi:providers:aws");
        expect(providers).toHaveLength(1);
        expect(r.error).toBeUndefined();
        const aws = r.mocks.resources.filter((x) => x.type.startsWith("aws:"));
        expect(aws.length).toBeGreaterThan(10);
        for (const x of aws) expect(x.provider).toMatch(/pulumi:providers:aws::pgstack-storage-s3-aws::/);
        expect(r.outputs.BACKUP_S3_ENDPOINT).toBe("https://127.0.0.1:58333");
        expect(r.outputs.BACKUP_S3_FORCE_PATH_STYLE).toBe("true");
        // SeaweedFS keeps neither an IAM path nor user tags: with an endpoint the users carry none.
        for (const u of r.mocks.ofType("aws:iam/user:User")) expect(u.inputs).toEqual({});
    });
});
