/**
 * The `local` stack, end to end: build the engine if needed, start the local TLS cluster, and run
 * `pulumi up` (or preview / destroy / outputs) of Pulumi.local.yaml against it, through Pulumi's
 * Automation API.
 *
 *   npm run local:up        npm run local:preview        npm run local:down
 *   npm run local:outputs [-- --json] [-- --show-secrets]
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { engineEnv, localPg, localPooler, ProjectStack, REPO } from "./lib/engine";

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
async function prepare(): Promise<ProjectStack> {
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
    return stack;
}

/** Outputs as JSON; secret values are shown only with --show-secrets. */
async function outputs(stack: ProjectStack, showSecrets: boolean): Promise<Record<string, unknown>> {
    const outs = await stack.stack.outputs();
    return Object.fromEntries(
        Object.entries(outs).map(([k, v]) => [k, v.secret && !showSecrets ? "[secret]" : v.value]),
    );
}

async function main(cmd: string, flags: string[]): Promise<void> {
    const stack = await prepare();
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
    if (cmd === "up") {
        await stack.stack.up({ onOutput, color: "never" });
        process.stdout.write(`${JSON.stringify(await outputs(stack, false), null, 2)}\n`);
        log("DSNs are secret outputs: npm run local:outputs -- --json --show-secrets");
    } else if (cmd === "down") {
        await stack.stack.destroy({ onOutput, color: "never" });
        log("destroyed; the database, the tenant schemas and the service role that owns them are kept");
    } else {
        await stack.stack.preview({ onOutput, diff: true, color: "never" });
    }
}

const [cmd = "up", ...flags] = process.argv.slice(2);
if (!["up", "preview", "down", "outputs"].includes(cmd)) {
    log(`usage: ts-node scripts/local.ts up|preview|down|outputs [--json] [--show-secrets]`);
    process.exit(2);
}
main(cmd, flags).catch((e: Error) => {
    log(e.message);
    process.exit(1);
});
