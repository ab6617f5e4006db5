/** scripts/engine/env.sh's engine settings for speed at scale (README "Scale"), run in a real bash. */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const envSh = path.join(__dirname, "..", "..", "scripts", "engine", "env.sh");

/** Sources env.sh in a clean bash with its own cache; returns what it exported and what it left in PULUMI_HOME. */
function source(env: Record<string, string>, prepare?: (home: string) => void) {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), "pgstack-env-"));
    try {
        prepare?.(path.join(cache, "pulumi-home"));
        const r = spawnSync(
            "bash",
            ["-c", `set -e; . "${envSh}"; echo "skip=\${PULUMI_SKIP_CHECKPOINTS-<unset>}"; echo "home=$PULUMI_HOME"`],
            {
                env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: cache, PGSTACK_CACHE: cache, ...env },
                encoding: "utf8",
            },
        );
        expect(r.status).toBe(0);
        const logs = path.join(cache, "pulumi-home", "logs");
        const kind = fs.existsSync(logs) ? (fs.statSync(logs).isFile() ? "file" : "directory") : "absent";
        return { stdout: r.stdout, logs: kind };
    } finally {
        fs.rmSync(cache, { recursive: true, force: true });
    }
}

test("state is written once per operation unless PULUMI_SKIP_CHECKPOINTS=false asks for every step", () => {
    expect(source({}).stdout).toContain("skip=true");
    expect(source({ PULUMI_SKIP_CHECKPOINTS: "false" }).stdout).toContain("skip=false");
});

test("the engine's automatic log has a file in its way unless PGSTACK_ENGINE_LOGS=1", () => {
    expect(source({}).logs).toBe("file");
    // Logs earlier runs of this project's engine left in its own PULUMI_HOME make way for it too.
    expect(source({}, (home) => fs.mkdirSync(path.join(home, "logs"), { recursive: true })).logs).toBe("file");
    expect(
        source({ PGSTACK_ENGINE_LOGS: "1" }, (home) => {
            fs.mkdirSync(home, { recursive: true });
            fs.writeFileSync(path.join(home, "logs"), "");
        }).logs,
    ).toBe("absent");
});
