/**
 * S3 buckets: never public (ACLs, bucket policies, all four public-access blocks), encrypted,
 * TLS-only, versioned when they hold backups, and not force-destroyable in production.
 *
 * With @pulumi/aws v7 a bucket's settings are separate resources (BucketPublicAccessBlock,
 * BucketServerSideEncryptionConfiguration, BucketPolicy, BucketVersioning) attached by their `bucket`
 * input, so the checks that a bucket HAS them are stack policies: they link each setting to its
 * bucket through the engine's property dependencies (or equal bucket names), which works in a
 * preview even before the bucket's name is known.
 */
import { ENVIRONMENT_CONFIG_SCHEMA, production } from "./environment";
import {
    asList,
    attachedTo,
    isObject,
    isTrue,
    label,
    peek,
    Policy,
    PolicyResource,
    policyDocument,
    Props,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
    statements,
} from "./lib";
import { AWS } from "../upstream/tokens";

// Each with its deprecated V2 twin, which older programs still register.
export const S3_BUCKETS = [AWS.s3.Bucket, "aws:s3/bucketV2:BucketV2"];
export const S3_PUBLIC_ACCESS_BLOCK = AWS.s3.BucketPublicAccessBlock;
export const S3_ENCRYPTION = [
    AWS.s3.BucketServerSideEncryptionConfiguration,
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
];
export const S3_BUCKET_POLICY = AWS.s3.BucketPolicy;
export const S3_VERSIONING = [AWS.s3.BucketVersioning, "aws:s3/bucketVersioningV2:BucketVersioningV2"];
export const S3_ACLS = ["aws:s3/bucketAcl:BucketAcl", "aws:s3/bucketAclV2:BucketAclV2"];
export const S3_LOGGING = ["aws:s3/bucketLogging:BucketLogging", "aws:s3/bucketLoggingV2:BucketLoggingV2"];

export const PUBLIC_ACCESS_FLAGS = [
    "blockPublicAcls",
    "blockPublicPolicy",
    "ignorePublicAcls",
    "restrictPublicBuckets",
];
const PUBLIC_CANNED_ACLS = ["public-read", "public-read-write", "authenticated-read"];
const PUBLIC_GRANTEES = /AllUsers|AuthenticatedUsers/;
/** Condition keys that narrow a `Principal: "*"` statement to known callers. */
const PRINCIPAL_NARROWING_KEYS = [
    "aws:sourcevpce",
    "aws:sourcevpc",
    "aws:principalorgid",
    "aws:principalarn",
    "aws:principalaccount",
    "aws:sourceaccount",
    "aws:sourcearn",
];

const isBucket = (r: { type: string }) => S3_BUCKETS.includes(r.type);

/** `"*"`, `{AWS: "*"}` or a list holding `"*"`: anybody. */
export function isPublicPrincipal(principal: unknown): boolean {
    if (principal === "*") return true;
    if (isObject(principal)) return asList(principal.AWS).includes("*");
    return false;
}

function conditionKeys(statement: Props): string[] {
    const condition = statement.Condition;
    if (!isObject(condition)) return [];
    return Object.values(condition).flatMap((c) => (isObject(c) ? Object.keys(c).map((k) => k.toLowerCase()) : []));
}

/** An Allow statement that lets anybody in (no condition narrowing the principal). */
export function isPublicAllow(statement: Props): boolean {
    return (
        statement.Effect === "Allow" &&
        isPublicPrincipal(statement.Principal) &&
        !conditionKeys(statement).some((k) => PRINCIPAL_NARROWING_KEYS.includes(k))
    );
}

/** `Deny * s3:* when aws:SecureTransport is false`: the statement that makes a bucket TLS-only. */
export function isTlsOnlyDeny(statement: Props): boolean {
    const actions = asList(statement.Action);
    const condition = isObject(statement.Condition) ? statement.Condition : {};
    const bool = isObject(condition.Bool) ? condition.Bool : {};
    const secure = Object.entries(bool).find(([k]) => k.toLowerCase() === "aws:securetransport")?.[1];
    return (
        statement.Effect === "Deny" &&
        isPublicPrincipal(statement.Principal) &&
        (actions.includes("s3:*") || actions.includes("*")) &&
        asList(secure).some((v) => String(v) === "false")
    );
}

/** Attached resources of the given types, with the bucket itself when it carries the setting inline. */
function settingsOf(bucket: PolicyResource, types: string[], args: StackValidationArgs): PolicyResource[] {
    return args.resources.filter((r) => types.includes(r.type) && attachedTo(r, bucket, "bucket", ["bucket", "id"]));
}

/** Names, prefixes and tags that mark a bucket as holding backups. */
export function isBackupBucket(bucket: { name: string; props: Props }): boolean {
    const tags = peek(() => bucket.props.tags);
    const words = [
        bucket.name,
        peek(() => bucket.props.bucket),
        peek(() => bucket.props.bucketPrefix),
        ...(isObject(tags) ? Object.entries(tags).flat() : []),
    ];
    return words.some((w) => typeof w === "string" && /backup/i.test(w));
}

/**
 * Runs `check` for every bucket; values unknown during a preview are collected and raised at the
 * end, so the SDK reports "can't run during preview" (advisory) instead of a false violation, after
 * every definite violation has been reported.
 */
function eachBucket(
    args: StackValidationArgs,
    check: (bucket: PolicyResource, read: <T>(f: () => T) => T | undefined) => void,
): void {
    const unknowns: unknown[] = [];
    const read = <T>(f: () => T): T | undefined => {
        try {
            return f();
        } catch (e) {
            unknowns.push(e);
            return undefined;
        }
    };
    for (const bucket of args.resources.filter(isBucket)) check(bucket, read);
    if (unknowns.length > 0) throw unknowns[0];
}

export const s3PublicAccessBlock: StackValidationPolicy = {
    name: "s3-public-access-block",
    description: "Every S3 bucket has a BucketPublicAccessBlock with all four blocks on.",
    enforcementLevel: "mandatory",
    severity: "critical",
    validateStack: (args, report) =>
        eachBucket(args, (bucket, read) => {
            const blocks = settingsOf(bucket, [S3_PUBLIC_ACCESS_BLOCK], args);
            if (blocks.length === 0) {
                report(
                    `${label(bucket)} has no public access block: add an aws.s3.BucketPublicAccessBlock for it with ` +
                        `${PUBLIC_ACCESS_FLAGS.join(", ")} all true.`,
                    bucket.urn,
                );
                return;
            }
            for (const block of blocks) {
                const off = PUBLIC_ACCESS_FLAGS.filter((f) => !isTrue(read(() => block.props[f])));
                if (off.length > 0) {
                    report(
                        `${label(block)} (bucket ${bucket.name}) leaves ${off.join(", ")} off: set them true.`,
                        block.urn,
                    );
                }
            }
        }),
};

function hasAlgorithm(rule: unknown): boolean {
    return isObject(rule) && isObject(rule.applyServerSideEncryptionByDefault)
        ? Boolean(rule.applyServerSideEncryptionByDefault.sseAlgorithm)
        : false;
}

export const s3Encryption: StackValidationPolicy = {
    name: "s3-server-side-encryption",
    description: "Every S3 bucket has a server-side encryption configuration.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateStack: (args, report) =>
        eachBucket(args, (bucket, read) => {
            const inline = peek(() => bucket.props.serverSideEncryptionConfiguration);
            const inlineOk = isObject(inline) && hasAlgorithm(inline.rule);
            const attached = settingsOf(bucket, S3_ENCRYPTION, args).some((c) =>
                asList(read(() => c.props.rules)).some(hasAlgorithm),
            );
            if (!inlineOk && !attached) {
                report(
                    `${label(bucket)} has no server-side encryption configuration: add an ` +
                        'aws.s3.BucketServerSideEncryptionConfiguration with sseAlgorithm "aws:kms" (or "AES256").',
                    bucket.urn,
                );
            }
        }),
};

export const s3TlsOnly: StackValidationPolicy = {
    name: "s3-tls-only",
    description: "Every S3 bucket's policy denies requests without TLS (aws:SecureTransport false).",
    enforcementLevel: "mandatory",
    severity: "high",
    validateStack: (args, report) =>
        eachBucket(args, (bucket, read) => {
            const docs = [
                policyDocument(peek(() => bucket.props.policy)),
                ...settingsOf(bucket, [S3_BUCKET_POLICY], args).map((p) => policyDocument(read(() => p.props.policy))),
            ];
            if (!docs.some((d) => statements(d).some(isTlsOnlyDeny))) {
                report(
                    `${label(bucket)} accepts plain-HTTP requests: attach an aws.s3.BucketPolicy with a statement ` +
                        '{Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [bucket ARN, bucket ARN/*], ' +
                        'Condition: {Bool: {"aws:SecureTransport": "false"}}}.',
                    bucket.urn,
                );
            }
        }),
};

export const s3BackupVersioning: StackValidationPolicy = {
    name: "s3-backup-versioning",
    description: "Buckets holding backups (name, prefix or a tag says backup) have versioning enabled.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateStack: (args, report) =>
        eachBucket(args, (bucket, read) => {
            if (!isBackupBucket(bucket)) return;
            const inline = peek(() => bucket.props.versioning);
            const inlineOn = isObject(inline) && isTrue(inline.enabled);
            const attachedOn = settingsOf(bucket, S3_VERSIONING, args).some((v) => {
                const c = read(() => v.props.versioningConfiguration);
                return isObject(c) && c.status === "Enabled";
            });
            if (!inlineOn && !attachedOn) {
                report(
                    `${label(bucket)} holds backups but is not versioned: add an aws.s3.BucketVersioning with ` +
                        'versioningConfiguration.status "Enabled", so a deleted or overwritten backup can be recovered.',
                    bucket.urn,
                );
            }
        }),
};

export const s3AccessLogging: StackValidationPolicy = {
    name: "s3-access-logging",
    description: "S3 buckets log access to another bucket (aws.s3.BucketLogging).",
    enforcementLevel: "advisory",
    validateStack: (args, report) => {
        for (const bucket of args.resources.filter(isBucket)) {
            const inline = peek(() => bucket.props.logging);
            if (!isObject(inline) && settingsOf(bucket, S3_LOGGING, args).length === 0) {
                report(`${label(bucket)} has no access logging: add an aws.s3.BucketLogging for it.`, bucket.urn);
            }
        }
    },
};

export const s3NoPublicAcl: ResourceValidationPolicy = {
    name: "s3-no-public-acl",
    description: "No S3 bucket ACL grants access to everyone or to every AWS account.",
    enforcementLevel: "mandatory",
    severity: "critical",
    validateResource: (args, report) => {
        if (!isBucket(args) && !S3_ACLS.includes(args.type)) return;
        const acl = args.props.acl;
        const policy = args.props.accessControlPolicy;
        const grantees = [
            ...asList(args.props.grants).map((g) => (isObject(g) ? g.uri : undefined)),
            ...(isObject(policy) ? asList(policy.grants) : []).map((g) =>
                isObject(g) && isObject(g.grantee) ? g.grantee.uri : undefined,
            ),
        ];
        if (PUBLIC_CANNED_ACLS.includes(String(acl)) || grantees.some((u) => PUBLIC_GRANTEES.test(String(u)))) {
            report(
                `${label(args)} grants access to everyone: use the "private" ACL (better: no ACLs, ` +
                    "object ownership BucketOwnerEnforced) and grant access with IAM policies for named principals.",
            );
        }
    },
};

export const s3NoPublicPolicy: ResourceValidationPolicy = {
    name: "s3-no-public-bucket-policy",
    description: 'No S3 bucket policy allows Principal "*" without a condition naming the callers.',
    enforcementLevel: "mandatory",
    severity: "critical",
    validateResource: (args, report) => {
        if (args.type !== S3_BUCKET_POLICY && !isBucket(args)) return;
        if (args.props.policy === undefined) return;
        if (statements(policyDocument(args.props.policy)).some(isPublicAllow)) {
            report(
                `${label(args)} allows Principal "*": name the principals (role ARNs) instead, or narrow the ` +
                    "statement with aws:SourceVpce / aws:PrincipalOrgID.",
            );
        }
    },
};

export const s3NoForceDestroyInProduction: ResourceValidationPolicy = {
    name: "s3-no-force-destroy-in-production",
    description: "Production buckets never set forceDestroy (deleting the bucket would delete every object).",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: ENVIRONMENT_CONFIG_SCHEMA,
    validateResource: (args, report) => {
        if (!isBucket(args) || !production(args)) return;
        if (isTrue(args.props.forceDestroy)) {
            report(`${label(args)} sets forceDestroy in production: remove it (forceDestroy: false).`);
        }
    },
};

export const s3KmsEncryption: ResourceValidationPolicy = {
    name: "s3-kms-encryption",
    description: "S3 buckets encrypt with KMS (aws:kms) rather than S3-managed keys (AES256).",
    enforcementLevel: "advisory",
    validateResource: (args, report) => {
        if (!S3_ENCRYPTION.includes(args.type)) return;
        const algorithms = asList(args.props.rules).map((r) =>
            isObject(r) && isObject(r.applyServerSideEncryptionByDefault)
                ? r.applyServerSideEncryptionByDefault.sseAlgorithm
                : undefined,
        );
        if (algorithms.includes("AES256")) {
            report(
                `${label(args)} uses AES256 (S3-managed keys): use "aws:kms" with a customer-managed key to ` +
                    "control who can decrypt, and bucketKeyEnabled: true to keep KMS costs down.",
            );
        }
    },
};

export const s3Policies: Policy[] = [
    s3PublicAccessBlock,
    s3Encryption,
    s3TlsOnly,
    s3BackupVersioning,
    s3NoPublicAcl,
    s3NoPublicPolicy,
    s3NoForceDestroyInProduction,
    s3AccessLogging,
    s3KmsEncryption,
];
