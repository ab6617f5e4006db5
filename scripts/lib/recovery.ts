/**
 * Recovery of a stack after an interrupted `pulumi up` (`npm run recover`, `npm run local:recover`):
 * a checkpoint the kill left truncated is put back from the backend's own copies, and what the dead
 * run created without recording it is adopted into the state. docs/runbooks/tenants.md, "An
 * interrupted up", is the runbook.
 */
import { applyLocalFacts, LOCAL_FACTS_ENV, readLocalFacts } from "../../config/localFacts";
import { Stack } from "@pulumi/pulumi/automation";
import { spawnSync } from "child_process";
import { randomUUID } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { planAdoption, PreviewStep, StateResource } from "../../lib/pending";

/**
 * A file backend's checkpoint of `stack` that does not parse (a kill can leave it truncated) is
 * replaced by the last copy that does: the backup the backend keeps beside it (<stack>.json.bak),
 * else the checkpoint of the newest finished update (history/). The broken one is kept as
 * <stack>.json.broken; an unreadable attributes sidecar (<stack>.json.attrs) is set aside. Returns
 * whether anything was repaired; what was created since is adopted by the caller.
 */
export function restoreCheckpointBackup(backendUrl: string | undefined, stackName: string): boolean {
    if (!backendUrl?.startsWith("file://")) return false;
    const root = path.join(backendUrl.slice("file://".length), ".pulumi");
    const stacks = path.join(root, "stacks");
    if (!fs.existsSync(stacks)) return false;
    const parses = (f: string) => {
        try {
            JSON.parse(fs.readFileSync(f, "utf8"));
            return true;
        } catch {
            return false;
        }
    };
    let repaired = false;
    for (const project of fs.readdirSync(stacks)) {
        const file = path.join(stacks, project, `${stackName}.json`);
        // The backend keeps each file's attributes (content type, md5) in a <file>.attrs sidecar; a kill
        // between writing the two can leave it empty, and the engine then fails "failed to load
        // checkpoint: EOF" on a checkpoint that is whole. Without the sidecar the file is read as is.
        const attrs = `${file}.attrs`;
        if (fs.existsSync(attrs) && !parses(attrs)) {
            fs.renameSync(attrs, `${attrs}.broken`);
            repaired = true;
        }
        if (!fs.existsSync(file) || parses(file)) continue;
        const historyDir = path.join(root, "history", project, stackName);
        const history = fs.existsSync(historyDir)
            ? fs
                  .readdirSync(historyDir)
                  .filter((n) => n.endsWith(".checkpoint.json"))
                  .sort()
                  .reverse()
                  .map((n) => path.join(historyDir, n))
            : [];
        const good = [`${file}.bak`, ...history].find((f) => fs.existsSync(f) && parses(f));
        if (!good) return repaired;
        fs.renameSync(file, `${file}.broken`);
        if (fs.existsSync(attrs)) fs.renameSync(attrs, `${attrs}.broken`);
        fs.copyFileSync(good, file);
        return true;
    }
    return repaired;
}

/** What recoverInterrupted did: counts, and the URNs of the last round that could not be adopted. */
export interface RecoverySummary {
    adopted: number;
    added: number;
    cleared: number;
    /** Declared, not in the state, and not adoptable (random passwords: the next `up` makes them). */
    skipped: string[];
    /** URNs put into the state with the ID their inputs give, over all rounds. */
    adoptedUrns: string[];
    /** URNs of the pending operations the dead run left, over all rounds. */
    pendingUrns: string[];
}

/**
 * Settles what an interrupted `up` left behind (docs/runbooks/tenants.md, "An interrupted up"),
 * whether or not the dead run recorded what it was doing (PULUMI_SKIP_CHECKPOINTS records nothing):
 * releases the dead run's lock; runs a preview to learn every resource the program declares; puts
 * each one the state lacks whose provider ID follows from its inputs into the state with that ID
 * (lib/pending.ts planAdoption; `pulumi stack import` of the edited state), with the providers and
 * components it needs; clears the pending operations; and refreshes, so each adopted resource is
 * kept if the server has it and dropped (created by the next `up`) if not.
 * `pulumi refresh --import-pending-creates` would only cover recorded creates, and this engine
 * (3.259) drops the "importing" operations it makes without reading them. The state is read with
 * `pulumi stack export` (secrets stay encrypted), not the Automation API's --show-secrets export.
 */
export async function recoverInterrupted(
    stack: Stack,
    cwd: string,
    env: Record<string, string | undefined>,
): Promise<RecoverySummary> {
    // A kill can leave the checkpoint or its attributes sidecar unreadable, and then every command
    // that loads the stack fails, `pulumi cancel` included: repair first, so the cancel can release
    // the dead run's lock (a lock left behind makes the `stack import` below fail).
    restoreCheckpointBackup(env.PULUMI_BACKEND_URL, stack.name);
    await stack.cancel();
    const done: RecoverySummary = { adopted: 0, added: 0, cleared: 0, skipped: [], adoptedUrns: [], pendingUrns: [] };
    // Resources served through a database adopted in the first round wait for the second: its
    // refresh shows whether the database is on the server (then they are adopted) or not (then
    // nothing inside it is, and the next `up` creates it all).
    for (let round = 0; round < 2; round++) {
        const r = await adoptionRound(stack, cwd, env, round === 0);
        done.adopted += r.adopted;
        done.added += r.added;
        done.cleared += r.cleared;
        done.skipped = r.skipped;
        done.adoptedUrns.push(...r.adoptedUrns);
        done.pendingUrns.push(...r.pendingUrns);
        if (r.deferred === 0) break;
    }
    return done;
}

/** One round of recoverInterrupted: export, preview, plan, import, refresh. */
async function adoptionRound(
    stack: Stack,
    cwd: string,
    env: Record<string, string | undefined>,
    first: boolean,
): Promise<RecoverySummary & { deferred: number }> {
    const cli = (args: string[]) =>
        spawnSync("pulumi", [...args, "--stack", stack.name, "--non-interactive"], {
            cwd,
            env,
            encoding: "utf8",
            maxBuffer: 256 * 1024 * 1024,
        });
    let exported = cli(["stack", "export"]);
    // Killed while writing a checkpoint, the file backend leaves it truncated ("failed to load
    // checkpoint: EOF"); it keeps the one before as <stack>.json.bak: back to that one, the
    // adoption below finds what was created since.
    if (exported.status !== 0 && /failed to load checkpoint/.test(exported.stderr)) {
        if (restoreCheckpointBackup(env.PULUMI_BACKEND_URL, stack.name)) exported = cli(["stack", "export"]);
    }
    if (exported.status !== 0) throw new Error(`pulumi stack export failed:\n${exported.stderr}`);
    const state = JSON.parse(exported.stdout) as {
        deployment: { resources?: StateResource[]; pending_operations?: { resource?: { urn?: string } }[] };
    };
    // --show-sames: without it the JSON lists only changes, so the resources the state already has
    // (the providers and parents of what is to be adopted) would be missing from the plan.
    const preview = cli(["preview", "--json", "--show-sames"]);
    // A failed preview lists only the steps before its error: planning from it would leave the rest
    // of what the dead run created out of the state.
    let steps: PreviewStep[] | undefined;
    try {
        if (preview.status === 0) steps = (JSON.parse(preview.stdout) as { steps?: PreviewStep[] }).steps ?? [];
    } catch {
        steps = undefined;
    }
    if (!steps) throw new Error(`pulumi preview failed:\n${preview.stderr}\n${previewDiagnostics(preview.stdout)}`);
    // The providers' admin password, for providers the state lacks (the preview masks it): from the
    // stack's config, or for the local stack from its machine facts (config/localFacts.ts).
    const password = cli(["config", "get", "pgstack:adminPassword"]);
    const plan = planAdoption(state.deployment.resources ?? [], steps, {
        viaAdopted: first ? "defer" : "skip",
        newProviderId: () => randomUUID(),
        adminPassword: recoveryAdminPassword(
            password.status === 0 ? password.stdout : undefined,
            stack.name,
            env[LOCAL_FACTS_ENV],
        ),
    });
    const pendingUrns = (state.deployment.pending_operations ?? []).map((o) => o.resource?.urn ?? "?");
    const cleared = pendingUrns.length;
    const changed = plan.adopted.length + plan.added.length + cleared > 0;
    if (changed) {
        state.deployment.resources = plan.resources;
        state.deployment.pending_operations = [];
        await stack.importStack(state as never);
    }
    if (first || changed) await stack.refresh({ clearPendingCreates: true, color: "never" });
    return {
        adopted: plan.adopted.length,
        added: plan.added.length,
        cleared,
        skipped: plan.skipped,
        adoptedUrns: plan.adopted,
        pendingUrns,
        deferred: plan.deferred.length,
    };
}

/**
 * The stack's admin password for the providers recovery restores: `pulumi config get`'s output, or
 * for the local stack the machine facts' password file (config/localFacts.ts), else undefined.
 */
export function recoveryAdminPassword(
    configOutput: string | undefined,
    stackName: string,
    factsFile: string | undefined,
): string | undefined {
    if (configOutput !== undefined && configOutput.trim() !== "") return configOutput.replace(/\n$/, "");
    const facts = applyLocalFacts({}, stackName, readLocalFacts(factsFile)).all;
    return facts["pgstack:adminPassword"] || undefined;
}

/** The error diagnostics of a `pulumi preview --json` output (where a failed preview says why). */
function previewDiagnostics(stdout: string): string {
    try {
        const d = (JSON.parse(stdout) as { diagnostics?: { severity?: string; message?: string }[] }).diagnostics;
        return (d ?? [])
            .filter((x) => x.severity === "error")
            .map((x) => x.message ?? "")
            .join("\n");
    } catch {
        return "";
    }
}
