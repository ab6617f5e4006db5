/**
 * The engine's verbose logging (`--verbose`/`-v`, `--logtostderr`, `--logflow`, `--debug`) and
 * PULUMI_DEBUG_GRPC print every secret value of a stack in plaintext (README, Security notes). CI
 * (.ci/run and the npm scripts it runs), the GitHub workflows and the scripts they call never turn
 * them on. (One integration test does, inside itself, to prove the offline provider redacts:
 * test/integration/secretLogs.test.ts; tests are not scanned.)
 */
import * as fs from "fs";
import * as path from "path";

const REPO = path.resolve(__dirname, "..");

/** Ways to switch the engine's (or a provider's) secret-printing logging on. */
const VERBOSE_LOGGING: RegExp[] = [
    /--verbose\b/,
    /(^|[\s"'=])-v(=|\s+)\d/,
    /--logtostderr\b/,
    /--logflow\b/,
    /(^|[\s"'])--debug\b/,
    /PULUMI_DEBUG_GRPC/,
    /PULUMI_DEBUG_COMMANDS/,
    /TF_LOG\b/,
    /\blogVerbosity\s*:/,
    /\blogToStdErr\s*:/,
    /\blogFlow\s*:/,
    /\bdebug\s*:\s*true\b/,
];

/** `file:line: text` of every line that turns verbose engine logging on. */
export function verboseLoggingIn(file: string, text: string): string[] {
    return text
        .split("\n")
        .flatMap((line, i) =>
            VERBOSE_LOGGING.some((re) => re.test(line)) ? [`${file}:${i + 1}: ${line.trim()}`] : [],
        );
}

function filesUnder(dir: string, exts: string[]): string[] {
    const abs = path.join(REPO, dir);
    if (!fs.existsSync(abs)) return [];
    return fs.readdirSync(abs, { withFileTypes: true }).flatMap((e) => {
        const rel = path.join(dir, e.name);
        if (e.isDirectory()) return e.name === "node_modules" ? [] : filesUnder(rel, exts);
        return exts.some((x) => e.name.endsWith(x)) || exts.includes(e.name) ? [rel] : [];
    });
}

test("CI, the npm scripts, the workflows and the scripts they run never enable the engine's verbose logging or PULUMI_DEBUG_GRPC", () => {
    const files = [
        ".ci/run",
        ...filesUnder(".github", [".yml", ".yaml", ".sh"]),
        ...filesUnder("scripts", [".sh", ".ts", ".env"]),
        ...filesUnder("bench", [".ts", ".sh"]),
    ];
    expect(files).toContain(".ci/run");
    expect(files.some((f) => f.startsWith(".github/workflows/"))).toBe(true);
    const found = files.flatMap((f) => verboseLoggingIn(f, fs.readFileSync(path.join(REPO, f), "utf8")));
    const scripts = (JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")) as { scripts: object })
        .scripts;
    found.push(
        ...Object.entries(scripts).flatMap(([name, cmd]) =>
            verboseLoggingIn(`package.json scripts.${name}`, String(cmd)),
        ),
    );
    expect(found).toEqual([]);
});

test("the check recognises each way verbose logging is switched on", () => {
    const samples = [
        "pulumi up --verbose=9",
        "pulumi preview -v=11 --logtostderr",
        "pulumi up -v 9",
        "pulumi up --logflow",
        "pulumi up --debug",
        "env: { PULUMI_DEBUG_GRPC: /tmp/grpc.log }",
        "TF_LOG=TRACE pulumi up",
        "await stack.up({ logVerbosity: 9 })",
        "await stack.up({ logToStdErr: true })",
        "await stack.up({ debug: true })",
    ];
    for (const s of samples) expect(verboseLoggingIn("sample", s)).toHaveLength(1);
    expect(verboseLoggingIn("sample", "scripts/lint-workflows.sh -verbose  # actionlint's flag")).toEqual([]);
});
