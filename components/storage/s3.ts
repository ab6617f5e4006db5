/**
 * Object storage on AWS S3: the raw-artifact and backup buckets (optionally with a KMS key of their
 * own), and one least-privilege IAM credential for each: the app's for the raw bucket, the backup
 * tools' for the backup bucket.
 *
 * Every resource goes through one explicit AWS provider: on AWS it carries only the region; with
 * `storage.endpoint` (an S3-compatible server: MinIO, Ceph, SeaweedFS, B2) it points the S3, IAM and
 * STS APIs there, uses path-style URLs, trusts the given CA, and skips what only AWS answers (STS
 * credential validation, the account-id lookup, the EC2 metadata API, the region-name check).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { StorageConfig } from "../../config/storage";
import {
    APP_OBJECT_ACTIONS,
    awsPartition,
    BACKUP_OBJECT_ACTIONS,
    bucketAccessPolicy,
    s3Endpoint,
} from "../../lib/storagePolicy";
import { S3Bucket } from "./s3Bucket";
import { S3Credential } from "./s3Credential";
import type { StorageBackend, StorageProtection } from "./types";

type LifecycleRule = aws.types.input.s3.BucketLifecycleConfigurationRule;

export interface S3StorageArgs {
    config: StorageConfig;
    protection: StorageProtection;
}

/** Lifecycle rules of a bucket: every rule applies to the whole bucket. */
export function s3LifecycleRules(c: StorageConfig, bucket: "raw" | "backups"): LifecycleRule[] {
    const lc = c.lifecycle;
    const rules: LifecycleRule[] = [
        {
            id: "abort-incomplete-multipart-uploads",
            status: "Enabled",
            filter: {},
            abortIncompleteMultipartUpload: { daysAfterInitiation: lc.abortIncompleteMultipartDays },
        },
        {
            id: "expire-noncurrent-versions",
            status: "Enabled",
            filter: {},
            noncurrentVersionExpiration: { noncurrentDays: lc.noncurrentVersionExpirationDays as number },
            expiration: { expiredObjectDeleteMarker: true },
        },
    ];
    // Backups are expired by their tool (pgBackRest/WAL-G retention), never by age: an age rule would
    // delete the newest full backup as soon as backups stop.
    if (bucket === "raw" && lc.rawTransition) {
        rules.push({
            id: "transition-raw-artifacts",
            status: "Enabled",
            filter: {},
            transitions: [{ days: lc.rawTransition.days, storageClass: lc.rawTransition.storageClass }],
        });
    }
    return rules;
}

/** The provider settings of the stack's S3 resources (pure, so unit-tested without the engine). */
export function s3ProviderArgs(c: StorageConfig): aws.ProviderArgs {
    const args: aws.ProviderArgs = {
        region: c.region,
        sharedCredentialsFiles: c.sharedCredentialsFile ? [c.sharedCredentialsFile] : undefined,
    };
    const ep = c.endpoint;
    if (!ep) return args;
    return {
        ...args,
        endpoints: [{ s3: ep.url, iam: ep.url, sts: ep.url }],
        s3UsePathStyle: ep.forcePathStyle,
        customCaBundle: ep.caCertPath,
        skipCredentialsValidation: true,
        skipRequestingAccountId: true,
        skipMetadataApiCheck: true,
        skipRegionValidation: true,
    };
}

export class S3Storage extends pulumi.ComponentResource {
    public readonly backend: StorageBackend;

    constructor(name: string, args: S3StorageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pgstack:storage:S3Storage", name, {}, opts);
        const c = args.config;
        const region = c.region;
        const partition = awsPartition(region);
        const provider = new aws.Provider(`${name}-aws`, s3ProviderArgs(c), { parent: this });
        // Components hand the provider down to every AWS resource inside them.
        const child = { parent: this, providers: [provider] };

        let kmsKeyArn: pulumi.Output<string> | undefined;
        if (c.encryption.type === "kms") {
            kmsKeyArn = c.encryption.keyArn
                ? pulumi.output(c.encryption.keyArn)
                : new aws.kms.Key(
                      `${name}-key`,
                      {
                          region,
                          description: `pgstack object storage (${c.buckets.raw}, ${c.buckets.backups})`,
                          enableKeyRotation: true,
                          deletionWindowInDays: 30,
                      },
                      // Deleting the key makes every object encrypted with it unreadable.
                      { parent: this, provider, ...args.protection },
                  ).arn;
        }

        const bucket = (kind: "raw" | "backups", purpose: string) =>
            new S3Bucket(
                `${name}-${kind}`,
                {
                    bucketName: c.buckets[kind],
                    region,
                    partition,
                    kmsKeyArn,
                    lifecycleRules: s3LifecycleRules(c, kind),
                    objectLock: kind === "backups" ? c.backups.lock : undefined,
                    purpose,
                    protection: args.protection,
                },
                child,
            );
        const raw = bucket("raw", "raw-artifacts");
        const backups = bucket("backups", "backups");

        const credential = (
            kind: string,
            bucketName: pulumi.Output<string>,
            prefix: string,
            actions: readonly string[],
        ) =>
            new S3Credential(
                `${name}-${kind}`,
                {
                    purpose: kind,
                    pathAndTags: c.endpoint === undefined,
                    policy: pulumi.all([bucketName, kmsKeyArn]).apply(([b, k]) =>
                        bucketAccessPolicy({
                            partition,
                            bucket: b,
                            prefix,
                            objectActions: actions,
                            kmsKeyArn: k,
                            expiresOn: c.credentialsExpireOn,
                        }),
                    ),
                },
                child,
            );
        const app = credential("app", raw.name, c.rawPrefix, APP_OBJECT_ACTIONS);
        const backup = credential("backup", backups.name, "", BACKUP_OBJECT_ACTIONS);

        this.backend = {
            rawBucket: raw.name,
            backupBucket: backups.name,
            region,
            endpoint: c.endpoint?.url ?? s3Endpoint(region),
            forcePathStyle: c.endpoint?.forcePathStyle ?? false,
            app,
            backup,
        };
        this.registerOutputs({ rawBucket: raw.name, backupBucket: backups.name });
    }
}
