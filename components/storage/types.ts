/** What every storage backend (S3, R2) hands the storage component: the same shape either way. */
import type * as pulumi from "@pulumi/pulumi";

export interface StorageCredential {
    accessKeyId: pulumi.Output<string>;
    /** Secret. */
    secretAccessKey: pulumi.Output<string>;
}

export interface StorageBackend {
    rawBucket: pulumi.Output<string>;
    backupBucket: pulumi.Output<string>;
    /** AWS region, or "auto" on R2. */
    region: string;
    /** https URL of the S3 API. */
    endpoint: string;
    /** Whether clients must use path-style URLs (https://endpoint/bucket/key). */
    forcePathStyle: boolean;
    /** Raw bucket only: read and write objects. */
    app: StorageCredential;
    /** Backup bucket only: read, write and delete objects. */
    backup: StorageCredential;
}

/** Data protection of buckets and keys: pgstack:dataProtection, the same type the database uses. */
export type { DataProtection as StorageProtection } from "../../config/schema";
