/**
 * Object storage and backups: the `pgstack:storage` key. Two buckets per stack, `<bucketPrefix>-raw`
 * (raw pipeline artifacts) and `<bucketPrefix>-backups` (WAL-G / pgBackRest), on AWS S3 or Cloudflare
 * R2. Absent key: no buckets. Pure: parsed here, resolved into `StorageConfig` with the provider's
 * defaults, and every error names its `pgstack:storage.…` key.
 */
import { z } from "zod";
import { CLOUDFLARE_ID } from "./patterns";

export const STORAGE_PROVIDERS = ["s3", "r2"] as const;
export type StorageProvider = (typeof STORAGE_PROVIDERS)[number];

/** Storage classes a raw-artifact lifecycle rule may move objects to, per provider. */
export const S3_TRANSITION_CLASSES = [
    "STANDARD_IA",
    "ONEZONE_IA",
    "INTELLIGENT_TIERING",
    "GLACIER_IR",
    "GLACIER",
    "DEEP_ARCHIVE",
] as const;
export const R2_TRANSITION_CLASSES = ["InfrequentAccess"] as const;
/** S3 refuses transitions to these classes before an object is 30 days old. */
const S3_MIN_30_DAYS: readonly string[] = ["STANDARD_IA", "ONEZONE_IA"];

export const R2_JURISDICTIONS = ["default", "eu", "fedramp"] as const;
export const R2_LOCATIONS = ["wnam", "enam", "weur", "eeur", "apac", "oc"] as const;

/**
 * Cloudflare permission groups "Workers R2 Storage Bucket Item Read" / "… Write" (object read, write,
 * list and delete, scopable to single buckets). Overridable in case Cloudflare renumbers them.
 */
export const R2_PERMISSION_GROUPS = {
    read: "6a018a9f2fc74eb6b293b0c548f38b39",
    write: "2efd5506f9c8494dacb1fa10a3e7d5b6",
} as const;

export const STORAGE_DEFAULTS = {
    noncurrentVersionExpirationDays: 30,
    rawTransitionDays: 30,
    abortIncompleteMultipartDays: 7,
    backupRetentionDays: 14,
    walgPrefix: "walg",
    pgbackrestPath: "pgbackrest",
} as const;

/** Bucket names are `<prefix>-raw` and `<prefix>-backups`: S3's naming rules, minus dots. */
const BUCKET_PREFIX_PATTERN = /^[a-z0-9][a-z0-9-]{1,53}[a-z0-9]$/;
const AWS_REGION_PATTERN = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;
const KMS_KEY_ARN_PATTERN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]{36}$/;
/** An object-key prefix without leading or trailing slash. */
const KEY_PREFIX_PATTERN = /^[a-z0-9][a-z0-9_.-]*(\/[a-z0-9][a-z0-9_.-]*)*$/;

const days = (max: number) => z.number().int().min(1).max(max);
const keyPrefix = (what: string) =>
    z
        .string()
        .max(100)
        .regex(
            KEY_PREFIX_PATTERN,
            `${what} is an object-key prefix of lower-case letters, digits, . _ - separated by single /, without a leading or trailing /`,
        );

const lifecycle = z
    .object({
        /** Days a replaced or deleted object version is kept (S3 versioning; R2 has none). */
        noncurrentVersionExpirationDays: days(3650).optional(),
        /** Days before raw artifacts move to the cheaper class; null: never. */
        rawTransitionDays: days(3650).nullable().default(STORAGE_DEFAULTS.rawTransitionDays),
        /** STANDARD_IA (S3) / InfrequentAccess (R2) unless given. */
        rawTransitionStorageClass: z.string().min(1).optional(),
        /** Days before an unfinished multipart upload is aborted and its parts deleted. */
        abortIncompleteMultipartDays: days(365).default(STORAGE_DEFAULTS.abortIncompleteMultipartDays),
    })
    .strict();

const backupLock = z
    .object({
        /** Days each backup object is immutable after it is written. */
        days: days(3650),
        /** S3 Object Lock mode; governance can be lifted by a privileged IAM principal, compliance by nobody. */
        mode: z.enum(["governance", "compliance"]).default("governance"),
        /**
         * R2 only: key prefixes the lock rule covers (default: <pgbackrestPath>/archive and the WAL-G prefix,
         * which are written once). Never a prefix whose objects are rewritten (pgBackRest's backup.info).
         */
        prefixes: z.array(keyPrefix("a lock prefix")).min(1).optional(),
    })
    .strict();

const backups = z
    .object({
        /**
         * Point-in-time-recovery window in days: pgBackRest time-based retention (repo1-retention-full)
         * and the WAL-G `delete` horizon. Enforced by the backup tool, not a bucket expiry rule (an
         * expiry by age would delete the newest full backup once backups stop).
         */
        retentionDays: days(3650).default(STORAGE_DEFAULTS.backupRetentionDays),
        /** Make backup objects immutable for some days (S3 Object Lock / R2 bucket lock). */
        lock: backupLock.optional(),
        /** Key prefix of WAL-G's backups and WAL (WALG_S3_PREFIX = s3://<bucket>/<walgPrefix>). */
        walgPrefix: keyPrefix("walgPrefix").default(STORAGE_DEFAULTS.walgPrefix),
        /** pgBackRest repo1-path inside the bucket. */
        pgbackrestPath: keyPrefix("pgbackrestPath").default(STORAGE_DEFAULTS.pgbackrestPath),
    })
    .strict();

const r2 = z
    .object({
        accountId: z.string().regex(CLOUDFLARE_ID, "a Cloudflare account id is 32 lower-case hex digits"),
        /** Data-residency jurisdiction of the buckets; it also picks the S3 endpoint. */
        jurisdiction: z.enum(R2_JURISDICTIONS).default("default"),
        /** Location hint for new buckets. */
        location: z.enum(R2_LOCATIONS).optional(),
        permissionGroups: z
            .object({
                read: z.string().regex(CLOUDFLARE_ID, "a permission group id is 32 hex digits"),
                write: z.string().regex(CLOUDFLARE_ID, "a permission group id is 32 hex digits"),
            })
            .strict()
            .default({ ...R2_PERMISSION_GROUPS }),
    })
    .strict();

export const storageSchema = z
    .object({
        provider: z.enum(STORAGE_PROVIDERS),
        /** Buckets are <bucketPrefix>-raw and <bucketPrefix>-backups (globally unique on S3). */
        bucketPrefix: z
            .string()
            .regex(
                BUCKET_PREFIX_PATTERN,
                "3-55 lower-case letters, digits or -, starting and ending with a letter or digit",
            )
            .refine((p) => !/^(xn--|sthree-|amzn-s3-demo-)/.test(p), {
                message: "may not start with xn--, sthree- or amzn-s3-demo-",
            }),
        /**
         * S3 only: the base URL of an S3-compatible server (MinIO, Ceph, SeaweedFS, Backblaze B2) instead
         * of AWS. Its S3 and IAM APIs are both reached there. https only, unless allowInsecureEndpoint.
         */
        endpoint: z.url({ message: "a URL such as https://s3.example.com:9000" }).optional(),
        /** Loosening: accept an http:// endpoint (keys and data then cross the network in clear). */
        allowInsecureEndpoint: z.boolean().default(false),
        /** Path-style URLs (https://endpoint/bucket/key); default: on with an endpoint, off on AWS. */
        forcePathStyle: z.boolean().optional(),
        /** PEM CA bundle (on the deploy machine) the endpoint's certificate is verified against. */
        caCertPath: z.string().min(1).optional(),
        /**
         * AWS shared-credentials file (on the deploy machine) holding the key Pulumi manages the buckets
         * and users with, e.g. the local server's admin key. Absent: the AWS SDK's usual sources.
         */
        sharedCredentialsFile: z.string().min(1).optional(),
        /** AWS region of the buckets (required for s3); R2 is always "auto". */
        region: z.string().min(1).optional(),
        /** Server-side encryption: aes256 (SSE-S3) or kms (SSE-KMS, S3 only). */
        encryption: z.enum(["aes256", "kms"]).default("aes256"),
        /** Existing KMS key for encryption kms; a key with yearly rotation is created when absent. */
        kmsKeyArn: z
            .string()
            .regex(KMS_KEY_ARN_PATTERN, "a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)")
            .optional(),
        /** S3 only: the app credential may touch only keys under this prefix of the raw bucket. */
        rawPrefix: keyPrefix("rawPrefix").optional(),
        lifecycle: lifecycle.default({
            rawTransitionDays: STORAGE_DEFAULTS.rawTransitionDays,
            abortIncompleteMultipartDays: STORAGE_DEFAULTS.abortIncompleteMultipartDays,
        }),
        backups: backups.default({
            retentionDays: STORAGE_DEFAULTS.backupRetentionDays,
            walgPrefix: STORAGE_DEFAULTS.walgPrefix,
            pgbackrestPath: STORAGE_DEFAULTS.pgbackrestPath,
        }),
        /** R2 settings (required for provider r2). */
        r2: r2.optional(),
        /**
         * When the stack's storage credentials stop working (ISO 8601, e.g. 2027-01-01T00:00:00Z).
         * Required for r2 (the API token's expiry); on s3 an aws:CurrentTime condition in the IAM policy.
         * Renew it before then: expired backup credentials stop WAL archiving.
         */
        credentialsExpireOn: z.iso
            .datetime({ offset: true, message: "an ISO 8601 date-time such as 2027-01-01T00:00:00Z" })
            .optional(),
    })
    .strict()
    .superRefine((s, ctx) => {
        const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: "custom", path, message });
        const lc = s.lifecycle;
        if (s.provider === "s3") {
            if (s.region === undefined) issue(["region"], "is required for provider s3 (e.g. eu-west-1)");
            else if (!AWS_REGION_PATTERN.test(s.region)) issue(["region"], `"${s.region}" is not an AWS region`);
            if (s.r2 !== undefined) issue(["r2"], "is only for provider r2");
            const u = s.endpoint === undefined ? undefined : URL.parse(s.endpoint);
            if (u) {
                if (u.protocol === "http:" && !s.allowInsecureEndpoint) {
                    issue(
                        ["endpoint"],
                        "must be https:// (plain http sends keys and data in clear); allowInsecureEndpoint: true accepts it",
                    );
                } else if (u.protocol !== "https:" && u.protocol !== "http:") {
                    issue(["endpoint"], `must be an https:// URL, got ${u.protocol}`);
                }
                if (u.pathname !== "/" || u.search !== "" || u.username !== "") {
                    issue(["endpoint"], "must be a base URL without path, query or user info");
                }
            } else if (s.endpoint === undefined) {
                for (const k of ["allowInsecureEndpoint", "forcePathStyle", "caCertPath"] as const) {
                    if (k === "allowInsecureEndpoint" ? s[k] : s[k] !== undefined) issue([k], "needs endpoint");
                }
            }
            if (s.kmsKeyArn !== undefined && s.encryption !== "kms") issue(["kmsKeyArn"], "needs encryption kms");
            const cls = lc.rawTransitionStorageClass;
            if (cls !== undefined && !(S3_TRANSITION_CLASSES as readonly string[]).includes(cls)) {
                issue(
                    ["lifecycle", "rawTransitionStorageClass"],
                    `S3 storage classes: ${S3_TRANSITION_CLASSES.join(", ")}`,
                );
            }
            if (
                lc.rawTransitionDays !== null &&
                lc.rawTransitionDays < 30 &&
                S3_MIN_30_DAYS.includes(cls ?? "STANDARD_IA")
            ) {
                issue(
                    ["lifecycle", "rawTransitionDays"],
                    `S3 moves objects to ${cls ?? "STANDARD_IA"} after 30 days at the earliest`,
                );
            }
            if (s.backups.lock?.prefixes !== undefined) {
                issue(["backups", "lock", "prefixes"], "S3 Object Lock covers the whole bucket; prefixes are for R2");
            }
        } else {
            if (s.region !== undefined && s.region !== "auto")
                issue(["region"], 'R2 has no regions: leave it out or use "auto" (see r2.location)');
            if (s.r2 === undefined) issue(["r2"], "is required for provider r2 ({accountId})");
            for (const k of [
                "endpoint",
                "allowInsecureEndpoint",
                "forcePathStyle",
                "caCertPath",
                "sharedCredentialsFile",
            ] as const) {
                if (k === "allowInsecureEndpoint" ? s[k] : s[k] !== undefined) issue([k], "is only for provider s3");
            }
            if (s.encryption !== "aes256")
                issue(["encryption"], "R2 encrypts with Cloudflare-managed keys only (no KMS)");
            if (s.kmsKeyArn !== undefined) issue(["kmsKeyArn"], "R2 has no customer-managed keys");
            if (s.rawPrefix !== undefined)
                issue(["rawPrefix"], "R2 API tokens cannot be scoped to a key prefix, only to buckets");
            if (lc.noncurrentVersionExpirationDays !== undefined) {
                issue(["lifecycle", "noncurrentVersionExpirationDays"], "R2 has no object versioning");
            }
            const cls = lc.rawTransitionStorageClass;
            if (cls !== undefined && !(R2_TRANSITION_CLASSES as readonly string[]).includes(cls)) {
                issue(
                    ["lifecycle", "rawTransitionStorageClass"],
                    `R2 storage classes: ${R2_TRANSITION_CLASSES.join(", ")}`,
                );
            }
            if (s.credentialsExpireOn === undefined) {
                issue(["credentialsExpireOn"], "is required for provider r2: the API tokens must expire");
            }
            const lock = s.backups.lock;
            if (lock?.mode === "compliance") {
                issue(
                    ["backups", "lock", "mode"],
                    "R2 bucket locks can be removed by an account admin; compliance is S3 only",
                );
            }
            if (lock && lock.days > s.backups.retentionDays) {
                issue(
                    ["backups", "lock", "days"],
                    "on R2 a lock longer than backups.retentionDays makes expiry fail (R2 has no versions to fall back on)",
                );
            }
        }
        if (s.credentialsExpireOn !== undefined && Date.parse(s.credentialsExpireOn) <= Date.now()) {
            issue(["credentialsExpireOn"], "is in the past");
        }
        const { walgPrefix, pgbackrestPath } = s.backups;
        if (
            walgPrefix === pgbackrestPath ||
            walgPrefix.startsWith(`${pgbackrestPath}/`) ||
            pgbackrestPath.startsWith(`${walgPrefix}/`)
        ) {
            issue(["backups", "pgbackrestPath"], "WAL-G and pgBackRest need separate prefixes");
        }
    });

export type RawStorageConfig = z.input<typeof storageSchema>;
type ParsedStorage = z.output<typeof storageSchema>;

/** Resolved storage settings: provider defaults filled in, names derived. */
export interface StorageConfig {
    provider: StorageProvider;
    buckets: { raw: string; backups: string };
    /** AWS region, or "auto" for R2. */
    region: string;
    /** S3-compatible server instead of AWS (provider s3 only). */
    endpoint?: {
        url: string;
        forcePathStyle: boolean;
        caCertPath?: string;
    };
    /** Shared-credentials file Pulumi's AWS provider reads (provider s3 only). */
    sharedCredentialsFile?: string;
    encryption: { type: "aes256" } | { type: "kms"; keyArn?: string };
    /** Key prefix the app credential is limited to ("" = the whole raw bucket). */
    rawPrefix: string;
    lifecycle: {
        /** S3 only. */
        noncurrentVersionExpirationDays?: number;
        rawTransition?: { days: number; storageClass: string };
        abortIncompleteMultipartDays: number;
    };
    backups: {
        retentionDays: number;
        walgPrefix: string;
        pgbackrestPath: string;
        lock?: { days: number; mode: "governance" | "compliance"; prefixes: string[] };
    };
    r2?: {
        accountId: string;
        jurisdiction: (typeof R2_JURISDICTIONS)[number];
        location?: (typeof R2_LOCATIONS)[number];
        permissionGroups: { read: string; write: string };
    };
    credentialsExpireOn?: string;
}

/** Fills in what depends on the provider. Call only on a successfully parsed value. */
export function resolveStorage(s: ParsedStorage): StorageConfig {
    const s3 = s.provider === "s3";
    const lc = s.lifecycle;
    const lock = s.backups.lock;
    return {
        provider: s.provider,
        buckets: { raw: `${s.bucketPrefix}-raw`, backups: `${s.bucketPrefix}-backups` },
        region: s3 ? (s.region as string) : "auto",
        endpoint:
            s.endpoint === undefined
                ? undefined
                : {
                      url: s.endpoint.replace(/\/+$/, ""),
                      forcePathStyle: s.forcePathStyle ?? true,
                      caCertPath: s.caCertPath,
                  },
        sharedCredentialsFile: s.sharedCredentialsFile,
        encryption: s.encryption === "kms" ? { type: "kms", keyArn: s.kmsKeyArn } : { type: "aes256" },
        rawPrefix: s.rawPrefix ?? "",
        lifecycle: {
            noncurrentVersionExpirationDays: s3
                ? (lc.noncurrentVersionExpirationDays ?? STORAGE_DEFAULTS.noncurrentVersionExpirationDays)
                : undefined,
            rawTransition:
                lc.rawTransitionDays === null
                    ? undefined
                    : {
                          days: lc.rawTransitionDays,
                          storageClass: lc.rawTransitionStorageClass ?? (s3 ? "STANDARD_IA" : "InfrequentAccess"),
                      },
            abortIncompleteMultipartDays: lc.abortIncompleteMultipartDays,
        },
        backups: {
            retentionDays: s.backups.retentionDays,
            walgPrefix: s.backups.walgPrefix,
            pgbackrestPath: s.backups.pgbackrestPath,
            lock: lock && {
                days: lock.days,
                mode: lock.mode,
                // R2 locks key prefixes, and a locked object can be neither deleted nor overwritten. By
                // default: pgBackRest's WAL archive (<pgbackrestPath>/archive/, each segment written
                // once; pgBackRest is what docker mode runs) and WAL-G's prefix (configured for external
                // use). Not <pgbackrestPath>/backup/: pgBackRest rewrites backup.info and the manifest
                // copy there on every backup, which a lock would refuse.
                prefixes: s3 ? [] : (lock.prefixes ?? [`${s.backups.pgbackrestPath}/archive`, s.backups.walgPrefix]),
            },
        },
        r2: s.r2,
        credentialsExpireOn: s.credentialsExpireOn,
    };
}
