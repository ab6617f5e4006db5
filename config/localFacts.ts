/**
 * The local stack's machine facts: where this machine's local services are (the cluster's port and
 * CA, the pgBouncer's ports, the S3 server's endpoint and key file) and the admin password. They
 * differ per machine and per checkout, so the committed Pulumi.local.yaml cannot hold them, and
 * writing them into it would leave the git tree dirty and the password beside the code. Pulumi reads
 * a stack's config from its Pulumi.<stack>.yaml only (ESC environments need Pulumi Cloud), so
 * `npm run local:*` writes them to a git-ignored file of the checkout (scripts/lib/localStack.ts),
 * scripts/engine/env.sh names it in PGSTACK_LOCAL_FACTS, and the program lays it over the stack
 * file's config here: for the stack it names only, so a staging or production run never sees it.
 *
 * The file: {"stack": "local", "config": {"pgstack:server": {...}}, "secretFiles": {"pgstack:adminPassword": "<file>"}}.
 * Objects merge key by key into the stack file's (null removes a key), other values replace; a
 * secret is read from its file (no copy of it is written) and is a secret like one set with
 * `pulumi config set --secret`.
 */
import * as fs from "fs";
import type { ConfigSource } from "./load";

export const LOCAL_FACTS_ENV = "PGSTACK_LOCAL_FACTS";

export interface LocalFacts {
    /** The stack the facts are for. */
    stack: string;
    /** Full config keys (`pgstack:server`) and the values laid over the stack file's. */
    config?: Record<string, unknown>;
    /** Full config keys of secrets and the files holding their values. */
    secretFiles?: Record<string, string>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** `over` laid on `base`: objects merge key by key (null removes the key), anything else replaces. */
export function overlay(base: unknown, over: unknown): unknown {
    if (!isObject(base) || !isObject(over)) return over;
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(over)) {
        if (v === null) delete out[k];
        else out[k] = overlay(base[k], v);
    }
    return out;
}

/** A config value as the engine passes it (a string; objects and lists as JSON), parsed. */
function parsed(raw: string | undefined): unknown {
    if (raw === undefined) return undefined;
    try {
        return JSON.parse(raw);
    } catch {
        return raw;
    }
}

/** The config map with `facts` laid over it (when they are for `stack`), and which keys are secrets. */
export function applyLocalFacts(
    all: Record<string, string>,
    stack: string,
    facts: LocalFacts | undefined,
): { all: Record<string, string>; secrets: Set<string> } {
    const secrets = new Set<string>();
    if (!facts || facts.stack !== stack) return { all, secrets };
    const out = { ...all };
    for (const [key, value] of Object.entries(facts.config ?? {})) {
        const merged = overlay(parsed(out[key]), value);
        out[key] = typeof merged === "string" ? merged : JSON.stringify(merged);
    }
    for (const [key, file] of Object.entries(facts.secretFiles ?? {})) {
        out[key] = fs.readFileSync(file, "utf8").trim();
        secrets.add(key);
    }
    return { all: out, secrets };
}

/** Reads the facts file PGSTACK_LOCAL_FACTS names; undefined when it is unset or the file is absent. */
export function readLocalFacts(file = process.env[LOCAL_FACTS_ENV]): LocalFacts | undefined {
    if (!file || !fs.existsSync(file)) return undefined;
    return JSON.parse(fs.readFileSync(file, "utf8")) as LocalFacts;
}

/** `source` with the local facts laid over it for the running stack. */
export function withLocalFacts(source: ConfigSource, stack: () => string): ConfigSource {
    let applied: { all: Record<string, string>; secrets: Set<string> } | undefined;
    const get = () => (applied ??= applyLocalFacts(source.all(), stack(), readLocalFacts()));
    return {
        all: () => get().all,
        isSecret: (k) => get().secrets.has(k) || source.isSecret(k),
    };
}
