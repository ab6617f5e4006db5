import {
    archiveSettings,
    hbaWithBackupLine,
    identWithBackupMap,
    localBackupPaths,
    localRestoreCommand,
    parseKeyEnvFile,
    renderCronFile,
    renderKeyEnvFile,
    renderWrapper,
} from "../../lib/localBackup";

const p = localBackupPaths("/var/tmp/pgstack/local-pg");

test("the backup files live in the cluster's directory, so destroying the cluster removes them", () => {
    expect(p).toMatchObject({
        dir: "/var/tmp/pgstack/local-pg/backup",
        config: "/var/tmp/pgstack/local-pg/backup/pgbackrest.conf",
        keyEnv: "/var/tmp/pgstack/local-pg/backup/repo.env",
        wrapper: "/var/tmp/pgstack/local-pg/backup/pgbackrest.sh",
    });
    expect(() => localBackupPaths("/tmp/a dir; rm -rf /")).toThrow(/PGSTACK_PG_DIR/);
    expect(() => localBackupPaths("relative/dir")).toThrow(/absolute path/);
});

test("the key file round-trips any value, quotes included, and refuses a line break", () => {
    const env = { PGBACKREST_REPO1_S3_KEY: "AKID", PGBACKREST_REPO1_S3_KEY_SECRET: "a'b$c\"d `e` \\f" };
    const text = renderKeyEnvFile(env);
    expect(text).toBe(`PGBACKREST_REPO1_S3_KEY='AKID'\nPGBACKREST_REPO1_S3_KEY_SECRET='a'\\''b$c"d \`e\` \\f'\n`);
    expect(parseKeyEnvFile(text)).toEqual(env);
    expect(() => renderKeyEnvFile({ K: "x\nPATH=/evil" })).toThrow(/line break/);
    expect(() => renderKeyEnvFile({ "bad name": "x" })).toThrow(/not an environment variable name/);
});

test("the wrapper exports the key file and runs pgBackRest with the config (no key on a command line)", () => {
    expect(renderWrapper(p)).toBe(
        [
            "#!/bin/sh",
            "# pgBackRest with the backup key from the key file (written by npm run backup -- setup).",
            "set -a",
            ". /var/tmp/pgstack/local-pg/backup/repo.env",
            "set +a",
            'exec pgbackrest --config=/var/tmp/pgstack/local-pg/backup/pgbackrest.conf "$@"',
            "",
        ].join("\n"),
    );
});

test("WAL archiving goes through the wrapper; a restored copy fetches WAL through it", () => {
    expect(archiveSettings(p, "local")).toEqual({
        wal_level: "replica",
        archive_mode: "on",
        archive_command: "/var/tmp/pgstack/local-pg/backup/pgbackrest.sh --stanza=local archive-push %p",
        archive_timeout: "300s",
    });
    expect(localRestoreCommand(p, "local", "/var/tmp/pgstack/local-pg/drill-1/data")).toBe(
        "/var/tmp/pgstack/local-pg/backup/pgbackrest.sh --stanza=local " +
            '--pg1-path=/var/tmp/pgstack/local-pg/drill-1/data archive-get %f "%p"',
    );
});

const hba = [
    "# pgstack: TLS + SCRAM only. No trust, no plaintext TCP, no local socket logins.",
    "hostssl all all 127.0.0.1/32 scram-sha-256",
    "",
].join("\n");

test("pg_hba gets one socket line for the admin by peer through the map, first, once; TCP lines stay", () => {
    const once = hbaWithBackupLine(hba, "pgstack_admin");
    expect(once.split("\n")).toEqual([
        "# pgstack backups: pgBackRest (the cluster's OS user) over the Unix socket",
        "local all pgstack_admin peer map=pgstack_backup",
        "# pgstack: TLS + SCRAM only. No trust, no plaintext TCP, no local socket logins.",
        "hostssl all all 127.0.0.1/32 scram-sha-256",
        "",
    ]);
    expect(hbaWithBackupLine(once, "pgstack_admin")).toBe(once);
    expect(() => hbaWithBackupLine(hba, "all")).not.toThrow();
    expect(() => hbaWithBackupLine(hba, "x y")).toThrow(/not a plain role name/);
});

test("pg_ident maps only the cluster's OS user to the admin, once", () => {
    const once = identWithBackupMap("# MAPNAME SYSTEM-USERNAME PG-USERNAME\n", "postgres", "pgstack_admin");
    expect(once).toBe("# MAPNAME SYSTEM-USERNAME PG-USERNAME\npgstack_backup postgres pgstack_admin\n");
    expect(identWithBackupMap(once, "postgres", "pgstack_admin")).toBe(once);
    expect(() => identWithBackupMap("", "/.*", "pgstack_admin")).toThrow(/OS user/);
});

test("the schedule: a nightly full backup, a dump half an hour later, freshness every 15 minutes", () => {
    const text = renderCronFile({
        repo: "/srv/pgstack",
        env: { PGSTACK_PG_DIR: "/var/tmp/pgstack/local-pg", PATH: "/usr/bin:/bin" },
        user: "root",
        logFile: "/var/log/pgstack-backup.log",
        textfile: "/var/lib/node_exporter/pgstack_backup.prom",
        minute: 45,
        hour: 23,
    });
    expect(text.split("\n")).toEqual([
        "# pgstack: backups of the local cluster (npm run backup -- schedule --install writes this file)",
        "SHELL=/bin/bash",
        "PGSTACK_PG_DIR=/var/tmp/pgstack/local-pg",
        "PATH=/usr/bin:/bin",
        "45 23 * * * root cd /srv/pgstack && npm run --silent backup -- backup >>/var/log/pgstack-backup.log 2>&1",
        "15 0 * * * root cd /srv/pgstack && npm run --silent backup -- dump >>/var/log/pgstack-backup.log 2>&1",
        "*/15 * * * * root cd /srv/pgstack && npm run --silent backup -- freshness --textfile=/var/lib/node_exporter/pgstack_backup.prom >>/var/log/pgstack-backup.log 2>&1",
        "",
    ]);
    expect(() => renderCronFile({ repo: "/r", env: { X: "a b" }, user: "root", logFile: "/l" })).toThrow(/X cannot/);
    expect(() => renderCronFile({ repo: "/r", env: {}, user: "root", logFile: "/l", hour: 24 })).toThrow(/hour/);
});
