import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { applyLocalFacts, overlay, withLocalFacts } from "../../config/localFacts";

const declared = {
    "pgstack:databaseName": "pgstack_local",
    "pgstack:server": JSON.stringify({ mode: "existing", host: "127.0.0.1", pooler: { host: "127.0.0.1" } }),
};

function passwordFile(): string {
    const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "pgstack-facts-")), "password");
    fs.writeFileSync(f, "s3cret\n", { mode: 0o600 });
    return f;
}

describe("the local stack's machine facts are laid over its stack file", () => {
    test("objects merge key by key, null removes a key, other values replace", () => {
        expect(overlay({ a: 1, b: { c: 2, d: 3 }, e: [1] }, { b: { c: 4, d: null }, e: [2], f: "x" })).toEqual({
            a: 1,
            b: { c: 4 },
            e: [2],
            f: "x",
        });
    });

    test("the facts fill in the server's port, CA and admin; the declared keys stay", () => {
        const { all } = applyLocalFacts(declared, "local", {
            stack: "local",
            config: { "pgstack:server": { port: 57200, caCertPath: "/x/ca.crt", pooler: { port: 57210 } } },
        });
        expect(JSON.parse(all["pgstack:server"])).toEqual({
            mode: "existing",
            host: "127.0.0.1",
            port: 57200,
            caCertPath: "/x/ca.crt",
            pooler: { host: "127.0.0.1", port: 57210 },
        });
        expect(all["pgstack:databaseName"]).toBe("pgstack_local");
    });

    test("the admin password is read from its file and is a secret", () => {
        const file = passwordFile();
        const { all, secrets } = applyLocalFacts(declared, "local", {
            stack: "local",
            secretFiles: { "pgstack:adminPassword": file },
        });
        expect(all["pgstack:adminPassword"]).toBe("s3cret");
        expect(secrets.has("pgstack:adminPassword")).toBe(true);
    });

    test("facts for another stack change nothing (a staging run never sees the local facts)", () => {
        const { all, secrets } = applyLocalFacts(declared, "staging", {
            stack: "local",
            config: { "pgstack:server": { port: 1 } },
            secretFiles: { "pgstack:adminPassword": passwordFile() },
        });
        expect(all).toEqual(declared);
        expect(secrets.size).toBe(0);
    });

    test("a config source with the facts file PGSTACK_LOCAL_FACTS names, for the stack it names", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgstack-facts-"));
        const file = path.join(dir, "local-facts.json");
        fs.writeFileSync(
            file,
            JSON.stringify({ stack: "local", secretFiles: { "pgstack:adminPassword": passwordFile() } }),
        );
        const before = process.env.PGSTACK_LOCAL_FACTS;
        process.env.PGSTACK_LOCAL_FACTS = file;
        try {
            const source = withLocalFacts({ all: () => declared, isSecret: () => false }, () => "local");
            expect(source.all()["pgstack:adminPassword"]).toBe("s3cret");
            expect(source.isSecret("pgstack:adminPassword")).toBe(true);
            expect(source.isSecret("pgstack:databaseName")).toBe(false);
        } finally {
            if (before === undefined) delete process.env.PGSTACK_LOCAL_FACTS;
            else process.env.PGSTACK_LOCAL_FACTS = before;
        }
    });
});
