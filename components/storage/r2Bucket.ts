/**
 * One private Cloudflare R2 bucket: lifecycle rules (abort unfinished multipart uploads, optional move
 * to Infrequent Access), the public r2.dev URL explicitly off, and optionally a bucket lock rule that
 * makes objects under some prefixes immutable for a number of days. R2 always encrypts at rest.
 */
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import type { StorageProtection } from "./types";

const DAY_SECONDS = 86400;

export interface R2BucketArgs {
    accountId: string;
    bucketName: string;
    jurisdiction: string;
    location?: string;
    abortIncompleteMultipartDays: number;
    /** Move objects to this storage class after so many days. */
    transition?: { days: number; storageClass: string };
    /** Lock rule: objects under these prefixes cannot be deleted or overwritten for `days`. */
    lock?: { days: number; prefixes: string[] };
    protection: StorageProtection;
}

export class R2Bucket extends pulumi.ComponentResource {
    public readonly name: pulumi.Output<string>;

    constructor(name: string, args: R2BucketArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pgstack:storage:R2Bucket", name, {}, opts);
        const { accountId, jurisdiction } = args;

        const bucket = new cloudflare.R2Bucket(
            `${name}-bucket`,
            {
                accountId,
                name: args.bucketName,
                jurisdiction,
                location: args.location,
                storageClass: "Standard",
            },
            { parent: this, ...args.protection },
        );
        const bucketName = bucket.name;

        // New buckets have it off; managing it keeps anyone from switching it on unnoticed.
        new cloudflare.R2ManagedDomain(
            `${name}-no-public-url`,
            { accountId, bucketName, jurisdiction, enabled: false },
            { parent: this, ...args.protection },
        );

        const rules: cloudflare.types.input.R2BucketLifecycleRule[] = [
            {
                id: "abort-incomplete-multipart-uploads",
                enabled: true,
                conditions: { prefix: "" },
                abortMultipartUploadsTransition: {
                    condition: { type: "Age", maxAge: args.abortIncompleteMultipartDays * DAY_SECONDS },
                },
            },
        ];
        if (args.transition) {
            rules.push({
                id: "transition-raw-artifacts",
                enabled: true,
                conditions: { prefix: "" },
                storageClassTransitions: [
                    {
                        condition: { type: "Age", maxAge: args.transition.days * DAY_SECONDS },
                        storageClass: args.transition.storageClass,
                    },
                ],
            });
        }
        new cloudflare.R2BucketLifecycle(
            `${name}-lifecycle`,
            { accountId, bucketName, jurisdiction, rules },
            { parent: this, ...args.protection },
        );

        if (args.lock) {
            const lock = args.lock;
            new cloudflare.R2BucketLock(
                `${name}-lock`,
                {
                    accountId,
                    bucketName,
                    jurisdiction,
                    rules: lock.prefixes.map((prefix, i) => ({
                        id: `backup-lock-${i}`,
                        enabled: true,
                        prefix: `${prefix}/`,
                        condition: { type: "Age", maxAgeSeconds: lock.days * DAY_SECONDS },
                    })),
                },
                { parent: this, ...args.protection },
            );
        }

        this.name = bucketName;
        this.registerOutputs({ name: this.name });
    }
}
