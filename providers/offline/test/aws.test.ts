/** The offline aws provider's pure parts: config, credentials, Check/Diff of its resources, and the upstream conversions. */
import { bucket, bucketNameProblems, bucketOutputs } from "../aws/bucket";
import { bucketVersioning } from "../aws/bucketVersioning";
import { bucketPolicy } from "../aws/bucketPolicy";
import { bucketPublicAccessBlock } from "../aws/bucketPublicAccessBlock";
import { bucketObjectLockConfiguration } from "../aws/bucketObjectLockConfiguration";
import { bucketLifecycleConfiguration, ruleFromApi, ruleToApi } from "../aws/bucketLifecycleConfiguration";
import { sseRulesFromApi } from "../aws/bucketSse";
import { checkAwsConfig, parseAwsConfig, profileFromIni, resolveCredentials } from "../aws/config";
import { parseBucketResourceId, bucketResourceId } from "../aws/context";
import { iamAccessKey, sesSmtpPasswordV4 } from "../aws/iamAccessKey";
import { iamUser } from "../aws/iamUser";
import { iamUserPolicy, parseUserPolicyId } from "../aws/iamUserPolicy";
import { RESOURCES } from "../aws";
import { policiesEquivalent } from "../aws/policyJson";
import { checkInputs, diffInputs, ResourceDef } from "../resource";
import type { Props } from "../props";

const seed = new Uint8Array([0xab, 0xcd, 0xef, 0x12]);
const check = (def: ResourceDef<unknown>, news: Props, olds: Props = {}) =>
    checkInputs(def, { urn: `urn:pulumi:s::p::${def.token}::r`, name: "r", olds, news, randomSeed: seed });

describe("provider config", () => {
    test("the Node SDK's JSON-encoded inputs: endpoints per service, path style, the skip-* options and their pulumi-aws defaults", () => {
        const c = parseAwsConfig(
            {
                region: "us-east-1",
                endpoints: JSON.stringify([{ s3: "https://127.0.0.1:58333/", iam: "https://127.0.0.1:58333" }]),
                s3UsePathStyle: "true",
                skipCredentialsValidation: "true",
                customCaBundle: "/tmp/ca.crt",
            },
            {},
        );
        expect(c.endpoints).toEqual({ s3: "https://127.0.0.1:58333", iam: "https://127.0.0.1:58333" });
        expect(c.s3UsePathStyle).toBe(true);
        expect(c.customCaBundle).toBe("/tmp/ca.crt");
        expect(c.skipCredentialsValidation).toBe(true);
        expect(c.skipMetadataApiCheck).toBe(true);
        expect(c.skipRegionValidation).toBe(true);
        expect(c.skipRequestingAccountId).toBe(false);
    });
    test("the region falls back to AWS_REGION, then AWS_DEFAULT_REGION", () => {
        expect(parseAwsConfig({}, { AWS_DEFAULT_REGION: "eu-west-1" }).region).toBe("eu-west-1");
        expect(parseAwsConfig({}, { AWS_REGION: "eu-north-1", AWS_DEFAULT_REGION: "x" }).region).toBe("eu-north-1");
    });
    test("keys it does not implement are refused by name; endpoints for other services too", () => {
        const f = checkAwsConfig({
            assumeRoles: JSON.stringify([{ roleArn: "arn:aws:iam::1:role/x" }]),
            endpoints: JSON.stringify([{ ec2: "https://x" }]),
        });
        expect(f.map((x) => x.property).sort()).toEqual(["assumeRoles", "endpoints"]);
        expect(checkAwsConfig({ region: "us-east-1", version: "7.48.0", skipMetadataApiCheck: "true" })).toEqual([]);
    });
    test("credentials: config keys, then AWS_* variables, then the profile in the shared-credentials file", () => {
        const ini =
            "[other]\naws_access_key_id = A\naws_secret_access_key = B\n[default]\naws_access_key_id = C\naws_secret_access_key = D\n";
        expect(profileFromIni(ini, "default")).toEqual({
            accessKeyId: "C",
            secretAccessKey: "D",
            sessionToken: undefined,
        });
        expect(profileFromIni(ini, "other")?.accessKeyId).toBe("A");
        expect(profileFromIni(ini, "none")).toBeUndefined();
        const c = parseAwsConfig({ accessKey: "K", secretKey: "S" }, {});
        expect(resolveCredentials(c, {}).accessKeyId).toBe("K");
        const env = parseAwsConfig({ sharedCredentialsFiles: JSON.stringify(["/nonexistent"]) }, {});
        expect(resolveCredentials(env, { AWS_ACCESS_KEY_ID: "E", AWS_SECRET_ACCESS_KEY: "F" }).accessKeyId).toBe("E");
        expect(() => resolveCredentials(env, {})).toThrow(/no valid credential sources/);
    });
});

describe("tokens", () => {
    test("exactly the S3 and IAM resources the stack's S3 path uses", () => {
        expect(RESOURCES.map((r) => r.token).sort()).toEqual([
            "aws:iam/accessKey:AccessKey",
            "aws:iam/user:User",
            "aws:iam/userPolicy:UserPolicy",
            "aws:s3/bucket:Bucket",
            "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
            "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
            "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
            "aws:s3/bucketPolicy:BucketPolicy",
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            "aws:s3/bucketVersioning:BucketVersioning",
        ]);
    });
});

describe("Bucket", () => {
    test("name rules outside us-east-1 (3-63 of [0-9a-z.-], no IP, no edge or double dots); us-east-1's legacy rules", () => {
        expect(bucketNameProblems("acme-raw", "eu-west-1")).toEqual([]);
        for (const bad of ["ab", "Acme", "a_b", "1.2.3.4", ".abc", "abc.", "a..b", "a".repeat(64)]) {
            expect(bucketNameProblems(bad, "eu-west-1")).not.toEqual([]);
        }
        expect(bucketNameProblems("Legacy_Name", "us-east-1")).toEqual([]);
    });
    test("computed outputs: ARN without region or account, global and regional domain names, hosted zone", () => {
        expect(bucketOutputs("b1", "us-east-1")).toEqual({
            arn: "arn:aws:s3:::b1",
            bucketDomainName: "b1.s3.amazonaws.com",
            bucketRegionalDomainName: "b1.s3.us-east-1.amazonaws.com",
            bucketRegion: "us-east-1",
            hostedZoneId: "Z3AQBSTGFYJSTF",
        });
        expect(bucketOutputs("b1", "").bucketRegionalDomainName).toBe("b1.s3.amazonaws.com");
    });
    test("forceDestroy defaults to false; a new name or Object Lock at creation replaces; tags update in place", () => {
        const { inputs, failures } = check(bucket as ResourceDef<unknown>, { bucket: "acme-raw", region: "eu-west-1" });
        expect(failures).toEqual([]);
        expect(inputs.forceDestroy).toBe(false);
        const olds = { bucket: "acme-raw", region: "eu-west-1", forceDestroy: false, objectLockEnabled: false };
        expect(diffInputs(bucket, olds, { ...olds, bucket: "acme-raw2" }).replaces).toEqual(["bucket"]);
        expect(diffInputs(bucket, olds, { ...olds, objectLockEnabled: true }).replaces).toEqual(["objectLockEnabled"]);
        const t = diffInputs(bucket, olds, { ...olds, tags: { a: "b" } });
        expect(t.replaces).toEqual([]);
        expect(t.changes).toBe(true);
        // Optional+computed: left out of config, the read value stays.
        const noLock: Props = { ...olds, objectLockEnabled: undefined };
        expect(diffInputs(bucket, { ...olds, objectLockEnabled: true }, noLock).changes).toBe(false);
    });
    test("deprecated inline blocks and auto-naming are refused at Check, naming the input", () => {
        expect(
            check(bucket as ResourceDef<unknown>, { bucket: "acme-raw", acl: "private" }).failures[0].reason,
        ).toMatch(/"acl"/);
        expect(check(bucket as ResourceDef<unknown>, {}).failures[0].property).toBe("bucket");
    });
});

describe("bucket sub-resources", () => {
    test("IDs are the bucket, or bucket,owner", () => {
        expect(bucketResourceId("b")).toBe("b");
        expect(bucketResourceId("b", "123456789012")).toBe("b,123456789012");
        expect(parseBucketResourceId("b,123456789012")).toEqual({ bucket: "b", owner: "123456789012" });
    });
    test("versioning: a suspended bucket is drift to repair in place; another bucket replaces", () => {
        const olds = { bucket: "b", versioningConfiguration: { status: "Suspended", mfaDelete: "" } };
        const news = check(bucketVersioning as ResourceDef<unknown>, {
            bucket: "b",
            versioningConfiguration: { status: "Enabled" },
        }).inputs;
        const d = diffInputs(bucketVersioning, olds, news);
        expect(d.detailed).toEqual({ versioningConfiguration: "UPDATE" });
        expect(
            diffInputs(
                bucketVersioning,
                { ...olds, versioningConfiguration: { status: "Enabled", mfaDelete: "" } },
                news,
            ).changes,
        ).toBe(false);
        expect(diffInputs(bucketVersioning, olds, { ...news, bucket: "c" }).replaces).toContain("bucket");
        expect(
            check(bucketVersioning as ResourceDef<unknown>, { bucket: "b", versioningConfiguration: { status: "On" } })
                .failures,
        ).toHaveLength(1);
    });
    test("public-access block: the four flags default to false", () => {
        const { inputs } = check(bucketPublicAccessBlock as ResourceDef<unknown>, {
            bucket: "b",
            blockPublicAcls: true,
        });
        expect(inputs).toMatchObject({
            blockPublicAcls: true,
            blockPublicPolicy: false,
            ignorePublicAcls: false,
            restrictPublicBuckets: false,
        });
    });
    test("policy: the same document written differently is no change; a different one is", () => {
        const a = JSON.stringify({
            Version: "2012-10-17",
            Statement: [
                {
                    Sid: "x",
                    Effect: "Deny",
                    Principal: "*",
                    Action: ["s3:*"],
                    Resource: ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
                },
            ],
        });
        const b = JSON.stringify({
            Statement: [
                {
                    Resource: ["arn:aws:s3:::b/*", "arn:aws:s3:::b"],
                    Action: "s3:*",
                    Principal: { AWS: "*" },
                    Effect: "Deny",
                    Sid: "x",
                },
            ],
            Version: "2012-10-17",
        });
        expect(policiesEquivalent(a, b)).toBe(true);
        expect(diffInputs(bucketPolicy, { bucket: "b", policy: a }, { bucket: "b", policy: b }).changes).toBe(false);
        const c = a.replace("Deny", "Allow");
        expect(diffInputs(bucketPolicy, { bucket: "b", policy: a }, { bucket: "b", policy: c }).detailed).toEqual({
            policy: "UPDATE",
        });
        expect(check(bucketPolicy as ResourceDef<unknown>, { bucket: "b", policy: "{" }).failures[0].property).toBe(
            "policy",
        );
    });
    test("object lock: Enabled by default (replaces when changed), days and years exclusive, the token secret", () => {
        const ok = check(bucketObjectLockConfiguration as ResourceDef<unknown>, {
            bucket: "b",
            rule: { defaultRetention: { mode: "GOVERNANCE", days: 1 } },
        });
        expect(ok.failures).toEqual([]);
        expect(ok.inputs.objectLockEnabled).toBe("Enabled");
        const both = check(bucketObjectLockConfiguration as ResourceDef<unknown>, {
            bucket: "b",
            rule: { defaultRetention: { days: 1, years: 1 } },
        });
        expect(both.failures).toHaveLength(1);
        expect(bucketObjectLockConfiguration.props.token.secret).toBe(true);
    });
    test("SSE read-back: kmsMasterKeyId and bucketKeyEnabled only when the server returns them", () => {
        expect(sseRulesFromApi([{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }])).toEqual([
            { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
        ]);
        expect(
            sseRulesFromApi([
                {
                    ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: "k" },
                    BucketKeyEnabled: false,
                },
            ]),
        ).toEqual([
            {
                applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: "k" },
                bucketKeyEnabled: false,
            },
        ]);
    });
});

describe("lifecycle rules, as upstream expands and flattens them", () => {
    test("filter {} is sent as an empty prefix; no filter and no prefix as an empty filter", () => {
        expect(ruleToApi({ id: "a", status: "Enabled", filter: {} }).Filter).toEqual({ Prefix: "" });
        expect(ruleToApi({ id: "a", status: "Enabled" }).Filter).toEqual({});
    });
    test("an expiration with nothing set sends ExpiredObjectDeleteMarker=false; with days it is left out; days 0 is unset", () => {
        expect(ruleToApi({ id: "a", status: "Enabled", expiration: {} }).Expiration).toEqual({
            Days: undefined,
            Date: undefined,
            ExpiredObjectDeleteMarker: false,
        });
        expect(
            ruleToApi({ id: "a", status: "Enabled", expiration: { days: 5 } }).Expiration?.ExpiredObjectDeleteMarker,
        ).toBeUndefined();
        expect(
            ruleToApi({ id: "a", status: "Enabled", expiration: { days: 0, expiredObjectDeleteMarker: true } })
                .Expiration,
        ).toEqual({ Days: undefined, Date: undefined, ExpiredObjectDeleteMarker: true });
    });
    test("the stack's rules read back equal to what was declared", () => {
        const declared = {
            id: "expire-noncurrent-versions",
            status: "Enabled",
            filter: {},
            noncurrentVersionExpiration: { noncurrentDays: 30 },
            expiration: { expiredObjectDeleteMarker: true },
        };
        const back = ruleFromApi(ruleToApi(declared));
        expect(back).toMatchObject({
            id: declared.id,
            status: "Enabled",
            filter: { prefix: "" },
            noncurrentVersionExpiration: { noncurrentDays: 30 },
        });
        expect(back.expiration).toEqual({ date: null, days: 0, expiredObjectDeleteMarker: true });
        // What Read stores is no change against what was declared (an all-empty filter is as good as `{}`).
        const declaredRules = [
            declared,
            { id: "abort", status: "Enabled", filter: {}, abortIncompleteMultipartUpload: { daysAfterInitiation: 7 } },
        ];
        const stored = declaredRules.map((r) => ruleFromApi(JSON.parse(JSON.stringify(ruleToApi(r)))));
        expect(
            diffInputs(
                bucketLifecycleConfiguration,
                { bucket: "b", rules: stored },
                { bucket: "b", rules: declaredRules },
            ).changes,
        ).toBe(false);
        const t = ruleFromApi(
            ruleToApi({
                id: "t",
                status: "Enabled",
                filter: {},
                transitions: [{ days: 30, storageClass: "STANDARD_IA" }],
            }),
        );
        expect(t.transitions).toEqual([{ date: null, days: 30, storageClass: "STANDARD_IA" }]);
    });
});

describe("IAM", () => {
    test("User: auto-named <resource>-<7 hex>, path / by default; a rename is in place", () => {
        const { inputs } = check(iamUser as ResourceDef<unknown>, { path: "/pgstack/" });
        expect(inputs.name).toBe("r-abcdef1");
        expect(check(iamUser as ResourceDef<unknown>, {}).inputs.path).toBe("/");
        const d = diffInputs(iamUser, { name: "a", path: "/" }, { name: "b", path: "/" });
        expect(d.replaces).toEqual([]);
        expect(check(iamUser as ResourceDef<unknown>, { name: "bad name" }).failures).toHaveLength(1);
    });
    test("UserPolicy: ID <user>:<name>, auto-named; another user or name replaces, a new document updates", () => {
        expect(parseUserPolicyId("u:p:x")).toEqual({ user: "u", name: "p:x" });
        expect(check(iamUserPolicy as ResourceDef<unknown>, { user: "u", policy: "{}" }).inputs.name).toBe("r-abcdef1");
        const olds = { user: "u", name: "p", policy: '{"Version":"2012-10-17","Statement":[]}' };
        expect(diffInputs(iamUserPolicy, olds, { ...olds, user: "v" }).replaces).toEqual(["user"]);
        expect(
            diffInputs(iamUserPolicy, olds, {
                ...olds,
                policy: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow"}]}',
            }).replaces,
        ).toEqual([]);
    });
    test("AccessKey: status Active by default, the secret and SMTP password are secret outputs, pgpKey refused", () => {
        expect(check(iamAccessKey as ResourceDef<unknown>, { user: "u" }).inputs.status).toBe("Active");
        expect(iamAccessKey.secretOutputs).toEqual(["secret", "sesSmtpPasswordV4"]);
        expect(check(iamAccessKey as ResourceDef<unknown>, { user: "u", pgpKey: "keybase:x" }).failures).toHaveLength(
            1,
        );
        expect(
            diffInputs(iamAccessKey, { user: "u", status: "Active" }, { user: "v", status: "Active" }).replaces,
        ).toEqual(["user"]);
    });
    test("the SES SMTP password matches upstream's published vectors", () => {
        expect(sesSmtpPasswordV4("some+secret+key", "eu-central-1")).toBe(
            "BMXhUYlu5Z3gSXVQORxlVa7XPaz91aGWdfHxvkOZdWZ2",
        );
        expect(sesSmtpPasswordV4("another+secret+key", "eu-central-1")).toBe(
            "BBbphbrQmrKMx42d1N6+C7VINYEBGI5v9VsZeTxwskfh",
        );
        expect(sesSmtpPasswordV4("some+secret+key", "us-west-1")).toBe("BH+jbMzper5WwlwUar9E1ySBqHa9whi0GPo+sJ0mVYJj");
        expect(sesSmtpPasswordV4("another+secret+key", "us-west-1")).toBe(
            "BKVmjjMDFk/qqw8EROW99bjCS65PF8WKvK5bSr4Y6EqF",
        );
    });
});
