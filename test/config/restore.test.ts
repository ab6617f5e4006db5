import { parseConfig } from "../../config/schema";
import { restoreSchema } from "../../config/restore";
import { baseConfig, problemsOf } from "../harness";

const SHA = "3f9a".repeat(16);
const restore = (over: Record<string, unknown> = {}) => ({
    artifact: { path: "dumps/app.dump" },
    sha256: SHA,
    ...over,
});

test("absent or {}: no restore, and the stack is not read-only", () => {
    for (const cfg of [baseConfig(), baseConfig({ restore: {} })]) {
        const c = parseConfig(cfg);
        expect(c.restore).toBeUndefined();
        expect(c.readOnly).toBe(false);
    }
});

test("a local artifact with its digest", () => {
    const c = parseConfig(baseConfig({ restore: restore({ extensions: ["pg_trgm", "pgcrypto"] }), readOnly: true }));
    expect(c.restore).toEqual({ artifactPath: "dumps/app.dump", sha256: SHA, extensions: ["pg_trgm", "pgcrypto"] });
    expect(c.readOnly).toBe(true);
});

test("the digest is normalised to lower case; extensions default to none", () => {
    const c = parseConfig(baseConfig({ restore: restore({ sha256: ` ${SHA.toUpperCase()} ` }) }));
    expect(c.restore).toEqual({ artifactPath: "dumps/app.dump", sha256: SHA, extensions: [] });
});

// [what is wrong, config overrides, the message must start with]
const invalid: [string, Record<string, unknown>, string][] = [
    [
        "a short digest",
        { restore: restore({ sha256: "abc" }) },
        "pgstack:restore.sha256: must be the artifact's SHA-256",
    ],
    ["a digest that is not hex", { restore: restore({ sha256: "z".repeat(64) }) }, "pgstack:restore.sha256:"],
    ["no digest", { restore: { artifact: { path: "a.dump" } } }, "pgstack:restore.sha256:"],
    ["no artifact", { restore: { sha256: SHA } }, "pgstack:restore.artifact:"],
    ["an empty path", { restore: restore({ artifact: { path: " " } }) }, "pgstack:restore.artifact.path:"],
    ["neither path nor object", { restore: restore({ artifact: {} }) }, "pgstack:restore.artifact.path: is required"],
    [
        "an object in the bucket",
        { restore: restore({ artifact: { bucketObject: "dumps/app.dump" } }) },
        "pgstack:restore.artifact.bucketObject: is not supported yet",
    ],
    [
        "an unknown artifact key",
        { restore: restore({ artifact: { url: "https://x" } }) },
        "pgstack:restore.artifact.url: unknown key",
    ],
    ["an unknown restore key", { restore: restore({ jobs: 4 }) }, "pgstack:restore.jobs: unknown key"],
    ["a bad extension name", { restore: restore({ extensions: ["Vector;"] }) }, "pgstack:restore.extensions[0]:"],
    [
        "an extension twice",
        { restore: restore({ extensions: ["pg_trgm", "pg_trgm"] }) },
        "pgstack:restore.extensions: lists an extension twice",
    ],
    ["readOnly that is no boolean", { readOnly: "yes" }, "pgstack:readOnly:"],
    [
        "readOnly without the read-only role",
        { readOnly: true, readonlyRole: false },
        "pgstack:readOnly: true needs pgstack:readonlyRole true",
    ],
];

test.each(invalid)("%s is rejected naming its key", (_what, overrides, start) => {
    const problems = problemsOf(baseConfig(overrides));
    expect(problems.some((p) => p.startsWith(start))).toBe(true);
});

test("the schema alone parses what the fixture program and the stack read", () => {
    expect(restoreSchema.parse(restore())).toEqual({
        artifact: { path: "dumps/app.dump" },
        sha256: SHA,
        extensions: [],
    });
});
