/** scripts/engine/env.sh sourced in a clean bash with a throwaway cache, for the tests beside this file. */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export const ENV_SH = path.join(__dirname, "..", "..", "scripts", "engine", "env.sh");

/**
 * Runs `script` (which sources ENV_SH) in bash with only PATH, HOME and PGSTACK_CACHE (a new temporary
 * directory) plus `env`; `prepare` and `inspect` see the cache before and after. The cache is removed.
 */
export function inCleanBash<T>(
    script: string,
    env: Record<string, string>,
    inspect: (r: { status: number | null; stdout: string; stderr: string }, cache: string) => T,
    prepare?: (cache: string) => void,
): T {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), "pgstack-env-"));
    try {
        prepare?.(cache);
        const r = spawnSync("bash", ["-c", script], {
            env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: cache, PGSTACK_CACHE: cache, ...env },
            encoding: "utf8",
        });
        return inspect({ status: r.status, stdout: r.stdout, stderr: r.stderr }, cache);
    } finally {
        fs.rmSync(cache, { recursive: true, force: true });
    }
}
