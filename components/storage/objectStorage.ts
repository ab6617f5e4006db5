/**
 * The stack's object storage, on S3 or R2 as configured, exported as the same environment either way:
 * the app's OBJECT_STORAGE_* / RAW_STORAGE_BUCKET and the backup tools' BACKUP_* / WALG_S3_PREFIX.
 * `backupTarget` feeds lib/backup.ts (pgBackRest config, WAL-G env) for a backup sidecar.
 */
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import type { StorageConfig } from "../../config/storage";
import { BackupTarget, walgS3Prefix } from "../../lib/backup";
import { R2Storage } from "./r2";
import { S3Storage } from "./s3";
import type { StorageBackend, StorageProtection } from "./types";

/** Output names, identical for S3 and R2. The two secret access keys are secret Outputs. */
export const STORAGE_ENV_NAMES = [
    "RAW_STORAGE_BUCKET",
    "OBJECT_STORAGE_REGION",
    "OBJECT_STORAGE_ENDPOINT",
    "OBJECT_STORAGE_ACCESS_KEY_ID",
    "OBJECT_STORAGE_SECRET_ACCESS_KEY",
    "WALG_S3_PREFIX",
    "BACKUP_S3_ENDPOINT",
    "BACKUP_S3_BUCKET",
    "BACKUP_S3_REGION",
    "BACKUP_S3_FORCE_PATH_STYLE",
    "BACKUP_AWS_ACCESS_KEY_ID",
    "BACKUP_AWS_SECRET_ACCESS_KEY",
] as const;
export type StorageEnv = Record<(typeof STORAGE_ENV_NAMES)[number], pulumi.Output<string>>;
export const SECRET_STORAGE_ENV: readonly string[] = [
    "OBJECT_STORAGE_SECRET_ACCESS_KEY",
    "BACKUP_AWS_SECRET_ACCESS_KEY",
];

export interface ObjectStorageArgs {
    config: StorageConfig;
    protection: StorageProtection;
}

export class ObjectStorage extends pulumi.ComponentResource {
    public readonly env: StorageEnv;
    /** Secret: everything a backup sidecar needs, for renderPgBackRestConfig / renderWalgEnv. */
    public readonly backupTarget: pulumi.Output<BackupTarget>;
    /** PEM CA of an S3-compatible endpoint (storage.caCertPath, read on the deploy machine), if any. */
    public readonly caCertificate?: pulumi.Output<string>;

    constructor(name: string, args: ObjectStorageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pgstack:storage:ObjectStorage", name, {}, opts);
        const c = args.config;
        const childArgs = { config: c, protection: args.protection };
        const b: StorageBackend =
            c.provider === "s3"
                ? new S3Storage(`${name}-s3`, childArgs, { parent: this }).backend
                : new R2Storage(`${name}-r2`, childArgs, { parent: this }).backend;

        this.env = {
            RAW_STORAGE_BUCKET: b.rawBucket,
            OBJECT_STORAGE_REGION: pulumi.output(b.region),
            OBJECT_STORAGE_ENDPOINT: pulumi.output(b.endpoint),
            OBJECT_STORAGE_ACCESS_KEY_ID: b.app.accessKeyId,
            OBJECT_STORAGE_SECRET_ACCESS_KEY: pulumi.secret(b.app.secretAccessKey),
            WALG_S3_PREFIX: b.backupBucket.apply((bucket) => walgS3Prefix(bucket, c.backups.walgPrefix)),
            BACKUP_S3_ENDPOINT: pulumi.output(b.endpoint),
            BACKUP_S3_BUCKET: b.backupBucket,
            BACKUP_S3_REGION: pulumi.output(b.region),
            BACKUP_S3_FORCE_PATH_STYLE: pulumi.output(String(b.forcePathStyle)),
            BACKUP_AWS_ACCESS_KEY_ID: b.backup.accessKeyId,
            BACKUP_AWS_SECRET_ACCESS_KEY: pulumi.secret(b.backup.secretAccessKey),
        };
        this.backupTarget = pulumi.secret(
            pulumi
                .all([b.backupBucket, b.backup.accessKeyId, b.backup.secretAccessKey])
                .apply(([bucket, accessKeyId, secretAccessKey]): BackupTarget => ({
                    endpoint: b.endpoint,
                    bucket,
                    region: b.region,
                    forcePathStyle: b.forcePathStyle,
                    accessKeyId,
                    secretAccessKey,
                    walgPrefix: c.backups.walgPrefix,
                    pgbackrestPath: c.backups.pgbackrestPath,
                    retentionDays: c.backups.retentionDays,
                })),
        );
        const caPath = c.endpoint?.caCertPath;
        this.caCertificate =
            caPath && fs.existsSync(caPath) ? pulumi.output(fs.readFileSync(caPath, "utf8")) : undefined;
        this.registerOutputs({ ...this.env, caCertificate: this.caCertificate });
    }
}
