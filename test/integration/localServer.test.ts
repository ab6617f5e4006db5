/** The local cluster the `local` stack and these tests use really enforces TLS and passwords. */
import * as fs from "fs";
import { client, localPg, LocalPg, query, withClient } from "./support";

let pg: LocalPg;
beforeAll(() => {
    pg = localPg();
});

test("a verify-full connection against the generated CA works, and is encrypted", async () => {
    const rows = await withClient(client(pg), (c) =>
        query<{ ssl: boolean }>(c, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"),
    );
    expect(rows[0].ssl).toBe(true);
});

test("a non-TLS connection is refused", async () => {
    await expect(withClient(client(pg, { ssl: false }), (c) => query(c, "SELECT 1"))).rejects.toThrow(
        /no pg_hba.conf entry|no encryption/,
    );
});

test("verify-full refuses a server whose certificate does not match the host name", async () => {
    await expect(
        withClient(client(pg, { ssl: { ca: fs.readFileSync(pg.ca, "utf8"), servername: "db.example.com" } }), (c) =>
            query(c, "SELECT 1"),
        ),
    ).rejects.toThrow(/Hostname\/IP does not match|altnames/);
});

test("a wrong password is refused (no trust authentication)", async () => {
    await expect(withClient(client(pg, { password: "not-the-password" }), (c) => query(c, "SELECT 1"))).rejects.toThrow(
        /password authentication failed/,
    );
});

test("the RDS-like admin is what an RDS master user is: CREATEROLE and CREATEDB, no SUPERUSER, REPLICATION or BYPASSRLS, rds_superuser's predefined roles, owner of postgres and template1", async () => {
    const rows = await withClient(client(pg, pg.rdsAdmin), (c) =>
        query(
            c,
            `SELECT r.rolsuper, r.rolcreaterole, r.rolcreatedb, r.rolreplication, r.rolbypassrls, r.rolcanlogin,
                    pg_has_role(r.rolname, 'rds_superuser', 'MEMBER') AS rds_superuser,
                    ARRAY(SELECT p FROM unnest(ARRAY['pg_monitor', 'pg_signal_backend', 'pg_checkpoint']) p
                          WHERE pg_has_role(r.rolname, p, 'USAGE')) AS predefined,
                    pg_has_role(r.rolname, 'pg_read_all_data', 'MEMBER') AS reads_all,
                    ARRAY(SELECT datname::text FROM pg_database WHERE datdba = r.oid ORDER BY 1) AS owns
               FROM pg_roles r WHERE r.rolname = current_user`,
        ),
    );
    expect(rows).toEqual([
        {
            rolsuper: false,
            rolcreaterole: true,
            rolcreatedb: true,
            rolreplication: false,
            rolbypassrls: false,
            rolcanlogin: true,
            rds_superuser: true,
            predefined: ["pg_monitor", "pg_signal_backend", "pg_checkpoint"],
            reads_all: false,
            owns: ["postgres", "template1"],
        },
    ]);
});
