/**
 * Semantic equality of IAM / bucket policy documents, as the provider uses it to keep the configured
 * text while the server's copy means the same (servers reorder keys, drop whitespace, turn one-element
 * lists into strings and `"*"` principals into `{"AWS":"*"}`).
 */

function norm(v: unknown, key = ""): unknown {
    if (Array.isArray(v)) {
        const items = v.map((e) => norm(e));
        // Statement order is not meaningful either; lists of strings are sets.
        const sorted = items.map((e) => JSON.stringify(e)).sort();
        if (sorted.length === 1 && typeof items[0] === "string") return items[0];
        return sorted.map((s) => JSON.parse(s) as unknown);
    }
    if (v && typeof v === "object") {
        const o = v as Record<string, unknown>;
        if (key === "Principal" && Object.keys(o).length === 1 && norm(o.AWS) === "*") return "*";
        return Object.fromEntries(
            Object.keys(o)
                .filter((k) => o[k] !== undefined && o[k] !== null)
                .sort()
                .map((k) => [k, norm(o[k], k)]),
        );
    }
    return v;
}

/** The document with keys sorted and the equivalences above applied. */
export function normalizePolicy(text: string): string {
    return JSON.stringify(norm(JSON.parse(text)));
}

export function policiesEquivalent(a: string | undefined, b: string | undefined): boolean {
    if (a === undefined || b === undefined) return a === b;
    try {
        return normalizePolicy(a) === normalizePolicy(b);
    } catch {
        return a === b;
    }
}

/** Compact JSON (what the provider sends and stores for a policy it did not keep verbatim). */
export function compactJson(text: string): string {
    try {
        return JSON.stringify(JSON.parse(text));
    } catch {
        return text;
    }
}

/** Check of a resource's `policy` input: text that is not a JSON policy document is one failure. */
export function invalidPolicyInput(policy: string | undefined): { property: string; reason: string }[] {
    if (policy === undefined) return [];
    try {
        normalizePolicy(policy);
        return [];
    } catch {
        return [{ property: "policy", reason: "policy contains an invalid JSON policy" }];
    }
}

/** Diff of a resource's inputs: the `policy` text compared by meaning, every other value as it is. */
export function normalizePolicyInput<V>(key: string, v: V): V | string {
    if (key !== "policy" || typeof v !== "string") return v;
    try {
        return normalizePolicy(v);
    } catch {
        return v;
    }
}
