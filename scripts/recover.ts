/**
 * After an interrupted `pulumi up` (killed, a lost runner): release the stack's lock and settle the
 * operations the dead run left pending, so the next `pulumi up` converges with no SQL by hand.
 * Run it where you run `pulumi` for that stack (the project directory, with the backend and
 * passphrase in the environment):
 *
 *   npm run recover -- --stack staging
 *
 * See docs/runbooks/tenants.md, "An interrupted up".
 */
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { engineErrorText } from "./lib/projectStack";
import { recoverInterrupted } from "./lib/recovery";

async function main(argv: string[]): Promise<void> {
    const opt = (name: string) => {
        const i = argv.indexOf(`--${name}`);
        return i >= 0 ? argv[i + 1] : undefined;
    };
    const stackName = opt("stack");
    if (!stackName) throw new Error("usage: npm run recover -- --stack <stack>");
    const stack = await LocalWorkspace.selectStack({ stackName, workDir: process.cwd() });
    const done = await recoverInterrupted(stack, process.cwd(), process.env);
    process.stderr.write(
        `[recover] ${stackName}: ${done.adopted} declared resource(s) looked up by ID, ${done.added} provider(s)/` +
            `component(s) restored, ${done.cleared} pending operation(s) cleared; now run \`pulumi up\`\n`,
    );
}

main(process.argv.slice(2)).catch((e: Error) => {
    // Nothing of the engine's was printed as it ran: its message once, without the CommandError wrapper.
    process.stderr.write(`[recover] ${engineErrorText(e, "npm run recover", false)}\n`);
    process.exit(1);
});
