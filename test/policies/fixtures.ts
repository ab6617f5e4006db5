/** Compliant resources, as the stack's components build them; each test breaks one thing. */
import type { PolicyResource } from "../../policies/lib";
import { dependsOnProperty, stackResource } from "./harness";

export const PRODUCTION = { environment: "production" };
export const STAGING = { environment: "staging" };

export const rdsInstanceProps = (): Record<string, unknown> => ({
    engine: "postgres",
    engineVersion: "16",
    storageEncrypted: true,
    kmsKeyId: "arn:aws:kms:eu-west-1:123456789012:key/abc",
    publiclyAccessible: false,
    deletionProtection: true,
    backupRetentionPeriod: 14,
    multiAz: true,
    performanceInsightsEnabled: true,
    skipFinalSnapshot: false,
    parameterGroupName: "pgstack-server-params-pg",
});

export const parameterGroupProps = (): Record<string, unknown> => ({
    family: "postgres16",
    name: "pgstack-server-params-pg",
    parameters: [
        { name: "password_encryption", value: "scram-sha-256", applyMethod: "immediate" },
        { name: "rds.force_ssl", value: "1", applyMethod: "immediate" },
    ],
});

export const TLS_ONLY_POLICY = JSON.stringify({
    Version: "2012-10-17",
    Statement: [
        {
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: ["arn:aws:s3:::pgstack-backups", "arn:aws:s3:::pgstack-backups/*"],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
    ],
});

export interface BucketSet {
    bucket: PolicyResource;
    block: PolicyResource;
    encryption: PolicyResource;
    policy: PolicyResource;
    versioning: PolicyResource;
    all: PolicyResource[];
}

/** A bucket with every setting the pack asks for, linked through property dependencies. */
export function bucketSet(name = "pgstack-backups", protect = true): BucketSet {
    const bucket = stackResource("aws:s3/bucket:Bucket", { bucket: name, forceDestroy: false }, { name, protect });
    const child = (type: string, suffix: string, props: Record<string, unknown>) =>
        dependsOnProperty(
            stackResource(type, { bucket: `${name}-id`, ...props }, { name: `${name}-${suffix}` }),
            "bucket",
            bucket,
        );
    const block = child("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "pab", {
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
    });
    const encryption = child(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "sse",
        { rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" }, bucketKeyEnabled: true }] },
    );
    const policy = child("aws:s3/bucketPolicy:BucketPolicy", "policy", { policy: TLS_ONLY_POLICY });
    const versioning = child("aws:s3/bucketVersioning:BucketVersioning", "versioning", {
        versioningConfiguration: { status: "Enabled" },
    });
    return { bucket, block, encryption, policy, versioning, all: [bucket, block, encryption, policy, versioning] };
}
