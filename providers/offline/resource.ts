/**
 * What a resource of the offline provider declares (its inputs with their types, defaults and replace rules)
 * and the generic, pure Check and Diff built on that declaration, following how the Pulumi Terraform bridge
 * plans an SDKv2 resource (pulumi-terraform-bridge `pkg/tfbridge/provider.go`,
 * `pkg/tfshim/sdk-v2/provider2.go`): defaults and auto-names applied in Check (recorded in `__defaults`),
 * Optional+Computed inputs absent from config keep their prior value, sets compare order-insensitively, lists
 * in order, ForceNew inputs replace.
 */
import { randomBytes } from "crypto";
import { containsUnknown, isObject, Props, UNKNOWN, Value } from "./props";

export type Kind = "string" | "int" | "bool" | "set" | "list" | "map" | "object" | "objectList" | "objectSet";

export interface PropSpec {
    kind: Kind;
    /** The Terraform schema's `Default`, applied by Check when the input is absent. */
    default?: Value;
    /** Changing it replaces the resource. */
    forceNew?: boolean;
    /** Optional+Computed: when absent from config the prior (server-read) value is kept. */
    computed?: boolean;
    required?: boolean;
    /** Always stored as a secret. */
    secret?: boolean;
    /** Not implemented by the offline provider: setting it is a Check failure with this reason. */
    unsupported?: string;
    /** Allowed values (strings). */
    oneOf?: string[];
    /** Minimum for ints. */
    min?: number;
    /** Fields of an object, or of the elements of an objectList / objectSet. */
    fields?: Record<string, PropSpec>;
}

export interface CheckFailure {
    property: string;
    reason: string;
}

export interface DiffResult {
    changes: boolean;
    replaces: string[];
    /** Property name → kind of change (names of PropertyDiff.Kind). */
    detailed: Record<string, DiffKind>;
    deleteBeforeReplace: boolean;
}

export type DiffKind = "ADD" | "ADD_REPLACE" | "DELETE" | "DELETE_REPLACE" | "UPDATE" | "UPDATE_REPLACE";

export interface ReadResult {
    id: string;
    outputs: Props;
}

export interface ResourceDef<Ctx> {
    token: string;
    /** Inputs (every input is also an output). */
    props: Record<string, PropSpec>;
    /** Outputs that are not inputs (computed only); unknown during preview. */
    computedOutputs?: string[];
    /** Computed outputs stored as secrets. */
    secretOutputs?: string[];
    /** The bridge auto-names a `name` input: `<resource name>-<7 hex>`. */
    autoname?: boolean;
    /** Pulumi's DeleteBeforeReplace (Grant). */
    deleteBeforeReplace?: boolean;
    /** Fills in inputs that depend on other inputs (after defaults, before validate). */
    finalize?(inputs: Props, defaulted: string[]): void;
    /** Extra validation of the known inputs (after defaults). */
    validate?(inputs: Props): CheckFailure[];
    /** A per-property comparison overriding the generic one: "same" | "update" | "replace". */
    diffProperty?(key: string, olds: Props, news: Props): "same" | "update" | "replace" | undefined;
    /** Normalises a value before comparison (e.g. Function body, arg mode). */
    normalize?(key: string, v: Value | undefined): Value | undefined;
    create(ctx: Ctx, inputs: Props): Promise<ReadResult>;
    /** null: the object is gone (the engine drops it from state). */
    read(ctx: Ctx, id: string, state: Props): Promise<ReadResult | null>;
    update(ctx: Ctx, id: string, olds: Props, news: Props): Promise<ReadResult>;
    delete(ctx: Ctx, id: string, state: Props): Promise<void>;
}

export const DEFAULTS_KEY = "__defaults";

function typeMatches(spec: PropSpec, v: Value): string | undefined {
    switch (spec.kind) {
        case "string":
            return typeof v === "string" ? undefined : "must be a string";
        case "int":
            return typeof v === "number" && Number.isInteger(v) ? undefined : "must be an integer";
        case "bool":
            return typeof v === "boolean" ? undefined : "must be a boolean";
        case "set":
        case "list":
            if (!Array.isArray(v)) return "must be a list of strings";
            return v.every((e) => typeof e === "string") ? undefined : "must be a list of strings";
        case "map":
            if (!isObject(v)) return "must be a map of strings";
            return Object.values(v).every((e) => typeof e === "string" || e === null)
                ? undefined
                : "must be a map of strings";
        case "object":
            return isObject(v) ? undefined : "must be an object";
        case "objectList":
        case "objectSet":
            return Array.isArray(v) && v.every((e) => isObject(e) || e === UNKNOWN) ? undefined : "must be a list";
    }
}

function checkValue(path: string, spec: PropSpec, v: Value, failures: CheckFailure[]): void {
    if (containsUnknown(v) && (v === UNKNOWN || (spec.kind !== "objectList" && spec.kind !== "object"))) return;
    const bad = typeMatches(spec, v);
    if (bad) {
        failures.push({ property: path, reason: `${path} ${bad}` });
        return;
    }
    if (spec.oneOf && typeof v === "string" && !spec.oneOf.includes(v)) {
        failures.push({ property: path, reason: `${path} must be one of ${spec.oneOf.join(", ")}, got "${v}"` });
    }
    if (spec.min !== undefined && typeof v === "number" && v < spec.min) {
        failures.push({ property: path, reason: `${path} must be at least ${spec.min}, got ${v}` });
    }
    if ((spec.kind === "objectList" || spec.kind === "objectSet") && Array.isArray(v) && spec.fields) {
        v.forEach((elem, i) => {
            if (!isObject(elem)) return;
            checkObject(`${path}[${i}]`, spec.fields!, elem, failures);
        });
    }
    if (spec.kind === "object" && isObject(v) && spec.fields) checkObject(path, spec.fields, v, failures);
}

function checkObject(path: string, fields: Record<string, PropSpec>, obj: Record<string, Value>, f: CheckFailure[]) {
    for (const [k, e] of Object.entries(obj)) {
        const spec = fields[k];
        if (!spec) {
            f.push({ property: `${path}.${k}`, reason: `unknown property ${path}.${k}` });
            continue;
        }
        if (e !== null) checkValue(`${path}.${k}`, spec, e, f);
    }
    for (const [k, spec] of Object.entries(fields)) {
        if (spec.required && (obj[k] === undefined || obj[k] === null)) {
            f.push({ property: `${path}.${k}`, reason: `missing required property ${path}.${k}` });
        }
        if (obj[k] === undefined && spec.default !== undefined) obj[k] = spec.default;
    }
}

/** A 7-hex-digit suffix derived from the engine's random seed (stable for the same seed). */
export function autonameSuffix(seed: Uint8Array): string {
    let hex = Buffer.from(seed).toString("hex");
    if (hex.length < 7) {
        hex = randomBytes(4).toString("hex");
    }
    return hex.slice(0, 7);
}

export interface CheckArgs {
    urn: string;
    /** The Pulumi resource name (for auto-naming). */
    name: string;
    olds: Props;
    news: Props;
    randomSeed: Uint8Array;
}

/**
 * Validates the new inputs and applies defaults and the auto-name. Returns the checked inputs (with
 * `__defaults` listing what was defaulted) and the failures, each naming the resource and property.
 */
export function checkInputs<C>(def: ResourceDef<C>, a: CheckArgs): { inputs: Props; failures: CheckFailure[] } {
    const failures: CheckFailure[] = [];
    const inputs: Props = {};
    const defaulted: string[] = [];
    const where = `${def.token} (${a.urn})`;
    for (const [k, v] of Object.entries(a.news)) {
        if (k.startsWith("__")) continue;
        if (v === undefined) continue;
        const spec = def.props[k];
        if (!spec) {
            failures.push({ property: k, reason: `${where}: unknown input "${k}"` });
            continue;
        }
        if (spec.unsupported && v !== null) {
            failures.push({
                property: k,
                reason: `${where}: input "${k}" is not supported by the offline provider (${spec.unsupported})`,
            });
            continue;
        }
        if (v === null) continue;
        const f: CheckFailure[] = [];
        checkValue(k, spec, v, f);
        failures.push(...f.map((x) => ({ property: x.property, reason: `${where}: ${x.reason}` })));
        inputs[k] = v;
    }
    if (def.autoname && inputs.name === undefined) {
        const oldDefaults = a.olds[DEFAULTS_KEY];
        const oldName = a.olds.name;
        if (Array.isArray(oldDefaults) && oldDefaults.includes("name") && typeof oldName === "string") {
            inputs.name = oldName;
        } else {
            inputs.name = `${a.name}-${autonameSuffix(a.randomSeed)}`;
        }
        defaulted.push("name");
    }
    for (const [k, spec] of Object.entries(def.props)) {
        if (inputs[k] === undefined && spec.default !== undefined) {
            inputs[k] = spec.default;
            defaulted.push(k);
        }
        if (spec.required && inputs[k] === undefined) {
            failures.push({ property: k, reason: `${where}: missing required input "${k}"` });
        }
    }
    if (failures.length === 0 && def.finalize) def.finalize(inputs, defaulted);
    if (failures.length === 0 && def.validate) {
        failures.push(...def.validate(inputs).map((f) => ({ property: f.property, reason: `${where}: ${f.reason}` })));
    }
    defaulted.sort();
    inputs[DEFAULTS_KEY] = defaulted;
    return { inputs, failures };
}

/** Zero values count as "not set", as in SDKv2 state. */
function isZero(v: Value | undefined): boolean {
    if (v === undefined || v === null || v === "" || v === 0 || v === false) return true;
    if (Array.isArray(v)) return v.length === 0;
    if (isObject(v)) return Object.keys(v).length === 0;
    return false;
}

function canonical(v: Value | undefined): string {
    if (v === undefined || v === null) return "null";
    if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
    if (isObject(v)) {
        // A nested block whose fields are all zero is as absent as the block itself (`filter: {}` ≡ `filter: {prefix: ""}`).
        return `{${Object.keys(v)
            .sort()
            .map((k) => [k, canonical(v[k])])
            .filter(([k, c]) => !isZero(v[k]) && c !== "{}")
            .map(([k, c]) => `${JSON.stringify(k)}:${c}`)
            .join(",")}}`;
    }
    return JSON.stringify(v);
}

/** Equality under the property's semantics (sets ignore order and duplicates, zero ≡ absent). */
export function valuesEqual(spec: PropSpec, a: Value | undefined, b: Value | undefined): boolean {
    if (isZero(a) && isZero(b)) return true;
    if (spec.kind === "set" || spec.kind === "objectSet") {
        const norm = (v: Value | undefined) =>
            Array.isArray(v) ? [...new Set(v.map(canonical))].sort().join("\u0000") : canonical(v);
        return norm(a) === norm(b);
    }
    return canonical(a) === canonical(b);
}

function explicitlyNamed(news: Props): boolean {
    const d = news[DEFAULTS_KEY];
    return news.name !== undefined && !(Array.isArray(d) && d.includes("name"));
}

/**
 * Plans the change from the prior state (`olds`, the outputs) to the checked inputs (`news`). No
 * database access, as upstream.
 */
export function diffInputs<C>(def: ResourceDef<C>, olds: Props, news: Props, ignoreChanges: string[] = []): DiffResult {
    const replaces: string[] = [];
    const detailed: Record<string, DiffKind> = {};
    const norm = (k: string, v: Value | undefined) => (def.normalize ? def.normalize(k, v) : v);
    for (const [k, spec] of Object.entries(def.props)) {
        if (ignoreChanges.includes(k)) continue;
        const nv = news[k];
        const ov = olds[k];
        let verdict: "same" | "update" | "replace" | undefined = def.diffProperty?.(k, olds, news);
        if (verdict === undefined) {
            if (nv === undefined || nv === null) {
                if (spec.computed) continue;
                verdict = isZero(ov) ? "same" : spec.forceNew ? "replace" : "update";
            } else if (containsUnknown(nv)) {
                verdict = spec.forceNew ? "replace" : "update";
            } else {
                verdict = valuesEqual(spec, norm(k, ov), norm(k, nv)) ? "same" : spec.forceNew ? "replace" : "update";
            }
        }
        if (verdict === "same") continue;
        const replace = verdict === "replace";
        if (replace) replaces.push(k);
        const base: "ADD" | "DELETE" | "UPDATE" = isZero(ov)
            ? "ADD"
            : nv === undefined || nv === null
              ? "DELETE"
              : "UPDATE";
        detailed[k] = (replace ? `${base}_REPLACE` : base) as DiffKind;
    }
    const changes = Object.keys(detailed).length > 0;
    const deleteBeforeReplace =
        replaces.length > 0 && (def.deleteBeforeReplace === true || (def.autoname === true && explicitlyNamed(news)));
    return { changes, replaces, detailed, deleteBeforeReplace };
}

/** Outputs for a preview of Create: the inputs, with computed values unknown. */
export function previewCreate<C>(def: ResourceDef<C>, inputs: Props): Props {
    const out: Props = {};
    for (const [k, spec] of Object.entries(def.props)) {
        const v = inputs[k];
        if (v !== undefined && v !== null) out[k] = v;
        else if (spec.computed) out[k] = UNKNOWN;
    }
    for (const k of def.computedOutputs ?? []) out[k] = UNKNOWN;
    return out;
}

/** Outputs for a preview of Update: prior values for what config leaves to the server, else the inputs. */
export function previewUpdate<C>(def: ResourceDef<C>, olds: Props, news: Props): Props {
    const out: Props = {};
    for (const [k, spec] of Object.entries(def.props)) {
        const v = news[k];
        if (v !== undefined && v !== null) out[k] = v;
        else if (spec.computed && olds[k] !== undefined) out[k] = olds[k];
    }
    for (const k of def.computedOutputs ?? []) if (olds[k] !== undefined) out[k] = olds[k];
    return out;
}

/** The input properties of a resource (drops `__defaults` and anything undeclared). */
export function declaredOnly<C>(def: ResourceDef<C>, p: Props): Props {
    const out: Props = {};
    for (const k of Object.keys(def.props)) if (p[k] !== undefined) out[k] = p[k];
    for (const k of def.computedOutputs ?? []) if (p[k] !== undefined) out[k] = p[k];
    return out;
}
