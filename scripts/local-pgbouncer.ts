/**
 * The config half of scripts/local-pgbouncer.sh (which starts and stops the process): for the local
 * cluster (the PGSTACK_PG_* facts of scripts/local-pg.sh, in the environment) it
 *   - creates the auth role `pgbouncer_auth` (LOGIN, no other right) if missing and sets its password
 *     from `<dir>/auth-password` (generated once) as a SCRAM verifier, so the password itself never
 *     reaches the server;
 *   - writes `<dir>/userlist.txt` (the auth role's secret only) and `<dir>/pgbouncer.ini`, rendered by
 *     lib/pgbouncer.ts's renderPgbouncerIni, the code docker mode uses: TLS required from clients (the
 *     cluster's server certificate), verify-full to the server (the cluster's CA), SCRAM, DISCARD ALL
 *     after every release, 127.0.0.1 only; session pooling on <port> (DATABASE_URL: prepared
 *     statements work with pgBouncer 1.18, which cannot keep them in transaction pooling), and
 *     `<dir>/pgbouncer-tx.ini`, a second process in transaction pooling on <txport>
 *     (DATABASE_URL_TRANSACTION_POOLED).
 * Prints `changed` when a file changed (the wrapper then reloads a running pooler), else `unchanged`.
 *
 *   ts-node --transpile-only scripts/local-pgbouncer.ts prepare <dir> <port> <txport>
 */
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { Client } from "pg";
import {
    AUTH_ROLE_CONNECTION_LIMIT,
    authQuery,
    PGBOUNCER_AUTH_USER,
    renderPgbouncerIni,
    scramSha256Verifier,
    userlistLine,
} from "../lib/pgbouncer";
import { quoteIdent, quoteLiteral } from "../lib/sql";

/** Pool size per (database, user): small, so a local run reuses server connections as production would. */
export const LOCAL_POOL_SIZE = 5;

function need(name: string): string {
    const v = process.env[name];
    if (!v) throw new Error(`${name} is not set (run through scripts/local-pgbouncer.sh)`);
    return v;
}

/** Writes `content` to `file` (mode) when it differs; true when it did. */
function writeIfChanged(file: string, content: string, mode: number): boolean {
    const same = fs.existsSync(file) && fs.readFileSync(file, "utf8") === content;
    if (!same) fs.writeFileSync(file, content, { mode });
    fs.chmodSync(file, mode);
    return !same;
}

async function ensureAuthRole(user: string, password: string): Promise<void> {
    const c = new Client({
        host: need("PGSTACK_PG_HOST"),
        port: Number(need("PGSTACK_PG_PORT")),
        user: need("PGSTACK_PG_USER"),
        password: fs.readFileSync(need("PGSTACK_PG_PASSWORD_FILE"), "utf8").trim(),
        database: "postgres",
        ssl: { ca: fs.readFileSync(need("PGSTACK_PG_CA"), "utf8"), servername: "localhost" },
        connectionTimeoutMillis: 10_000,
    });
    await c.connect();
    try {
        const role = quoteIdent(user);
        const exists = await c.query("SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1", [user]);
        if (exists.rowCount === 0) await c.query(`CREATE ROLE ${role} LOGIN`);
        // pgBouncer only runs the lookup function as this role: no other right, NOINHERIT, few connections.
        await c.query(
            `ALTER ROLE ${role} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS ` +
                `CONNECTION LIMIT ${AUTH_ROLE_CONNECTION_LIMIT} PASSWORD ${quoteLiteral(scramSha256Verifier(password))}`,
        );
    } finally {
        await c.end();
    }
}

async function prepare(dir: string, port: number, txPort: number): Promise<void> {
    const user = PGBOUNCER_AUTH_USER;
    fs.mkdirSync(dir, { recursive: true });
    const pwFile = path.join(dir, "auth-password");
    if (!fs.existsSync(pwFile)) fs.writeFileSync(pwFile, `${randomBytes(24).toString("hex")}\n`, { mode: 0o600 });
    const password = fs.readFileSync(pwFile, "utf8").trim();
    await ensureAuthRole(user, password);

    const tlsDir = path.dirname(need("PGSTACK_PG_CA"));
    const ini = (listenPort: number, poolMode: "session" | "transaction", name: string) =>
        renderPgbouncerIni({
            listenAddr: "127.0.0.1",
            listenPort,
            // No Unix socket: every client comes over TCP, and TCP takes TLS only.
            unixSocketDir: "",
            logfile: path.join(dir, `${name}.log`),
            pidfile: path.join(dir, `${name}.pid`),
            // Any database on the cluster; the lookup runs in the client's database (no auth_dbname in 1.18),
            // so a database without pgbouncer.get_auth refuses every login but the auth user's.
            databases: [{ name: "*", host: need("PGSTACK_PG_HOST"), port: Number(need("PGSTACK_PG_PORT")) }],
            authFile: path.join(dir, "userlist.txt"),
            authUser: user,
            authQuery: authQuery(),
            poolMode,
            maxClientConn: 200,
            defaultPoolSize: LOCAL_POOL_SIZE,
            clientTls: {
                sslmode: "require",
                certFile: path.join(tlsDir, "server.crt"),
                keyFile: path.join(tlsDir, "server.key"),
            },
            serverTls: { sslmode: "verify-full", caFile: need("PGSTACK_PG_CA") },
        });
    const a = writeIfChanged(path.join(dir, "userlist.txt"), userlistLine(user, password), 0o600);
    const b = writeIfChanged(path.join(dir, "pgbouncer.ini"), ini(port, "session", "pgbouncer"), 0o644);
    const t = writeIfChanged(path.join(dir, "pgbouncer-tx.ini"), ini(txPort, "transaction", "pgbouncer-tx"), 0o644);
    process.stdout.write(a || b || t ? "changed\n" : "unchanged\n");
}

const [cmd, dir, port, txPort] = process.argv.slice(2);
if (cmd !== "prepare" || !dir || !/^\d+$/.test(port ?? "") || !/^\d+$/.test(txPort ?? "")) {
    process.stderr.write("usage: local-pgbouncer.ts prepare <dir> <port> <txport>\n");
    process.exit(2);
}
prepare(dir, Number(port), Number(txPort)).catch((e: Error) => {
    process.stderr.write(`[local-pgbouncer] ${e.message}\n`);
    process.exit(1);
});
