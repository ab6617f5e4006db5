import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    clientMajor,
    connectionOf,
    createExtensionsSql,
    filterToc,
    findPgBinDir,
    passfileLine,
    pgRestoreArgs,
    planRestore,
    psqlArgs,
    redact,
    restoreProvider,
    serverMajor,
    sha256File,
    tableCountSql,
    verifyArtifact,
} from "../../lib/restore";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pgstack-restore-unit-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const file = path.join(tmp, "app.dump");
fs.writeFileSync(file, "PGDMP not really a dump\n");
// sha256 of the bytes above
const DIGEST = "a0b9d4f0a5ab0a9c2b5d9e0e7bdfa1f1b8f50b87f7b4cba7c5cb1b2ee8ed6b3c";

describe("the artifact's digest", () => {
    let actual: string;
    beforeAll(async () => {
        actual = await sha256File(file);
    });

    test("is the SHA-256 of the file's bytes", async () => {
        const { createHash } = await import("crypto");
        expect(actual).toBe(createHash("sha256").update(fs.readFileSync(file)).digest("hex"));
        expect(actual).toMatch(/^[0-9a-f]{64}$/);
        expect(actual).not.toBe(DIGEST);
    });

    test("a match passes", async () => {
        await expect(verifyArtifact(file, actual)).resolves.toBe(actual);
    });

    test("a mismatch fails naming pgstack:restore.sha256, both digests, and that nothing was touched", async () => {
        await expect(verifyArtifact(file, DIGEST)).rejects.toThrow(
            new RegExp(
                `^pgstack:restore\\.sha256: .* has SHA-256 ${actual}, not the declared ${DIGEST}; nothing was restored`,
            ),
        );
    });

    test("a missing file fails naming pgstack:restore.artifact.path", async () => {
        await expect(verifyArtifact(path.join(tmp, "nope.dump"), DIGEST)).rejects.toThrow(
            /^pgstack:restore\.artifact\.path: .*nope\.dump does not exist/,
        );
    });

    test("a directory is no artifact", async () => {
        await expect(verifyArtifact(tmp, DIGEST)).rejects.toThrow(/is not a file/);
    });

    test("a malformed digest fails before the file is read", async () => {
        await expect(verifyArtifact(file, "ABC")).rejects.toThrow(/^pgstack:restore\.sha256: "ABC" is not a SHA-256/);
    });

    test("the error is a plain Error named RestoreError (it survives the provider's serialization)", async () => {
        const e = await verifyArtifact(file, DIGEST).catch((x: Error) => x);
        expect(Object.getPrototypeOf(e)).toBe(Error.prototype);
        expect((e as Error).name).toBe("RestoreError");
    });
});

describe("connecting as the service role", () => {
    const password = "p:a\\ss@w/rd?&%";
    const dsn =
        `postgresql://app_service:${encodeURIComponent(password)}@db.example.internal:6432/app` +
        "?sslmode=verify-full&sslrootcert=%2Fetc%2Fssl%2Fca.pem";

    test("the DSN becomes PG* variables and a password kept apart", () => {
        const c = connectionOf(dsn, "restored");
        expect(c.password).toBe(password);
        expect(c.user).toBe("app_service");
        expect(c.env).toEqual({
            PGHOST: "db.example.internal",
            PGPORT: "6432",
            PGUSER: "app_service",
            PGDATABASE: "restored",
            PGSSLMODE: "verify-full",
            PGSSLROOTCERT: "/etc/ssl/ca.pem",
            PGAPPNAME: "pgstack-restore",
            PGCONNECT_TIMEOUT: "30",
        });
        expect(JSON.stringify(c.env)).not.toContain("w/rd");
    });

    test("the URL's database is used when none is given; IPv6 hosts lose their brackets", () => {
        const c = connectionOf("postgresql://u:p@[::1]:5432/src?sslmode=require", "");
        expect(c.env.PGDATABASE).toBe("src");
        expect(c.env.PGHOST).toBe("::1");
    });

    test("errors never quote the DSN", () => {
        expect(() => connectionOf("not a url with secret-pw", "x")).toThrow(/^the DSN is not a valid/);
        expect(() => connectionOf("mysql://u:secret-pw@h/db", "x")).toThrow(/^the DSN is not a postgresql/);
        let message = "";
        try {
            connectionOf("postgresql://u:secret-pw@h/db?sslpassword=x", "x");
        } catch (e) {
            message = (e as Error).message;
        }
        expect(message).toContain("sslpassword");
        expect(message).not.toContain("secret-pw");
    });

    test("the passfile line escapes : and \\ and matches any host", () => {
        expect(passfileLine(password)).toBe("*:*:*:*:p\\:a\\\\ss@w/rd?&%\n");
    });

    test("redact hides every occurrence of each secret", () => {
        expect(redact("FATAL: pw=s3cr3t and s3cr3t again; other", ["s3cr3t", ""])).toBe(
            "FATAL: pw=[secret] and [secret] again; other",
        );
    });
});

describe("argv", () => {
    test("pg_restore: no owner, no privileges, clean, one transaction; no password or DSN", () => {
        const args = pgRestoreArgs({ archive: "/d/app.dump", listFile: "/t/toc.list", database: "app" });
        expect(args).toEqual([
            "--no-owner",
            "--no-privileges",
            "--clean",
            "--if-exists",
            "--single-transaction",
            "--exit-on-error",
            "--no-password",
            "--use-list=/t/toc.list",
            "--dbname=app",
            "/d/app.dump",
        ]);
        expect(args.join(" ")).not.toMatch(/postgres(ql)?:\/\/|password=/);
    });

    test("psql: no psqlrc, stops at the first error", () => {
        expect(psqlArgs("SELECT 1")).toEqual(
            expect.arrayContaining(["--no-psqlrc", "ON_ERROR_STOP=1", "-c", "SELECT 1"]),
        );
    });

    test("versions: the client must be at least the server's major", () => {
        expect(clientMajor("pg_restore (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)\n")).toBe(15);
        expect(clientMajor("pg_restore (PostgreSQL) 17beta1")).toBe(17);
        expect(serverMajor("160004\n")).toBe(16);
        expect(() => clientMajor("something else")).toThrow(/cannot read the PostgreSQL client version/);
    });

    test("binaries: the newest installed major with pg_restore and psql, else PATH", () => {
        const root = path.join(tmp, "pg");
        for (const [v, tools] of [
            ["13", ["pg_restore", "psql"]],
            ["16", ["pg_restore", "psql"]],
            ["17", ["psql"]],
        ] as const) {
            fs.mkdirSync(path.join(root, v, "bin"), { recursive: true });
            for (const t of tools) fs.writeFileSync(path.join(root, v, "bin", t), "");
        }
        expect(findPgBinDir("", root)).toBe(path.join(root, "16", "bin"));
        expect(findPgBinDir("/opt/pg/bin", root)).toBe("/opt/pg/bin");
        expect(findPgBinDir("", path.join(tmp, "none"))).toBe("");
    });
});

describe("the table of contents", () => {
    const listing = [
        ";",
        "; Archive created at 2026-11-24 07:29:14 UTC",
        ";     dbname: manual_src",
        ";",
        "7; 2615 16472 SCHEMA - app pgstack_admin",
        "2; 3079 16473 EXTENSION - pg_trgm ",
        "3398; 0 0 COMMENT - EXTENSION pg_trgm ",
        "3399; 0 0 COMMENT - SCHEMA app pgstack_admin",
        "216; 1259 16554 TABLE app items pgstack_admin",
        "217; 1259 16560 TABLE app events pgstack_admin",
        "218; 1259 16570 TABLE reports daily pgstack_admin",
        "3391; 0 16554 TABLE DATA app items pgstack_admin",
        "3248; 2606 16560 CONSTRAINT app items items_pkey pgstack_admin",
        "3246; 1259 16561 INDEX app items_name_idx pgstack_admin",
        "",
    ].join("\n");

    test("schemas and extensions are left out, everything else restored", () => {
        const toc = filterToc(listing);
        const active = toc.list.split("\n").filter((l) => /^\d/.test(l));
        expect(active.map((l) => l.split(" ").slice(3, 5).join(" "))).toEqual([
            "TABLE app",
            "TABLE app",
            "TABLE reports",
            "TABLE DATA",
            "CONSTRAINT app",
            "INDEX app",
        ]);
        expect(toc.list).toContain(";7; 2615 16472 SCHEMA - app pgstack_admin");
        expect(toc.list).toContain(";2; 3079 16473 EXTENSION - pg_trgm");
        expect(toc.skipped).toEqual([
            "SCHEMA - app pgstack_admin",
            "EXTENSION - pg_trgm",
            "COMMENT - EXTENSION pg_trgm",
            "COMMENT - SCHEMA app pgstack_admin",
        ]);
        expect(toc.tables).toBe(3);
        expect(toc.schemas).toEqual(["app", "reports"]);
    });

    test("SQL: extensions are quoted identifiers, the table count names the dump's schemas", () => {
        expect(createExtensionsSql(["pg_trgm", "uuid-ossp"])).toBe(
            'CREATE EXTENSION IF NOT EXISTS "pg_trgm";\nCREATE EXTENSION IF NOT EXISTS "uuid-ossp";',
        );
        expect(tableCountSql(["app", "o'brien"])).toContain("IN ('app', 'o''brien')");
        expect(tableCountSql([])).toContain("IN (NULL)");
    });
});

describe("when an up restores", () => {
    const served = { digest: "a".repeat(64), database: "app", extensions: ["pg_trgm"] };

    test.each([
        ["never restored", undefined, { sha256: "a".repeat(64), database: "app", extensions: [] }, true, true],
        ["same digest", served, { sha256: "a".repeat(64), database: "app", extensions: ["pg_trgm"] }, false, false],
        ["new digest", served, { sha256: "b".repeat(64), database: "app", extensions: ["pg_trgm"] }, true, true],
        ["other database", served, { sha256: "a".repeat(64), database: "other", extensions: ["pg_trgm"] }, true, true],
        [
            "extension added",
            served,
            { sha256: "a".repeat(64), database: "app", extensions: ["pg_trgm", "x"] },
            false,
            true,
        ],
        [
            "extensions reordered",
            served,
            { sha256: "a".repeat(64), database: "app", extensions: ["pg_trgm"] },
            false,
            false,
        ],
    ] as const)("%s", (_what, olds, news, restore, extensions) => {
        expect(planRestore(olds, { ...news, extensions: [...news.extensions] })).toEqual({ restore, extensions });
    });

    const inputs = {
        artifactPath: file,
        sha256: "c".repeat(64),
        database: "app",
        serviceUrl: "postgresql://s:pw@h/app",
        extensions: [],
        pgBinDir: "",
    };

    test("diff: the digest is the trigger (a moved file with the same digest is no change)", async () => {
        const olds = {
            ...served,
            digest: inputs.sha256,
            extensions: [],
            artifactPath: "/old/place.dump",
            restoredAt: "",
            tableCount: 1,
        };
        await expect(restoreProvider.diff!("id", olds, inputs)).resolves.toMatchObject({
            changes: false,
            replaces: [],
        });
        await expect(restoreProvider.diff!("id", olds, { ...inputs, sha256: "d".repeat(64) })).resolves.toMatchObject({
            changes: true,
            replaces: [],
        });
    });

    test("check: a pending restore verifies the artifact (so preview fails on a wrong digest)", async () => {
        const r = await restoreProvider.check!({} as never, inputs);
        expect(r.failures).toEqual([
            {
                property: "sha256",
                reason: expect.stringMatching(/^pgstack:restore\.sha256: .* not the declared c{64}/),
            },
        ]);
        const ok = await restoreProvider.check!({} as never, { ...inputs, sha256: await sha256File(file) });
        expect(ok.failures).toEqual([]);
    });

    test("check: with nothing pending the artifact is not needed", async () => {
        const gone = { ...inputs, artifactPath: path.join(tmp, "deleted.dump") };
        await expect(restoreProvider.check!(gone, gone)).resolves.toMatchObject({ failures: [] });
    });

    test("check: a malformed digest fails naming the key", async () => {
        const r = await restoreProvider.check!({} as never, { ...inputs, sha256: "xyz" });
        expect(r.failures?.[0].reason).toMatch(/^pgstack:restore\.sha256: must be 64/);
    });
});
