/**
 * The `local` stack, end to end: build the engine if needed, start the local TLS cluster, and run
 * `pulumi up` (or preview / destroy / outputs) of Pulumi.local.yaml against it.
 *
 *   npm run local:up        npm run local:preview        npm run local:outputs        npm run local:down
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { engineEnv, localPg, ProjectStack, REPO } from "./lib/engine";

const STACK = "local";
/** npm packages whose provider plugins the program needs, and the plugin names. */
const PLUGINS: Record<string, string> = { "@pulumi/postgresql": "postgresql", "@pulumi/random": "random" };

function log(msg: string): void {
    process.stderr.write(`[local] ${msg}\n`);
}

function stackDir(): string {
    const cache = engineEnv().PGSTACK_CACHE ?? path.join(process.env.HOME ?? "/tmp", ".cache/pgstack");
    return path.join(cache, "local-stack");
}

/** Pulumi.local.yaml from the repo, with this machine's cluster facts filled in. */
function prepare(): ProjectStack {
    const pg = localPg();
    const stack = new ProjectStack(STACK, stackDir());
    const template = parse(fs.readFileSync(path.join(REPO, "Pulumi.local.yaml"), "utf8")) as {
        config: Record<string, unknown>;
    };
    const server = {
        ...(template.config["pgstack:server"] as object),
        port: pg.port,
        caCertPath: pg.ca,
        adminUser: pg.user,
    };
    stack.configure({ ...template.config, "pgstack:server": server }, { adminPassword: pg.password });
    return stack;
}

/** The provider plugins must be there already: this engine never downloads. */
function checkPlugins(stack: ProjectStack): void {
    const installed = stack.cli(["plugin", "ls", "--json"]).stdout;
    const onPath = (name: string) =>
        (engineEnv().PATH ?? "").split(":").some((d) => fs.existsSync(path.join(d, `pulumi-resource-${name}`)));
    const missing = Object.entries(PLUGINS)
        .filter(([, name]) => !installed.includes(`"name": "${name}"`) && !onPath(name))
        .map(([pkg, name]) => {
            const version = (
                JSON.parse(fs.readFileSync(path.join(REPO, "node_modules", pkg, "package.json"), "utf8")) as {
                    version: string;
                }
            ).version;
            return `pulumi plugin install resource ${name} ${version}`;
        });
    if (missing.length > 0) {
        throw new Error(
            `provider plugins missing: ${missing.join("; ")}\n` +
                "With internet access run those commands (or unset PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION).\n" +
                "Offline, put pulumi-resource-postgresql / pulumi-resource-random binaries on PATH " +
                "(see README: 'Engine and plugins').",
        );
    }
}

function main(cmd: string): void {
    const stack = prepare();
    if (cmd === "outputs") {
        process.stdout.write(stack.pulumi(["stack", "output"], true).stdout);
        return;
    }
    checkPlugins(stack);
    const args = cmd === "up" ? ["up", "--yes"] : cmd === "down" ? ["destroy", "--yes"] : ["preview", "--diff"];
    log(`pulumi ${args.join(" ")} (stack ${STACK}, state in ${stack.dir})`);
    const r = stack.pulumi(args, false, 3_600_000);
    process.stdout.write(r.stdout);
    process.stderr.write(r.stderr);
    if (r.status !== 0) process.exit(r.status);
    if (cmd === "up") {
        process.stdout.write(stack.pulumi(["stack", "output"], true).stdout);
        log(`DSNs are secret outputs: cd ${stack.dir} && pulumi stack output --show-secrets --stack ${STACK}`);
        log(
            "(with the engine's environment: . scripts/engine/env.sh; PULUMI_BACKEND_URL=file://" +
                path.join(stack.dir, "state") +
                ")",
        );
    }
}

const cmd = process.argv[2] ?? "up";
if (!["up", "preview", "down", "outputs"].includes(cmd)) {
    log(`usage: ts-node scripts/local.ts up|preview|down|outputs`);
    process.exit(2);
}
try {
    main(cmd);
} catch (e) {
    log((e as Error).message);
    process.exit(1);
}
