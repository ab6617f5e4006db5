/**
 * Pulumi property values as the offline provider sees them: plain JSON values, with Pulumi's two
 * special values handled here: the unknown sentinel (a computed value during preview) and
 * secret-wrapped values (unwrapped on the way in, re-wrapped on the way out).
 */
import { rememberSecret } from "./redact";

/** The string the engine sends for a value that is not known yet (preview). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

export type Value = null | boolean | number | string | Value[] | { [key: string]: Value };
export type Props = Record<string, Value | undefined>;

export function isObject(v: unknown): v is Record<string, Value> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** True when the value is, or contains, the unknown sentinel. */
export function containsUnknown(v: unknown): boolean {
    if (v === UNKNOWN) return true;
    if (Array.isArray(v)) return v.some(containsUnknown);
    if (isObject(v)) return Object.values(v).some(containsUnknown);
    return false;
}

export interface Unwrapped {
    props: Props;
    /** Top-level keys whose value was (or contained) a secret. */
    secrets: Set<string>;
}

function unwrapValue(v: unknown, onSecret: () => void): Value {
    if (Array.isArray(v)) return v.map((e) => unwrapValue(e, onSecret));
    if (isObject(v)) {
        const sig = v[SIG_KEY];
        if (sig === SECRET_SIG) {
            onSecret();
            return unwrapValue(v.value ?? null, onSecret);
        }
        if (sig !== undefined) {
            throw new Error(`unsupported special value (signature ${String(sig)}) in resource properties`);
        }
        const out: Record<string, Value> = {};
        for (const [k, e] of Object.entries(v)) out[k] = unwrapValue(e, onSecret);
        return out;
    }
    return v as Value;
}

/** Removes secret wrappers, remembering which top-level properties carried one. */
export function unwrapSecrets(raw: Record<string, unknown> | undefined): Unwrapped {
    const props: Props = {};
    const secrets = new Set<string>();
    for (const [k, v] of Object.entries(raw ?? {})) {
        props[k] = unwrapValue(v, () => secrets.add(k));
    }
    // A secret input is remembered, so no log line or error of this provider prints it (redact.ts).
    for (const k of secrets) rememberSecret(props[k]);
    return { props, secrets };
}

export function secretValue(v: Value): Value {
    return { [SIG_KEY]: SECRET_SIG, value: v };
}

/** Wraps the listed top-level properties as secrets (unknowns and nulls stay as they are). */
export function wrapSecrets(props: Props, secretKeys: Iterable<string>): Record<string, Value> {
    const out: Record<string, Value> = {};
    for (const [k, v] of Object.entries(props)) {
        if (v !== undefined) out[k] = v;
    }
    for (const k of secretKeys) {
        const v = out[k];
        if (v !== undefined && v !== null && v !== UNKNOWN) {
            rememberSecret(v);
            out[k] = secretValue(v);
        }
    }
    return out;
}

export function str(p: Props, key: string): string | undefined {
    const v = p[key];
    return typeof v === "string" ? v : undefined;
}

export function num(p: Props, key: string): number | undefined {
    const v = p[key];
    return typeof v === "number" ? v : undefined;
}

export function bool(p: Props, key: string): boolean | undefined {
    const v = p[key];
    return typeof v === "boolean" ? v : undefined;
}

export function strList(p: Props, key: string): string[] {
    const v = p[key];
    return Array.isArray(v) ? v.filter((e): e is string => typeof e === "string") : [];
}

export function strMap(p: Props, key: string): Record<string, string> | undefined {
    const v = p[key];
    if (!isObject(v)) return undefined;
    const out: Record<string, string> = {};
    for (const [k, e] of Object.entries(v)) if (typeof e === "string") out[k] = e;
    return out;
}
