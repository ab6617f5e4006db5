/**
 * IAM and bucket policy documents for the S3 buckets, and the S3 endpoint facts: pure functions, so
 * exactly what each credential may do is decided (and unit-tested) in one place.
 */

export interface PolicyStatement {
    Sid: string;
    Effect: "Allow" | "Deny";
    Principal?: string;
    Action: string[];
    Resource: string[];
    Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
    Version: "2012-10-17";
    Statement: PolicyStatement[];
}

/** The AWS partition a region belongs to. */
export function awsPartition(region: string): "aws" | "aws-cn" | "aws-us-gov" {
    if (region.startsWith("cn-")) return "aws-cn";
    if (region.startsWith("us-gov-")) return "aws-us-gov";
    return "aws";
}

/** The regional S3 endpoint (path-style and virtual-hosted both work on it). */
export function s3Endpoint(region: string): string {
    return `https://s3.${region}.amazonaws.com${region.startsWith("cn-") ? ".cn" : ""}`;
}

export function bucketArn(partition: string, bucket: string): string {
    return `arn:${partition}:s3:::${bucket}`;
}

/** Objects under a key prefix ("" = the whole bucket). */
function objectsArn(partition: string, bucket: string, prefix: string): string {
    return `${bucketArn(partition, bucket)}/${prefix === "" ? "" : `${prefix}/`}*`;
}

/** Bucket policy: every request over plain HTTP, or TLS older than 1.2, is denied, whoever makes it. */
export function tlsOnlyBucketPolicy(partition: string, bucket: string): PolicyDocument {
    const resources = [bucketArn(partition, bucket), objectsArn(partition, bucket, "")];
    return {
        Version: "2012-10-17",
        Statement: [
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
        ],
    };
}

/** Object actions of the application's credential on the raw bucket: write and read back, never delete. */
export const APP_OBJECT_ACTIONS: readonly string[] = ["s3:GetObject", "s3:PutObject"];
/**
 * Object actions of the backup credential. s3:DeleteObject is needed: pgBackRest `expire` (run after
 * every backup) and `wal-g delete` remove backups and WAL past the retention window. On the versioned
 * bucket a delete only adds a delete marker; s3:DeleteObjectVersion is NOT granted, so a leaked backup
 * credential cannot destroy data before noncurrentVersionExpirationDays (or an Object Lock) runs out.
 */
export const BACKUP_OBJECT_ACTIONS: readonly string[] = ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"];
/** With SSE-KMS, writing needs a data key and reading needs decryption; nothing else on the key. */
export const KMS_ACTIONS: readonly string[] = ["kms:Decrypt", "kms:GenerateDataKey"];

export interface AccessPolicyArgs {
    partition: string;
    bucket: string;
    /** Key prefix the credential is limited to ("" = the whole bucket). */
    prefix: string;
    objectActions: readonly string[];
    /** SSE-KMS key of the bucket, if any. */
    kmsKeyArn?: string;
    /** ISO 8601 time after which the credential is refused (aws:CurrentTime). */
    expiresOn?: string;
}

/** The one inline policy of a storage IAM user: its bucket (and prefix), nothing else. */
export function bucketAccessPolicy(a: AccessPolicyArgs): PolicyDocument {
    const expiry = a.expiresOn ? { DateLessThan: { "aws:CurrentTime": a.expiresOn } } : undefined;
    const withConditions = (s: PolicyStatement, extra?: PolicyStatement["Condition"]): PolicyStatement => {
        const condition = { ...(extra ?? {}), ...(expiry ?? {}) };
        return Object.keys(condition).length > 0 ? { ...s, Condition: condition } : s;
    };
    const statements: PolicyStatement[] = [
        withConditions(
            {
                Sid: "ListBucket",
                Effect: "Allow",
                Action: ["s3:ListBucket"],
                Resource: [bucketArn(a.partition, a.bucket)],
            },
            a.prefix === "" ? undefined : { StringLike: { "s3:prefix": [`${a.prefix}/*`] } },
        ),
        withConditions({
            Sid: "Objects",
            Effect: "Allow",
            Action: [...a.objectActions],
            Resource: [objectsArn(a.partition, a.bucket, a.prefix)],
        }),
    ];
    if (a.kmsKeyArn) {
        statements.push(
            withConditions({ Sid: "BucketKey", Effect: "Allow", Action: [...KMS_ACTIONS], Resource: [a.kmsKeyArn] }),
        );
    }
    return { Version: "2012-10-17", Statement: statements };
}
