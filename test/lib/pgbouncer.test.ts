import {
    AUTH_ROLE_CONNECTION_LIMIT,
    authLookupBody,
    authQuery,
    imageVersion,
    PgbouncerIniOptions,
    preparedStatementsProblem,
    renderPgbouncerIni,
    userlistLine,
    versionAtLeast,
} from "../../lib/pgbouncer";

const base = (extra: Partial<PgbouncerIniOptions> = {}): PgbouncerIniOptions => ({
    listenAddr: "0.0.0.0",
    listenPort: 6432,
    databases: [{ name: "*", host: "postgres", port: 5432 }],
    authFile: "/etc/pgbouncer/userlist.txt",
    poolMode: "transaction",
    maxClientConn: 500,
    defaultPoolSize: 20,
    clientTls: { sslmode: "require", certFile: "/tls/server.crt", keyFile: "/tls/server.key" },
    serverTls: { sslmode: "verify-full", caFile: "/tls/ca.crt" },
    ...extra,
});

/** The [pgbouncer] section as key -> value. */
function settings(ini: string): Record<string, string> {
    const section = ini.split("[pgbouncer]")[1];
    return Object.fromEntries(
        section
            .split("\n")
            .filter((l) => l.includes(" = "))
            .map((l) => [l.slice(0, l.indexOf(" = ")), l.slice(l.indexOf(" = ") + 3)]),
    );
}

test("transaction pooling resets every server connection with DISCARD ALL, in every pool mode", () => {
    const s = settings(renderPgbouncerIni(base()));
    expect(s.pool_mode).toBe("transaction");
    expect(s.server_reset_query).toBe("DISCARD ALL");
    expect(s.server_reset_query_always).toBe("1");
});

test("pgBouncer logs in as pgbouncer_auth and looks users up through the SECURITY DEFINER function, never pg_shadow itself", () => {
    const s = settings(renderPgbouncerIni(base()));
    expect(s.auth_user).toBe("pgbouncer_auth");
    expect(s.auth_query).toBe("SELECT $1, pgbouncer.get_auth($1)");
    expect(s.auth_query).not.toContain("pg_shadow");
    expect(s.auth_dbname).toBeUndefined();
    expect(s.auth_type).toBe("scram-sha-256");
    expect(authQuery("bouncer")).toBe("SELECT $1, bouncer.get_auth($1)");
    expect(() => authQuery("x; DROP TABLE t")).toThrow(/identifier/);
});

test("the lookup never returns a superuser's secret and names everything in pg_catalog", () => {
    const body = authLookupBody();
    expect(body).toContain("FROM pg_catalog.pg_shadow s");
    expect(body).toContain("NOT s.usesuper");
    expect(body).toContain("OPERATOR(pg_catalog.=)");
});

test("the auth role holds a bounded number of connections, whoever creates it", () => {
    expect(AUTH_ROLE_CONNECTION_LIMIT).toBeGreaterThan(0);
    expect(AUTH_ROLE_CONNECTION_LIMIT).toBeLessThanOrEqual(20);
});

test("clients must use TLS; the server side is verified against a CA file", () => {
    const s = settings(renderPgbouncerIni(base()));
    expect(s).toMatchObject({
        client_tls_sslmode: "require",
        client_tls_cert_file: "/tls/server.crt",
        server_tls_sslmode: "verify-full",
        server_tls_ca_file: "/tls/ca.crt",
    });
    expect(() =>
        renderPgbouncerIni(base({ clientTls: { sslmode: "prefer" as "require", certFile: "a", keyFile: "b" } })),
    ).toThrow(/client TLS/);
    expect(() => renderPgbouncerIni(base({ serverTls: { sslmode: "verify-full" } }))).toThrow(/caFile/);
});

test("nobody gets the admin console unless asked; listen, socket, log and pid settings are options", () => {
    const plain = settings(renderPgbouncerIni(base()));
    expect(plain.admin_users).toBeUndefined();
    const local = settings(
        renderPgbouncerIni(
            base({
                listenAddr: "127.0.0.1",
                listenPort: 16432,
                unixSocketDir: "",
                logfile: "/run/pgb/pgbouncer.log",
                pidfile: "/run/pgb/pgbouncer.pid",
                adminUsers: ["ops"],
            }),
        ),
    );
    expect(local).toMatchObject({
        listen_addr: "127.0.0.1",
        listen_port: "16432",
        unix_socket_dir: "",
        logfile: "/run/pgb/pgbouncer.log",
        pidfile: "/run/pgb/pgbouncer.pid",
        admin_users: "ops",
    });
});

test("[databases] entries name the upstream host and port; values cannot inject settings", () => {
    const ini = renderPgbouncerIni(
        base({ databases: [{ name: "app", host: "127.0.0.1", port: 5433, dbname: "app", poolSize: 5 }] }),
    );
    expect(ini).toContain("[databases]\napp = host=127.0.0.1 port=5433 dbname=app pool_size=5\n");
    expect(() => renderPgbouncerIni(base({ listenAddr: "0.0.0.0\nadmin_users = x" }))).toThrow(/line break/);
    expect(() => renderPgbouncerIni(base({ databases: [{ name: "a = b", host: "h", port: 1 }] }))).toThrow();
});

test("userlist lines quote names and secrets, doubling embedded quotes", () => {
    expect(userlistLine("pgbouncer_auth", 'a"b')).toBe('"pgbouncer_auth" "a""b"\n');
    expect(() => userlistLine("u", "a\nb")).toThrow();
});

describe("prepared statements through the pooler", () => {
    test("imageVersion reads the pgBouncer version from an image tag", () => {
        expect(imageVersion("edoburu/pgbouncer:v1.24.1-p1")).toBe("1.24.1");
        expect(imageVersion("bitnami/pgbouncer:1.18.0")).toBe("1.18.0");
        expect(imageVersion("pgbouncer:latest")).toBeUndefined();
    });

    test("versionAtLeast compares numerically", () => {
        expect(versionAtLeast("1.21", "1.21")).toBe(true);
        expect(versionAtLeast("1.9", "1.21")).toBe(false);
        expect(versionAtLeast("1.24.1", "1.21")).toBe(true);
        expect(versionAtLeast("2.0", "1.21")).toBe(true);
    });

    test("session pooling, or >= 1.21 with max_prepared_statements, has no problem; a 1.18 transaction pooler is named with the fix", () => {
        expect(
            preparedStatementsProblem("k", { poolMode: "session", version: "1.18", maxPreparedStatements: 0 }),
        ).toBeUndefined();
        expect(
            preparedStatementsProblem("k", { poolMode: "transaction", version: "1.22", maxPreparedStatements: 100 }),
        ).toBeUndefined();
        const p = preparedStatementsProblem("pgstack:server.pooler", {
            poolMode: "transaction",
            version: "1.18",
            maxPreparedStatements: 0,
        });
        expect(p).toMatch(
            /^pgstack:server.pooler: pgBouncer 1.18 in transaction pooling cannot keep prepared statements/,
        );
        expect(p).toContain("pgstack:server.pooler.poolMode: session");
        expect(
            preparedStatementsProblem("k", { poolMode: "transaction", version: "1.22", maxPreparedStatements: 0 }),
        ).toMatch(/max_prepared_statements 0/);
        expect(preparedStatementsProblem("k", { poolMode: "transaction", maxPreparedStatements: 0 })).toMatch(
            /unknown pgBouncer version/,
        );
    });
});

test("max_prepared_statements is written when set (pgBouncer >= 1.21), and absent otherwise", () => {
    expect(renderPgbouncerIni(base({ maxPreparedStatements: 200 }))).toContain("\nmax_prepared_statements = 200\n");
    expect(renderPgbouncerIni(base())).not.toContain("max_prepared_statements");
});
