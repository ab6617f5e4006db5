/**
 * `random:index/randomPassword:RandomPassword` (terraform-provider-random v3.9.0:
 * `internal/provider/resource_password.go`, `internal/random/string.go`): crypto-random generation with the
 * min* characters drawn first (even from disabled sets), then the pool, then a crypto-random shuffle; ID
 * `none`; every input replaces except the keepers and overrideSpecial rules; Read is a no-op. `bcryptHash` is
 * not computed (documented difference).
 */
import { randomBytes, randomInt } from "crypto";
import { bool, isObject, num, Props, str, UNKNOWN, Value, containsUnknown } from "../props";
import { RANDOM } from "../../../upstream/tokens";
import { CheckFailure, ResourceDef } from "../resource";

export const CHARSETS = {
    upper: "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    lower: "abcdefghijklmnopqrstuvwxyz",
    numeric: "0123456789",
    special: "!@#$%&*()-_=+[]{}<>:?",
};

export interface PasswordOptions {
    length: number;
    upper: boolean;
    lower: boolean;
    numeric: boolean;
    special: boolean;
    minUpper: number;
    minLower: number;
    minNumeric: number;
    minSpecial: number;
    overrideSpecial?: string;
}

/** A uniform integer in [0, n) from a cryptographic source. */
export type RandomInt = (n: number) => number;

export function optionsFrom(p: Props): PasswordOptions {
    return {
        length: num(p, "length") ?? 0,
        upper: bool(p, "upper") ?? true,
        lower: bool(p, "lower") ?? true,
        numeric: bool(p, "numeric") ?? bool(p, "number") ?? true,
        special: bool(p, "special") ?? true,
        minUpper: num(p, "minUpper") ?? 0,
        minLower: num(p, "minLower") ?? 0,
        minNumeric: num(p, "minNumeric") ?? 0,
        minSpecial: num(p, "minSpecial") ?? 0,
        overrideSpecial: str(p, "overrideSpecial"),
    };
}

/** Validation as upstream: length ≥ 1 and ≥ the sum of the minimums, and a non-empty pool. */
export function validateOptions(o: PasswordOptions): CheckFailure[] {
    const f: CheckFailure[] = [];
    const mins = o.minUpper + o.minLower + o.minNumeric + o.minSpecial;
    if (o.length < 1) f.push({ property: "length", reason: "length must be at least 1" });
    if (o.length < mins) {
        f.push({
            property: "length",
            reason: `length (${o.length}) must be >= minUpper + minLower + minNumeric + minSpecial (${mins})`,
        });
    }
    return f;
}

export function generatePassword(o: PasswordOptions, rand: RandomInt = randomInt): string {
    const specials = o.overrideSpecial ? o.overrideSpecial : CHARSETS.special;
    let pool = "";
    if (o.upper) pool += CHARSETS.upper;
    if (o.lower) pool += CHARSETS.lower;
    if (o.numeric) pool += CHARSETS.numeric;
    if (o.special) pool += specials;
    if (pool.length === 0) throw new Error("the character set specified is empty");
    const draw = (set: string, n: number, out: string[]) => {
        const chars = [...set];
        for (let i = 0; i < n; i++) out.push(chars[rand(chars.length)]);
    };
    const result: string[] = [];
    draw(CHARSETS.upper, o.minUpper, result);
    draw(CHARSETS.lower, o.minLower, result);
    draw(CHARSETS.numeric, o.minNumeric, result);
    draw(specials, o.minSpecial, result);
    draw(pool, o.length - result.length, result);
    // Shuffle by sorting on a second array of random bytes (as upstream's sort.Slice on crypto/rand).
    const keys = randomBytes(result.length);
    const order = result.map((_, i) => i).sort((a, b) => keys[a] - keys[b]);
    return order.map((i) => result[i]).join("");
}

function nonNullEntries(v: Value | undefined): Record<string, Value> {
    const out: Record<string, Value> = {};
    if (isObject(v)) for (const [k, e] of Object.entries(v)) if (e !== null) out[k] = e;
    return out;
}

/** Keepers: any change replaces, except differences only in keys whose value is null. */
export function keepersVerdict(oldK: Value | undefined, newK: Value | undefined): "same" | "replace" {
    if (containsUnknown(newK)) return "replace";
    const a = nonNullEntries(oldK);
    const b = nonNullEntries(newK);
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    if (ka.join("\u0000") !== kb.join("\u0000")) return "replace";
    return ka.every((k) => a[k] === b[k]) ? "same" : "replace";
}

/** overrideSpecial: any change replaces, except "" in state → null in config; unknown does not replace. */
export function overrideSpecialVerdict(
    oldV: Value | undefined,
    newV: Value | undefined,
): "same" | "update" | "replace" {
    if (newV === UNKNOWN) return "update";
    const o = oldV ?? null;
    const n = newV ?? null;
    if (o === n) return "same";
    if (o === "" && n === null) return "same";
    return "replace";
}

const intMin0 = { kind: "int" as const, default: 0, forceNew: true, min: 0 };
const boolTrue = { kind: "bool" as const, default: true, forceNew: true };

export const randomPassword: ResourceDef<unknown> = {
    token: RANDOM.RandomPassword,
    props: {
        length: { kind: "int", required: true, forceNew: true, min: 1 },
        special: boolTrue,
        upper: boolTrue,
        lower: boolTrue,
        numeric: { kind: "bool", forceNew: true },
        number: { kind: "bool", forceNew: true },
        minUpper: intMin0,
        minLower: intMin0,
        minNumeric: intMin0,
        minSpecial: intMin0,
        overrideSpecial: { kind: "string" },
        keepers: { kind: "map" },
    },
    computedOutputs: ["result"],
    secretOutputs: ["result", "bcryptHash"],
    finalize(inputs, defaulted) {
        // `number` is the deprecated alias of `numeric`: each defaults to the other, else true.
        const n = inputs.number;
        const m = inputs.numeric;
        if (m === undefined && n === undefined) {
            inputs.numeric = true;
            inputs.number = true;
            defaulted.push("number", "numeric");
        } else if (m === undefined) {
            inputs.numeric = n;
            defaulted.push("numeric");
        } else if (n === undefined) {
            inputs.number = m;
            defaulted.push("number");
        }
    },
    validate(inputs) {
        const f: CheckFailure[] = [];
        if (
            typeof inputs.number === "boolean" &&
            typeof inputs.numeric === "boolean" &&
            inputs.number !== inputs.numeric
        ) {
            f.push({ property: "numeric", reason: "numeric and number (its deprecated alias) disagree" });
        }
        if (containsUnknown(Object.values(inputs))) return f;
        return [...f, ...validateOptions(optionsFrom(inputs))];
    },
    diffProperty(key, olds, news) {
        if (key === "keepers") return keepersVerdict(olds.keepers, news.keepers);
        if (key === "overrideSpecial") return overrideSpecialVerdict(olds.overrideSpecial, news.overrideSpecial);
        return undefined;
    },
    async create(_ctx, inputs) {
        const result = generatePassword(optionsFrom(inputs));
        return { id: "none", outputs: { ...inputs, result } };
    },
    async read(_ctx, id, state) {
        if (state.result === undefined && id !== "none" && id !== "") {
            // `pulumi import … <password>`: the ID is the password.
            return {
                id: "none",
                outputs: {
                    result: id,
                    length: [...id].length,
                    special: true,
                    upper: true,
                    lower: true,
                    numeric: true,
                    number: true,
                    minUpper: 0,
                    minLower: 0,
                    minNumeric: 0,
                    minSpecial: 0,
                },
            };
        }
        return { id, outputs: state };
    },
    async update(_ctx, id, olds, news) {
        return { id, outputs: { ...news, result: olds.result } };
    },
    async delete() {
        // Nothing to do: the password lives only in state.
    },
};
