/**
 * The engine's environment: the Pulumi CLI and plugins scripts/engine/bootstrap.sh builds (offline),
 * as scripts/engine/env.sh puts them on PATH. Everything that runs the engine starts here.
 */
import { execFileSync, spawnSync } from "child_process";
import * as path from "path";

export const REPO = path.resolve(__dirname, "../..");

/** Runs a command in the repo and returns its stdout; throws with its stderr when it fails. */
export function runInRepo(cmd: string, args: string[], env?: NodeJS.ProcessEnv, timeoutMs = 600_000): string {
    return execFileSync(cmd, args, { cwd: REPO, env: env ?? process.env, encoding: "utf8", timeout: timeoutMs });
}

let engineEnvCache: Record<string, string> | undefined;

/**
 * Builds the engine if needed (a cold build takes minutes) and returns the environment to run it:
 * scripts/engine/env.sh's PATH (engine, and the offline providers where the upstream plugins are
 * absent), PULUMI_HOME, no update check, no plugin downloads.
 */
export function engineEnv(): Record<string, string> {
    if (engineEnvCache) return engineEnvCache;
    const boot = spawnSync("bash", [path.join(REPO, "scripts/engine/bootstrap.sh")], {
        cwd: REPO,
        // Its progress goes to stderr: stdout stays the caller's (local:outputs -- --json is pure JSON).
        stdio: ["ignore", 2, "inherit"],
        timeout: 60 * 60_000,
    });
    if (boot.status !== 0) throw new Error(`scripts/engine/bootstrap.sh failed (exit ${boot.status})`);
    // What a shell that sourced env.sh has: this checkout's backend and the local passphrase unless the
    // caller set its own. Throwaway stacks (ProjectStack.open) replace both with their own.
    const dump = runInRepo("bash", ["-c", `. "${REPO}/scripts/engine/env.sh" && env -0`]);
    const env: Record<string, string> = {};
    for (const entry of dump.split("\0")) {
        const i = entry.indexOf("=");
        if (i > 0) env[entry.slice(0, i)] = entry.slice(i + 1);
    }
    // Types are checked by `npm run lint`; the engine only needs to run the program.
    env.PULUMI_NODEJS_TRANSPILE_ONLY = "true";
    engineEnvCache = env;
    return env;
}
