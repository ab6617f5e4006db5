/**
 * Which environment a policy run is about, and whether it is production.
 *
 * The Pulumi CLI starts a Node.js policy pack with the stack's own config in PULUMI_CONFIG and the
 * stack name in PULUMI_NODEJS_STACK / PULUMI_STACK. Production is decided fail-safe: it is
 * production when ANY of these says so:
 *   - the policy's own config `environment` (`--policy-pack-config`, see docs/policies.md),
 *   - the stack config `pgstack:environment` (the same key the program reads),
 *   - the stack name (`production`, `prod`, `prod-eu`, `acme/pgstack/production`, ...).
 * So renaming the environment in Pulumi.production.yaml does not switch the production rules off.
 */
import type { PolicyConfigSchema } from "@pulumi/policy";
import { ENVIRONMENTS } from "../config/constants";

export interface StackFacts {
    /** Stack name as the CLI passed it (may be empty outside a CLI run). */
    stack: string;
    /** The stack's config, `namespace:key` → value (objects as JSON strings), as in PULUMI_CONFIG. */
    config: Record<string, string>;
}

/** Per-policy config accepted by every environment-dependent policy. */
export interface EnvironmentConfig {
    environment?: string;
}

export const ENVIRONMENT_CONFIG_SCHEMA: PolicyConfigSchema = {
    properties: {
        environment: {
            type: "string",
            enum: [...ENVIRONMENTS],
            description: "Force the environment this policy assumes (production can only be added, never removed).",
        },
    },
};

function parseConfig(raw: string | undefined): Record<string, string> {
    if (!raw) return {};
    try {
        const parsed: unknown = JSON.parse(raw);
        if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return {};
        return Object.fromEntries(
            Object.entries(parsed).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
        );
    } catch {
        return {};
    }
}

/**
 * What the engine told this process in its ConfigureStack call (stackConfigure.ts records it). The
 * engine runs a Node.js pack through the language host, whose environment carries neither
 * PULUMI_CONFIG nor the stack name: this call is where they arrive. Secret keys are left out.
 */
let configured: StackFacts | undefined;

/** Records the stack name and (non-secret) stack config of a ConfigureStack call. */
export function recordConfiguredStack(facts: StackFacts | undefined): void {
    configured = facts;
}

/**
 * What the CLI told the policy process about the stack: its environment variables, and the stack
 * facts of the engine's ConfigureStack call, merged (the environment wins where both say something).
 */
export function readStackFacts(env: NodeJS.ProcessEnv = process.env): StackFacts {
    return {
        stack: env.PULUMI_NODEJS_STACK || env.PULUMI_STACK || configured?.stack || "",
        config: { ...(configured?.config ?? {}), ...parseConfig(env.PULUMI_CONFIG) },
    };
}

/** `production`, `prod`, `prod-eu`, `eu-production`, `org/project/production`: a production stack name. */
export function isProductionStackName(stack: string): boolean {
    const last = stack.split("/").pop() ?? "";
    return /(^|[-_.])prod(uction)?([-_.]|$)/i.test(last);
}

export function isProduction(policyConfig: EnvironmentConfig, facts: StackFacts): boolean {
    return (
        policyConfig.environment === "production" ||
        facts.config["pgstack:environment"] === "production" ||
        isProductionStackName(facts.stack)
    );
}

/** `staging`, `stage`, `stg-eu`, `org/project/staging`: a staging stack name. */
export function isStagingStackName(stack: string): boolean {
    const last = stack.split("/").pop() ?? "";
    return /(^|[-_.])(staging|stage|stg)([-_.]|$)/i.test(last);
}

/**
 * Whether a loosening key of the stack config (e.g. pgstack:allowInsecureSsl) may silence a mandatory
 * rule: only for a `local` stack, fail-safe like isProduction: the stack config says local, the
 * policy's own config says nothing else, and the stack name is neither a production nor a staging one.
 */
export function isLocal(policyConfig: EnvironmentConfig, facts: StackFacts): boolean {
    return (
        facts.config["pgstack:environment"] === "local" &&
        (policyConfig.environment === undefined || policyConfig.environment === "local") &&
        !isProductionStackName(facts.stack) &&
        !isStagingStackName(facts.stack)
    );
}

/** For a policy callback: is this run about a production stack? */
export function production(args: { getConfig<T extends object>(): T }): boolean {
    return isProduction(args.getConfig<EnvironmentConfig>(), readStackFacts());
}
