import { renderPgBackRestConfig } from "../../lib/backup";
import { parseConfig } from "../../config/schema";
import { baseConfig, problemsOf } from "../harness";
import { r2Storage, R2_ACCOUNT, s3Storage } from "../components/storage/fixtures";

const storageOf = (storage: Record<string, unknown>) => parseConfig(baseConfig({ storage })).storage;

// [what is wrong, storage block, the key the error must name]
const invalid: [string, Record<string, unknown>, string][] = [
    ["unknown provider", s3Storage({ provider: "gcs" }), "pgstack:storage.provider"],
    ["missing bucket prefix", { provider: "s3", region: "eu-west-1" }, "pgstack:storage.bucketPrefix"],
    ["bucket prefix with upper case", s3Storage({ bucketPrefix: "Acme" }), "pgstack:storage.bucketPrefix"],
    ["bucket prefix with a dot", s3Storage({ bucketPrefix: "acme.data" }), "pgstack:storage.bucketPrefix"],
    ["bucket prefix too long", s3Storage({ bucketPrefix: "a".repeat(56) }), "pgstack:storage.bucketPrefix"],
    ["bucket prefix xn--", s3Storage({ bucketPrefix: "xn--acme" }), "pgstack:storage.bucketPrefix"],
    ["s3 without a region", s3Storage({ region: undefined }), "pgstack:storage.region"],
    ["s3 with a made-up region", s3Storage({ region: "europe" }), "pgstack:storage.region"],
    ["unknown encryption", s3Storage({ encryption: "des" }), "pgstack:storage.encryption"],
    [
        "KMS key without kms encryption",
        s3Storage({ kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/0b9c7d2e-1111-2222-3333-444455556666" }),
        "pgstack:storage.kmsKeyArn",
    ],
    ["KMS key that is no ARN", s3Storage({ encryption: "kms", kmsKeyArn: "alias/mine" }), "pgstack:storage.kmsKeyArn"],
    [
        "plain-http endpoint without the loosening key",
        s3Storage({ endpoint: "http://127.0.0.1:9000" }),
        "pgstack:storage.endpoint",
    ],
    ["endpoint that is no URL", s3Storage({ endpoint: "minio.local" }), "pgstack:storage.endpoint"],
    ["endpoint with a path", s3Storage({ endpoint: "https://s3.example.com/bucket" }), "pgstack:storage.endpoint"],
    [
        "ftp endpoint",
        s3Storage({ endpoint: "ftp://s3.example.com", allowInsecureEndpoint: true }),
        "pgstack:storage.endpoint",
    ],
    ["CA without an endpoint", s3Storage({ caCertPath: "/etc/ca.pem" }), "pgstack:storage.caCertPath"],
    ["path style without an endpoint", s3Storage({ forcePathStyle: true }), "pgstack:storage.forcePathStyle"],
    ["endpoint on R2", r2Storage({ endpoint: "https://s3.example.com" }), "pgstack:storage.endpoint"],
    ["raw prefix with a leading slash", s3Storage({ rawPrefix: "/raw" }), "pgstack:storage.rawPrefix"],
    [
        "noncurrent expiry of 0 days",
        s3Storage({ lifecycle: { noncurrentVersionExpirationDays: 0 } }),
        "pgstack:storage.lifecycle.noncurrentVersionExpirationDays",
    ],
    [
        "transition after a fraction of a day",
        s3Storage({ lifecycle: { rawTransitionDays: 1.5 } }),
        "pgstack:storage.lifecycle.rawTransitionDays",
    ],
    [
        "STANDARD_IA before 30 days",
        s3Storage({ lifecycle: { rawTransitionDays: 7 } }),
        "pgstack:storage.lifecycle.rawTransitionDays",
    ],
    [
        "an R2 class on S3",
        s3Storage({ lifecycle: { rawTransitionStorageClass: "InfrequentAccess" } }),
        "pgstack:storage.lifecycle.rawTransitionStorageClass",
    ],
    [
        "abort multipart after 0 days",
        s3Storage({ lifecycle: { abortIncompleteMultipartDays: 0 } }),
        "pgstack:storage.lifecycle.abortIncompleteMultipartDays",
    ],
    ["unknown lifecycle key", s3Storage({ lifecycle: { expireDays: 3 } }), "pgstack:storage.lifecycle.expireDays"],
    [
        "backup retention of 0 days",
        s3Storage({ backups: { retentionDays: 0 } }),
        "pgstack:storage.backups.retentionDays",
    ],
    ["lock without days", s3Storage({ backups: { lock: {} } }), "pgstack:storage.backups.lock.days"],
    [
        "unknown lock mode",
        s3Storage({ backups: { lock: { days: 7, mode: "legal-hold" } } }),
        "pgstack:storage.backups.lock.mode",
    ],
    [
        "lock prefixes on S3",
        s3Storage({ backups: { lock: { days: 7, prefixes: ["walg"] } } }),
        "pgstack:storage.backups.lock.prefixes",
    ],
    [
        "WAL-G and pgBackRest sharing a prefix",
        s3Storage({ backups: { walgPrefix: "db", pgbackrestPath: "db" } }),
        "pgstack:storage.backups.pgbackrestPath",
    ],
    ["r2 block on s3", s3Storage({ r2: { accountId: R2_ACCOUNT } }), "pgstack:storage.r2"],
    ["expiry that is no date", s3Storage({ credentialsExpireOn: "next year" }), "pgstack:storage.credentialsExpireOn"],
    [
        "expiry in the past",
        s3Storage({ credentialsExpireOn: "2001-01-01T00:00:00Z" }),
        "pgstack:storage.credentialsExpireOn",
    ],
    ["unknown storage key", s3Storage({ forceDestroy: true }), "pgstack:storage.forceDestroy"],
    ["r2 without account", r2Storage({ r2: undefined }), "pgstack:storage.r2"],
    ["r2 account id not hex", r2Storage({ r2: { accountId: "my-account" } }), "pgstack:storage.r2.accountId"],
    [
        "r2 unknown jurisdiction",
        r2Storage({ r2: { accountId: R2_ACCOUNT, jurisdiction: "mars" } }),
        "pgstack:storage.r2.jurisdiction",
    ],
    [
        "r2 unknown location",
        r2Storage({ r2: { accountId: R2_ACCOUNT, location: "moon" } }),
        "pgstack:storage.r2.location",
    ],
    ["r2 with an AWS region", r2Storage({ region: "eu-west-1" }), "pgstack:storage.region"],
    ["r2 with KMS", r2Storage({ encryption: "kms" }), "pgstack:storage.encryption"],
    ["r2 with a raw prefix", r2Storage({ rawPrefix: "raw" }), "pgstack:storage.rawPrefix"],
    [
        "r2 with noncurrent expiry",
        r2Storage({ lifecycle: { noncurrentVersionExpirationDays: 30 } }),
        "pgstack:storage.lifecycle.noncurrentVersionExpirationDays",
    ],
    [
        "r2 with an S3 class",
        r2Storage({ lifecycle: { rawTransitionStorageClass: "GLACIER" } }),
        "pgstack:storage.lifecycle.rawTransitionStorageClass",
    ],
    ["r2 token without expiry", r2Storage({ credentialsExpireOn: undefined }), "pgstack:storage.credentialsExpireOn"],
    [
        "r2 compliance lock",
        r2Storage({ backups: { lock: { days: 7, mode: "compliance" } } }),
        "pgstack:storage.backups.lock.mode",
    ],
    [
        "r2 lock longer than retention",
        r2Storage({ backups: { retentionDays: 7, lock: { days: 30 } } }),
        "pgstack:storage.backups.lock.days",
    ],
    [
        "r2 lock prefix with a slash at the end",
        r2Storage({ backups: { lock: { days: 7, prefixes: ["walg/"] } } }),
        "pgstack:storage.backups.lock.prefixes[0]",
    ],
];

describe("invalid storage config is rejected with the key named", () => {
    test.each(invalid)("%s", (_what, storage, key) => {
        for (const [k, v] of Object.entries(storage)) if (v === undefined) delete storage[k];
        const problems = problemsOf(baseConfig({ storage }));
        expect(
            problems.filter((p) => p.startsWith(`${key}:`) || p.startsWith(`${key}.`) || p.startsWith(`${key}[`)),
        ).not.toEqual([]);
    });
});

describe("S3-compatible endpoints", () => {
    test("an https endpoint is taken without its trailing slash, with path-style URLs by default", () => {
        const s = storageOf(s3Storage({ endpoint: "https://127.0.0.1:58333/", caCertPath: "/tmp/ca.crt" }));
        expect(s?.endpoint).toEqual({
            url: "https://127.0.0.1:58333",
            forcePathStyle: true,
            caCertPath: "/tmp/ca.crt",
        });
    });
    test("plain http only with allowInsecureEndpoint", () => {
        const s = storageOf(s3Storage({ endpoint: "http://127.0.0.1:9000", allowInsecureEndpoint: true }));
        expect(s?.endpoint?.url).toBe("http://127.0.0.1:9000");
    });
    test("no endpoint: AWS, virtual-hosted URLs", () => {
        expect(storageOf(s3Storage())?.endpoint).toBeUndefined();
    });
});

describe("safe defaults", () => {
    test("no storage key, no storage", () => {
        expect(parseConfig(baseConfig()).storage).toBeUndefined();
    });

    test("S3 defaults: AES256, whole raw bucket, 30-day noncurrent expiry and STANDARD_IA, 7-day abort, 14-day PITR, no lock", () => {
        expect(storageOf(s3Storage())).toEqual({
            provider: "s3",
            buckets: { raw: "acme-pgstack-test-raw", backups: "acme-pgstack-test-backups" },
            region: "eu-west-1",
            encryption: { type: "aes256" },
            rawPrefix: "",
            lifecycle: {
                noncurrentVersionExpirationDays: 30,
                rawTransition: { days: 30, storageClass: "STANDARD_IA" },
                abortIncompleteMultipartDays: 7,
            },
            backups: { retentionDays: 14, walgPrefix: "walg", pgbackrestPath: "pgbackrest", lock: undefined },
            r2: undefined,
            credentialsExpireOn: undefined,
        });
    });

    test("R2 defaults: region auto, InfrequentAccess, no versioning setting, the documented permission groups", () => {
        const s = storageOf(r2Storage());
        expect([s?.region, s?.lifecycle, s?.r2]).toEqual([
            "auto",
            {
                noncurrentVersionExpirationDays: undefined,
                rawTransition: { days: 30, storageClass: "InfrequentAccess" },
                abortIncompleteMultipartDays: 7,
            },
            {
                accountId: R2_ACCOUNT,
                jurisdiction: "default",
                permissionGroups: {
                    read: "6a018a9f2fc74eb6b293b0c548f38b39",
                    write: "2efd5506f9c8494dacb1fa10a3e7d5b6",
                },
            },
        ]);
    });

    test("a lock defaults to governance on S3", () => {
        expect(storageOf(s3Storage({ backups: { lock: { days: 7 } } }))?.backups.lock).toEqual({
            days: 7,
            mode: "governance",
            prefixes: [],
        });
    });

    test("by default an R2 lock covers the WAL pgBackRest writes, and the WAL-G prefix", () => {
        const backups = storageOf(r2Storage({ backups: { lock: { days: 7 } } }))?.backups;
        expect(backups?.lock?.prefixes).toEqual(["pgbackrest/archive", "walg"]);
        // pgBackRest archives WAL under <repo1-path>/archive/<stanza>/: inside the locked prefix.
        const conf = renderPgBackRestConfig(
            {
                endpoint: "https://acct.r2.cloudflarestorage.com",
                bucket: "b",
                region: "auto",
                forcePathStyle: true,
                accessKeyId: "k",
                secretAccessKey: "s",
                walgPrefix: backups?.walgPrefix ?? "",
                pgbackrestPath: backups?.pgbackrestPath ?? "",
                retentionDays: 14,
            },
            { stanza: "pgstack", pgDataPath: "/data" },
        );
        const repo = /repo1-path=\/(.*)/.exec(conf)?.[1];
        const walKey = `${repo}/archive/pgstack/16-1/0000000100000000/000000010000000000000001-abc.zst`;
        expect(backups?.lock?.prefixes.some((p) => walKey.startsWith(`${p}/`))).toBe(true);
        // …but not backup.info, which pgBackRest rewrites after every backup (a lock would refuse it).
        expect(backups?.lock?.prefixes.some((p) => `${repo}/backup/pgstack/backup.info`.startsWith(`${p}/`))).toBe(
            false,
        );
    });

    test("a custom pgbackrestPath moves the default lock with it", () => {
        const lock = storageOf(r2Storage({ backups: { lock: { days: 7 }, pgbackrestPath: "pg/br" } }))?.backups.lock;
        expect(lock?.prefixes).toEqual(["pg/br/archive", "walg"]);
    });

    test("rawTransitionDays null turns the transition off", () => {
        expect(
            storageOf(s3Storage({ lifecycle: { rawTransitionDays: null } }))?.lifecycle.rawTransition,
        ).toBeUndefined();
    });

    test("kms encryption keeps a given key", () => {
        const arn = "arn:aws:kms:eu-west-1:123456789012:key/0b9c7d2e-1111-2222-3333-444455556666";
        expect(storageOf(s3Storage({ encryption: "kms", kmsKeyArn: arn }))?.encryption).toEqual({
            type: "kms",
            keyArn: arn,
        });
    });
});
