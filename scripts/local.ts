/**
 * The `local` stack, end to end: build the engine if needed, start the local TLS cluster, and run
 * `pulumi up` (or preview / destroy / outputs) of Pulumi.local.yaml against it, through Pulumi's
 * Automation API.
 *
 *   npm run local:up        npm run local:preview        npm run local:down
 *   npm run --silent local:outputs -- --json | jq .      (pure JSON on stdout; --silent drops npm's banner)
 *   npm run --silent local:outputs -- --format env [--show-secrets] > .env
 *   npm run local:recover   (after an interrupted up: docs/runbooks/tenants.md)
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { Client, escapeIdentifier } from "pg";
import { backupTargetFromOutputs } from "../lib/backup";
import { renderEnvFile } from "../lib/envFile";
import { backupLayout, setupBackups } from "./local-backup";
import {
    adminClientConfig,
    LocalPg,
    localPg,
    localPooler,
    localS3,
    localStackDir,
    localStorageConfig,
    ProjectStack,
    REPO,
} from "./lib/engine";

const STACK = "local";

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

/** Where the local pgBouncer listens (started if needed), as server.pooler keys. */
function poolerFacts(): Record<string, unknown> {
    const p = localPooler();
    log(`pgBouncer ${p.version} on ${p.host}:${p.port} (session pooling), :${p.transactionPort} (transaction pooling)`);
    // DATABASE_URL through the session-pooled listener: prepared statements work with 1.18.
    return {
        host: p.host,
        port: p.port,
        authUser: p.authUser,
        poolMode: "session",
        version: p.version,
        transactionPort: p.transactionPort,
    };
}

/** The local S3 server (started if needed). */
function s3Facts() {
    const s3 = localS3();
    log(`S3 (SeaweedFS) on ${s3.endpoint}, CA ${s3.ca}`);
    return s3;
}

/** Pulumi.local.yaml from the repo, with this machine's cluster facts filled in. */
async function prepare(): Promise<{ stack: ProjectStack; pg: LocalPg; database: string }> {
    const pg = localPg();
    const stack = await ProjectStack.open(STACK, { dir: localStackDir() });
    const template = parse(fs.readFileSync(path.join(REPO, "Pulumi.local.yaml"), "utf8")) as {
        config: Record<string, unknown>;
    };
    const { pooler: declaredPooler, ...declared } = template.config["pgstack:server"] as { pooler?: object };
    // The pooler's password lookup needs a superuser admin (config refuses server.pooler otherwise):
    // with PGSTACK_ADMIN=rds the app and tenant DSNs go direct, as on RDS without a proxy.
    const pooler = declaredPooler && pg.superuser;
    if (declaredPooler && !pooler) log("PGSTACK_ADMIN=rds: no pgBouncer (server.pooler needs a superuser admin)");
    const server = {
        ...declared,
        host: pg.host,
        port: pg.port,
        caCertPath: pg.ca,
        adminUser: pg.user,
        superuser: pg.superuser,
        // The app and tenant DSNs go through the local pgBouncer (scripts/local-pgbouncer.sh) when the
        // stack file declares one; the service DSN goes direct.
        ...(pooler ? { pooler: { ...declaredPooler, ...poolerFacts() } } : {}),
    };
    // The buckets live on the local S3-compatible server (scripts/local-s3.sh): its endpoint, CA and admin
    // key file are filled in over what the stack file declares.
    const declaredStorage = template.config["pgstack:storage"] as Record<string, unknown> | undefined;
    const storage = declaredStorage ? { ...declaredStorage, ...localStorageConfig(s3Facts()) } : undefined;
    const config: Record<string, unknown> = {
        ...template.config,
        "pgstack:server": server,
        ...(storage ? { "pgstack:storage": storage } : {}),
    };
    if (!pg.superuser) {
        // RDS lets its master user create the extensions on its allow-list (pg_stat_statements among
        // them); on this cluster a non-superuser creates trusted extensions only.
        const all = (config["pgstack:extensions"] as string[] | undefined) ?? [];
        const trusted = await trustedExtensions(pg);
        const untrusted = all.filter((e) => !trusted.has(e));
        if (untrusted.length > 0)
            log(`PGSTACK_ADMIN=rds: without ${untrusted.join(", ")} (not trusted on this cluster)`);
        config["pgstack:extensions"] = all.filter((e) => trusted.has(e));
    }
    await stack.configure(config, { adminPassword: pg.password });
    return { stack, pg, database: String(template.config["pgstack:databaseName"]) };
}

/** Extensions a non-superuser with CREATE on a database may create there (`trusted`). */
async function trustedExtensions(pg: LocalPg): Promise<Set<string>> {
    const c = new Client(adminClientConfig(pg));
    await c.connect();
    try {
        const r = await c.query<{ name: string }>(
            "SELECT DISTINCT name FROM pg_available_extension_versions WHERE trusted",
        );
        return new Set(r.rows.map((x) => x.name));
    } finally {
        await c.end();
    }
}

/** The local stack's database and roles, as the admin sees them on the cluster. */
async function retained(pg: LocalPg, database: string): Promise<{ database: boolean; roles: string[] }> {
    const c = new Client(adminClientConfig(pg));
    await c.connect();
    try {
        const db = await c.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
        const roles = await c.query("SELECT rolname FROM pg_roles WHERE rolname LIKE $1 ORDER BY 1", [
            `${database.replace(/_/g, "\\_")}\\_%`,
        ]);
        return { database: (db.rowCount ?? 0) > 0, roles: roles.rows.map((r: { rolname: string }) => r.rolname) };
    } finally {
        await c.end();
    }
}

/**
 * After `local:down`, the database and the service role that owns it are still on the cluster (kept
 * on purpose) while the stack's state no longer holds them, so a new `up` would fail on "already
 * exists" (the postgresql provider, like upstream, does not adopt). Say so before touching anything.
 */
async function checkNothingOrphaned(stack: ProjectStack, pg: LocalPg, database: string): Promise<void> {
    const state = JSON.parse(stack.exportState()) as { deployment?: { resources?: unknown[] } };
    if ((state.deployment?.resources ?? []).length > 0) return;
    const left = await retained(pg, database);
    if (!left.database && left.roles.length === 0) return;
    throw new Error(
        `database ${database} and roles ${left.roles.join(", ")} were kept by an earlier local:down ` +
            "(retainOnDelete) and this stack no longer manages them. To start over, delete them: " +
            "npm run local:down -- --purge   (or scripts/local-pg.sh destroy for the whole cluster)",
    );
}

/** `local:down --purge`: what local:down keeps on purpose (the database, the service role), deleted. */
async function purge(pg: LocalPg, database: string): Promise<void> {
    const left = await retained(pg, database);
    const c = new Client(adminClientConfig(pg));
    await c.connect();
    try {
        await c.query(`DROP DATABASE IF EXISTS ${escapeIdentifier(database)} WITH (FORCE)`);
        for (const r of left.roles) {
            await c.query(`DROP OWNED BY ${escapeIdentifier(r)}`);
            await c.query(`DROP ROLE ${escapeIdentifier(r)}`);
        }
    } finally {
        await c.end();
    }
    log(`purged: database ${database}, roles ${left.roles.join(", ") || "(none)"}`);
}

/** Outputs as JSON; secret values are shown only with --show-secrets. */
async function outputs(stack: ProjectStack, showSecrets: boolean): Promise<Record<string, unknown>> {
    const outs = await stack.stack.outputs();
    return Object.fromEntries(
        Object.entries(outs).map(([k, v]) => [k, v.secret && !showSecrets ? "[secret]" : v.value]),
    );
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
    for (const p of ["postgresql", "random", "aws"]) log(`provider ${p}: ${providerSource(p, stack.env)}`);
    const onOutput = (s: string) => process.stdout.write(s);
    log(`pulumi ${cmd} (stack ${STACK}, state in ${stack.dir})`);
    if (cmd === "recover") {
        const done = await stack.recoverInterrupted();
        log(
            `${done.adopted} declared resource(s) looked up by ID, ${done.added} provider(s)/component(s) restored, ` +
                `${done.cleared} pending operation(s) cleared; now: npm run local:up`,
        );
    } else if (cmd === "up") {
        await checkNothingOrphaned(stack, pg, database);
        await stack.stack.up({ onOutput, color: "never" });
        process.stdout.write(`${JSON.stringify(await outputs(stack, false), null, 2)}\n`);
        const values = await stack.outputValues();
        if (values.BACKUP_S3_BUCKET) {
            // The stack declares a backup bucket: the cluster archives WAL and takes base backups into it.
            log("backups: WAL archiving and a full base backup into the stack's backup bucket");
            await setupBackups(backupTargetFromOutputs(values, backupLayout()), database);
        }
        log("DSNs are secret outputs: npm run local:outputs -- --json --show-secrets");
    } else if (cmd === "down") {
        await stack.stack.destroy({ onOutput, color: "never" });
        if (flags.includes("--purge")) {
            await purge(pg, database);
        } else {
            log(
                `destroyed; database ${database} (tenant schemas and rows included) and the service role that owns it ` +
                    "are kept: npm run local:down -- --purge deletes them",
            );
        }
    } else {
        await stack.stack.preview({ onOutput, diff: true, color: "never" });
    }
}

const [cmd = "up", ...flags] = process.argv.slice(2);
if (!["up", "preview", "down", "outputs", "recover"].includes(cmd)) {
    log(
        `usage: ts-node scripts/local.ts up|preview|down|recover|outputs [--json | --format env|json|text] [--show-secrets]`,
    );
    process.exit(2);
}
main(cmd, flags).catch((e: Error) => {
    log(e.message);
    process.exit(1);
});
