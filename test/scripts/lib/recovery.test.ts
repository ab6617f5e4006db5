import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { recoveryAdminPassword, restoreCheckpointBackup } from "../../../scripts/lib/recovery";

/** A file backend with one stack file (and whatever else `files` names), as the engine lays it out. */
function backend(files: Record<string, string>): string {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "pgstack-backend-"));
    for (const [rel, body] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
        fs.writeFileSync(path.join(root, rel), body);
    }
    return root;
}
const read = (root: string, rel: string) => fs.readFileSync(path.join(root, rel), "utf8");

describe("a checkpoint truncated by a kill is replaced by the last one that parses", () => {
    test("the backend's .bak copy first", () => {
        const root = backend({
            ".pulumi/stacks/p/s.json": '{"version": 3, "checkp',
            ".pulumi/stacks/p/s.json.bak": '{"from": "bak"}',
            ".pulumi/history/p/s/s-1000.checkpoint.json": '{"from": "history"}',
        });
        expect(restoreCheckpointBackup(`file://${root}`, "s")).toBe(true);
        expect(JSON.parse(read(root, ".pulumi/stacks/p/s.json"))).toEqual({ from: "bak" });
        expect(read(root, ".pulumi/stacks/p/s.json.broken")).toBe('{"version": 3, "checkp');
    });

    test("the newest history checkpoint when the .bak is missing or half-written too", () => {
        const root = backend({
            ".pulumi/stacks/p/s.json": "",
            ".pulumi/stacks/p/s.json.bak": '{"half',
            ".pulumi/history/p/s/s-1000.checkpoint.json": '{"from": "older"}',
            ".pulumi/history/p/s/s-2000.checkpoint.json": '{"from": "newer"}',
            ".pulumi/history/p/s/s-2000.history.json": '{"kind": "update"}',
        });
        expect(restoreCheckpointBackup(`file://${root}`, "s")).toBe(true);
        expect(JSON.parse(read(root, ".pulumi/stacks/p/s.json"))).toEqual({ from: "newer" });
    });

    test("a checkpoint that parses is left alone, and nothing is made up when no good copy exists", () => {
        const fine = backend({ ".pulumi/stacks/p/s.json": '{"ok": true}', ".pulumi/stacks/p/s.json.bak": "{}" });
        expect(restoreCheckpointBackup(`file://${fine}`, "s")).toBe(false);
        expect(read(fine, ".pulumi/stacks/p/s.json")).toBe('{"ok": true}');
        const lost = backend({ ".pulumi/stacks/p/s.json": '{"tr' });
        expect(restoreCheckpointBackup(`file://${lost}`, "s")).toBe(false);
        expect(read(lost, ".pulumi/stacks/p/s.json")).toBe('{"tr');
    });

    test("an empty attributes sidecar (the engine's 'failed to load checkpoint: EOF') is set aside", () => {
        const root = backend({
            ".pulumi/stacks/p/s.json": '{"ok": true}',
            ".pulumi/stacks/p/s.json.attrs": "",
        });
        expect(restoreCheckpointBackup(`file://${root}`, "s")).toBe(true);
        expect(fs.existsSync(path.join(root, ".pulumi/stacks/p/s.json.attrs"))).toBe(false);
        expect(read(root, ".pulumi/stacks/p/s.json")).toBe('{"ok": true}');
    });
});

describe("recover restores providers with the stack's admin password", () => {
    test("from the stack's config when it holds one", () => {
        expect(recoveryAdminPassword("s3cret\n", "staging", undefined)).toBe("s3cret");
    });

    test("for the local stack, from the password file its machine facts name (the config holds none)", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgstack-facts-"));
        try {
            const pw = path.join(dir, "admin.pw");
            fs.writeFileSync(pw, "from-the-cluster\n", { mode: 0o600 });
            const facts = path.join(dir, "local-facts.json");
            fs.writeFileSync(facts, JSON.stringify({ stack: "local", secretFiles: { "pgstack:adminPassword": pw } }));
            expect(recoveryAdminPassword("", "local", facts)).toBe("from-the-cluster");
            // Facts are for the stack they name only.
            expect(recoveryAdminPassword(undefined, "staging", facts)).toBeUndefined();
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
