/** The provider's stderr log: one prefixed line per message, secrets redacted. */
import { redact } from "./redact";

/** Writes one line to stderr, every secret the provider has seen replaced (redact.ts). */
export function log(msg: string): void {
    process.stderr.write(`[offline-provider] ${redact(msg)}\n`);
}

/**
 * The engine's log verbosity, which it passes to plugins as `-v=N` when run with `--logflow`; at 9 (its
 * most verbose) the provider logs every SQL statement it runs too.
 */
export function engineVerbosity(argv: string[] = process.argv): number {
    const flag = argv.find((a) => /^--?v=\d+$/.test(a));
    return flag ? Number(flag.split("=")[1]) : 0;
}
