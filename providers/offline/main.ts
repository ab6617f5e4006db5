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
}

main().catch((err: unknown) => {
    log(`fatal: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
});
