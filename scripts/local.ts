/**
 * The `local` stack, end to end: build the engine if needed, start the local services (TLS cluster,
 * pgBouncer, S3 server), write their machine facts for the program (scripts/lib/localStack.ts) and
 * run `pulumi up` (or preview / destroy / outputs) of the repo's Pulumi.local.yaml in the repo,
 * through Pulumi's Automation API, as `pulumi -s local` there would.
 *
 *   npm run local:up        npm run local:preview [-- --policy-pack]        npm run local:down [-- --purge]
 *   npm run --silent local:outputs -- --json | jq .      (pure JSON on stdout; --silent drops npm's banner)
 *   npm run --silent local:outputs -- --format env [--show-secrets] > .env
 *   npm run local:recover   (after an interrupted up: docs/runbooks/tenants.md)
 *   npm run local:cancel    (release the lock a killed run left)
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { backupTargetFromOutputs } from "../lib/backup";
import { renderEnvFile } from "../lib/envFile";
import { backupLayout, setupBackups } from "./local-backup";
import { dropDatabasesAndRoles, likePrefix } from "./lib/cleanup";
import { REPO } from "./lib/engineEnv";
import { LocalPg, localPg, localPooler, LocalPooler, localS3, LocalS3, withAdmin } from "./lib/localServices";
import {
    forgetOwner,
    LOCAL_STACK,
    localStackConfig,
    machineFacts,
    openLocalStack,
    ownerOf,
    recordOwner,
    stateHoldsResources,
    writeMachineFacts,
} from "./lib/localStack";
import { engineOutput, engineErrorText, ProjectStack } from "./lib/projectStack";

const COMMANDS = ["up", "preview", "down", "outputs", "recover", "cancel"];

function log(msg: string): void {
    process.stderr.write(`[local] ${msg}\n`);
}

/** Which binary serves a provider plugin: the upstream one, or the project's offline provider. */
export function providerSource(name: string, env: Record<string, string>): string {
    const installed = path.join(env.PULUMI_HOME ?? "", "plugins");
    if (fs.existsSync(installed) && fs.readdirSync(installed).some((d) => d.startsWith(`resource-${name}-v`))) {
        return `upstream plugin (${installed})`;
    }
    for (const d of (env.PATH ?? "").split(":")) {
        const p = path.join(d, `pulumi-resource-${name}`);
        if (d && fs.existsSync(p)) {
            return p.startsWith(path.join(REPO, "providers", "offline"))
                ? `offline provider (${path.relative(REPO, p)})`
                : p;
        }
    }
    return "none found";
}

/** The local pgBouncer (started if needed). */
function startPooler(): LocalPooler {
    const p = localPooler();
    log(`pgBouncer ${p.version} on ${p.host}:${p.port} (session pooling), :${p.transactionPort} (transaction pooling)`);
    return p;
}

/** The local S3 server (started if needed). */
function startS3(): LocalS3 {
    const s3 = localS3();
    log(`S3 (SeaweedFS) on ${s3.endpoint}, CA ${s3.ca}`);
    return s3;
}

/** Extensions a non-superuser with CREATE on a database may create there (`trusted`). */
async function trustedExtensions(pg: LocalPg): Promise<Set<string>> {
    const r = await withAdmin(pg, (c) =>
        c.query<{ name: string }>("SELECT DISTINCT name FROM pg_available_extension_versions WHERE trusted"),
    );
    return new Set(r.rows.map((x) => x.name));
}

/** Starts the services Pulumi.local.yaml declares and writes their machine facts. */
async function prepare(): Promise<{ stack: ProjectStack; pg: LocalPg; database: string }> {
    const pg = localPg();
    const declared = localStackConfig();
    const declaresPooler = Boolean((declared["pgstack:server"] as { pooler?: object } | undefined)?.pooler);
    // The pooler's password lookup needs a superuser admin (config refuses server.pooler otherwise):
    // with PGSTACK_ADMIN=rds the app and tenant DSNs go direct, as on RDS without a proxy.
    if (declaresPooler && !pg.superuser) log("PGSTACK_ADMIN=rds: no pgBouncer (server.pooler needs a superuser admin)");
    const pooler = declaresPooler && pg.superuser ? startPooler() : undefined;
    const s3 = declared["pgstack:storage"] ? startS3() : undefined;
    let extensions: string[] | undefined;
    if (!pg.superuser) {
        // RDS lets its master user create the extensions on its allow-list (pg_stat_statements among
        // them); on this cluster a non-superuser creates trusted extensions only.
        const all = (declared["pgstack:extensions"] as string[] | undefined) ?? [];
        const trusted = await trustedExtensions(pg);
        const untrusted = all.filter((e) => !trusted.has(e));
        if (untrusted.length > 0)
            log(`PGSTACK_ADMIN=rds: without ${untrusted.join(", ")} (not trusted on this cluster)`);
        extensions = all.filter((e) => trusted.has(e));
    }
    writeMachineFacts(machineFacts(declared, pg, { pooler, s3, extensions }));
    const stack = await openLocalStack();
    return { stack, pg, database: String(declared["pgstack:databaseName"]) };
}

/** The local stack's database and the roles named after it, as the admin sees them on the cluster. */
async function retained(pg: LocalPg, database: string): Promise<{ database: boolean; roles: string[] }> {
    return withAdmin(pg, async (c) => {
        const db = await c.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
        const roles = await c.query<{ rolname: string }>(
            "SELECT rolname FROM pg_roles WHERE rolname LIKE $1 ORDER BY 1",
            [likePrefix(`${database}_`)],
        );
        return { database: (db.rowCount ?? 0) > 0, roles: roles.rows.map((r) => r.rolname) };
    });
}

/** Whether this stack's state holds no resource (a first `up`, or after `down`). */
function stateEmpty(stack: ProjectStack): boolean {
    const state = JSON.parse(stack.exportState()) as { deployment?: { resources?: unknown[] } };
    return (state.deployment?.resources ?? []).length === 0;
}

/**
 * Before an `up` from an empty state: the database and its roles may already be on the cluster,
 * and the postgresql provider (like upstream) does not adopt, so the `up` would fail on "already
 * exists". Say whose they are before touching anything, and advise deleting them only when this
 * checkout's own local:down kept them.
 */
async function checkNothingOrphaned(stack: ProjectStack, pg: LocalPg, database: string): Promise<void> {
    if (!stateEmpty(stack)) return;
    const left = await retained(pg, database);
    if (!left.database && left.roles.length === 0) return;
    const what = `database ${database}${left.roles.length > 0 ? ` and roles ${left.roles.join(", ")}` : ""}`;
    const owner = ownerOf(pg, database);
    if (owner && owner.checkout !== REPO && !fs.existsSync(owner.checkout)) {
        throw new Error(
            `${what} were made by the local stack of ${owner.checkout}, which is gone with its state. ` +
                "To start over, delete them: npm run local:down -- --purge",
        );
    }
    if (owner?.checkout === REPO) {
        throw new Error(
            `${what} were kept by an earlier local:down of this checkout (retainOnDelete) and its stack no ` +
                "longer manages them. To start over, delete them: npm run local:down -- --purge",
        );
    }
    const elsewhere =
        "or run this checkout on local services of its own (PGSTACK_PG_DIR, PGSTACK_PG_PORT and the " +
        "pooler's and S3's: README, The local stack)";
    if (owner && stateHoldsResources(owner.backend)) {
        throw new Error(
            `${what} on this cluster belong to the local stack of ${owner.checkout}: run npm run local:down there, ${elsewhere}`,
        );
    }
    if (owner) {
        throw new Error(
            `${what} were kept by a local:down in ${owner.checkout}: delete them from there ` +
                `(npm run local:down -- --purge), ${elsewhere}`,
        );
    }
    throw new Error(
        `${what} are on this cluster but no local stack recorded making them (another stack or program on ` +
            `this cluster may use them): find their owner, ${elsewhere}`,
    );
}

/**
 * `local:down --purge`: what local:down keeps on purpose (the database, the service role), deleted,
 * when no other checkout's stack made them: recorded as this checkout's (or as one whose checkout is
 * gone), or, made before owners were recorded, held by the state the `down` just emptied.
 */
async function purge(pg: LocalPg, database: string, heldByState: boolean): Promise<void> {
    const owner = ownerOf(pg, database);
    const ours = owner ? owner.checkout === REPO || !fs.existsSync(owner.checkout) : heldByState;
    if (!ours) {
        throw new Error(
            `database ${database} was not made by this checkout's local stack` +
                `${owner ? ` (it belongs to the local stack of ${owner.checkout})` : ""}: not deleted from here`,
        );
    }
    const dropped = await dropDatabasesAndRoles(
        pg,
        likePrefix(database),
        (n) => n === database || n.startsWith(`${database}_`),
    );
    forgetOwner(pg, database);
    log(`purged: database ${dropped.databases.join(", ") || "(none)"}, roles ${dropped.roles.join(", ") || "(none)"}`);
}

/** Outputs as JSON; secret values are shown only with --show-secrets. */
async function outputs(stack: ProjectStack, showSecrets: boolean): Promise<Record<string, unknown>> {
    const outs = await stack.stack.outputs();
    return Object.fromEntries(
        Object.entries(outs).map(([k, v]) => [k, v.secret && !showSecrets ? "[secret]" : v.value]),
    );
}

/** `policies/` with its own dependencies installed (`npm ci --prefix policies`, once). */
function policyPack(): string {
    const dir = path.join(REPO, "policies");
    if (!fs.existsSync(path.join(dir, "node_modules"))) {
        log("installing the policy pack's dependencies (npm ci --prefix policies)");
        const r = spawnSync("npm", ["ci", "--prefix", dir, "--no-audit", "--no-fund"], { stdio: ["ignore", 2, 2] });
        if (r.status !== 0) throw new Error(`npm ci --prefix policies failed (exit ${r.status})`);
    }
    return dir;
}

async function main(cmd: string, flags: string[]): Promise<void> {
    const { stack, pg, database } = await prepare();
    const showSecrets = flags.includes("--show-secrets");
    if (cmd === "outputs") {
        const format = flags.includes("--json") ? "json" : flags[flags.indexOf("--format") + 1];
        if (flags.includes("--format") && !["env", "json", "text"].includes(format ?? "")) {
            throw new Error("--format takes env, json or text");
        }
        if (format === "env") {
            process.stdout.write(renderEnvFile(await stack.stack.outputs(), showSecrets));
            if (!showSecrets) log("secret outputs (the DSNs) left out: add --show-secrets");
            return;
        }
        const outs = await outputs(stack, showSecrets);
        if (format === "json") {
            process.stdout.write(`${JSON.stringify(outs, null, 2)}\n`);
        } else {
            for (const [k, v] of Object.entries(outs)) process.stdout.write(`${k}: ${JSON.stringify(v)}\n`);
        }
        return;
    }
    if (cmd === "cancel") {
        await stack.stack.cancel();
        log("lock released; if a run was killed midway: npm run local:recover");
        return;
    }
    for (const p of ["postgresql", "random", "aws"]) log(`provider ${p}: ${providerSource(p, stack.env)}`);
    const { options: out, flush } = engineOutput("npm run local:cancel");
    log(`pulumi ${cmd} (stack ${LOCAL_STACK}, state ${stack.env.PULUMI_BACKEND_URL})`);
    try {
        await run(cmd, flags, stack, pg, database, out);
    } finally {
        flush();
    }
}

async function run(
    cmd: string,
    flags: string[],
    stack: ProjectStack,
    pg: LocalPg,
    database: string,
    out: ReturnType<typeof engineOutput>["options"],
): Promise<void> {
    if (cmd === "recover") {
        const done = await stack.recoverInterrupted();
        log(
            `${done.adopted} declared resource(s) looked up by ID, ${done.added} provider(s)/component(s) restored, ` +
                `${done.cleared} pending operation(s) cleared; now: npm run local:up`,
        );
    } else if (cmd === "up") {
        await checkNothingOrphaned(stack, pg, database);
        await stack.stack.up({ ...out, color: "never" });
        recordOwner(pg, database, stack.env.PULUMI_BACKEND_URL);
        const values = await stack.outputValues();
        if (values.BACKUP_S3_BUCKET) {
            // The stack declares a backup bucket: the cluster archives WAL and takes base backups into it.
            log("backups: WAL archiving and a full base backup into the stack's backup bucket");
            await setupBackups(backupTargetFromOutputs(values, backupLayout()), database);
        }
        log("DSNs are secret outputs: npm run local:outputs -- --json --show-secrets");
    } else if (cmd === "down") {
        const heldByState = !stateEmpty(stack);
        await stack.stack.destroy({ ...out, color: "never" });
        if (flags.includes("--purge")) {
            await purge(pg, database, heldByState);
        } else {
            log(
                `destroyed; database ${database} (tenant schemas and rows included) and the service role that owns it ` +
                    "are kept: npm run local:down -- --purge deletes them",
            );
        }
    } else {
        const policyPacks = flags.includes("--policy-pack") ? [policyPack()] : undefined;
        if (policyPacks) log(`with the policy pack ${path.relative(REPO, policyPacks[0])}/`);
        await stack.stack.preview({ ...out, diff: true, color: "never", ...(policyPacks ? { policyPacks } : {}) });
    }
}

const [cmd = "up", ...flags] = process.argv.slice(2);
if (!COMMANDS.includes(cmd)) {
    log(
        `usage: ts-node scripts/local.ts ${COMMANDS.join("|")} [--json | --format env|json|text] [--show-secrets] ` +
            "[--policy-pack] [--purge]",
    );
    process.exit(2);
}
main(cmd, flags).catch((e: Error) => {
    log(engineErrorText(e, "npm run local:cancel"));
    process.exit(1);
});
