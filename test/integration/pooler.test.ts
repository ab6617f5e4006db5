/**
 * Issue 13 through the real engine: a stack with `server.pooler` pointing at the real local pgBouncer
 * (scripts/local-pgbouncer.sh: Debian's 1.18, TLS both ways, SCRAM, transaction pooling, DISCARD ALL),
 * tenant access `both`. Every promise is checked with `pg` clients using the stack's own DSNs: the app
 * and tenant DSNs go through the pooler, the service DSN goes direct.
 *
 * The tests run in order on one stack: each one starts from the state the previous one left.
 */
import * as fs from "fs";
import * as path from "path";
import type { Client } from "pg";
import { EngineEvent } from "@pulumi/pulumi/automation";
import { LocalPooler, localPooler, localServerConfig } from "../../scripts/lib/localServices";
import { asDsn, dsnClient, localPg, LocalPg, ProjectStack, query, withAdmin, withClient } from "./support";

const DB = "it_pooler";
const PREFIX = "it_pooler_t_";
const ROLE = {
    service: `${DB}_service`,
    app: `${DB}_app`,
    readonly: `${DB}_readonly`,
    connect: `${DB}_connect`,
    acme: `${PREFIX}acme`,
    globex: `${PREFIX}globex`,
};

let pg: LocalPg;
let pooler: LocalPooler;
let stack: ProjectStack;

interface Outputs {
    DATABASE_URL: string;
    DATABASE_SERVICE_URL: string;
    DATABASE_READONLY_URL: string;
    TENANT_DATABASE_URLS: Record<string, string>;
}

const config = (rotation: Record<string, string> = { seed: "s1" }) => ({
    environment: "local",
    server: {
        ...localServerConfig(pg),
        // The transaction-pooled listener: what these tests are about (the session-pooled one serves
        // the local stack's DATABASE_URL; clients.test.ts).
        pooler: {
            host: pooler.host,
            port: pooler.transactionPort,
            authUser: pooler.authUser,
            poolMode: "transaction",
            version: pooler.version,
        },
    },
    databaseName: DB,
    schemas: ["app"],
    readonlyRole: true,
    tenantRolePrefix: PREFIX,
    tenantAccess: "both",
    tenants: [{ id: "acme" }, { id: "globex" }],
    rotation,
});

/** Removes what an earlier run may have left on the shared local cluster. */
async function resetCluster(): Promise<void> {
    await withAdmin(pg, async (c) => {
        await c.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
        const roles = await query<{ rolname: string }>(
            c,
            "SELECT rolname FROM pg_roles WHERE rolname LIKE $1 ORDER BY length(rolname) DESC",
            [`${DB}\\_%`],
        );
        for (const { rolname } of roles) {
            await c.query(`DROP OWNED BY "${rolname}"`);
            await c.query(`DROP ROLE "${rolname}"`);
        }
    });
}

async function outputs(): Promise<Outputs> {
    return (await stack.outputValues()) as unknown as Outputs;
}

/** `pulumi up`; resolves to the steps that were not `same`. */
async function up(): Promise<string[]> {
    const changed: string[] = [];
    const onEvent = (e: EngineEvent) => {
        const m = e.resOutputsEvent?.metadata;
        if (m && m.op !== "same") changed.push(`${m.op} ${m.urn.split("::").pop()}`);
    };
    await stack.stack.up({ onEvent, color: "never", onOutput: () => undefined });
    return changed;
}

/** pgBouncer's answer to a wrong secret (SCRAM); the server's would be "password authentication failed". */
const AUTH_FAILED = /SASL authentication failed|password authentication failed/;

const poolerPid = () => Number(fs.readFileSync(path.join(pooler.dir, "pgbouncer-tx.pid"), "utf8").trim());

/** One value of the first row. */
async function one<T>(c: Client, sql: string, params: unknown[] = []): Promise<T> {
    const r = await c.query(sql, params);
    return Object.values(r.rows[0] as Record<string, unknown>)[0] as T;
}

beforeAll(async () => {
    pg = localPg();
    pooler = localPooler();
    await resetCluster();
    stack = await ProjectStack.open(`it-pooler-${process.pid}`);
    await stack.configure(config(), { adminPassword: pg.password });
});
afterAll(async () => {
    await stack?.remove();
});

describe("SET ROLE per checkout through a real pgBouncer (transaction pooling)", () => {
    test("P0: `up` converges with the pooler's auth lookup in the app database, and a second `up` changes nothing", async () => {
        expect(pooler.version).toMatch(/^1\.\d+/);
        expect((await up()).length).toBeGreaterThan(20);
        expect(await up()).toEqual([]);
        const o = await outputs();
        const port = (u: string) => Number(new URL(u).port);
        expect(port(o.DATABASE_URL)).toBe(pooler.transactionPort);
        expect(port(o.DATABASE_READONLY_URL)).toBe(pooler.transactionPort);
        for (const u of Object.values(o.TENANT_DATABASE_URLS)) expect(port(u)).toBe(pooler.transactionPort);
        expect(port(o.DATABASE_SERVICE_URL)).toBe(pg.port);
        // The function as the server holds it: SECURITY DEFINER, owned by the admin, EXECUTE for the auth user only.
        const facts = await withAdmin(
            pg,
            (c) =>
                query(
                    c,
                    `SELECT p.prosecdef, pg_get_userbyid(p.proowner) AS owner,
                            has_function_privilege($1, p.oid, 'EXECUTE') AS auth,
                            has_function_privilege($2, p.oid, 'EXECUTE') AS app,
                            has_function_privilege($3, p.oid, 'EXECUTE') AS service,
                            p.proacl::text AS acl
                       FROM pg_proc p WHERE p.oid = 'pgbouncer.get_auth(text)'::regprocedure`,
                    [pooler.authUser, ROLE.app, ROLE.service],
                ),
            DB,
        );
        expect(facts).toEqual([
            {
                prosecdef: true,
                owner: pg.user,
                auth: true,
                app: false,
                service: false,
                acl: expect.not.stringMatching(/(^|[{,])=X/),
            },
        ]);
    });

    test("P1: through the pooler, the app role's SET LOCAL ROLE <tenant> sees exactly that tenant's schema, current_tenant_id() and rows", async () => {
        const o = await outputs();
        // A migration, as the service role (direct): tenant tables, a shared table under the RLS contract.
        await withClient(dsnClient(o.DATABASE_SERVICE_URL), async (c) => {
            for (const t of ["acme", "globex"]) {
                await c.query(`CREATE TABLE tenant_${t}.items (v text)`);
                await c.query(`INSERT INTO tenant_${t}.items VALUES ($1)`, [`${t}-item`]);
            }
            await c.query("CREATE TABLE app.shared (tenant_id text NOT NULL, v text)");
            await c.query("SELECT pgstack.enable_tenant_rls('app.shared')");
            for (const t of ["acme", "globex"]) {
                await c.query("BEGIN");
                await c.query("SELECT set_config('app.tenant_id', $1, true)", [t]);
                await c.query("INSERT INTO app.shared VALUES ($1, $2)", [t, `${t}-row`]);
                await c.query("COMMIT");
            }
        });
        await withClient(dsnClient(o.DATABASE_URL), async (c) => {
            for (const [t, other] of [
                ["acme", "globex"],
                ["globex", "acme"],
            ]) {
                // The checkout hook of README's "setrole" example: SET LOCAL ROLE in the transaction.
                await c.query("BEGIN");
                await c.query(`SET LOCAL ROLE ${PREFIX}${t}`);
                expect(
                    (
                        await c.query(
                            "SELECT session_user::text AS s, current_user::text AS u, pgstack.current_tenant_id() AS t",
                        )
                    ).rows,
                ).toEqual([{ s: ROLE.app, u: `${PREFIX}${t}`, t }]);
                expect((await c.query(`SELECT v FROM tenant_${t}.items`)).rows).toEqual([{ v: `${t}-item` }]);
                expect((await c.query("SELECT v FROM app.shared")).rows).toEqual([{ v: `${t}-row` }]);
                await c.query("SAVEPOINT other");
                await expect(c.query(`SELECT v FROM tenant_${other}.items`)).rejects.toThrow(/permission denied/);
                await c.query("ROLLBACK TO SAVEPOINT other");
                await expect(c.query("INSERT INTO app.shared VALUES ($1, 'forged')", [other])).rejects.toThrow(
                    /row-level security/,
                );
                await c.query("ROLLBACK");
            }
            // The same with set_config('role', …, true), as a parameterized query can do it.
            await c.query("BEGIN");
            await c.query("SELECT set_config('role', $1, true)", [ROLE.acme]);
            expect(await one(c, "SELECT pgstack.current_tenant_id()")).toBe("acme");
            await c.query("INSERT INTO app.shared VALUES ('acme', 'acme-row-2')");
            expect((await c.query("SELECT v FROM app.shared ORDER BY v")).rows).toEqual([
                { v: "acme-row" },
                { v: "acme-row-2" },
            ]);
            await c.query("COMMIT");
            // Connected through the pooler, over TLS, to the server behind it.
            expect(await one(c, "SELECT inet_server_port()")).toBe(pg.port);
        });
    });

    test("P2: without SET ROLE, or after RESET ROLE, the app role reads no tenant schema and no shared row", async () => {
        const o = await outputs();
        await withClient(dsnClient(o.DATABASE_URL), async (c) => {
            expect(await one(c, "SELECT pgstack.current_tenant_id()")).toBeNull();
            for (const t of ["acme", "globex"]) {
                await expect(c.query(`SELECT v FROM tenant_${t}.items`)).rejects.toThrow(/permission denied/);
            }
            expect((await c.query("SELECT v FROM app.shared")).rows).toEqual([]);
            await c.query("BEGIN");
            await c.query(`SET LOCAL ROLE ${ROLE.acme}`);
            await c.query("RESET ROLE");
            expect(await one(c, "SELECT current_user::text")).toBe(ROLE.app);
            expect(await one(c, "SELECT pgstack.current_tenant_id()")).toBeNull();
            await expect(c.query("SELECT v FROM tenant_acme.items")).rejects.toThrow(/permission denied/);
            await c.query("ROLLBACK");
            // After the transaction that set it, the role is gone too.
            expect(await one(c, "SELECT current_user::text")).toBe(ROLE.app);
        });
    });

    test("P3: the app role cannot SET ROLE to the service or read-only role; a tenant's own login cannot SET ROLE to another tenant", async () => {
        const o = await outputs();
        await withClient(dsnClient(o.DATABASE_URL), async (c) => {
            for (const r of [ROLE.service, ROLE.readonly, pg.user]) {
                await expect(c.query(`SET ROLE ${r}`)).rejects.toThrow(/permission denied to set role/);
                await c.query("BEGIN");
                await expect(c.query("SELECT set_config('role', $1, true)", [r])).rejects.toThrow(
                    /permission denied to set role/,
                );
                await c.query("ROLLBACK");
            }
        });
        await withClient(dsnClient(o.TENANT_DATABASE_URLS.acme), async (c) => {
            expect(await one(c, "SELECT pgstack.current_tenant_id()")).toBe("acme");
            for (const r of [ROLE.globex, ROLE.app, ROLE.service]) {
                await expect(c.query(`SET ROLE ${r}`)).rejects.toThrow(/permission denied to set role/);
            }
            expect((await c.query("SELECT v FROM tenant_acme.items")).rows).toEqual([{ v: "acme-item" }]);
            await expect(c.query("SELECT v FROM tenant_globex.items")).rejects.toThrow(/permission denied/);
        });
    });

    test("a session-level SET in one pooled client never reaches the next client", async () => {
        const o = await outputs();
        const a = dsnClient(o.DATABASE_URL);
        const b = dsnClient(o.DATABASE_URL);
        await a.connect();
        await b.connect();
        try {
            // Client A does what transaction pooling forbids: session-level SET ROLE and SET app.tenant_id.
            // (One simple-protocol message: one pooled transaction, so the pid is that of A's server connection.)
            const res = (await a.query(
                `SET ROLE ${ROLE.acme}; SET app.tenant_id = 'acme'; SELECT pg_backend_pid() AS pid, current_user::text AS u`,
            )) as unknown as { rows: { pid: number; u: string }[] }[];
            const { pid, u } = res[2].rows[0];
            expect(u).toBe(ROLE.acme);
            // Client B gets that same server connection (LIFO reuse in a small pool), and nothing of A's.
            const seen = (
                await b.query(
                    `SELECT pg_backend_pid() AS pid, current_user::text AS u,
                            coalesce(current_setting('app.tenant_id', true), '') AS setting,
                            pgstack.current_tenant_id() AS t`,
                )
            ).rows[0];
            expect(seen).toEqual({ pid, u: ROLE.app, setting: "", t: null });
            await expect(b.query("SELECT v FROM tenant_acme.items")).rejects.toThrow(/permission denied/);
            expect((await b.query("SELECT v FROM app.shared")).rows).toEqual([]);
            // Not even A keeps it into its own next transaction: only SET LOCAL / set_config(…, true) are safe.
            expect((await a.query("SELECT current_user::text AS u, pgstack.current_tenant_id() AS t")).rows).toEqual([
                { u: ROLE.app, t: null },
            ]);
        } finally {
            await a.end();
            await b.end();
        }
    });

    test("P4: a non-TLS connection to the pooler is refused; the pooler's certificate verifies (verify-full)", async () => {
        const o = await outputs();
        const url = new URL(o.DATABASE_URL);
        expect(url.searchParams.get("sslmode")).toBe("verify-full");
        const plain = new URL(o.DATABASE_URL);
        plain.searchParams.set("sslmode", "disable");
        plain.searchParams.delete("sslrootcert");
        await expect(asDsn(plain.toString(), "SELECT 1")).rejects.toThrow(/SSL required/);
        const tenantPlain = new URL(o.TENANT_DATABASE_URLS.acme);
        tenantPlain.searchParams.set("sslmode", "disable");
        tenantPlain.searchParams.delete("sslrootcert");
        await expect(asDsn(tenantPlain.toString(), "SELECT 1")).rejects.toThrow(/SSL required/);
        expect(await asDsn(o.DATABASE_URL, "SELECT 1 AS ok")).toEqual([{ ok: 1 }]);
    });

    test("P5: the lookup never serves a superuser's secret, and only the auth user may run it", async () => {
        const o = await outputs();
        // The admin (a superuser) with its right password is refused by the pooler: the lookup returns NULL.
        const viaPooler = new URL(o.DATABASE_URL);
        viaPooler.username = pg.user;
        viaPooler.password = pg.password;
        await expect(asDsn(viaPooler.toString(), "SELECT 1")).rejects.toThrow(AUTH_FAILED);
        for (const url of [o.DATABASE_SERVICE_URL, o.DATABASE_URL, o.TENANT_DATABASE_URLS.acme]) {
            await expect(asDsn(url, "SELECT pgbouncer.get_auth($1)", [ROLE.app])).rejects.toThrow(/permission denied/);
        }
        expect(
            await withAdmin(
                pg,
                (c) =>
                    query(c, "SELECT pgbouncer.get_auth($1) AS s, pgbouncer.get_auth($2) AS su", [ROLE.app, pg.user]),
                DB,
            ),
        ).toEqual([{ s: expect.stringMatching(/^SCRAM-SHA-256\$/), su: null }]);
    });

    test("P6: after a rotation of the app password the new one works through the pooler and the old one does not, with no restart", async () => {
        const before = await outputs();
        const pid = poolerPid();
        // Pooled server connections of the app role exist before the rotation.
        await asDsn(before.DATABASE_URL, "SELECT 1");
        await stack.configure(config({ seed: "s1", app: "r2" }));
        const changed = await up();
        expect(changed.some((s) => s.includes("app-password"))).toBe(true);
        const after = await outputs();
        expect(after.DATABASE_URL).not.toBe(before.DATABASE_URL);
        await expect(asDsn(before.DATABASE_URL, "SELECT 1")).rejects.toThrow(AUTH_FAILED);
        await withClient(dsnClient(after.DATABASE_URL), async (c) => {
            await c.query("BEGIN");
            await c.query(`SET LOCAL ROLE ${ROLE.globex}`);
            expect((await c.query("SELECT v FROM app.shared")).rows).toEqual([{ v: "globex-row" }]);
            await c.query("COMMIT");
        });
        // Other logins were not rotated and still work through the pooler.
        expect(after.TENANT_DATABASE_URLS.acme).toBe(before.TENANT_DATABASE_URLS.acme);
        await asDsn(after.TENANT_DATABASE_URLS.acme, "SELECT 1");
        expect(poolerPid()).toBe(pid);
        expect(await up()).toEqual([]);
    });

    test("P7: `preview` prints one warning naming pgBouncer 1.18 in transaction pooling and what to do (prepared statements)", async () => {
        // The engine's diagnostic events (the CLI shows each warning twice: inline and in its summary).
        const warnings: string[] = [];
        await stack.stack.preview({
            color: "never",
            onOutput: () => undefined,
            onEvent: (e) => {
                if (e.diagnosticEvent?.severity === "warning") warnings.push(e.diagnosticEvent.message);
            },
        });
        const prepared = warnings.filter((w) => /prepared statements/.test(w));
        expect(prepared).toHaveLength(1);
        expect(prepared[0]).toMatch(/pgBouncer 1\.18[.\d]* in transaction pooling cannot keep prepared statements/);
        expect(prepared[0]).toContain("pgstack:server.pooler.poolMode: session");
    });
});
