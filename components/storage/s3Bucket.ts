/**
 * One private S3 bucket with the stack's guarantees: default encryption (SSE-S3 or SSE-KMS), all four
 * public-access blocks, ACLs disabled (BucketOwnerEnforced), versioning, the given lifecycle rules, a
 * bucket policy refusing anything but TLS ≥ 1.2, and optionally Object Lock. Never force-destroyed.
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
                objectLockEnabled: args.objectLock ? true : undefined,
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
            { parent: this },
        );

        new aws.s3.BucketOwnershipControls(
            `${name}-ownership`,
            { bucket: bucketName, region, rule: { objectOwnership: "BucketOwnerEnforced" } },
            { parent: this },
        );

        new aws.s3.BucketServerSideEncryptionConfiguration(
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
            { parent: this },
        );

        const versioning = new aws.s3.BucketVersioning(
            `${name}-versioning`,
            { bucket: bucketName, region, versioningConfiguration: { status: "Enabled" } },
            { parent: this },
        );

        new aws.s3.BucketLifecycleConfiguration(
            `${name}-lifecycle`,
            { bucket: bucketName, region, rules: args.lifecycleRules },
            { parent: this, dependsOn: [versioning] },
        );

        new aws.s3.BucketPolicy(
            `${name}-tls-only`,
            {
                bucket: bucketName,
                region,
                policy: bucketName.apply((b) => JSON.stringify(tlsOnlyBucketPolicy(args.partition, b))),
            },
            // A policy put while public access is being blocked can race with it.
            { parent: this, dependsOn: [publicAccess] },
        );

        if (args.objectLock) {
            new aws.s3.BucketObjectLockConfiguration(
                `${name}-object-lock`,
                {
                    bucket: bucketName,
                    region,
                    rule: {
                        defaultRetention: { days: args.objectLock.days, mode: args.objectLock.mode.toUpperCase() },
                    },
                },
                { ...dataOpts, dependsOn: [versioning] },
            );
        }

        this.name = bucketName;
        this.registerOutputs({ name: this.name });
    }
}
