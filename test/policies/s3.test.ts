import {
    s3AccessLogging,
    s3BackupVersioning,
    s3Encryption,
    s3KmsEncryption,
    s3NoForceDestroyInProduction,
    s3NoPublicAcl,
    s3NoPublicPolicy,
    s3PublicAccessBlock,
    s3TlsOnly,
} from "../../policies/s3";
import { bucketSet, PRODUCTION, STAGING, TLS_ONLY_POLICY } from "./fixtures";
import { resourceArgs, stackArgs, stackResource, validateResource, validateStack, withUnknown } from "./harness";

const BUCKET = "aws:s3/bucket:Bucket";
const without = (set: ReturnType<typeof bucketSet>, drop: keyof ReturnType<typeof bucketSet>) =>
    set.all.filter((r) => r !== set[drop]);

describe("s3-public-access-block", () => {
    test("passes a bucket with all four blocks on", async () => {
        expect(await validateStack(s3PublicAccessBlock, stackArgs(bucketSet().all))).toEqual([]);
    });
    test("fails a bucket without a public access block, naming it", async () => {
        const set = bucketSet();
        const [v] = await validateStack(s3PublicAccessBlock, stackArgs(without(set, "block")));
        expect(v).toMatchObject({
            urn: set.bucket.urn,
            message: expect.stringMatching(/"pgstack-backups" has no public access block/),
        });
    });
    test("fails a block that leaves restrictPublicBuckets off", async () => {
        const set = bucketSet();
        set.block.props.restrictPublicBuckets = false;
        const [v] = await validateStack(s3PublicAccessBlock, stackArgs(set.all));
        expect(v.message).toMatch(/leaves restrictPublicBuckets off/);
    });
    test("links a block to its bucket by name when there is no dependency", async () => {
        const bucket = stackResource(BUCKET, { bucket: "b1" }, { name: "b1" });
        const block = stackResource("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", {
            bucket: "b1",
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
        });
        expect(await validateStack(s3PublicAccessBlock, stackArgs([bucket, block]))).toEqual([]);
    });
    test("does not count another bucket's block", async () => {
        const a = bucketSet("a");
        const b = bucketSet("b");
        const found = await validateStack(s3PublicAccessBlock, stackArgs([...a.all, ...without(b, "block")]));
        expect(found.map((v) => v.urn)).toEqual([b.bucket.urn]);
    });
});

describe("s3-server-side-encryption", () => {
    test("passes a bucket with an encryption configuration", async () => {
        expect(await validateStack(s3Encryption, stackArgs(bucketSet().all))).toEqual([]);
    });
    test("passes a bucket with the inline (deprecated) configuration", async () => {
        const inline = { rule: { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } } };
        const bucket = stackResource(BUCKET, { bucket: "b", serverSideEncryptionConfiguration: inline });
        expect(await validateStack(s3Encryption, stackArgs([bucket]))).toEqual([]);
    });
    test("fails a bucket without one", async () => {
        const [v] = await validateStack(s3Encryption, stackArgs(without(bucketSet(), "encryption")));
        expect(v.message).toMatch(/no server-side encryption configuration.*sseAlgorithm/);
    });
});

describe("s3-tls-only", () => {
    test("passes a bucket whose policy denies aws:SecureTransport false", async () => {
        expect(await validateStack(s3TlsOnly, stackArgs(bucketSet().all))).toEqual([]);
    });
    test("fails a bucket without a bucket policy", async () => {
        const [v] = await validateStack(s3TlsOnly, stackArgs(without(bucketSet(), "policy")));
        expect(v.message).toMatch(/accepts plain-HTTP requests.*aws:SecureTransport/);
    });
    test("fails a bucket whose policy has no TLS statement", async () => {
        const set = bucketSet();
        set.policy.props.policy = JSON.stringify({
            Statement: [{ Effect: "Allow", Principal: { AWS: "arn:aws:iam::1:role/x" }, Action: "s3:GetObject" }],
        });
        expect(await validateStack(s3TlsOnly, stackArgs(set.all))).toHaveLength(1);
    });
    test("cannot decide (rather than fails) while the policy document is unknown in a preview", async () => {
        const set = bucketSet();
        const policy = { ...set.policy, props: withUnknown(set.policy.props, "policy") };
        const all = set.all.map((r) => (r === set.policy ? policy : r));
        await expect(validateStack(s3TlsOnly, stackArgs(all))).rejects.toThrow(/unknown value/);
    });
});

describe("s3-backup-versioning", () => {
    test("passes a versioned backup bucket", async () => {
        expect(await validateStack(s3BackupVersioning, stackArgs(bucketSet().all))).toEqual([]);
    });
    test("fails an unversioned backup bucket", async () => {
        const [v] = await validateStack(s3BackupVersioning, stackArgs(without(bucketSet(), "versioning")));
        expect(v.message).toMatch(/holds backups but is not versioned/);
    });
    test("fails a backup bucket whose versioning is Suspended", async () => {
        const set = bucketSet();
        set.versioning.props.versioningConfiguration = { status: "Suspended" };
        expect(await validateStack(s3BackupVersioning, stackArgs(set.all))).toHaveLength(1);
    });
    test("recognises a backup bucket by its tags", async () => {
        const bucket = stackResource(BUCKET, { bucket: "pgstack-data", tags: { purpose: "backup" } });
        expect(await validateStack(s3BackupVersioning, stackArgs([bucket]))).toHaveLength(1);
    });
    test("leaves other buckets alone", async () => {
        const set = bucketSet("pgstack-uploads");
        expect(await validateStack(s3BackupVersioning, stackArgs(without(set, "versioning")))).toEqual([]);
    });
});

describe("s3-no-public-acl", () => {
    test("passes a private bucket", async () => {
        expect(await validateResource(s3NoPublicAcl, resourceArgs(BUCKET, { acl: "private" }))).toEqual([]);
    });
    test("fails a public-read bucket", async () => {
        const [v] = await validateResource(s3NoPublicAcl, resourceArgs(BUCKET, { acl: "public-read" }, { name: "b" }));
        expect(v.message).toMatch(/"b" grants access to everyone/);
    });
    test("fails a BucketAclV2 granting AllUsers", async () => {
        const grants = [
            { grantee: { type: "Group", uri: "http://acs.amazonaws.com/groups/global/AllUsers" }, permission: "READ" },
        ];
        const args = resourceArgs("aws:s3/bucketAclV2:BucketAclV2", { accessControlPolicy: { grants } });
        expect(await validateResource(s3NoPublicAcl, args)).toHaveLength(1);
    });
});

describe("s3-no-public-bucket-policy", () => {
    const policy = (statement: Record<string, unknown>) =>
        resourceArgs("aws:s3/bucketPolicy:BucketPolicy", {
            bucket: "b",
            policy: JSON.stringify({ Statement: [statement] }),
        });
    test("passes the TLS-only deny and a grant to a named role", async () => {
        const named = {
            Effect: "Allow",
            Principal: { AWS: "arn:aws:iam::123456789012:role/app" },
            Action: "s3:GetObject",
        };
        const found = await Promise.all([
            validateResource(
                s3NoPublicPolicy,
                resourceArgs("aws:s3/bucketPolicy:BucketPolicy", { policy: TLS_ONLY_POLICY }),
            ),
            validateResource(s3NoPublicPolicy, policy(named)),
        ]);
        expect(found.flat()).toEqual([]);
    });
    test('fails Allow for Principal "*"', async () => {
        const [v] = await validateResource(
            s3NoPublicPolicy,
            policy({ Effect: "Allow", Principal: "*", Action: "s3:GetObject" }),
        );
        expect(v.message).toMatch(/allows Principal "\*"/);
    });
    test("fails Allow for {AWS: *} given as an object document", async () => {
        const args = resourceArgs("aws:s3/bucketPolicy:BucketPolicy", {
            policy: { Statement: [{ Effect: "Allow", Principal: { AWS: ["*"] }, Action: "s3:*" }] },
        });
        expect(await validateResource(s3NoPublicPolicy, args)).toHaveLength(1);
    });
    test("passes Principal * narrowed to a VPC endpoint", async () => {
        const s = {
            Effect: "Allow",
            Principal: "*",
            Action: "s3:GetObject",
            Condition: { StringEquals: { "aws:SourceVpce": "vpce-1" } },
        };
        expect(await validateResource(s3NoPublicPolicy, policy(s))).toEqual([]);
    });
});

describe("s3-no-force-destroy-in-production", () => {
    test("passes forceDestroy in staging", async () => {
        const args = resourceArgs(BUCKET, { forceDestroy: true }, { config: STAGING });
        expect(await validateResource(s3NoForceDestroyInProduction, args)).toEqual([]);
    });
    test("fails forceDestroy in production", async () => {
        const args = resourceArgs(BUCKET, { forceDestroy: true }, { config: PRODUCTION, name: "b" });
        const [v] = await validateResource(s3NoForceDestroyInProduction, args);
        expect(v.message).toMatch(/"b" sets forceDestroy in production/);
    });
});

describe("advisory S3 policies", () => {
    test("s3-kms-encryption flags AES256 and passes aws:kms", async () => {
        const sse = (alg: string) =>
            resourceArgs("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", {
                rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: alg } }],
            });
        const found = await Promise.all([
            validateResource(s3KmsEncryption, sse("aws:kms")),
            validateResource(s3KmsEncryption, sse("AES256")),
        ]);
        expect([s3KmsEncryption.enforcementLevel, found.map((f) => f.length)]).toEqual(["advisory", [0, 1]]);
    });
    test("s3-access-logging flags a bucket without BucketLogging", async () => {
        const set = bucketSet();
        const logging = stackResource("aws:s3/bucketLogging:BucketLogging", {
            bucket: "pgstack-backups",
            targetBucket: "logs",
        });
        const found = await Promise.all([
            validateStack(s3AccessLogging, stackArgs([...set.all, logging])),
            validateStack(s3AccessLogging, stackArgs(set.all)),
        ]);
        expect([s3AccessLogging.enforcementLevel, found.map((f) => f.length)]).toEqual(["advisory", [0, 1]]);
    });
});
