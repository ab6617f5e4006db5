/**
 * The plugin process as the engine starts it (bin/ launcher, launch.sh, the transpiled build): when
 * its engine dies without stopping it, it exits instead of going on serving.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";

const LAUNCHER = path.join(__dirname, "..", "bin", "pulumi-resource-random");

/** Running, not exited (an exited orphan can stay a zombie where PID 1 does not reap it). */
const alive = (pid: number) => {
    try {
        return fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1][0] !== "Z";
    } catch {
        return false;
    }
};

test("a plugin exits when the engine that started it is gone (killed outright, it cannot stop the plugin)", async () => {
    // A shell stands in for the engine: it starts the plugin, prints the plugin's pid, and waits.
    const engine = spawn("sh", ["-c", '"$0" 127.0.0.1:1 & echo "pid $!"; wait', LAUNCHER], {
        stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    const ready = new Promise<number>((resolve, reject) => {
        engine.stdout.on("data", (d: Buffer) => {
            out += d.toString();
            const pid = /pid (\d+)\n/.exec(out);
            // The plugin prints its port once it serves.
            if (pid && /\n\d+\n/.test(out.slice(pid.index + pid[0].length - 1))) resolve(Number(pid[1]));
        });
        engine.once("exit", () => reject(new Error(`the stand-in engine exited first: ${out}`)));
    });
    const pid = await ready;
    expect(alive(pid)).toBe(true);
    engine.kill("SIGKILL");
    const deadline = Date.now() + 10_000;
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const stillAlive = alive(pid);
    if (stillAlive) process.kill(pid, "SIGKILL");
    expect(stillAlive).toBe(false);
}, 120_000);
