import {
    BackupTarget,
    backupTargetFromOutputs,
    pgBackRestArchiveCommand,
    pgBackRestKeyEnv,
    renderPgBackRestConfig,
    renderWalgEnv,
} from "../../lib/backup";

const r2: BackupTarget = {
    endpoint: "https://0123456789abcdef0123456789abcdef.r2.cloudflarestorage.com",
    bucket: "acme-backups",
    region: "auto",
    forcePathStyle: true,
    accessKeyId: "AKID",
    secretAccessKey: "SECRET",
    walgPrefix: "walg",
    pgbackrestPath: "pgbackrest",
    retentionDays: 14,
};
const s3: BackupTarget = {
    ...r2,
    endpoint: "https://s3.eu-west-1.amazonaws.com",
    region: "eu-west-1",
    forcePathStyle: false,
};

test("the pgBackRest config points repo1 at the bucket over TLS, with time-based retention", () => {
    expect(renderPgBackRestConfig(r2, { stanza: "main", pgDataPath: "/var/lib/postgresql/data" })).toBe(
        [
            "[global]",
            "repo1-type=s3",
            "repo1-path=/pgbackrest",
            "repo1-s3-endpoint=0123456789abcdef0123456789abcdef.r2.cloudflarestorage.com",
            "repo1-s3-bucket=acme-backups",
            "repo1-s3-region=auto",
            "repo1-s3-uri-style=path",
            "repo1-s3-key=AKID",
            "repo1-s3-key-secret=SECRET",
            "repo1-retention-full-type=time",
            "repo1-retention-full=14",
            "repo1-bundle=y",
            "compress-type=zst",
            "process-max=2",
            "start-fast=y",
            "log-level-console=info",
            "",
            "[main]",
            "pg1-path=/var/lib/postgresql/data",
            "",
        ].join("\n"),
    );
});

test("S3 uses host-style URLs; a port, CA file, cipher and socket are passed through", () => {
    const conf = renderPgBackRestConfig(
        { ...s3, endpoint: "https://127.0.0.1:9443" },
        {
            stanza: "main",
            pgDataPath: "/data",
            pgPort: 5433,
            pgSocketPath: "/run/pg",
            caFile: "/ca.pem",
            cipherPass: "pp",
        },
    );
    expect(conf.split("\n").filter((l) => /uri-style|storage-port|ca-file|cipher|pg1-(port|socket)/.test(l))).toEqual([
        "repo1-storage-port=9443",
        "repo1-s3-uri-style=host",
        "repo1-storage-ca-file=/ca.pem",
        "repo1-cipher-type=aes-256-cbc",
        "repo1-cipher-pass=pp",
        "pg1-port=5433",
        "pg1-socket-path=/run/pg",
    ]);
});

test.each([
    ["a plain-HTTP endpoint", { ...s3, endpoint: "http://s3.eu-west-1.amazonaws.com" }, "must be https"],
    ["an endpoint with a path", { ...s3, endpoint: "https://example.com/bucket" }, "may not have a path"],
    ["a secret with a line break", { ...s3, secretAccessKey: "x\nrepo1-path=/elsewhere" }, "line break"],
])("%s is refused", (_what, target, message) => {
    expect(() => renderPgBackRestConfig(target, { stanza: "main", pgDataPath: "/data" })).toThrow(message);
});

test("a stanza name that could inject a section is refused", () => {
    expect(() => renderPgBackRestConfig(s3, { stanza: "main]\n[global", pgDataPath: "/data" })).toThrow(/stanza/);
});

test("the archive command pushes with that config and stanza", () => {
    expect(pgBackRestArchiveCommand("/etc/pgbackrest/pgbackrest.conf", "main")).toBe(
        "pgbackrest --config=/etc/pgbackrest/pgbackrest.conf --stanza=main archive-push %p",
    );
});

test("the WAL-G environment mirrors the backup outputs and refuses WAL overwrites", () => {
    expect(renderWalgEnv(r2)).toEqual({
        WALG_S3_PREFIX: "s3://acme-backups/walg",
        AWS_ENDPOINT: "https://0123456789abcdef0123456789abcdef.r2.cloudflarestorage.com",
        AWS_REGION: "auto",
        AWS_S3_FORCE_PATH_STYLE: "true",
        AWS_ACCESS_KEY_ID: "AKID",
        AWS_SECRET_ACCESS_KEY: "SECRET",
        WALG_COMPRESSION_METHOD: "zstd",
        WALG_PREVENT_WAL_OVERWRITE: "true",
    });
});

test("with keysFromEnv the config holds no key; pgBackRest gets it from its two environment variables", () => {
    const conf = renderPgBackRestConfig(s3, {
        stanza: "local",
        pgDataPath: "/data",
        pgUser: "pgstack_admin",
        keysFromEnv: true,
    });
    expect(conf).not.toMatch(/AKID|SECRET|repo1-s3-key/);
    expect(conf).toMatch(/\npg1-user=pgstack_admin\n/);
    expect(pgBackRestKeyEnv(s3)).toEqual({ PGBACKREST_REPO1_S3_KEY: "AKID", PGBACKREST_REPO1_S3_KEY_SECRET: "SECRET" });
    expect(() => pgBackRestKeyEnv({ ...s3, secretAccessKey: "a\nb" })).toThrow(/line break/);
});

const outputs = {
    BACKUP_S3_ENDPOINT: "https://127.0.0.1:58540",
    BACKUP_S3_BUCKET: "pgstack-local-backups",
    BACKUP_S3_REGION: "us-east-1",
    BACKUP_S3_FORCE_PATH_STYLE: "true",
    BACKUP_AWS_ACCESS_KEY_ID: "AKID",
    BACKUP_AWS_SECRET_ACCESS_KEY: "SECRET",
};
const layout = { walgPrefix: "walg", pgbackrestPath: "pgbackrest", retentionDays: 14 };

test("the backup target is read from the stack's BACKUP_* outputs, with the CA when they carry one", () => {
    expect(backupTargetFromOutputs(outputs, layout)).toEqual({
        target: {
            endpoint: "https://127.0.0.1:58540",
            bucket: "pgstack-local-backups",
            region: "us-east-1",
            forcePathStyle: true,
            accessKeyId: "AKID",
            secretAccessKey: "SECRET",
            ...layout,
        },
    });
    const pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    expect(backupTargetFromOutputs({ ...outputs, storageCaCertificate: pem }, layout).caPem).toBe(pem);
    expect(backupTargetFromOutputs({ ...outputs, BACKUP_S3_CA_FILE: "/ca.crt" }, layout).caFile).toBe("/ca.crt");
    expect(
        backupTargetFromOutputs({ ...outputs, BACKUP_S3_FORCE_PATH_STYLE: "false" }, layout).target.forcePathStyle,
    ).toBe(false);
});

test.each([
    [
        "a missing secret key",
        { BACKUP_AWS_SECRET_ACCESS_KEY: undefined },
        /stack output BACKUP_AWS_SECRET_ACCESS_KEY is missing/,
    ],
    ["a missing bucket", { BACKUP_S3_BUCKET: "" }, /stack output BACKUP_S3_BUCKET is missing/],
    ["a plain-HTTP endpoint", { BACKUP_S3_ENDPOINT: "http://127.0.0.1:58540" }, /BACKUP_S3_ENDPOINT: .*must be https/],
    [
        "a path style that is not a boolean",
        { BACKUP_S3_FORCE_PATH_STYLE: "yes" },
        /BACKUP_S3_FORCE_PATH_STYLE must be true or false/,
    ],
    ["a CA that is not PEM", { storageCaCertificate: "SECRET-ish" }, /storageCaCertificate is not a PEM/],
])("%s is one error naming the output, without its value", (_what, over, message) => {
    const bad = { ...outputs, BACKUP_AWS_SECRET_ACCESS_KEY: "SUPERSECRET", ...over };
    let error: Error | undefined;
    try {
        backupTargetFromOutputs(bad, layout);
    } catch (e) {
        error = e as Error;
    }
    expect(error?.message).toMatch(message);
    expect(error?.message).not.toMatch(/SUPERSECRET/);
});
