/**
 * Entry point of the offline provider plugins. Launched by bin/pulumi-resource-<name> as
 *   node main.ts --plugin <postgresql|random|aws> [engine flags…] <engine address>
 * Prints the port it listens on, then a newline, on stdout; everything else goes to stderr.
 */
import { awsPlugin } from "./aws";
import { postgresqlPlugin } from "./postgresql";
import { randomPlugin } from "./random";
import { log, Plugin, serve } from "./server";

function pluginName(argv: string[]): string {
    const i = argv.indexOf("--plugin");
    if (i >= 0 && argv[i + 1]) return argv[i + 1];
    return process.env.PGSTACK_OFFLINE_PLUGIN ?? "";
}

async function main(): Promise<void> {
    // Read first: the engine can die while the plugin is still starting.
    const engine = process.ppid;
    const name = pluginName(process.argv.slice(2));
    let plugin: Plugin;
    if (name === "postgresql") plugin = postgresqlPlugin();
    else if (name === "random") plugin = randomPlugin();
    else if (name === "aws") plugin = awsPlugin();
    else throw new Error(`unknown plugin "${name}" (expected --plugin postgresql|random|aws)`);
    const { port } = await serve(plugin);
    process.stdout.write(`${port}\n`);
    const stop = () => {
        void Promise.resolve(plugin.close?.()).finally(() => process.exit(0));
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
    // An engine killed outright (SIGKILL, a CI timeout) cannot stop its plugins, and a plugin left
    // running would go on with what it was doing: a role it creates after `npm run recover` has
    // looked is on the server and in no state, and the next `up` fails "already exists". When the
    // engine that started it is gone (the plugin's parent changes), it exits at once, which also
    // rolls back a transaction in flight.
    setInterval(() => {
        if (process.ppid === engine) return;
        log("the engine that started this plugin is gone; exiting");
        process.exit(1);
    }, 200).unref();
}

main().catch((err: unknown) => {
    log(`fatal: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
});
