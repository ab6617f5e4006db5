/**
 * The application contract, proven with the clients applications use, each with its
 * default settings, on a stack brought up by the real engine, through the real local pgBouncer
 * (session pooling on DATABASE_URL: Debian's 1.18 cannot keep prepared statements in transaction
 * pooling). One stack for every client; an Alembic migration (examples/alembic) as the service role
 * creates the shared table app.notes and guards it with enable_tenant_rls. Each client then, as the
 * app role: two tenants by SET LOCAL ROLE (examples/tenantCheckout.ts's set_config pair), each
 * seeing only its own rows and naming the table unqualified; the same query 30 times on 3 pooled
 * connections; a write as the read-only role (refused); a portable DSN with a copy of the CA in
 * another folder (verify-full).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Pool } from "pg";
import { asTenant } from "../../examples/tenantCheckout";
import { portablePool } from "../../examples/portableClient";
import { LocalPooler, localPooler } from "../../scripts/lib/localServices";
import {
    client,
    dropDatabasesAndRoles,
    localPg,
    LocalPg,
    localServerConfig,
    ownOrDeadRun,
    ProjectStack,
    query,
    REPO,
    withClient,
} from "./support";

const DB = `it_clients_${process.pid}`;
const PREFIX = `${DB}_t_`;
const PYTHON = "/usr/bin/python3";

interface Outputs {
    DATABASE_URL: string;
    DATABASE_URL_PORTABLE: string;
    DATABASE_SERVICE_URL: string;
    DATABASE_READONLY_URL: string;
    DATABASE_SQLALCHEMY_URL: string;
    DATABASE_URL_TRANSACTION_POOLED: string;
    caCertificate: string;
    tenantRoles: Record<string, string>;
    tenantSearchPaths: Record<string, string>;
}

interface ClientResult {
    seen: Record<string, string[]>;
    repeated: number;
    readonlyError: string | null;
    portableSsl: boolean;
}

let pg: LocalPg;
let pooler: LocalPooler;
let stack: ProjectStack;
let o: Outputs;
let caCopy: string;

const tenants = () =>
    Object.fromEntries(
        Object.keys(o.tenantRoles).map((id) => [id, { role: o.tenantRoles[id], searchPath: o.tenantSearchPaths[id] }]),
    );

/** The environment every client program gets; the CA comes from the copy, never the deploy path. */
const clientEnv = (run: string): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    HOME: os.tmpdir(),
    APP_URL: o.DATABASE_URL,
    READONLY_URL: o.DATABASE_READONLY_URL,
    PORTABLE_URL: o.DATABASE_URL_PORTABLE,
    PGSSLROOTCERT: caCopy,
    TENANTS: JSON.stringify(tenants()),
    RUN: run,
});

function runProgram(cmd: string, args: string[], env: NodeJS.ProcessEnv): string {
    const r = spawnSync(cmd, args, { cwd: REPO, env, encoding: "utf8", timeout: 120_000 });
    if (r.status !== 0) throw new Error(`${path.basename(cmd)} ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
    return r.stdout;
}

beforeAll(async () => {
    pg = localPg();
    pooler = localPooler();
    await dropDatabasesAndRoles(pg, "it\\_clients\\_%", ownOrDeadRun("it_clients"));
    stack = await ProjectStack.open(`it-clients-${process.pid}`);
    await stack.configure(
        {
            environment: "local",
            server: {
                ...localServerConfig(pg),
                pooler: {
                    host: pooler.host,
                    port: pooler.port,
                    authUser: pooler.authUser,
                    poolMode: "session",
                    version: pooler.version,
                    transactionPort: pooler.transactionPort,
                },
            },
            databaseName: DB,
            schemas: ["app"],
            readonlyRole: true,
            tenantRolePrefix: PREFIX,
            tenantAccess: "both",
            tenants: [{ id: "acme" }, { id: "globex" }],
        },
        { adminPassword: pg.password },
    );
    await stack.stack.up({ color: "never", onOutput: () => undefined });
    o = (await stack.outputValues()) as unknown as Outputs;
    // The CA as an app elsewhere gets it: the caCertificate output, in a folder of its own.
    caCopy = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "pgstack-ca-copy-")), "root.crt");
    fs.writeFileSync(caCopy, o.caCertificate);
    // The migration: Alembic as the service role, the DSN in the environment only.
    runProgram(PYTHON, ["-m", "alembic", "-c", "examples/alembic/alembic.ini", "upgrade", "head"], {
        PATH: process.env.PATH,
        HOME: os.tmpdir(),
        DATABASE_SERVICE_URL: o.DATABASE_SERVICE_URL,
    });
}, 600_000);

afterAll(async () => {
    await stack?.remove();
    if (pg) await dropDatabasesAndRoles(pg, "it\\_clients\\_%", ownOrDeadRun("it_clients"));
});

/** What every client must have seen. */
function expectContract(r: ClientResult): void {
    expect(r.seen).toEqual({ acme: ["acme"], globex: ["globex"] });
    expect(r.repeated).toBe(90);
    expect(r.readonlyError).toMatch(/permission denied/);
    expect(r.portableSsl).toBe(true);
}

test("the Alembic migration (examples/alembic, service role) created app.notes under forced RLS, granted to the tenants group by the helper", async () => {
    const facts = await withClient(client(pg, { database: DB }), (c) =>
        query(
            c,
            `SELECT relrowsecurity AS rls, relforcerowsecurity AS forced,
                    has_table_privilege($1, 'app.notes', 'INSERT') AS tenants
               FROM pg_class WHERE oid = 'app.notes'::regclass`,
            [`${DB}_tenants`],
        ),
    );
    expect(facts).toEqual([{ rls: true, forced: true, tenants: true }]);
    // DATABASE_URL goes through the session-pooled listener; the transaction-pooled one is its own output.
    expect(Number(new URL(o.DATABASE_URL).port)).toBe(pooler.port);
    expect(Number(new URL(o.DATABASE_URL_TRANSACTION_POOLED).port)).toBe(pooler.transactionPort);
    expect(new URL(o.DATABASE_URL_PORTABLE).searchParams.get("sslrootcert")).toBeNull();
});

test.each(["psycopg", "psycopg2", "sqlalchemy-psycopg2"])(
    "%s (Python, default settings): two tenants by SET LOCAL ROLE, 3 x 30 repeated queries, read-only refused, portable DSN with a CA copy",
    (driver) => {
        expectContract(JSON.parse(runProgram(PYTHON, ["test/clients/client.py", driver], clientEnv(driver))));
    },
);

test("pgx v5 (Go, default statement cache): the same contract", () => {
    const bin = runProgram("bash", ["test/clients/pgx/build.sh"], process.env).trim();
    expectContract(JSON.parse(runProgram(bin, [], clientEnv("pgx"))));
});

test("node-postgres: the README's checkout (examples/tenantCheckout.ts), named statements 3 x 30, read-only refused, portable DSN with ssl.ca", async () => {
    const pool = new Pool({ connectionString: o.DATABASE_URL, max: 3 });
    try {
        const seen: Record<string, string[]> = {};
        for (const [id, t] of Object.entries(tenants())) {
            seen[id] = await asTenant(pool, t, async (c) => {
                await c.query("INSERT INTO notes (tenant_id, body) VALUES ($1, 'node')", [id]);
                return (await c.query("SELECT DISTINCT tenant_id FROM notes ORDER BY 1")).rows.map(
                    (r: { tenant_id: string }) => r.tenant_id,
                );
            });
        }
        const conns = await Promise.all([pool.connect(), pool.connect(), pool.connect()]);
        let repeated = 0;
        try {
            for (let i = 0; i < 30; i++) {
                for (const c of conns) {
                    await c.query({
                        name: "count-notes",
                        text: "SELECT count(*) FROM app.notes WHERE body = $1",
                        values: ["node"],
                    });
                    repeated += 1;
                }
            }
        } finally {
            for (const c of conns) c.release();
        }
        const ro = new Pool({ connectionString: o.DATABASE_READONLY_URL, max: 1 });
        const readonlyError = await ro
            .query("INSERT INTO app.notes (tenant_id, body) VALUES ('acme', 'ro')")
            .then(
                () => null,
                (e: Error) => e.message,
            )
            .finally(() => ro.end());
        const portable = portablePool(o.DATABASE_URL_PORTABLE, caCopy);
        const ssl = await portable
            .query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            .finally(() => portable.end());
        expectContract({ seen, repeated, readonlyError, portableSsl: ssl.rows[0].ssl });
    } finally {
        await pool.end();
    }
});

test("psql (libpq): two tenants by SET LOCAL ROLE, 3 x 30 repeated queries, read-only refused, portable DSN with PGSSLROOTCERT", () => {
    const env = clientEnv("psql");
    const psql = (url: string, ...sql: string[]) =>
        spawnSync("psql", ["-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", url, ...sql.flatMap((q) => ["-c", q])], {
            env,
            encoding: "utf8",
        });
    const seen: Record<string, string[]> = {};
    for (const [id, t] of Object.entries(tenants())) {
        const r = psql(
            o.DATABASE_URL,
            `BEGIN;
             SELECT FROM set_config('role', '${t.role}', true) r, set_config('search_path', '${t.searchPath}', true) p;
             INSERT INTO notes (tenant_id, body) VALUES ('${id}', 'psql');
             SELECT DISTINCT tenant_id FROM notes ORDER BY 1;
             COMMIT;`,
        );
        expect(r.stderr).toBe("");
        seen[id] = r.stdout.trim().split("\n");
    }
    let repeated = 0;
    for (let conn = 0; conn < 3; conn++) {
        // 30 commands on one connection.
        const r = psql(o.DATABASE_URL, ...Array<string>(30).fill("SELECT count(*) FROM app.notes WHERE body = 'psql'"));
        if (r.status === 0)
            repeated += r.stdout
                .trim()
                .split("\n")
                .filter((l) => /^\d+$/.test(l)).length;
    }
    const ro = psql(o.DATABASE_READONLY_URL, "INSERT INTO app.notes (tenant_id, body) VALUES ('acme', 'ro')");
    const portable = psql(o.DATABASE_URL_PORTABLE, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()");
    expect(portable.stderr).toBe("");
    expectContract({
        seen,
        repeated,
        readonlyError: ro.status === 0 ? null : ro.stderr,
        portableSsl: portable.stdout.trim() === "t",
    });
});

test("the SQLAlchemy URL output (postgresql+psycopg://) carries what SQLAlchemy 2's psycopg dialect hands psycopg, and psycopg connects with it", () => {
    const script = [
        "import os, psycopg",
        "from sqlalchemy.engine import make_url",
        "u = make_url(os.environ['U'])",
        "c = psycopg.connect(host=u.host, port=u.port, user=u.username, password=u.password, dbname=u.database, **u.query)",
        "print(u.drivername, c.execute('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()').fetchone()[0])",
    ].join("\n");
    const out = runProgram(PYTHON, ["-c", script], { PATH: process.env.PATH, U: o.DATABASE_SQLALCHEMY_URL });
    expect(out.trim()).toBe("postgresql+psycopg True");
});
