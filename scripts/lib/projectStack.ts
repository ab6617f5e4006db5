/**
 * Stacks of a Pulumi project driven through the Automation API, on the engine of engineEnv.ts: what
 * `npm run local:*`, the benchmark and the integration tests run the program with.
 */
import { LocalWorkspace, PulumiCommand, Stack, StackSettings } from "@pulumi/pulumi/automation";
import { spawnSync } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { engineEnv, REPO } from "./engineEnv";
import { recoverInterrupted, RecoverySummary } from "./recovery";

export interface ProjectStackOptions {
    /** The program: a directory with its Pulumi.yaml (this repo by default). */
    project?: string;
    /** The program's entry point when it is not the project directory itself (e.g. `<project>/index.ts`). */
    main?: string;
    /** Where the stack lives (Pulumi.yaml, Pulumi.<stack>.yaml, state/): a new temp dir by default. */
    dir?: string;
    /** Passphrase of the stack's secrets; a random one per throwaway stack by default. */
    passphrase?: string;
    /** Extra environment for the engine and the program (e.g. PULUMI_SKIP_CHECKPOINTS). */
    env?: Record<string, string>;
}

/**
 * A stack of a Pulumi project driven through the Automation API; `stack` is the Automation API's Stack
 * (up, preview, refresh, destroy, outputs, exportStack). Two kinds:
 *  - `open`: a throwaway stack in a directory of its own (a Pulumi.yaml whose `main` is the program)
 *    with its own file backend and passphrase, so neither the repo's stack files nor another stack's
 *    state are touched (tests, the benchmark);
 *  - `inRepo`: a stack of this repo run where it is, with its own Pulumi.<stack>.yaml and the backend
 *    and passphrase scripts/engine/env.sh gives, exactly as `pulumi -s <stack>` in the repo runs it
 *    (the local stack).
 */
export class ProjectStack {
    public readonly dir: string;
    public readonly name: string;
    public readonly stack: Stack;
    public readonly env: Record<string, string>;

    /** The project's name: the namespace of its config keys. */
    public readonly project: string;
    /** Whether `dir` is a throwaway directory of this stack's own (removed by remove()). */
    private readonly ownDir: boolean;

    private constructor(
        name: string,
        dir: string,
        stack: Stack,
        env: Record<string, string>,
        project: string,
        ownDir: boolean,
    ) {
        this.name = name;
        this.dir = dir;
        this.stack = stack;
        this.env = env;
        this.project = project;
        this.ownDir = ownDir;
    }

    /** The engine's own CLI (PGSTACK_ENGINE_DIR/bin/pulumi), not whatever `pulumi` is on the caller's PATH. */
    private static async workspace(workDir: string, env: Record<string, string>, projectSettings?: object) {
        const pulumiCommand = await PulumiCommand.get({ root: env.PGSTACK_ENGINE_DIR, skipVersionCheck: true });
        return LocalWorkspace.create({
            pulumiCommand,
            workDir,
            ...(projectSettings ? { projectSettings: projectSettings as never } : {}),
            envVars: env,
            pulumiHome: env.PULUMI_HOME,
        });
    }

    /**
     * A stack of this repo in the repo itself: its config is the repo's Pulumi.<name>.yaml, its state
     * and passphrase what scripts/engine/env.sh exports (PULUMI_BACKEND_URL, PULUMI_CONFIG_PASSPHRASE*).
     */
    static async inRepo(name: string, opts: { env?: Record<string, string> } = {}): Promise<ProjectStack> {
        const env: Record<string, string> = { ...engineEnv(), ...(opts.env ?? {}) };
        const ws = await ProjectStack.workspace(REPO, env);
        const stack = await Stack.createOrSelect(name, ws);
        const project = (parse(fs.readFileSync(path.join(REPO, "Pulumi.yaml"), "utf8")) as { name: string }).name;
        return new ProjectStack(name, REPO, stack, env, project, false);
    }

    /** Opens (or creates) the stack; an existing dir keeps its state (re-runs of `local:up`). */
    static async open(name: string, opts: ProjectStackOptions = {}): Promise<ProjectStack> {
        const dir = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), `pgstack-${name}-`));
        fs.mkdirSync(path.join(dir, "state"), { recursive: true });
        const passphraseFile = path.join(dir, ".passphrase");
        if (!fs.existsSync(passphraseFile)) {
            const pass = opts.passphrase ?? randomBytes(24).toString("base64url");
            fs.writeFileSync(passphraseFile, pass, { mode: 0o600 });
        }
        const base = engineEnv();
        const env: Record<string, string> = {
            ...base,
            ...(opts.env ?? {}),
            PULUMI_BACKEND_URL: `file://${path.join(dir, "state")}`,
            PULUMI_CONFIG_PASSPHRASE_FILE: passphraseFile,
        };
        delete env.PULUMI_CONFIG_PASSPHRASE;
        // The local stack's machine facts are for the stack in the repo only.
        delete env.PGSTACK_LOCAL_FACTS;
        const project = opts.project ?? REPO;
        const projectSettings = {
            ...(parse(fs.readFileSync(path.join(project, "Pulumi.yaml"), "utf8")) as { name: string }),
            main: opts.main ?? project,
        };
        const ws = await ProjectStack.workspace(dir, env, projectSettings);
        const stack = await Stack.createOrSelect(name, ws);
        return new ProjectStack(name, dir, stack, env, projectSettings.name, true);
    }

    /**
     * Writes the stack's plain config (objects stay objects in Pulumi.<stack>.yaml) and its secrets,
     * which the CLI encrypts. Secrets go to `pulumi config set --secret` on stdin, never on argv
     * (the Automation API's setConfig puts the value on the command line, visible in `ps`).
     */
    async configure(plain: Record<string, unknown>, secrets: Record<string, string> = {}): Promise<void> {
        const ws = this.stack.workspace;
        const current: StackSettings = await ws.stackSettings(this.name).catch(() => ({}) as StackSettings);
        const config = Object.fromEntries(Object.entries(plain).map(([k, v]) => [this.key(k), v as never]));
        // Keep secrets already set unless they are set again below.
        for (const [k, v] of Object.entries(current.config ?? {})) {
            if (v && typeof v === "object" && "secure" in (v as object) && !(k in config)) config[k] = v as never;
        }
        await ws.saveStackSettings(this.name, { ...current, config });
        for (const [k, v] of Object.entries(secrets)) this.setSecret(this.key(k), v);
    }

    /** A config key in the project's namespace unless it names one (`aws:region`). */
    private key(k: string): string {
        return k.includes(":") ? k : `${this.project}:${k}`;
    }

    /** `pulumi config set --secret KEY` with the value on stdin. */
    setSecret(key: string, value: string): void {
        const r = spawnSync("pulumi", ["config", "set", "--secret", key, "--stack", this.name, "--non-interactive"], {
            cwd: this.dir,
            env: this.env,
            input: value,
            encoding: "utf8",
        });
        if (r.status !== 0) throw new Error(`pulumi config set --secret ${key} failed: ${r.stderr}`);
    }

    /**
     * `pulumi stack export` as a user runs it: secrets stay encrypted. (The Automation API's
     * exportStack always passes --show-secrets.)
     */
    exportState(): string {
        const r = spawnSync("pulumi", ["stack", "export", "--stack", this.name, "--non-interactive"], {
            cwd: this.dir,
            env: this.env,
            encoding: "utf8",
            maxBuffer: 256 * 1024 * 1024,
        });
        if (r.status !== 0) throw new Error(`pulumi stack export failed: ${r.stderr}`);
        return r.stdout;
    }

    /** Settles what an interrupted `up` left behind: see recoverInterrupted. */
    async recoverInterrupted(): Promise<RecoverySummary> {
        return recoverInterrupted(this.stack, this.dir, this.env);
    }

    stackFile(): string {
        return fs.readFileSync(path.join(this.dir, `Pulumi.${this.name}.yaml`), "utf8");
    }

    /** Every file of a throwaway stack's file backend (checkpoints, backups, history), concatenated. */
    stateFiles(): string {
        const out: string[] = [];
        const walk = (d: string) => {
            for (const e of fs.readdirSync(d, { withFileTypes: true })) {
                const p = path.join(d, e.name);
                if (e.isDirectory()) walk(p);
                else out.push(fs.readFileSync(p, "utf8"));
            }
        };
        walk(path.join(this.dir, "state"));
        return out.join("\n");
    }

    /** Outputs as plain values (secrets revealed: for callers that need the DSNs). */
    async outputValues(): Promise<Record<string, unknown>> {
        const outs = await this.stack.outputs();
        return Object.fromEntries(Object.entries(outs).map(([k, v]) => [k, v.value]));
    }

    /** Removes a throwaway stack and its directory. Resources it still holds are forgotten, not deleted. */
    async remove(): Promise<void> {
        if (!this.ownDir) throw new Error(`stack ${this.name} lives in ${this.dir}: remove it with pulumi stack rm`);
        await this.stack.workspace.removeStack(this.name, { force: true }).catch(() => undefined);
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}

/** What a CommandError of the Automation API carries: the CLI's exit code and output. */
interface CommandResultLike {
    code: number;
    stdout: string;
    stderr: string;
}

/**
 * A warning the engine gives for every plugin it finds on PATH. scripts/engine/env.sh puts the offline
 * providers there on purpose, and `npm run local:*` says which provider serves each plugin, so for a
 * user it says nothing (five of them per run, each repeated in the summary).
 */
export const AMBIENT_PLUGIN_WARNING = /warning: using pulumi-resource-[\w-]+ from \$PATH at /;

/** The engine's lock hint names `pulumi cancel`, which is on a user's PATH only after sourcing env.sh. */
const CANCEL_HINT = /`pulumi cancel`/g;

/** Splits a stream into whole lines for `line`; `flush` hands over a last unterminated one. */
function lines(line: (l: string) => void): { write: (s: string) => void; flush: () => void } {
    let pending = "";
    return {
        write: (s) => {
            const parts = (pending + s).split("\n");
            pending = parts.pop() ?? "";
            parts.forEach(line);
        },
        flush: () => {
            if (pending) line(pending);
            pending = "";
        },
    };
}

/**
 * The engine's output for a user, line by line: without AMBIENT_PLUGIN_WARNING lines, without the
 * closing "Diagnostics:" block, which repeats every warning and error the run already printed where
 * it happened, and with `cancel` (the npm command that releases a lock) where the engine names
 * `pulumi cancel`. `flush` writes what is left of an unterminated last line.
 */
export function engineOutput(
    cancel: string,
    out: (s: string) => void = (s) => process.stdout.write(s),
    err: (s: string) => void = (s) => process.stderr.write(s),
): { options: { onOutput: (s: string) => void; onError: (s: string) => void }; flush: () => void } {
    let inSummary = false;
    const stdout = lines((l) => {
        if (AMBIENT_PLUGIN_WARNING.test(l)) return;
        if (l === "Diagnostics:") {
            inSummary = true;
            return;
        }
        if (inSummary) {
            if (l === "" || /^\s/.test(l)) return;
            inSummary = false;
        }
        out(`${l.replace(CANCEL_HINT, `\`${cancel}\``)}\n`);
    });
    const stderr = lines((l) => {
        if (!AMBIENT_PLUGIN_WARNING.test(l)) err(`${l.replace(CANCEL_HINT, `\`${cancel}\``)}\n`);
    });
    return {
        options: { onOutput: stdout.write, onError: stderr.write },
        flush: () => {
            stdout.flush();
            stderr.flush();
        },
    };
}

/**
 * An error of a run for a user: the engine's own message once, without the Automation API's
 * CommandError wrapper (which repeats the stdout and stderr engineOutput already printed), with
 * `cancel` where the engine names `pulumi cancel`. `streamed`: whether engineOutput printed the run.
 */
export function engineErrorText(e: unknown, cancel: string, streamed = true): string {
    const result = (e as { commandResult?: CommandResultLike }).commandResult;
    if (!result) return e instanceof Error ? e.message : String(e);
    if (streamed) return `the engine stopped (exit ${result.code}); its message is above`;
    const text = result.stderr.trim() || result.stdout.trim() || `exit ${result.code}`;
    return text.replace(CANCEL_HINT, `\`${cancel}\``);
}
