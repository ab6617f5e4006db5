/**
 * The real engine (built by scripts/engine/bootstrap.sh, run offline), the real local PostgreSQL
 * cluster (scripts/local-pg.sh: TLS, scram-sha-256, no trust) and stacks of this project run through
 * the CLI. Used by `npm run local:up` and by the integration tests.
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";

export const REPO = path.resolve(__dirname, "../..");

function run(cmd: string, args: string[], env?: NodeJS.ProcessEnv, timeoutMs = 600_000): string {
    return execFileSync(cmd, args, { cwd: REPO, env: env ?? process.env, encoding: "utf8", timeout: timeoutMs });
}

let engineEnvCache: NodeJS.ProcessEnv | undefined;

/** Builds the engine if needed (a cold build takes minutes) and returns the environment to run it. */
export function engineEnv(): NodeJS.ProcessEnv {
    if (engineEnvCache) return engineEnvCache;
    const boot = spawnSync("bash", [path.join(REPO, "scripts/engine/bootstrap.sh")], {
        cwd: REPO,
        stdio: ["ignore", "inherit", "inherit"],
        timeout: 60 * 60_000,
    });
    if (boot.status !== 0) throw new Error(`scripts/engine/bootstrap.sh failed (exit ${boot.status})`);
    const dump = run("bash", ["-c", `. "${REPO}/scripts/engine/env.sh" && env -0`]);
    const env: NodeJS.ProcessEnv = {};
    for (const entry of dump.split("\0")) {
        const i = entry.indexOf("=");
        if (i > 0) env[entry.slice(0, i)] = entry.slice(i + 1);
    }
    // Types are checked by `npm run lint`; the engine only needs to run the program.
    env.PULUMI_NODEJS_TRANSPILE_ONLY = "true";
    engineEnvCache = env;
    return env;
}

export interface LocalPg {
    host: string;
    port: number;
    user: string;
    password: string;
    ca: string;
}

/** Starts (once) the local TLS cluster and returns how to reach it as its admin. */
export function localPg(): LocalPg {
    run("bash", [path.join(REPO, "scripts/local-pg.sh"), "start"]);
    const facts = Object.fromEntries(
        run("bash", [path.join(REPO, "scripts/local-pg.sh"), "env"])
            .trim()
            .split("\n")
            .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    );
    return {
        host: facts.PGSTACK_PG_HOST,
        port: Number(facts.PGSTACK_PG_PORT),
        user: facts.PGSTACK_PG_USER,
        password: fs.readFileSync(facts.PGSTACK_PG_PASSWORD_FILE, "utf8").trim(),
        ca: facts.PGSTACK_PG_CA,
    };
}

export interface CommandResult {
    status: number;
    stdout: string;
    stderr: string;
}

/**
 * A stack of this project in a directory of its own (a Pulumi.yaml whose `main` is the repo) with
 * its own file backend, so neither the repo's stack files nor another stack's state are touched.
 */
export class ProjectStack {
    public readonly dir: string;
    public readonly name: string;
    private readonly env: NodeJS.ProcessEnv;

    /** `dir` defaults to a new temp dir; an existing dir keeps its state (re-runs of `local:up`). */
    constructor(name: string, dir?: string) {
        this.name = name;
        this.dir = dir ?? fs.mkdtempSync(path.join(os.tmpdir(), `pgstack-${name}-`));
        const fresh = !fs.existsSync(path.join(this.dir, "state"));
        fs.mkdirSync(path.join(this.dir, "state"), { recursive: true });
        const project = fs.readFileSync(path.join(REPO, "Pulumi.yaml"), "utf8");
        fs.writeFileSync(path.join(this.dir, "Pulumi.yaml"), `${project.trimEnd()}\nmain: ${REPO}\n`);
        this.env = { ...engineEnv(), PULUMI_BACKEND_URL: `file://${path.join(this.dir, "state")}` };
        this.cli(["login"], true);
        if (fresh) this.cli(["stack", "init", name, "--non-interactive"], true);
    }

    /** Runs the CLI in the stack's dir; `check` throws on a non-zero exit. */
    cli(args: string[], check = false, timeoutMs = 900_000): CommandResult {
        const r = spawnSync("pulumi", args, { cwd: this.dir, env: this.env, encoding: "utf8", timeout: timeoutMs });
        const res = { status: r.status ?? -1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
        if (check && res.status !== 0) {
            throw new Error(`pulumi ${args.join(" ")} exited ${res.status}\n${res.stdout}\n${res.stderr}`);
        }
        return res;
    }

    /** A stack command: `pulumi <args> --stack <name> --non-interactive`. */
    pulumi(args: string[], check = false, timeoutMs = 900_000): CommandResult {
        return this.cli([...args, "--stack", this.name, "--non-interactive"], check, timeoutMs);
    }

    /** Writes plain config (objects as YAML) and secrets (encrypted by the CLI). */
    configure(plain: Record<string, unknown>, secrets: Record<string, string> = {}): void {
        const file = path.join(this.dir, `Pulumi.${this.name}.yaml`);
        const existing = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
        const salt = existing.match(/^encryptionsalt: .*$/m)?.[0];
        const config = Object.fromEntries(
            Object.entries(plain).map(([k, v]) => [k.includes(":") ? k : `pgstack:${k}`, v]),
        );
        fs.writeFileSync(file, `${salt ? `${salt}\n` : ""}${stringify({ config })}`);
        for (const [k, v] of Object.entries(secrets)) this.pulumi(["config", "set", "--secret", k, v], true);
    }

    stackFile(): string {
        return fs.readFileSync(path.join(this.dir, `Pulumi.${this.name}.yaml`), "utf8");
    }

    remove(): void {
        this.pulumi(["stack", "rm", "--yes", "--force"]);
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}
