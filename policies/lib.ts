/**
 * Shared helpers of the pgstack policy pack. Policies match resources by type token and read plain
 * props, so the pack needs no provider SDK (@pulumi/aws, @pulumi/postgresql, ...) of its own: only
 * @pulumi/policy, whose types are imported here and re-exported for the policy modules and tests.
 */
import type { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";

export type {
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";

export type Policy = ResourceValidationPolicy | StackValidationPolicy;
export type Props = Record<string, unknown>;

/** `type "name"`: how every violation message names its resource. */
export function label(r: { type: string; name: string }): string {
    return `${r.type} "${r.name}"`;
}

/**
 * Reads a value that may be unknown during preview. The policy SDK throws when a policy touches an
 * unknown value (and downgrades the whole policy to advisory for that run); searches and links
 * between resources use this instead, treating an unknown value as absent.
 */
export function peek<T>(read: () => T): T | undefined {
    try {
        return read();
    } catch {
        return undefined;
    }
}

/** A JSON-ish value as a list: undefined → [], a scalar → [scalar]. */
export function asList(v: unknown): unknown[] {
    if (v === undefined || v === null) return [];
    return Array.isArray(v) ? v : [v];
}

export function isObject(v: unknown): v is Props {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** True for `true` and for the string "true" (provider inputs arrive as strings). */
export function isTrue(v: unknown): boolean {
    return v === true || v === "true";
}

/** Parses an AWS policy document given as a JSON string or an object; undefined if it is neither. */
export function policyDocument(v: unknown): Props | undefined {
    if (isObject(v)) return v;
    if (typeof v !== "string") return undefined;
    try {
        const parsed: unknown = JSON.parse(v);
        return isObject(parsed) ? parsed : undefined;
    } catch {
        return undefined;
    }
}

/** The statements of a policy document. */
export function statements(doc: Props | undefined): Props[] {
    return asList(doc?.Statement).filter(isObject);
}

/** Whether `child` is attached to `parent` through property `prop`: by dependency, or by equal value. */
export function attachedTo(
    child: PolicyResource,
    parent: PolicyResource,
    prop: string,
    parentProps: string[],
): boolean {
    const deps = child.propertyDependencies[prop] ?? [];
    if (deps.some((d) => d.urn === parent.urn)) return true;
    const value = peek(() => child.props[prop]);
    if (value === undefined || value === null || value === "") return false;
    return parentProps.some((p) => peek(() => parent.props[p]) === value);
}

export const ofTypes =
    (...types: string[]) =>
    (r: { type: string }): boolean =>
        types.includes(r.type);
