/**
 * Text the Docker server (components/server/docker.ts) writes into its containers: pg_hba.conf, the
 * postgres command line and the backup sidecar's script. Pure functions; pgbouncer.ini is in
 * lib/pgbouncer.ts, pgbackrest.conf in lib/backup.ts.
 */
import { PGBACKREST_STANZA } from "../config/constants";
import { pgBackRestArchiveCommand } from "./backup";

/** Network alias of the server container: pgBouncer and sidecars reach it by this name. */
export const POSTGRES_ALIAS = "postgres";
/** Where the server's TLS files are uploaded inside its container. */
export const TLS_DIR = "/etc/pgstack/tls";
export const HBA_FILE = "/etc/pgstack/pg_hba.conf";

/** pgBackRest inside the containers: one stanza for the one cluster. */
export const PGBACKREST = {
    config: "/etc/pgbackrest/pgbackrest.conf",
    stanza: PGBACKREST_STANZA,
    dataPath: "/var/lib/postgresql/data",
    socketPath: "/var/run/postgresql",
};

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

/** The server's settings: TLS on with the uploaded files, SCRAM, our hba file; WAL archiving with backups. */
export function postgresSettings(backups = false): Record<string, string> {
    const archive: Record<string, string> = backups
        ? {
              archive_mode: "on",
              archive_command: pgBackRestArchiveCommand(PGBACKREST.config, PGBACKREST.stanza),
              archive_timeout: "300",
              wal_level: "replica",
          }
        : {};
    return {
        ...archive,
        ssl: "on",
        ssl_cert_file: `${TLS_DIR}/server.crt`,
        ssl_key_file: `${TLS_DIR}/server.key`,
        ssl_ca_file: `${TLS_DIR}/ca.crt`,
        ssl_min_protocol_version: "TLSv1.2",
        hba_file: HBA_FILE,
        password_encryption: "scram-sha-256",
        shared_preload_libraries: "pg_stat_statements",
    };
}

/** `postgres -c k=v …` for the container's command. */
export function postgresCommand(backups = false): string[] {
    return ["postgres", ...Object.entries(postgresSettings(backups)).flatMap(([k, v]) => ["-c", `${k}=${v}`])];
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
