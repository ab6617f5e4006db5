/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS, run by node before any TypeScript tooling */
// Transpiles the offline provider's TypeScript (types are checked by `npm run lint`, not here) into
//   node build.js <out dir>
// so the plugin launchers start plain JavaScript instead of loading ts-node and the TypeScript
// compiler on every plugin start. The sources are this package (without its tests) and the
// repo's upstream/ folder (the upstream providers' tokens and ID formats, shared with the
// program); both keep their place relative to the repo root, so <out dir>/providers/offline/main.js
// imports <out dir>/upstream/… as the sources do. Writes into a temporary directory, then renames
// it into place, so concurrent plugin starts never see a half-written build.
const fs = require("fs");
const path = require("path");
const ts = require("typescript");

const here = __dirname;
const repo = path.resolve(here, "../..");
/** Directories of this package that are not part of the plugin. */
const SKIP = new Set(["bin", "node_modules", "test"]);
const out = process.argv[2];
if (!out) {
    process.stderr.write("usage: node build.js <out dir>\n");
    process.exit(2);
}

function sources(dir) {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) return SKIP.has(e.name) || e.name.startsWith(".") ? [] : sources(p);
        return e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") ? [p] : [];
    });
}

const compilerOptions = {
    module: ts.ModuleKind.CommonJS,
    target: ts.ScriptTarget.ES2022,
    esModuleInterop: true,
    isolatedModules: true,
    sourceMap: false,
};
const tmp = `${out}.tmp-${process.pid}`;
fs.rmSync(tmp, { recursive: true, force: true });
for (const file of [...sources(here), ...sources(path.join(repo, "upstream"))]) {
    const rel = path.relative(repo, file);
    const { outputText } = ts.transpileModule(fs.readFileSync(file, "utf8"), { compilerOptions, fileName: file });
    const target = path.join(tmp, rel.replace(/\.ts$/, ".js"));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, outputText);
}
fs.mkdirSync(path.dirname(out), { recursive: true });
try {
    fs.renameSync(tmp, out);
} catch (err) {
    // Another plugin start built the same sources first.
    fs.rmSync(tmp, { recursive: true, force: true });
    if (!fs.existsSync(path.join(out, "providers/offline/main.js"))) throw err;
}
