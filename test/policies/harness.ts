/**
 * Runs policies of the pack the way the policy SDK does, on constructed arguments: builds the
 * `args` objects, and collects what each policy passes to `reportViolation`.
 */
import type {
    Policy,
    PolicyResource,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "../../policies/lib";

export interface Violation {
    policy: string;
    message: string;
    urn?: string;
}

export interface ResourceOptions {
    /** Defaults to a name derived from the type. */
    name?: string;
    protect?: boolean;
    /** The policy's own config (what `--policy-pack-config` would give it). */
    config?: Record<string, unknown>;
    provider?: ResourceValidationArgs["provider"];
}

export const urnOf = (type: string, name: string) => `urn:pulumi:test::pgstack::${type}::${name}`;

const defaultName = (type: string) => `${type.split(":").pop()?.toLowerCase() ?? "r"}-1`;

function notApplicable(reason?: string): never {
    throw new Error(`notApplicable: ${reason ?? ""}`);
}

/** The `args` of a resource validation. */
export function resourceArgs(
    type: string,
    props: Record<string, unknown>,
    o: ResourceOptions = {},
): ResourceValidationArgs {
    const name = o.name ?? defaultName(type);
    return {
        type,
        props,
        urn: urnOf(type, name),
        name,
        opts: {
            protect: o.protect ?? false,
            ignoreChanges: [],
            aliases: [],
            additionalSecretOutputs: [],
            customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        },
        provider: o.provider,
        stackTags: new Map(),
        isType: (cls) => (cls as unknown as { __pulumiType?: string }).__pulumiType === type,
        asType: () => undefined,
        getConfig: <T extends object>() => (o.config ?? {}) as T,
        notApplicable,
    };
}

/** One resource of a stack validation; link them with `dependsOnProperty`. */
export function stackResource(type: string, props: Record<string, unknown>, o: ResourceOptions = {}): PolicyResource {
    const a = resourceArgs(type, props, o);
    return {
        type: a.type,
        props: a.props,
        urn: a.urn,
        name: a.name,
        opts: a.opts,
        provider: a.provider,
        dependencies: [],
        propertyDependencies: {},
        isType: a.isType,
        asType: () => undefined,
    };
}

/** Records that `child`'s input `prop` was computed from `parent` (as the engine does for outputs). */
export function dependsOnProperty(child: PolicyResource, prop: string, parent: PolicyResource): PolicyResource {
    child.propertyDependencies[prop] = [...(child.propertyDependencies[prop] ?? []), parent];
    child.dependencies.push(parent);
    return child;
}

export function stackArgs(resources: PolicyResource[], config: Record<string, unknown> = {}): StackValidationArgs {
    return {
        resources,
        stackTags: new Map(),
        getConfig: <T extends object>() => config as T,
        notApplicable,
    };
}

const isStackPolicy = (p: Policy): p is StackValidationPolicy => "validateStack" in p;

/** Runs one resource policy (all its validations) on one resource. */
export async function validateResource(policy: Policy, args: ResourceValidationArgs): Promise<Violation[]> {
    if (isStackPolicy(policy)) return [];
    const found: Violation[] = [];
    const validations = [(policy as ResourceValidationPolicy).validateResource ?? []].flat();
    for (const v of validations) {
        await v(args, (message, urn) => found.push({ policy: policy.name, message, urn }));
    }
    return found;
}

/** Runs one stack policy on a set of resources. */
export async function validateStack(policy: Policy, args: StackValidationArgs): Promise<Violation[]> {
    if (!isStackPolicy(policy)) return [];
    const found: Violation[] = [];
    await policy.validateStack(args, (message, urn) => found.push({ policy: policy.name, message, urn }));
    return found;
}

/**
 * Runs a whole pack over a stack as the engine would: every resource policy on every resource
 * (with its per-policy config), then every stack policy. Disabled policies are skipped.
 */
export async function runPack(
    policies: Policy[],
    resources: PolicyResource[],
    config: Record<string, Record<string, unknown>> = {},
): Promise<Violation[]> {
    const found: Violation[] = [];
    for (const policy of policies) {
        if (policy.enforcementLevel === "disabled") continue;
        const own = config[policy.name] ?? {};
        for (const r of resources) {
            const args = resourceArgs(r.type, r.props, {
                name: r.name,
                protect: r.opts.protect,
                config: own,
                provider: r.provider,
            });
            found.push(...(await validateResource(policy, args)));
        }
        found.push(...(await validateStack(policy, stackArgs(resources, own))));
    }
    return found;
}

/** A props object whose `key` is unknown, as during a preview: reading it throws. */
export function withUnknown(props: Record<string, unknown>, key: string): Record<string, unknown> {
    return Object.defineProperty({ ...props }, key, {
        enumerable: true,
        get: () => {
            throw new Error(`unknown value at .${key} (preview)`);
        },
    });
}

/** Runs `body` with the CLI's environment for a policy pack (stack name, stack config) set. */
export async function withStackEnv<T>(
    env: { stack?: string; config?: Record<string, unknown> },
    body: () => Promise<T>,
): Promise<T> {
    const saved = { stack: process.env.PULUMI_NODEJS_STACK, config: process.env.PULUMI_CONFIG };
    process.env.PULUMI_NODEJS_STACK = env.stack ?? "";
    process.env.PULUMI_CONFIG = JSON.stringify(env.config ?? {});
    try {
        return await body();
    } finally {
        restore("PULUMI_NODEJS_STACK", saved.stack);
        restore("PULUMI_CONFIG", saved.config);
    }
}

function restore(key: string, value: string | undefined): void {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
}
