/**
 * Backup-tool configuration rendered from the stack's backup outputs (BACKUP_S3_*, WALG_S3_PREFIX):
 * pure functions, so a backup sidecar (e.g. the Docker instance's) and the restore drill get the same
 * settings. Call them inside `pulumi.all(...).apply(...)` and keep the result a `pulumi.secret`: the
 * rendered text carries the backup credential.
 */
import { LINE_BREAK } from "../config/patterns";

/** Where backups go: the stack's BACKUP_* outputs, resolved to plain values. */
export interface BackupTarget {
    /** BACKUP_S3_ENDPOINT: https URL of the S3 API (AWS regional endpoint or R2 account endpoint). */
    endpoint: string;
    /** BACKUP_S3_BUCKET */
    bucket: string;
    /** BACKUP_S3_REGION: an AWS region, or "auto" on R2. */
    region: string;
    /** BACKUP_S3_FORCE_PATH_STYLE */
    forcePathStyle: boolean;
    /** BACKUP_AWS_ACCESS_KEY_ID */
    accessKeyId: string;
    /** BACKUP_AWS_SECRET_ACCESS_KEY (secret) */
    secretAccessKey: string;
    /** Key prefix of WAL-G (WALG_S3_PREFIX = s3://<bucket>/<walgPrefix>). */
    walgPrefix: string;
    /** pgBackRest repo1-path inside the bucket, without leading slash. */
    pgbackrestPath: string;
    /** Point-in-time-recovery window in days. */
    retentionDays: number;
}

export interface PgBackRestOptions {
    /** Stanza name: one per PostgreSQL cluster. */
    stanza: string;
    /** Data directory of the cluster (pg1-path). */
    pgDataPath: string;
    pgPort?: number;
    /** Directory of the server's Unix socket (pg1-socket-path). */
    pgSocketPath?: string;
    /** Database role pgBackRest logs in as over the socket (pg1-user; default: the OS user's name). */
    pgUser?: string;
    /**
     * Leave the access key out of the file: pgBackRest then reads it from PGBACKREST_REPO1_S3_KEY and
     * PGBACKREST_REPO1_S3_KEY_SECRET (see pgBackRestKeyEnv), so the config holds no secret.
     */
    keysFromEnv?: boolean;
    /** CA bundle that signs the endpoint's certificate, when it is not in the system store. */
    caFile?: string;
    /** Parallel transfer processes. */
    processMax?: number;
    /** Client-side repository encryption passphrase (aes-256-cbc); without it the repo relies on SSE. */
    cipherPass?: string;
    /** Where pgBackRest keeps its log, lock and spool files (defaults: pgBackRest's own). */
    logPath?: string;
    lockPath?: string;
    spoolPath?: string;
}

const STANZA_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/** A value written into a config file or env var: one line, so it cannot smuggle in other settings. */
function oneLine(what: string, value: string): string {
    if (LINE_BREAK.test(value)) throw new Error(`backup config: ${what} may not contain a line break`);
    return value;
}

function parseEndpoint(endpoint: string): { host: string; port?: number } {
    let url: URL;
    try {
        url = new URL(endpoint);
    } catch {
        throw new Error(`backup config: endpoint "${endpoint}" is not a URL`);
    }
    if (url.protocol !== "https:") throw new Error(`backup config: endpoint "${endpoint}" must be https`);
    if (url.pathname !== "/" || url.search !== "") {
        throw new Error(`backup config: endpoint "${endpoint}" may not have a path`);
    }
    return { host: url.hostname, port: url.port === "" ? undefined : Number(url.port) };
}

/** WALG_S3_PREFIX for a bucket and key prefix. */
export function walgS3Prefix(bucket: string, walgPrefix: string): string {
    return `s3://${bucket}/${walgPrefix}`;
}

/**
 * pgbackrest.conf for one cluster backing up to the stack's backup bucket: a [global] section with the
 * repository (S3 API over TLS, time-based retention of `retentionDays`, bundled zstd files) and a
 * [<stanza>] section with the cluster. Settings given on the pgBackRest command line win over it.
 */
export function renderPgBackRestConfig(t: BackupTarget, o: PgBackRestOptions): string {
    if (!STANZA_PATTERN.test(o.stanza)) throw new Error(`backup config: stanza "${o.stanza}" is not a valid name`);
    if (!Number.isInteger(t.retentionDays) || t.retentionDays < 1) {
        throw new Error("backup config: retentionDays must be a positive integer");
    }
    const ep = parseEndpoint(t.endpoint);
    const global: [string, string | number | undefined][] = [
        ["repo1-type", "s3"],
        ["repo1-path", `/${t.pgbackrestPath.replace(/^\/+/, "")}`],
        ["repo1-s3-endpoint", ep.host],
        ["repo1-storage-port", ep.port],
        ["repo1-s3-bucket", t.bucket],
        ["repo1-s3-region", t.region],
        ["repo1-s3-uri-style", t.forcePathStyle ? "path" : "host"],
        ["repo1-s3-key", o.keysFromEnv ? undefined : t.accessKeyId],
        ["repo1-s3-key-secret", o.keysFromEnv ? undefined : t.secretAccessKey],
        ["repo1-storage-ca-file", o.caFile],
        ["repo1-retention-full-type", "time"],
        ["repo1-retention-full", t.retentionDays],
        ["repo1-bundle", "y"],
        ["repo1-cipher-type", o.cipherPass ? "aes-256-cbc" : undefined],
        ["repo1-cipher-pass", o.cipherPass],
        ["compress-type", "zst"],
        ["process-max", o.processMax ?? 2],
        ["start-fast", "y"],
        ["log-level-console", "info"],
        ["log-path", o.logPath],
        ["lock-path", o.lockPath],
        ["spool-path", o.spoolPath],
    ];
    const stanza: [string, string | number | undefined][] = [
        ["pg1-path", o.pgDataPath],
        ["pg1-port", o.pgPort],
        ["pg1-socket-path", o.pgSocketPath],
        ["pg1-user", o.pgUser],
    ];
    const section = (name: string, entries: [string, string | number | undefined][]) =>
        [
            `[${name}]`,
            ...entries.filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${oneLine(k, String(v))}`),
        ].join("\n");
    return `${section("global", global)}\n\n${section(o.stanza, stanza)}\n`;
}

/** The access key as pgBackRest's environment variables (for a config rendered with keysFromEnv). */
export function pgBackRestKeyEnv(t: Pick<BackupTarget, "accessKeyId" | "secretAccessKey">): Record<string, string> {
    return {
        PGBACKREST_REPO1_S3_KEY: oneLine("accessKeyId", t.accessKeyId),
        PGBACKREST_REPO1_S3_KEY_SECRET: oneLine("secretAccessKey", t.secretAccessKey),
    };
}

/** The names of the stack outputs a backup target is read from (components/storage/objectStorage.ts). */
export const BACKUP_OUTPUTS = {
    endpoint: "BACKUP_S3_ENDPOINT",
    bucket: "BACKUP_S3_BUCKET",
    region: "BACKUP_S3_REGION",
    forcePathStyle: "BACKUP_S3_FORCE_PATH_STYLE",
    accessKeyId: "BACKUP_AWS_ACCESS_KEY_ID",
    secretAccessKey: "BACKUP_AWS_SECRET_ACCESS_KEY",
    /** PEM of the CA that signs an S3-compatible endpoint's certificate (storage.caCertPath; absent for AWS and R2). */
    caCertificate: "storageCaCertificate",
    /** Or a path to that CA (when the outputs come from the environment). */
    caFile: "BACKUP_S3_CA_FILE",
} as const;

/** Where the stack's backups go, resolved from its outputs, plus how to trust the endpoint. */
export interface ResolvedBackupTarget {
    target: BackupTarget;
    /** PEM of the endpoint's CA, when the outputs carry one. */
    caPem?: string;
    /** Path of the endpoint's CA, when the outputs name one. */
    caFile?: string;
}

/**
 * The backup target from the stack's outputs (or the same names in an environment): the one place
 * that knows the output names. `layout` is the stack's pgstack:storage.backups settings (paths and
 * retention), which are config, not outputs. Errors name the missing output and never quote a value.
 */
export function backupTargetFromOutputs(
    outputs: Record<string, unknown>,
    layout: Pick<BackupTarget, "walgPrefix" | "pgbackrestPath" | "retentionDays">,
): ResolvedBackupTarget {
    const text = (key: string, required: boolean): string | undefined => {
        const v = outputs[key];
        if (v === undefined || v === null || v === "") {
            if (required) {
                throw new Error(
                    `backup target: stack output ${key} is missing (does the stack declare pgstack:storage?)`,
                );
            }
            return undefined;
        }
        if (typeof v !== "string") throw new Error(`backup target: stack output ${key} is not a string`);
        return v;
    };
    const pathStyle = text(BACKUP_OUTPUTS.forcePathStyle, false) ?? "true";
    if (pathStyle !== "true" && pathStyle !== "false") {
        throw new Error(`backup target: stack output ${BACKUP_OUTPUTS.forcePathStyle} must be true or false`);
    }
    const target: BackupTarget = {
        endpoint: text(BACKUP_OUTPUTS.endpoint, true) as string,
        bucket: text(BACKUP_OUTPUTS.bucket, true) as string,
        region: text(BACKUP_OUTPUTS.region, true) as string,
        forcePathStyle: pathStyle === "true",
        accessKeyId: text(BACKUP_OUTPUTS.accessKeyId, true) as string,
        secretAccessKey: text(BACKUP_OUTPUTS.secretAccessKey, true) as string,
        ...layout,
    };
    try {
        parseEndpoint(target.endpoint);
    } catch (e) {
        throw new Error(`backup target: stack output ${BACKUP_OUTPUTS.endpoint}: ${(e as Error).message}`);
    }
    const caPem = text(BACKUP_OUTPUTS.caCertificate, false);
    if (caPem !== undefined && !caPem.includes("-----BEGIN CERTIFICATE-----")) {
        throw new Error(`backup target: stack output ${BACKUP_OUTPUTS.caCertificate} is not a PEM certificate`);
    }
    const caFile = text(BACKUP_OUTPUTS.caFile, false);
    return { target, ...(caPem ? { caPem } : {}), ...(caFile ? { caFile } : {}) };
}

/** `archive_command` that pushes WAL with that config file and stanza. */
export function pgBackRestArchiveCommand(configPath: string, stanza: string): string {
    return `pgbackrest --config=${oneLine("configPath", configPath)} --stanza=${oneLine("stanza", stanza)} archive-push %p`;
}

/**
 * Environment of a WAL-G sidecar (wal-push, backup-push, backup-fetch). WALG_PREVENT_WAL_OVERWRITE keeps
 * a retried archive from overwriting a segment (which a bucket lock would refuse anyway).
 */
export function renderWalgEnv(t: BackupTarget, o: { caFile?: string } = {}): Record<string, string> {
    parseEndpoint(t.endpoint);
    const env: Record<string, string> = {
        WALG_S3_PREFIX: walgS3Prefix(t.bucket, t.walgPrefix),
        AWS_ENDPOINT: t.endpoint,
        AWS_REGION: t.region,
        AWS_S3_FORCE_PATH_STYLE: String(t.forcePathStyle),
        AWS_ACCESS_KEY_ID: t.accessKeyId,
        AWS_SECRET_ACCESS_KEY: t.secretAccessKey,
        WALG_COMPRESSION_METHOD: "zstd",
        WALG_PREVENT_WAL_OVERWRITE: "true",
    };
    if (o.caFile) env.WALG_S3_CA_CERT_FILE = o.caFile;
    for (const [k, v] of Object.entries(env)) oneLine(k, v);
    return env;
}
