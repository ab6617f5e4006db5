/**
 * The local services the local stack, the benchmark and the integration tests run against: the
 * PostgreSQL cluster (scripts/local-pg.sh: TLS, scram-sha-256, no trust), the pgBouncer in front of it
 * (scripts/local-pgbouncer.sh) and the S3-compatible server (scripts/local-s3.sh), each started once
 * and described by the facts its script prints; plus the admin client everything beside a stack uses.
 */
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { Client, ClientConfig } from "pg";
import { REPO, runInRepo } from "./engineEnv";

/** `KEY=value` lines, as the local services' scripts print them with `env`. */
export function parseFacts(text: string): Record<string, string> {
    return Object.fromEntries(
        text
            .trim()
            .split("\n")
            .filter((l) => l.includes("="))
            .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    );
}

export interface LocalPg {
    host: string;
    port: number;
    /** The admin a stack on the cluster is configured with (server.adminUser, pgstack:adminPassword). */
    user: string;
    password: string;
    /** The file holding that password (scripts/local-pg.sh's, mode 0600). */
    passwordFile: string;
    /** Where the cluster lives (PGSTACK_PG_DIR). */
    dir: string;
    /** The cluster's server binaries (pg_dump, pg_restore of its major version). */
    bin: string;
    /** Whether that admin is a superuser (server.superuser): false for the RDS-like admin. */
    superuser: boolean;
    ca: string;
    /**
     * The cluster's own superuser, for what a test or script does beside the stack (setup, checks,
     * cleanup): the same login as `user` unless PGSTACK_ADMIN=rds.
     */
    cluster: { user: string; password: string };
    /** The RDS-like admin scripts/local-pg.sh makes (what PGSTACK_ADMIN=rds configures stacks with). */
    rdsAdmin: { user: string; password: string };
}

/** Which admin the local stack and the integration tests run with: PGSTACK_ADMIN (superuser | rds). */
export function localAdminKind(env: NodeJS.ProcessEnv = process.env): "superuser" | "rds" {
    const v = env.PGSTACK_ADMIN ?? "superuser";
    if (v !== "superuser" && v !== "rds") {
        throw new Error(
            `PGSTACK_ADMIN must be superuser or rds (the RDS-like admin of scripts/local-pg.sh), not "${v}"`,
        );
    }
    return v;
}

/**
 * Starts (once) the local TLS cluster and returns how to reach it: as its superuser, or with
 * PGSTACK_ADMIN=rds as the RDS-like admin scripts/local-pg.sh makes (no SUPERUSER, CREATEROLE,
 * CREATEDB, rds_superuser's predefined roles), which is then what stacks are configured with.
 */
export function localPg(kind: "superuser" | "rds" = localAdminKind()): LocalPg {
    runInRepo("bash", [path.join(REPO, "scripts/local-pg.sh"), "start"]);
    return localPgFromFacts(runInRepo("bash", [path.join(REPO, "scripts/local-pg.sh"), "env"]), kind);
}

/** A LocalPg from what `scripts/local-pg.sh env` printed, with the given admin kind as the stack's admin. */
export function localPgFromFacts(env: string, kind: "superuser" | "rds"): LocalPg {
    const facts = parseFacts(env);
    const cluster = {
        user: facts.PGSTACK_PG_USER,
        password: fs.readFileSync(facts.PGSTACK_PG_PASSWORD_FILE, "utf8").trim(),
    };
    const rdsAdmin = {
        user: facts.PGSTACK_PG_RDS_USER,
        password: fs.readFileSync(facts.PGSTACK_PG_RDS_PASSWORD_FILE, "utf8").trim(),
    };
    const admin = kind === "rds" ? rdsAdmin : cluster;
    return {
        host: facts.PGSTACK_PG_HOST,
        port: Number(facts.PGSTACK_PG_PORT),
        ...admin,
        passwordFile: kind === "rds" ? facts.PGSTACK_PG_RDS_PASSWORD_FILE : facts.PGSTACK_PG_PASSWORD_FILE,
        dir: facts.PGSTACK_PG_DIR,
        bin: facts.PGSTACK_PG_BIN,
        superuser: kind === "superuser",
        ca: facts.PGSTACK_PG_CA,
        cluster,
        rdsAdmin,
    };
}

export interface LocalPooler {
    host: string;
    port: number;
    /** The login pgBouncer looks passwords up as (server.pooler.authUser). */
    authUser: string;
    /** The second listener, in transaction pooling (port is in session pooling). */
    transactionPort: number;
    /** pgBouncer's version (Debian 12: 1.18, no auth_dbname). */
    version: string;
    /** Where its files live (pgbouncer.ini, pgbouncer.pid, pgbouncer.log). */
    dir: string;
}

/**
 * Starts (once) the local cluster and a real pgBouncer in front of it (scripts/local-pgbouncer.sh:
 * TLS from clients and to the server, SCRAM, session pooling on `port` and transaction pooling on
 * `transactionPort`, DISCARD ALL between clients) and
 * returns where it listens. Idempotent: a running pooler is reloaded only when its config changed.
 */
export function localPooler(): LocalPooler {
    const script = path.join(REPO, "scripts/local-pgbouncer.sh");
    runInRepo("bash", [script, "start"]);
    const facts = parseFacts(runInRepo("bash", [script, "env"]));
    return {
        host: facts.PGSTACK_POOLER_HOST,
        port: Number(facts.PGSTACK_POOLER_PORT),
        transactionPort: Number(facts.PGSTACK_POOLER_TX_PORT),
        authUser: facts.PGSTACK_POOLER_AUTH_USER,
        version: facts.PGSTACK_POOLER_VERSION,
        dir: facts.PGSTACK_POOLER_DIR,
    };
}

export interface LocalS3 {
    /** https://127.0.0.1:<port>: S3 and IAM over TLS. */
    endpoint: string;
    /** The same server's plain-HTTP S3 listener (loopback), which every bucket policy refuses. */
    httpEndpoint: string;
    region: string;
    /** PEM CA the endpoint's certificate is signed by. */
    ca: string;
    /** AWS shared-credentials file ([default]) with the server's admin key. */
    credentialsFile: string;
    accessKeyId: string;
    secretAccessKey: string;
}

/**
 * Starts (once) the local S3-compatible server (scripts/local-s3.sh: SeaweedFS over TLS on
 * 127.0.0.1, built and cached by scripts/seaweedfs/build.sh) and returns how to reach it as its admin.
 */
export function localS3(): LocalS3 {
    const script = path.join(REPO, "scripts/local-s3.sh");
    runInRepo("bash", [script, "start"], undefined, 30 * 60_000);
    const facts = parseFacts(runInRepo("bash", [script, "env"]));
    const ini = fs.readFileSync(facts.PGSTACK_S3_ADMIN_CREDENTIALS, "utf8");
    const value = (k: string) => new RegExp(`^${k}\\s*=\\s*(\\S+)`, "m").exec(ini)?.[1] ?? "";
    return {
        endpoint: facts.PGSTACK_S3_ENDPOINT,
        httpEndpoint: facts.PGSTACK_S3_HTTP_ENDPOINT,
        region: facts.PGSTACK_S3_REGION,
        ca: facts.PGSTACK_S3_CA,
        credentialsFile: facts.PGSTACK_S3_ADMIN_CREDENTIALS,
        accessKeyId: value("aws_access_key_id"),
        secretAccessKey: value("aws_secret_access_key"),
    };
}

/** `pgstack:storage` keys that point a stack's S3 storage at the local server (endpoint, CA, admin key file). */
export function localStorageConfig(s3: LocalS3): Record<string, unknown> {
    return {
        provider: "s3",
        region: s3.region,
        endpoint: s3.endpoint,
        forcePathStyle: true,
        caCertPath: s3.ca,
        sharedCredentialsFile: s3.credentialsFile,
    };
}

/**
 * `pgstack:server` for a stack on the local cluster: existing-server mode, verify-full, as the admin
 * localPg chose; `superuser: false` for the RDS-like admin, as RDS mode configures the provider.
 */
export function localServerConfig(pg: LocalPg): Record<string, unknown> {
    return {
        mode: "existing",
        host: pg.host,
        port: pg.port,
        adminUser: pg.user,
        caCertPath: pg.ca,
        sslmode: "verify-full",
        superuser: pg.superuser,
    };
}

/**
 * node-postgres settings for the local cluster's superuser (what tests and scripts do beside the
 * stack), verify-full against its CA.
 */
export function adminClientConfig(pg: LocalPg, database = "postgres"): ClientConfig {
    return {
        host: pg.host,
        port: pg.port,
        user: pg.cluster.user,
        password: pg.cluster.password,
        database,
        ssl: { ca: fs.readFileSync(pg.ca, "utf8"), rejectUnauthorized: true, servername: "localhost" },
        connectionTimeoutMillis: 10_000,
    };
}

/** Runs fn with a connected admin client (adminClientConfig) and always closes it. */
export async function withAdmin<T>(pg: LocalPg, fn: (c: Client) => Promise<T>, database = "postgres"): Promise<T> {
    const c = new Client(adminClientConfig(pg, database));
    await c.connect();
    try {
        return await fn(c);
    } finally {
        await c.end();
    }
}

/** A TCP port on 127.0.0.1 that is free now (the kernel picks it), for a throwaway server. */
export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const s = net.createServer();
        s.once("error", reject);
        s.listen(0, "127.0.0.1", () => {
            const port = (s.address() as net.AddressInfo).port;
            s.close(() => resolve(port));
        });
    });
}
