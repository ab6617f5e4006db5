/**
 * Keeps secret values out of the provider's log lines and error messages. Every value that reaches
 * the provider as a secret (a secret input, the admin password of its config) or leaves it as one (a
 * generated password) is remembered, and `redact` replaces each occurrence in a text before the text
 * is written to stderr or returned to the engine (which prints errors, and with verbose logging
 * every plugin stderr line).
 */

/** Shorter values are not remembered: replacing them would mangle ordinary text. */
const MIN_SECRET_LENGTH = 4;
export const REDACTED = "[secret]";

const secrets = new Set<string>();
let ordered: string[] = [];

/** Remembers every string in a secret value (nested objects and lists included). */
export function rememberSecret(v: unknown): void {
    const before = secrets.size;
    const walk = (x: unknown) => {
        if (typeof x === "string") {
            if (x.length >= MIN_SECRET_LENGTH) secrets.add(x);
        } else if (Array.isArray(x)) {
            x.forEach(walk);
        } else if (x && typeof x === "object") {
            Object.values(x).forEach(walk);
        }
    };
    walk(v);
    // Longest first, so a secret that contains another is replaced whole.
    if (secrets.size !== before) ordered = [...secrets].sort((a, b) => b.length - a.length);
}

/** The text with every remembered secret, and its SQL-quoted form, replaced by [secret]. */
export function redact(text: string): string {
    let out = text;
    for (const s of ordered) {
        out = out.split(s.replace(/'/g, "''")).join(REDACTED);
        if (s.includes("'")) out = out.split(s).join(REDACTED);
    }
    return out;
}

/** For tests: forget every remembered secret. */
export function forgetSecrets(): void {
    secrets.clear();
    ordered = [];
}
