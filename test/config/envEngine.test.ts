/** scripts/engine/env.sh's engine settings for speed at scale (README "Scale"), run in a real bash. */
import * as fs from "fs";
import * as path from "path";
import { ENV_SH, inCleanBash } from "./envSh";

/** Sources env.sh in a clean bash; returns what it exported and what it left in PULUMI_HOME. */
function source(env: Record<string, string>, prepare?: (home: string) => void) {
    return inCleanBash(
        `set -e; . "${ENV_SH}"; echo "skip=\${PULUMI_SKIP_CHECKPOINTS-<unset>}"`,
        env,
        (r, cache) => {
            expect(r.status).toBe(0);
            const logs = path.join(cache, "pulumi-home", "logs");
            const kind = fs.existsSync(logs) ? (fs.statSync(logs).isFile() ? "file" : "directory") : "absent";
            return { stdout: r.stdout, logs: kind };
        },
        prepare && ((cache) => prepare(path.join(cache, "pulumi-home"))),
    );
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
