/**
 * Reads the `pgstack:` stack configuration once, validates it with the schema, and returns the typed
 * config plus the secrets as secret Outputs. Components receive these objects; they never read
 * `pulumi.Config` themselves. Everything here runs before any resource is registered.
 */
import * as pulumi from "@pulumi/pulumi";
import { PROJECT_NAME } from "./constants";
import { stringKeys } from "./projectFile";
import { ConfigError, parseConfig, rawConfigSchema, StackConfig } from "./schema";

/** The config namespace: the project's name. */
export const NAMESPACE = PROJECT_NAME;

/** Keys whose value is a secret: they must be stored encrypted in the stack file. */
export const SECRET_KEYS: readonly string[] = ["adminPassword"];
/** Keys held as plain strings; every other key is a YAML/JSON value (object, list, boolean, number). */
const STRING_KEYS: readonly string[] = stringKeys(rawConfigSchema.shape);

/** Secrets, kept apart from the typed config so they only ever travel as secret Outputs. */
export interface StackSecrets {
    adminPassword?: pulumi.Output<string>;
}

export interface LoadedConfig {
    config: StackConfig;
    secrets: StackSecrets;
}

/** Hooks onto the runtime, so tests can feed a plain map. */
export interface ConfigSource {
    all(): Record<string, string>;
    isSecret(fullKey: string): boolean;
}

// `isConfigSecret` is exported by the runtime but missing from its type declarations.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const runtimeConfig = require("@pulumi/pulumi/runtime/config") as { isConfigSecret(k: string): boolean };

export const pulumiConfigSource: ConfigSource = {
    all: () => pulumi.runtime.allConfig(),
    isSecret: (k) => runtimeConfig.isConfigSecret(k),
};

/** Turns the flat `pgstack:key -> string` map into the raw object the schema parses. */
export function rawFromConfigMap(
    all: Record<string, string>,
    isSecret: (k: string) => boolean,
): Record<string, unknown> {
    const problems: string[] = [];
    const raw: Record<string, unknown> = {};
    const known = Object.keys(rawConfigSchema.shape);
    for (const [fullKey, value] of Object.entries(all)) {
        if (!fullKey.startsWith(`${NAMESPACE}:`)) continue;
        const key = fullKey.slice(NAMESPACE.length + 1);
        if (!known.includes(key)) {
            problems.push(`${fullKey}: unknown key (known keys: ${known.join(", ")})`);
            continue;
        }
        if (SECRET_KEYS.includes(key) && value !== "" && !isSecret(fullKey)) {
            problems.push(`${fullKey}: must be stored as a secret (pulumi config set --secret ${key} …)`);
            continue;
        }
        if (STRING_KEYS.includes(key)) {
            raw[key] = value;
            continue;
        }
        try {
            raw[key] = JSON.parse(value);
        } catch {
            problems.push(`${fullKey}: not a valid value (expected a YAML/JSON object, list, boolean or number)`);
        }
    }
    if (problems.length > 0) throw new ConfigError(problems);
    return raw;
}

/** Load, validate and type the whole stack configuration. Throws ConfigError naming each bad key. */
export function loadConfig(source: ConfigSource = pulumiConfigSource): LoadedConfig {
    let raw: Record<string, unknown>;
    let config: StackConfig;
    try {
        raw = rawFromConfigMap(source.all(), (k) => source.isSecret(k));
        config = parseConfig(raw);
    } catch (e) {
        // A RunError ends the program with its message alone: the keys, not a stack trace.
        if (e instanceof ConfigError) throw new pulumi.RunError(e.message);
        throw e;
    }
    const password = raw["adminPassword"];
    return {
        config,
        secrets: {
            adminPassword: typeof password === "string" && password !== "" ? pulumi.secret(password) : undefined,
        },
    };
}
