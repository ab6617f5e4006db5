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
