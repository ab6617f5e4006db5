/**
 * Object storage on Cloudflare R2: the raw-artifact and backup buckets, and one bucket-scoped,
 * expiring API token for each (the app's for the raw bucket, the backup tools' for the backup bucket).
 */
import * as pulumi from "@pulumi/pulumi";
import type { StorageConfig } from "../../config/storage";
import { R2Bucket } from "./r2Bucket";
import { R2Token } from "./r2Token";
import type { StorageBackend, StorageProtection } from "./types";

export interface R2StorageArgs {
    config: StorageConfig;
    protection: StorageProtection;
}

/** The S3 API endpoint of an account's R2 buckets in a jurisdiction. */
export function r2Endpoint(accountId: string, jurisdiction: string): string {
    const sub = jurisdiction === "default" ? "" : `.${jurisdiction}`;
    return `https://${accountId}${sub}.r2.cloudflarestorage.com`;
}

export class R2Storage extends pulumi.ComponentResource {
    public readonly backend: StorageBackend;

    constructor(name: string, args: R2StorageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pgstack:storage:R2Storage", name, {}, opts);
        const c = args.config;
        const r2 = c.r2;
        const expiresOn = c.credentialsExpireOn;
        if (!r2 || !expiresOn) throw new Error("R2Storage needs storage.r2 and storage.credentialsExpireOn");
        const { accountId, jurisdiction } = r2;

        const common = {
            accountId,
            jurisdiction,
            location: r2.location,
            abortIncompleteMultipartDays: c.lifecycle.abortIncompleteMultipartDays,
            protection: args.protection,
        };
        const raw = new R2Bucket(
            `${name}-raw`,
            { ...common, bucketName: c.buckets.raw, transition: c.lifecycle.rawTransition },
            { parent: this },
        );
        const backups = new R2Bucket(
            `${name}-backups`,
            { ...common, bucketName: c.buckets.backups, lock: c.backups.lock },
            { parent: this },
        );

        const token = (kind: string, bucket: pulumi.Output<string>) =>
            new R2Token(
                `${name}-${kind}`,
                {
                    accountId,
                    jurisdiction,
                    buckets: [bucket],
                    permissionGroups: r2.permissionGroups,
                    expiresOn,
                    purpose: kind,
                },
                { parent: this },
            );

        this.backend = {
            rawBucket: raw.name,
            backupBucket: backups.name,
            region: "auto",
            endpoint: r2Endpoint(accountId, jurisdiction),
            forcePathStyle: true,
            app: token("app", raw.name),
            backup: token("backup", backups.name),
        };
        this.registerOutputs({ rawBucket: raw.name, backupBucket: backups.name });
    }
}
