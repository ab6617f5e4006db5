/**
 * The `local` stack, end to end: build the engine if needed, start the local TLS cluster, and run
 * `pulumi up` (or preview / destroy / outputs) of Pulumi.local.yaml against it, through Pulumi's
 * Automation API.
 *
 *   npm run local:up        npm run local:preview        npm run local:down
 *   npm run local:outputs [-- --json] [-- --show-secrets]
 *   npm run local:recover   (after an interrupted up: docs/runbooks/tenants.md)
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { Client, escapeIdentifier } from "pg";
import { adminClientConfig, engineEnv, LocalPg, localPg, localPooler, ProjectStack, REPO } from "./lib/engine";

const STACK = "local";

function log(msg: string): void {
    process.stderr.write(`[local] ${msg}\n`);
}

function stackDir(): string {
    const cache = engineEnv().PGSTACK_CACHE ?? path.join(process.env.HOME ?? "/tmp", ".cache/pgstack");
    return path.join(cache, "local-stack");
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
function poolerFacts(): { host: string; port: number; authUser: string } {
    const p = localPooler();
    log(`pgBouncer ${p.version} on ${p.host}:${p.port}`);
    return { host: p.host, port: p.port, authUser: p.authUser };
}

/** Pulumi.local.yaml from the repo, with this machine's cluster facts filled in. */
async function prepare(): Promise<{ stack: ProjectStack; pg: LocalPg; database: string }> {
    const pg = localPg();
    const stack = await ProjectStack.open(STACK, { dir: stackDir() });
    const template = parse(fs.readFileSync(path.join(REPO, "Pulumi.local.yaml"), "utf8")) as {
        config: Record<string, unknown>;
    };
    const declared = template.config["pgstack:server"] as { pooler?: object };
    const server = {
        ...declared,
        host: pg.host,
        port: pg.port,
        caCertPath: pg.ca,
        adminUser: pg.user,
        // The app and tenant DSNs go through the local pgBouncer (scripts/local-pgbouncer.sh) when the
        // stack file declares one; the service DSN goes direct.
        ...(declared.pooler ? { pooler: { ...declared.pooler, ...poolerFacts() } } : {}),
    };
    await stack.configure({ ...template.config, "pgstack:server": server }, { adminPassword: pg.password });
    return { stack, pg, database: String(template.config["pgstack:databaseName"]) };
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
        const outs = await outputs(stack, showSecrets);
        if (flags.includes("--json")) {
            process.stdout.write(`${JSON.stringify(outs, null, 2)}\n`);
        } else {
            for (const [k, v] of Object.entries(outs)) process.stdout.write(`${k}: ${JSON.stringify(v)}\n`);
        }
        return;
    }
    for (const p of ["postgresql", "random"]) log(`provider ${p}: ${providerSource(p, stack.env)}`);
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
    log(`usage: ts-node scripts/local.ts up|preview|down|recover|outputs [--json] [--show-secrets]`);
    process.exit(2);
}
main(cmd, flags).catch((e: Error) => {
    log(e.message);
    process.exit(1);
});
