/**
 * One private S3 bucket with the stack's guarantees: default encryption (SSE-S3 or SSE-KMS), all four
 * public-access blocks, ACLs disabled (BucketOwnerEnforced), versioning, the given lifecycle rules, a
 * bucket policy refusing anything but TLS ≥ 1.2, and optionally Object Lock. Never force-destroyed.
 *
 * Every child that guards the data carries the same protection as the bucket: a retained bucket
 * keeps its public-access block, TLS-only policy, encryption, lifecycle, versioning and lock when the
 * stack lets go of it, instead of losing them (deleting BucketVersioning would suspend versioning).
 *
 * Object Lock is enabled in place by BucketObjectLockConfiguration on the versioned bucket, never
 * with the bucket's `objectLockEnabled`, which is ForceNew: turning `backups.lock` on for an existing
 * stack would replace a named, retained bucket. S3 accepts enabling Object Lock on an existing bucket
 * once versioning is on (since 2023, no support token). `objectLockEnabled` is optional and computed on
 * the bucket, so leaving it out shows no diff for a bucket created with it.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { tlsOnlyBucketPolicy } from "../../lib/storagePolicy";
import type { StorageProtection } from "./types";

export interface S3BucketArgs {
    bucketName: string;
    region: string;
    partition: string;
    /** SSE-KMS with this key; SSE-S3 (AES256) when absent. */
    kmsKeyArn?: pulumi.Input<string>;
    lifecycleRules: aws.types.input.s3.BucketLifecycleConfigurationRule[];
    /** Default Object Lock retention of every new object version. */
    objectLock?: { days: number; mode: "governance" | "compliance" };
    purpose: string;
    protection: StorageProtection;
}

export class S3Bucket extends pulumi.ComponentResource {
    public readonly name: pulumi.Output<string>;

    constructor(name: string, args: S3BucketArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pgstack:storage:S3Bucket", name, {}, opts);
        const region = args.region;
        const dataOpts = { parent: this, ...args.protection };

        const bucket = new aws.s3.Bucket(
            `${name}-bucket`,
            {
                bucket: args.bucketName,
                region,
                forceDestroy: false,
                tags: { "pgstack:purpose": args.purpose },
            },
            dataOpts,
        );
        const bucketName = bucket.bucket;

        const publicAccess = new aws.s3.BucketPublicAccessBlock(
            `${name}-public-access`,
            {
                bucket: bucketName,
                region,
                blockPublicAcls: true,
                blockPublicPolicy: true,
                ignorePublicAcls: true,
                restrictPublicBuckets: true,
            },
            dataOpts,
        );

        // The settings are written one after the other: S3-compatible servers (SeaweedFS) keep a bucket's
        // settings in one record and can lose one of two concurrent writes (measured: a lifecycle put
        // next to the Object Lock put vanished). On AWS this costs a few seconds on create only.
        const ownership = new aws.s3.BucketOwnershipControls(
            `${name}-ownership`,
            { bucket: bucketName, region, rule: { objectOwnership: "BucketOwnerEnforced" } },
            { ...dataOpts, dependsOn: [publicAccess] },
        );

        const sse = new aws.s3.BucketServerSideEncryptionConfiguration(
            `${name}-sse`,
            {
                bucket: bucketName,
                region,
                rules: [
                    args.kmsKeyArn
                        ? {
                              applyServerSideEncryptionByDefault: {
                                  sseAlgorithm: "aws:kms",
                                  kmsMasterKeyId: args.kmsKeyArn,
                              },
                              bucketKeyEnabled: true,
                          }
                        : { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
                ],
            },
            { ...dataOpts, dependsOn: [ownership] },
        );

        const versioning = new aws.s3.BucketVersioning(
            `${name}-versioning`,
            { bucket: bucketName, region, versioningConfiguration: { status: "Enabled" } },
            { ...dataOpts, dependsOn: [sse] },
        );

        // Object Lock and the lifecycle rules need versioning on.
        let last: pulumi.Resource = versioning;
        if (args.objectLock) {
            last = new aws.s3.BucketObjectLockConfiguration(
                `${name}-object-lock`,
                {
                    bucket: bucketName,
                    region,
                    objectLockEnabled: "Enabled",
                    rule: {
                        defaultRetention: { days: args.objectLock.days, mode: args.objectLock.mode.toUpperCase() },
                    },
                },
                { ...dataOpts, dependsOn: [versioning] },
            );
        }

        const lifecycle = new aws.s3.BucketLifecycleConfiguration(
            `${name}-lifecycle`,
            { bucket: bucketName, region, rules: args.lifecycleRules },
            { ...dataOpts, dependsOn: [last] },
        );

        new aws.s3.BucketPolicy(
            `${name}-tls-only`,
            {
                bucket: bucketName,
                region,
                policy: bucketName.apply((b) => JSON.stringify(tlsOnlyBucketPolicy(args.partition, b))),
            },
            // Also after the public-access block: a policy put while public access is being blocked can race with it.
            { ...dataOpts, dependsOn: [lifecycle, publicAccess] },
        );

        this.name = bucketName;
        this.registerOutputs({ name: this.name });
    }
}
