/**
 * A local PostgreSQL 16 in Docker: a private network, a named volume (kept when the container is
 * replaced and when it leaves the stack), TLS from certificates the stack generates (the CA is also
 * written to `server.caCertPath`), a pg_hba.conf that allows only `hostssl … scram-sha-256`, a health
 * check, and pgBouncer in front for the app (its own auth role, see lib/pgbouncer.ts). Every
 * published port is bound to 127.0.0.1. The text it writes into containers is rendered in lib/.
 */
import * as docker from "@pulumi/docker";
import * as local from "@pulumi/local";
import * as postgresql from "@pulumi/postgresql";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import type { DataProtection, DockerServerConfig, Environment } from "../../config/schema";
import { BackupTarget, renderPgBackRestConfig } from "../../lib/backup";
import {
    backupSidecarScript,
    HBA_FILE,
    PGBACKREST,
    pgHbaConf,
    POSTGRES_ALIAS,
    postgresCommand,
    TLS_DIR,
} from "../../lib/dockerRender";
import {
    AUTH_ROLE_CONNECTION_LIMIT,
    imageVersion,
    PGBOUNCER_AUTH_USER,
    preparedStatementsProblem,
    renderPgbouncerIni,
    userlistLine,
} from "../../lib/pgbouncer";
import { rotatingPassword, rotationKeepers } from "../passwords";
import type { PoolerEndpoint, ServerEndpoint } from "./endpoint";
import { AdminConnection, adminProvider } from "./provider";
import { ServerCerts } from "./tlsCerts";

/** pgBouncer's config directory inside its container. */
const BOUNCER_DIR = "/etc/pgbouncer";

export interface DockerPostgresArgs {
    server: DockerServerConfig;
    environment: Environment;
    rotation: { seed: string; admin?: string };
    protection: DataProtection;
    /** The backup bucket (secret): WAL is archived there with pgBackRest, base backups by a sidecar. */
    backupTarget?: pulumi.Output<BackupTarget>;
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
            { ...child, retainOnDelete: true, protect: args.protection.protect },
        );
        const certs = new ServerCerts(
            `${name}-tls`,
            { dnsNames: [POSTGRES_ALIAS, "pgbouncer", "localhost"], ipAddresses: ["127.0.0.1"] },
            child,
        );
        // The CA on the deploy machine, where every DSN's sslrootcert points. The endpoint's
        // caCertPath is this file's name, so the DSNs resolve only once the file is written.
        const caFile = s.caCertPath
            ? new local.File(
                  `${name}-ca-file`,
                  { filename: s.caCertPath, content: certs.caCertPem, filePermission: "0644" },
                  child,
              )
            : undefined;
        // The image applies POSTGRES_PASSWORD only when it initialises an empty data directory, and
        // the volume outlives the container, so a new admin password would replace the container and
        // still be refused by the server. The admin password is therefore created once and never
        // rotated by pgstack:rotation in docker mode (ignoreChanges on the keepers); rotate it by hand
        // (docs/runbooks/rotate-credentials.md).
        const password = rotatingPassword(
            `${name}-admin-password`,
            rotationKeepers(args.rotation.seed, args.rotation.admin),
            { ...child, ignoreChanges: ["keepers"] },
        );
        const backups = args.backupTarget !== undefined;
        // With backups the server image is the configured one plus pgBackRest, built locally.
        // The local build is referenced by its image id (repoDigest of a local-only image), not its tag,
        // so a rebuilt image rolls the containers that run it.
        const imageId: pulumi.Output<string> = backups
            ? new docker.Image(
                  `${name}-image`,
                  {
                      imageName: `pgstack-${stack}-postgres:local`,
                      skipPush: true,
                      build: {
                          context: path.join(__dirname, "..", "..", "docker", "postgres-pgbackrest"),
                          args: { BASE_IMAGE: s.image },
                      },
                  },
                  child,
              ).repoDigest
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
                    { file: HBA_FILE, content: pgHbaConf(), permissions: "0644" },
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

        const admin: AdminConnection = {
            host: s.bindAddress,
            port: s.port,
            username: s.adminUser,
            password: password.result,
            // verify-full against the CA file once it is written; without a path, encrypted only.
            sslmode: caFile ? "verify-full" : "require",
            sslrootcert: caFile?.filename,
            superuser: true,
        };
        const provider = adminProvider(`${name}-provider`, admin, { ...child, dependsOn: [this.postgres] });

        let pooler: PoolerEndpoint | undefined;
        if (s.pgbouncer.enabled) {
            const b = s.pgbouncer;
            // pgBouncer logs in as its own auth role, which can only run the lookup function the access
            // layer installs in the app database (components/access/poolerAuth.ts, as for every pooler);
            // the admin password never reaches the pgBouncer container.
            const authPassword = rotatingPassword(
                `${name}-pgbouncer-auth-password`,
                rotationKeepers(args.rotation.seed, undefined),
                child,
            );
            const authRole = new postgresql.Role(
                `${name}-pgbouncer-auth-role`,
                {
                    name: PGBOUNCER_AUTH_USER,
                    login: true,
                    password: authPassword.result,
                    superuser: false,
                    createDatabase: false,
                    createRole: false,
                    replication: false,
                    bypassRowLevelSecurity: false,
                    inherit: false,
                    connectionLimit: AUTH_ROLE_CONNECTION_LIMIT,
                },
                { ...child, provider },
            );
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
                    command: ["pgbouncer", `${BOUNCER_DIR}/pgbouncer.ini`],
                    uploads: [
                        ...tlsUploads(`${BOUNCER_DIR}/tls`, "70"),
                        {
                            file: `${BOUNCER_DIR}/pgbouncer.ini`,
                            content: renderPgbouncerIni({
                                listenAddr: "0.0.0.0",
                                listenPort: 6432,
                                databases: [{ name: "*", host: POSTGRES_ALIAS, port: 5432 }],
                                authFile: `${BOUNCER_DIR}/userlist.txt`,
                                authUser: PGBOUNCER_AUTH_USER,
                                poolMode: b.poolMode,
                                maxClientConn: b.maxClientConn,
                                defaultPoolSize: b.defaultPoolSize,
                                maxPreparedStatements: b.maxPreparedStatements || undefined,
                                clientTls: {
                                    sslmode: "require",
                                    certFile: `${BOUNCER_DIR}/tls/server.crt`,
                                    keyFile: `${BOUNCER_DIR}/tls/server.key`,
                                    caFile: `${BOUNCER_DIR}/tls/ca.crt`,
                                },
                                serverTls: { sslmode: "verify-full", caFile: `${BOUNCER_DIR}/tls/ca.crt` },
                            }),
                            permissions: "0644",
                        },
                        {
                            // Only the auth user's secret lives here; every other login is looked up.
                            file: `${BOUNCER_DIR}/userlist.txt`,
                            content: pulumi.secret(
                                authPassword.result.apply((p) => userlistLine(PGBOUNCER_AUTH_USER, p)),
                            ),
                            permissions: "0600",
                            owner: "70",
                            group: "70",
                        },
                    ],
                    ports: [{ internal: 6432, external: b.port, ip: s.bindAddress }],
                    networksAdvanced: [{ name: this.network.name, aliases: ["pgbouncer"] }],
                    restart: "unless-stopped",
                },
                { ...child, dependsOn: [this.postgres, authRole] },
            );
            pooler = {
                host: pulumi.output(s.bindAddress),
                port: pulumi.output(b.port),
                authUser: authRole.name,
            };
            const problem = preparedStatementsProblem("pgstack:server.pgbouncer", {
                poolMode: b.poolMode,
                version: imageVersion(b.image),
                maxPreparedStatements: b.maxPreparedStatements,
            });
            if (problem) void pulumi.log.warn(problem, this);
        }

        this.endpoint = {
            host: pulumi.output(s.bindAddress),
            port: pulumi.output(s.port),
            pooler,
            adminUser: pulumi.output(s.adminUser),
            adminPassword: pulumi.secret(password.result),
            caCertPath: caFile ? caFile.filename : pulumi.output(undefined),
            caCert: certs.caCertPem,
            provider,
            admin,
            maintenanceDatabase: "postgres",
        };
        this.registerOutputs({ caCert: certs.caCertPem });
    }
}
