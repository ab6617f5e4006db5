/**
 * The RDS parameter group's parameters: the stack's base set, the user's `server.parameters` on top,
 * and for each one the apply method AWS accepts.
 *
 * AWS refuses `immediate` for a static parameter (one PostgreSQL reads only at server start: context
 * `postmaster` in pg_settings), so one such parameter in `server.parameters` would break every `up`.
 * STATIC_PARAMETERS is the one list of them; test/lib/rdsParameters.test.ts checks it against the
 * `postmaster` parameters of the PostgreSQL binaries on this machine.
 */

/**
 * Parameters PostgreSQL only reads at start (context `postmaster`), for the major versions the stack
 * runs (16 and 17) plus the RDS-specific static ones. Lower-case: PostgreSQL names are case-insensitive.
 */
export const STATIC_PARAMETERS: ReadonlySet<string> = new Set([
    // Core PostgreSQL (pg_settings.context = 'postmaster').
    "archive_mode",
    "autovacuum_freeze_max_age",
    "autovacuum_max_workers",
    "autovacuum_multixact_freeze_max_age",
    "autovacuum_worker_slots",
    "bonjour",
    "bonjour_name",
    "cluster_name",
    "commit_timestamp_buffers",
    "data_directory",
    "data_sync_retry",
    "debug_io_direct",
    "dynamic_shared_memory_type",
    "event_source",
    "external_pid_file",
    "hba_file",
    "hot_standby",
    "huge_page_size",
    "huge_pages",
    "ident_file",
    "io_max_combine_limit",
    "io_method",
    "jit_provider",
    "listen_addresses",
    "logging_collector",
    "max_active_replication_origins",
    "max_connections",
    "max_files_per_process",
    "max_locks_per_transaction",
    "max_logical_replication_workers",
    "max_notify_queue_pages",
    "max_pred_locks_per_transaction",
    "max_prepared_transactions",
    "max_replication_slots",
    "max_wal_senders",
    "max_worker_processes",
    "min_dynamic_shared_memory",
    "multixact_member_buffers",
    "multixact_offset_buffers",
    "notify_buffers",
    "old_snapshot_threshold",
    "port",
    "recovery_target",
    "recovery_target_action",
    "recovery_target_inclusive",
    "recovery_target_lsn",
    "recovery_target_name",
    "recovery_target_time",
    "recovery_target_timeline",
    "recovery_target_xid",
    "serializable_buffers",
    "shared_buffers",
    "shared_memory_type",
    "shared_preload_libraries",
    "subtransaction_buffers",
    "superuser_reserved_connections",
    "reserved_connections",
    "track_activity_query_size",
    "track_commit_timestamp",
    "transaction_buffers",
    "unix_socket_directories",
    "unix_socket_group",
    "unix_socket_permissions",
    "wal_buffers",
    "wal_decode_buffer_size",
    "wal_level",
    "wal_log_hints",
    // Preloaded extensions' own static settings.
    "pg_stat_statements.max",
    "cron.database_name",
    "cron.max_running_jobs",
    // RDS-specific static parameters.
    "rds.logical_replication",
    "rds.rds_superuser_reserved_connections",
]);

/** Parameters every instance gets; config may add others but never weaken rds.force_ssl. */
export const BASE_PARAMETERS: Readonly<Record<string, string>> = {
    "rds.force_ssl": "1",
    shared_preload_libraries: "pg_stat_statements",
    "pg_stat_statements.track": "all",
    log_min_duration_statement: "1000",
    log_connections: "1",
    log_disconnections: "1",
    log_lock_waits: "1",
    log_temp_files: "0",
    password_encryption: "scram-sha-256",
};

export type ApplyMethod = "immediate" | "pending-reboot";

export interface RdsParameter {
    name: string;
    value: string;
    applyMethod: ApplyMethod;
}

/** `pending-reboot` for a static parameter (AWS refuses `immediate` there), `immediate` otherwise. */
export function applyMethodOf(name: string): ApplyMethod {
    return STATIC_PARAMETERS.has(name.toLowerCase()) ? "pending-reboot" : "immediate";
}

/** The parameter group's parameters, sorted by name: the base set, the extras, rds.force_ssl always 1. */
export function rdsParameters(extra: Record<string, string>): RdsParameter[] {
    const merged: Record<string, string> = { ...BASE_PARAMETERS, ...extra, "rds.force_ssl": "1" };
    return Object.keys(merged)
        .sort()
        .map((name) => ({ name, value: merged[name], applyMethod: applyMethodOf(name) }));
}
