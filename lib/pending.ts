/**
 * After an interrupted `pulumi up`, the state lists "pending creates": resources the engine asked a
 * provider to create and never heard back about. Clearing them (`--clear-pending-creates`) makes the
 * next `up` create them again, which fails for a role or function the server already has ("already
 * exists": the postgresql provider, like upstream, does not adopt). Putting them in the state with
 * their ID lets a refresh read each one: one that exists is kept, one that does not is dropped and
 * created by the next `up` (scripts/lib/recovery.ts, recoverInterrupted).
 *
 * The IDs are the ones the postgresql provider derives from a resource's inputs (upstream's formats,
 * upstream/ids.ts, which the offline provider uses too). RandomPassword has no server side (its ID
 * is the literal `none` and its result only lives in the state): it is cleared.
 */
import { ID_FROM_INPUTS, Inputs } from "../upstream/ids";
import { POSTGRESQL } from "../upstream/tokens";

/** One entry of `pending_operations` in `pulumi stack export`. */
export interface PendingOperation {
    type: string;
    resource: { urn: string; type: string; inputs?: Record<string, unknown> };
}

export interface PendingPlan {
    /** [URN, provider ID] pairs. */
    imports: [string, string][];
    /** Pending creates with nothing on the server to find: cleared. */
    clear: string[];
}

/**
 * How to settle the pending creates of a deployment. `providerDb` is the database the postgresql
 * provider connects to, for resources whose own `database` input is empty.
 */
export function planPendingCreates(pending: PendingOperation[], providerDb = "postgres"): PendingPlan {
    const plan: PendingPlan = { imports: [], clear: [] };
    for (const op of pending) {
        if (op.type !== "creating") continue;
        const idOf = ID_FROM_INPUTS[op.resource.type];
        const inputs = (op.resource.inputs ?? {}) as Inputs;
        if (idOf) {
            plan.imports.push([op.resource.urn, idOf(inputs, providerDb)]);
        } else {
            plan.clear.push(op.resource.urn);
        }
    }
    return plan;
}

/** The engine's placeholder for a value not known in a preview. */
export const UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
/** How a preview shows a secret value. */
const MASKED_SECRET = "[secret]";
/** Pulumi's marker of a secret value in a deployment; import encrypts the plaintext. */
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** One resource of `pulumi stack export` (the fields recovery reads or writes). */
export interface StateResource {
    urn: string;
    type: string;
    custom?: boolean;
    id?: string;
    parent?: string;
    provider?: string;
    inputs?: Record<string, unknown>;
    outputs?: Record<string, unknown>;
    dependencies?: string[];
    propertyDependencies?: Record<string, string[]>;
    protect?: boolean;
    retainOnDelete?: boolean;
    additionalSecretOutputs?: string[];
    [k: string]: unknown;
}

/** One step of `pulumi preview --json`. */
export interface PreviewStep {
    op: string;
    urn: string;
    newState?: StateResource;
}

export interface AdoptionPlan {
    /** The state's resources, with every adoptable resource the program declares added, in registration order. */
    resources: StateResource[];
    /** URNs of custom resources added with the ID their inputs give (a refresh keeps those the server has). */
    adopted: string[];
    /** URNs of providers and components added (no server side). */
    added: string[];
    /** Declared resources not in the state that cannot be looked up (random passwords: made anew by `up`). */
    skipped: string[];
    /**
     * Resources left for another round: their provider connects through something this round only
     * adopts (the app database): a refresh must confirm that first, or every read fails to connect.
     */
    deferred: string[];
}

function hasUnknown(v: unknown): boolean {
    if (v === UNKNOWN_VALUE) return true;
    if (Array.isArray(v)) return v.some(hasUnknown);
    if (v && typeof v === "object") return Object.values(v).some(hasUnknown);
    return false;
}

const providerUrnOf = (ref: string) => ref.slice(0, ref.lastIndexOf("::"));

/**
 * Recovery without a record: every resource the program declares (the creates of a preview) that the
 * state lacks is put into the state when its provider ID follows from its inputs, whether or not
 * the interrupted run recorded a pending operation for it (with PULUMI_SKIP_CHECKPOINTS it records
 * nothing). A refresh then reads each one: kept when the server has it, dropped (and created by
 * the next `up`) when not. Its parents and providers are added too when the state lacks them
 * (components and providers have nothing on the server); a provider's masked password is the
 * stack's admin password (`adminPassword`), or the provider and what it serves are skipped.
 * Secret inputs the preview masks (role passwords) are left out: the next `up` sets them again.
 */
export function planAdoption(
    state: StateResource[],
    steps: PreviewStep[],
    opts: {
        newProviderId: () => string;
        adminPassword?: string;
        /**
         * What becomes of a provider that connects through a resource adopted in this same plan (the
         * app database): "defer" it and what it serves to a later round, once a refresh has shown the
         * database is on the server (default); "skip" it, in that later round, when it still is not
         * in the state: the database is not on the server, so nothing inside it is either.
         */
        viaAdopted?: "defer" | "skip";
    },
): AdoptionPlan {
    const inState = new Map(state.map((r) => [r.urn, r]));
    const plan: AdoptionPlan = { resources: [], adopted: [], added: [], skipped: [], deferred: [] };
    const present = new Set<string>();
    const providers = new Map<string, StateResource>();
    const adoptedNow = new Map<string, StateResource>();
    const push = (r: StateResource) => {
        plan.resources.push(r);
        present.add(r.urn);
        if (r.type.startsWith("pulumi:providers:")) providers.set(r.urn, r);
    };
    // A resource in the state that the steps have not reached yet (a preview lists unchanged
    // resources only with --show-sames) goes in before whatever names it, after what it names.
    const bring = (urn: string | undefined) => {
        const r = urn === undefined ? undefined : inState.get(urn);
        if (!r || present.has(r.urn)) return;
        present.add(r.urn);
        bring(r.parent);
        if (r.provider) bring(providerUrnOf(r.provider));
        for (const d of r.dependencies ?? []) bring(d);
        present.delete(r.urn);
        push(r);
    };
    const links = (ns: StateResource) => ({
        ...(ns.parent ? { parent: ns.parent } : {}),
        dependencies: (ns.dependencies ?? []).filter((u) => present.has(u)),
        propertyDependencies: Object.fromEntries(
            Object.entries(ns.propertyDependencies ?? {}).map(([k, us]) => [k, us.filter((u) => present.has(u))]),
        ),
        ...(ns.protect ? { protect: true } : {}),
        ...(ns.retainOnDelete ? { retainOnDelete: true } : {}),
        ...(ns.additionalSecretOutputs ? { additionalSecretOutputs: ns.additionalSecretOutputs } : {}),
    });

    for (const step of steps) {
        if (inState.has(step.urn)) {
            bring(step.urn);
            continue;
        }
        const ns = step.newState;
        bring(ns?.parent);
        if (ns?.provider) bring(providerUrnOf(ns.provider));
        for (const d of ns?.dependencies ?? []) bring(d);
        for (const us of Object.values(ns?.propertyDependencies ?? {})) for (const d of us) bring(d);
        if (step.op !== "create" || !ns || (ns.parent && !present.has(ns.parent))) {
            if (ns) plan.skipped.push(step.urn);
            continue;
        }
        if (!ns.custom) {
            push({ urn: ns.urn, type: ns.type, custom: false, ...(ns.parent ? { parent: ns.parent } : {}) });
            plan.added.push(ns.urn);
            continue;
        }
        const inputs: Record<string, unknown> = { ...(ns.inputs ?? {}) };
        // A name the preview does not know because the resource it comes from will be updated (an
        // adopted database, say) is that resource's name in the state, or in this plan.
        let viaAdopted = false;
        for (const [k, v] of Object.entries(inputs)) {
            const from = ns.propertyDependencies?.[k] ?? [];
            const source = from.length === 1 ? (inState.get(from[0]) ?? adoptedNow.get(from[0])) : undefined;
            const name = source?.outputs?.name ?? source?.inputs?.name;
            if (v === UNKNOWN_VALUE && typeof name === "string") {
                inputs[k] = name;
                if (!inState.has(from[0])) viaAdopted = true;
            }
        }
        if (ns.type.startsWith("pulumi:providers:")) {
            // The provider names the database itself (a string from config, not the resource's output).
            const db = inputs.database;
            for (const r of adoptedNow.values()) {
                if (r.type === POSTGRESQL.Database && r.inputs?.name === db) viaAdopted = true;
            }
            if (viaAdopted) {
                (opts.viaAdopted === "skip" ? plan.skipped : plan.deferred).push(ns.urn);
                continue;
            }
            let ok = !hasUnknown(inputs);
            for (const [k, v] of Object.entries(inputs)) {
                if (v !== MASKED_SECRET) continue;
                if (k === "password" && opts.adminPassword !== undefined) {
                    inputs[k] = { [SECRET_SIG_KEY]: SECRET_SIG, plaintext: JSON.stringify(opts.adminPassword) };
                } else {
                    ok = false;
                }
            }
            if (!ok) {
                plan.skipped.push(ns.urn);
                continue;
            }

            push({
                urn: ns.urn,
                type: ns.type,
                custom: true,
                id: opts.newProviderId(),
                inputs,
                outputs: inputs,
                ...links(ns),
            });
            plan.added.push(ns.urn);
            continue;
        }
        const idOf = ID_FROM_INPUTS[ns.type];
        const provider = ns.provider ? providers.get(providerUrnOf(ns.provider)) : undefined;
        if (ns.provider && plan.deferred.includes(providerUrnOf(ns.provider))) {
            plan.deferred.push(ns.urn);
            continue;
        }
        if (!idOf || !provider) {
            plan.skipped.push(ns.urn);
            continue;
        }
        const providerInputs = provider.inputs ?? {};
        const providerDb = typeof providerInputs.database === "string" ? providerInputs.database : "postgres";
        let id: string;
        try {
            id = idOf(inputs as Inputs, providerDb);
        } catch {
            id = UNKNOWN_VALUE;
        }
        // An ID made of a value the preview does not know yet names nothing: not adopted.
        if (id.includes(UNKNOWN_VALUE) || id.includes(MASKED_SECRET)) {
            plan.skipped.push(ns.urn);
            continue;
        }
        // Values the preview does not show (a password from a random password not in the state, a
        // masked secret) are left out; the next `up` sets them.
        for (const [k, v] of Object.entries(inputs)) if (v === MASKED_SECRET || hasUnknown(v)) delete inputs[k];
        push({
            urn: ns.urn,
            type: ns.type,
            custom: true,
            id,
            provider: `${provider.urn}::${provider.id}`,
            inputs,
            outputs: inputs,
            ...links(ns),
        });
        plan.adopted.push(ns.urn);
        adoptedNow.set(ns.urn, plan.resources[plan.resources.length - 1]);
    }
    // What the program no longer declares stays as it was (the next `up` deletes it).
    for (const r of state) if (!present.has(r.urn)) push(r);
    return plan;
}
