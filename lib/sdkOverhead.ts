/**
 * The Pulumi Node SDK's per-resource overhead that the program can take away without changing what
 * it declares. At 1,000 tenants (8,000 resources) the program, not the engine or the provider, was
 * what bounded a `preview` (`npm run bench`; README "Scale" has the figures):
 *
 * 1. Stack traces for its own bookkeeping. For every resource the SDK reads `new Error().stack`
 *    dozens of times: each promise it makes for an output property keeps one in case it leaks, and
 *    the resource records its whole call stack as its source position. The language host and
 *    ts-node install a source-map hook (`Error.prepareStackTrace`) that maps every frame of every
 *    such stack back to TypeScript. Those bookkeeping errors are plain `Error`s with no message, and
 *    they are now formatted as V8 formats a stack without a hook (`at fn (file:line:col)`, the form
 *    the SDK parses), so a source position points at the transpiled line. An error with a message
 *    (what this program, the SDK or a library throws, i.e. what a user reads) still goes through the
 *    source-map hook and keeps its TypeScript lines.
 * 2. Debug-level messages about each registration ("Registering resource: …", "RegisterResource
 *    RPC finished: …"), three per resource, each a separate call to the engine, sent one after the
 *    other. The engine shows them only with `--debug` or `-v`; they are not sent unless
 *    PGSTACK_SDK_DEBUG=1. Any other debug message (the program's own) is sent as before.
 */
import * as pulumiLog from "@pulumi/pulumi/log";

type Prepare = (error: Error, frames: NodeJS.CallSite[]) => unknown;

const INSTALLED = Symbol.for("pgstack.sdkOverhead");

/** What V8 prints when no hook is installed: `Error` (or `Name: message`), then one line per frame. */
export function plainStack(error: Error, frames: NodeJS.CallSite[]): string {
    let head: string;
    try {
        head = String(error);
    } catch {
        head = "Error";
    }
    return head + frames.map((f) => `\n    at ${f}`).join("");
}

/** Whether the SDK made this error only to read its stack: a plain Error with no message. */
function bookkeeping(error: unknown): boolean {
    return error instanceof Error && error.message === "" && error.constructor === Error;
}

const marked = (f: unknown) => typeof f === "function" && (f as unknown as Record<symbol, boolean>)[INSTALLED];
const mark = <T>(f: T): T => Object.assign(f as object, { [INSTALLED]: true }) as T;

/**
 * Wraps the current `Error.prepareStackTrace` (the source-map hook, if any) so that bookkeeping
 * errors skip it. Idempotent.
 */
export function plainBookkeepingStacks(): void {
    const current = Error.prepareStackTrace as Prepare | undefined;
    if (marked(current)) return;
    const wrapped: Prepare = (error, frames) =>
        current === undefined || bookkeeping(error) ? plainStack(error, frames) : current(error, frames);
    Error.prepareStackTrace = mark(wrapped) as typeof Error.prepareStackTrace;
}

/** The SDK's own debug messages about each resource it registers, reads or gets (sdk/nodejs/runtime/resource.ts). */
export const SDK_RESOURCE_DEBUG =
    /^(Registering resource: |RegisterResource RPC |RegisterResourceOutputs RPC |Resource RPC serialization requested: |Reading resource: |ReadResource RPC |Getting resource: |getResource Invoke RPC )/;

type Debug = typeof pulumiLog.debug;

/**
 * Stops the SDK's per-resource debug messages before they reach the engine; every other debug
 * message goes on as before. The SDK calls `log.debug` through the module object, so replacing the
 * export reaches its calls. Idempotent.
 */
export function quietSdkResourceDebug(log: { debug: Debug } = pulumiLog): void {
    const current = log.debug;
    if (marked(current)) return;
    const quiet: Debug = (msg, ...rest) => (SDK_RESOURCE_DEBUG.test(msg) ? Promise.resolve() : current(msg, ...rest));
    log.debug = mark(quiet);
}

/** Both, unless PGSTACK_SDK_DEBUG=1 asks for the SDK's debug messages (`pulumi up --debug`). */
export function trimSdkOverhead(env: NodeJS.ProcessEnv = process.env): void {
    plainBookkeepingStacks();
    if (env.PGSTACK_SDK_DEBUG !== "1") quietSdkResourceDebug();
}
