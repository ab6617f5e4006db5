/** The runbooks and README name only commands and scripts that exist. */
import * as fs from "fs";
import * as path from "path";

const root = path.join(__dirname, "..");
const docs = [
    "README.md",
    ...fs
        .readdirSync(path.join(root, "docs"))
        .filter((f) => f.endsWith(".md"))
        .map((f) => `docs/${f}`),
    ...fs.readdirSync(path.join(root, "docs/runbooks")).map((f) => `docs/runbooks/${f}`),
];
const scripts = Object.keys(
    (JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { scripts: object }).scripts,
);

describe.each(docs)("%s", (doc) => {
    const text = fs.readFileSync(path.join(root, doc), "utf8");

    test("every `npm run` names a package.json script", () => {
        for (const [, name] of text.matchAll(/npm run ([a-z][a-z:-]*)/g)) expect(scripts).toContain(name);
    });

    test("every scripts/… path exists", () => {
        for (const [p] of text.matchAll(/scripts\/[A-Za-z0-9_./-]*[A-Za-z0-9_]/g)) {
            expect(fs.existsSync(path.join(root, p))).toBe(true);
        }
    });
});

test("README code blocks marked `<!-- code: <file> -->` are exact copies of that file, which a test runs", () => {
    const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
    const blocks = [...readme.matchAll(/<!-- code: (\S+) [^\n]*-->\n```[a-z]*\n([\s\S]*?)```/g)];
    expect(blocks.map(([, file]) => file)).toEqual(["examples/tenantCheckout.ts", "examples/portableClient.ts"]);
    for (const [, file, code] of blocks) {
        expect(code).toBe(fs.readFileSync(path.join(root, file), "utf8"));
        // Run by the client matrix, not only type-checked.
        const importer = fs.readFileSync(path.join(root, "test/integration/clients.test.ts"), "utf8");
        expect(importer).toContain(`from "../../${file.replace(/\.ts$/, "")}"`);
    }
});
