/**
 * A local PostgreSQL 16 in Docker: a private network, a named volume (kept when the container is
 * replaced and when it leaves the stack), TLS from certificates the stack generates, a pg_hba.conf
 * that allows only `hostssl … scram-sha-256`, a health check, and pgBouncer in front for the app.
 * Every published port is bound to 127.0.0.1.
 */
import * as docker from "@pulumi/docker";
import * as postgresql from "@pulumi/postgresql";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import type { DockerServerConfig, Environment } from "../config/schema";
import { BackupTarget, pgBackRestArchiveCommand, renderPgBackRestConfig } from "../lib/backup";
import { rotatingPassword, rotationKeepers } from "./passwords";
import type { ServerEndpoint } from "./server";
import { ServerCerts } from "./tlsCerts";

/** Network alias of the server container: pgBouncer and sidecars reach it by this name. */
export const POSTGRES_ALIAS = "postgres";
const TLS_DIR = "/etc/pgstack/tls";

/** The server's host-based authentication: TLS and SCRAM or nothing. */
export function pgHbaConf(): string {
    return [
        "# pgstack: TLS + SCRAM only. Unencrypted TCP connections match no line and are refused.",
        "local   all  all                scram-sha-256",
        "hostssl all  all  0.0.0.0/0     scram-sha-256",
        "hostssl all  all  ::/0          scram-sha-256",
        "",
    ].join("\n");
}

/** pgBackRest inside the containers: one stanza for the one cluster. */
export const PGBACKREST = {
    config: "/etc/pgbackrest/pgbackrest.conf",
    stanza: "pgstack",
    dataPath: "/var/lib/postgresql/data",
    socketPath: "/var/run/postgresql",
};

export function postgresCommand(backups = false): string[] {
    const archive: Record<string, string> = backups
        ? {
              archive_mode: "on",
              archive_command: pgBackRestArchiveCommand(PGBACKREST.config, PGBACKREST.stanza),
              archive_timeout: "300",
              wal_level: "replica",
          }
        : {};
    const settings: Record<string, string> = {
        ...archive,
        ssl: "on",
        ssl_cert_file: `${TLS_DIR}/server.crt`,
        ssl_key_file: `${TLS_DIR}/server.key`,
        ssl_ca_file: `${TLS_DIR}/ca.crt`,
        ssl_min_protocol_version: "TLSv1.2",
        hba_file: "/etc/pgstack/pg_hba.conf",
        password_encryption: "scram-sha-256",
        shared_preload_libraries: "pg_stat_statements",
    };
    return ["postgres", ...Object.entries(settings).flatMap(([k, v]) => ["-c", `${k}=${v}`])];
}

export interface PgBouncerSettings {
    adminUser: string;
    listenPort: number;
    poolMode: string;
    maxClientConn: number;
    defaultPoolSize: number;
}

/** pgbouncer.ini: TLS to clients (required) and to the server (verified against the stack's CA). */
export function pgbouncerIni(s: PgBouncerSettings): string {
    return [
        "[databases]",
        `* = host=${POSTGRES_ALIAS} port=5432`,
        "",
        "[pgbouncer]",
        "listen_addr = 0.0.0.0",
        `listen_port = ${s.listenPort}`,
        "auth_type = scram-sha-256",
        "auth_file = /etc/pgbouncer/userlist.txt",
        `auth_user = ${s.adminUser}`,
        "auth_query = SELECT usename, passwd FROM pg_shadow WHERE usename=$1",
        `pool_mode = ${s.poolMode}`,
        `max_client_conn = ${s.maxClientConn}`,
        `default_pool_size = ${s.defaultPoolSize}`,
        "client_tls_sslmode = require",
        "client_tls_cert_file = /etc/pgbouncer/tls/server.crt",
        "client_tls_key_file = /etc/pgbouncer/tls/server.key",
        "client_tls_ca_file = /etc/pgbouncer/tls/ca.crt",
        "server_tls_sslmode = verify-full",
        "server_tls_ca_file = /etc/pgbouncer/tls/ca.crt",
        "ignore_startup_parameters = extra_float_digits",
        "",
    ].join("\n");
}

export interface DockerPostgresArgs {
    server: DockerServerConfig;
    environment: Environment;
    rotation: { seed: string; admin?: string };
    protect: boolean;
    /** The backup bucket (secret): WAL is archived there with pgBackRest, base backups by a sidecar. */
    backupTarget?: pulumi.Output<BackupTarget>;
}

/** The sidecar's loop: create the stanza once, then a full backup a day (retention expires old ones). */
export function backupSidecarScript(): string {
    const pgbr = `pgbackrest --config=${PGBACKREST.config} --stanza=${PGBACKREST.stanza}`;
    return [
        "set -eu",
        `until ${pgbr} stanza-create; do sleep 10; done`,
        `while true; do ${pgbr} --type=full backup || echo "backup failed" >&2; sleep 86400; done`,
    ].join("\n");
}

export class DockerPostgres extends pulumi.ComponentResource {
    public readonly endpoint: ServerEndpoint;
    public readonly network: docker.Network;
    public readonly volume: docker.Volume;
    public readonly postgres: docker.Container;
    public readonly pgbouncer?: docker.Container;
    public readonly backup?: docker.Container;

    constructor(name: string, args: DockerPostgresArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pgstack:server:DockerPostgres", name, {}, opts);
        const s = args.server;
        const child = { parent: this };
        const stack = pulumi.getStack();

        this.network = new docker.Network(`${name}-network`, { name: `pgstack-${stack}`, driver: "bridge" }, child);
        this.volume = new docker.Volume(
            `${name}-data`,
            { name: `pgstack-${stack}-data` },
            { ...child, retainOnDelete: true, protect: args.protect },
        );
        const certs = new ServerCerts(
            `${name}-tls`,
            { dnsNames: [POSTGRES_ALIAS, "pgbouncer", "localhost"], ipAddresses: ["127.0.0.1"] },
            child,
        );
        const password = rotatingPassword(
            `${name}-admin-password`,
            rotationKeepers(args.rotation.seed, args.rotation.admin),
            child,
        );
        const backups = args.backupTarget !== undefined;
        // With backups the server image is the configured one plus pgBackRest, built locally.
        const imageId: pulumi.Output<string> = backups
            ? new docker.Image(
                  `${name}-image`,
                  {
                      imageName: `pgstack-${stack}-postgres:local`,
                      skipPush: true,
                      build: {
                          context: path.join(__dirname, "..", "docker", "postgres-pgbackrest"),
                          args: { BASE_IMAGE: s.image },
                      },
                  },
                  child,
              ).imageName
            : new docker.RemoteImage(`${name}-image`, { name: s.image, keepLocally: true }, child).imageId;
        const pgbackrestConf = args.backupTarget?.apply((t) =>
            renderPgBackRestConfig(t, {
                stanza: PGBACKREST.stanza,
                pgDataPath: PGBACKREST.dataPath,
                pgSocketPath: PGBACKREST.socketPath,
            }),
        );
        const backupUploads = pgbackrestConf
            ? [
                  {
                      file: PGBACKREST.config,
                      content: pulumi.secret(pgbackrestConf),
                      permissions: "0600",
                      owner: "999",
                      group: "999",
                  },
              ]
            : [];
        const socketVolume = backups
            ? new docker.Volume(`${name}-socket`, { name: `pgstack-${stack}-socket` }, child)
            : undefined;

        const tlsUploads = (dir: string, owner: string) => [
            { file: `${dir}/ca.crt`, content: certs.caCertPem, permissions: "0644" },
            { file: `${dir}/server.crt`, content: certs.certPem, permissions: "0644" },
            { file: `${dir}/server.key`, content: certs.keyPem, permissions: "0600", owner, group: owner },
        ];

        this.postgres = new docker.Container(
            `${name}-postgres`,
            {
                name: `pgstack-${stack}-postgres`,
                image: imageId,
                envs: [
                    pulumi.interpolate`POSTGRES_USER=${s.adminUser}`,
                    pulumi.secret(pulumi.interpolate`POSTGRES_PASSWORD=${password.result}`),
                    "POSTGRES_DB=postgres",
                    "POSTGRES_INITDB_ARGS=--auth-local=scram-sha-256 --auth-host=scram-sha-256",
                ],
                command: postgresCommand(backups),
                uploads: [
                    // uid 999 is the postgres user of the official image; the key must be its own, 0600.
                    ...tlsUploads(TLS_DIR, "999"),
                    { file: "/etc/pgstack/pg_hba.conf", content: pgHbaConf(), permissions: "0644" },
                    ...backupUploads,
                ],
                volumes: [
                    { volumeName: this.volume.name, containerPath: PGBACKREST.dataPath },
                    ...(socketVolume ? [{ volumeName: socketVolume.name, containerPath: PGBACKREST.socketPath }] : []),
                ],
                removeVolumes: false,
                ports: [{ internal: 5432, external: s.port, ip: s.bindAddress }],
                networksAdvanced: [{ name: this.network.name, aliases: [POSTGRES_ALIAS] }],
                healthcheck: {
                    tests: ["CMD-SHELL", `pg_isready -h localhost -U ${s.adminUser} -d postgres`],
                    interval: "5s",
                    timeout: "5s",
                    retries: 12,
                    startPeriod: "10s",
                },
                restart: "unless-stopped",
                wait: true,
                waitTimeout: 120,
            },
            child,
        );

        if (backups && socketVolume) {
            // Base backups: same image, same data volume and socket, no published port.
            this.backup = new docker.Container(
                `${name}-backup`,
                {
                    name: `pgstack-${stack}-backup`,
                    image: imageId,
                    user: "postgres",
                    entrypoints: ["bash", "-c"],
                    command: [backupSidecarScript()],
                    envs: [
                        pulumi.interpolate`PGUSER=${s.adminUser}`,
                        pulumi.secret(pulumi.interpolate`PGPASSWORD=${password.result}`),
                    ],
                    uploads: backupUploads,
                    volumes: [
                        { volumeName: this.volume.name, containerPath: PGBACKREST.dataPath },
                        { volumeName: socketVolume.name, containerPath: PGBACKREST.socketPath },
                    ],
                    networksAdvanced: [{ name: this.network.name }],
                    restart: "unless-stopped",
                },
                { ...child, dependsOn: [this.postgres] },
            );
        }

        let appPort: pulumi.Output<number> = pulumi.output(s.port);
        if (s.pgbouncer.enabled) {
            const b = s.pgbouncer;
            const bouncerImage = new docker.RemoteImage(
                `${name}-pgbouncer-image`,
                { name: b.image, keepLocally: true },
                child,
            );
            this.pgbouncer = new docker.Container(
                `${name}-pgbouncer`,
                {
                    name: `pgstack-${stack}-pgbouncer`,
                    image: bouncerImage.imageId,
                    command: ["pgbouncer", "/etc/pgbouncer/pgbouncer.ini"],
                    uploads: [
                        ...tlsUploads("/etc/pgbouncer/tls", "70"),
                        {
                            file: "/etc/pgbouncer/pgbouncer.ini",
                            content: pgbouncerIni({
                                adminUser: s.adminUser,
                                listenPort: 6432,
                                poolMode: b.poolMode,
                                maxClientConn: b.maxClientConn,
                                defaultPoolSize: b.defaultPoolSize,
                            }),
                            permissions: "0644",
                        },
                        {
                            // Only the auth_user's secret lives here; every other login is looked up.
                            file: "/etc/pgbouncer/userlist.txt",
                            content: pulumi.secret(pulumi.interpolate`"${s.adminUser}" "${password.result}"\n`),
                            permissions: "0600",
                            owner: "70",
                            group: "70",
                        },
                    ],
                    ports: [{ internal: 6432, external: b.port, ip: s.bindAddress }],
                    networksAdvanced: [{ name: this.network.name, aliases: ["pgbouncer"] }],
                    restart: "unless-stopped",
                },
                { ...child, dependsOn: [this.postgres] },
            );
            appPort = pulumi.output(b.port);
        }

        const provider = new postgresql.Provider(
            `${name}-provider`,
            {
                host: s.bindAddress,
                port: s.port,
                username: s.adminUser,
                password: password.result,
                database: "postgres",
                // Encrypted; the CA is generated in this same run, so it cannot be a file the provider reads yet.
                sslmode: "require",
                superuser: true,
                connectTimeout: 30,
            },
            { ...child, dependsOn: [this.postgres] },
        );

        this.endpoint = {
            host: pulumi.output(s.bindAddress),
            port: pulumi.output(s.port),
            appHost: pulumi.output(s.bindAddress),
            appPort,
            adminUser: pulumi.output(s.adminUser),
            adminPassword: pulumi.secret(password.result),
            sslmode: "require",
            caCertPath: pulumi.output(s.caCertPath),
            caCert: certs.caCertPem,
            provider,
        };
        this.registerOutputs({ caCert: certs.caCertPem });
    }
}
