import {
    CHARSETS,
    generatePassword,
    keepersVerdict,
    optionsFrom,
    overrideSpecialVerdict,
    PasswordOptions,
    randomPassword,
    validateOptions,
} from "../random/password";
import { checkInputs, diffInputs } from "../resource";

const base: PasswordOptions = {
    length: 40,
    upper: true,
    lower: true,
    numeric: true,
    special: false,
    minUpper: 4,
    minLower: 4,
    minNumeric: 4,
    minSpecial: 0,
};
const count = (s: string, set: string) => [...s].filter((c) => set.includes(c)).length;

describe("RandomPassword generation", () => {
    it("honours length, enabled sets and minimums (the program's passwords)", () => {
        for (let i = 0; i < 50; i++) {
            const pw = generatePassword(base);
            expect(pw).toHaveLength(40);
            expect(pw).toMatch(/^[A-Za-z0-9]+$/);
            expect(count(pw, CHARSETS.upper)).toBeGreaterThanOrEqual(4);
            expect(count(pw, CHARSETS.lower)).toBeGreaterThanOrEqual(4);
            expect(count(pw, CHARSETS.numeric)).toBeGreaterThanOrEqual(4);
        }
    });

    it("draws min* characters even from disabled sets", () => {
        const pw = generatePassword({ ...base, length: 10, upper: false, minUpper: 2, minLower: 0, minNumeric: 0 });
        expect(count(pw, CHARSETS.upper)).toBe(2);
    });

    it("uses overrideSpecial as the special set", () => {
        const pw = generatePassword({
            ...base,
            length: 30,
            upper: false,
            lower: false,
            numeric: false,
            special: true,
            minUpper: 0,
            minLower: 0,
            minNumeric: 0,
            overrideSpecial: "#",
        });
        expect(pw).toBe("#".repeat(30));
    });

    it("fails on an empty pool and on minimums above the length", () => {
        expect(() => generatePassword({ ...base, upper: false, lower: false, numeric: false })).toThrow(/empty/);
        expect(validateOptions({ ...base, length: 10 }).map((f) => f.property)).toEqual(["length"]);
    });

    it("shuffles (min characters are not always first)", () => {
        const firsts = new Set<string>();
        for (let i = 0; i < 40; i++) {
            firsts.add(generatePassword({ ...base, length: 8, minUpper: 8, minLower: 0, minNumeric: 0 }).slice(0, 1));
        }
        expect(firsts.size).toBeGreaterThan(1);
    });

    it("reads number as the alias of numeric", () => {
        expect(optionsFrom({ length: 5, number: false }).numeric).toBe(false);
    });
});

describe("RandomPassword plan rules", () => {
    const check = (news: Record<string, unknown>) =>
        checkInputs(randomPassword, {
            urn: "u",
            name: "pw",
            olds: {},
            news: news as never,
            randomSeed: new Uint8Array(),
        });

    it("applies defaults and syncs number/numeric", () => {
        const { inputs, failures } = check({ length: 12, numeric: false });
        expect(failures).toEqual([]);
        expect(inputs).toMatchObject({
            upper: true,
            lower: true,
            special: true,
            numeric: false,
            number: false,
            minUpper: 0,
        });
        expect(check({ length: 12, numeric: false, number: true }).failures.map((f) => f.property)).toEqual([
            "numeric",
        ]);
        expect(check({ length: 3, minUpper: 4 }).failures.map((f) => f.property)).toEqual(["length"]);
    });

    it("replaces on keeper changes, except keys with null values", () => {
        expect(keepersVerdict({ seed: "a" }, { seed: "a" })).toBe("same");
        expect(keepersVerdict({ seed: "a" }, { seed: "b" })).toBe("replace");
        expect(keepersVerdict(undefined, { seed: null })).toBe("same");
        expect(keepersVerdict({ seed: "a" }, { seed: "a", other: null })).toBe("same");
        expect(keepersVerdict({ seed: "a" }, undefined)).toBe("replace");
    });

    it('replaces on overrideSpecial changes, except "" → null', () => {
        expect(overrideSpecialVerdict("", undefined)).toBe("same");
        expect(overrideSpecialVerdict("!", undefined)).toBe("replace");
        expect(overrideSpecialVerdict(undefined, "!")).toBe("replace");
    });

    it("is a no-op when nothing changed, a replace when a ForceNew input changed", () => {
        const state = { ...check({ length: 40, keepers: { seed: "x" } }).inputs, result: "secret" };
        const same = check({ length: 40, keepers: { seed: "x" } }).inputs;
        expect(diffInputs(randomPassword, state, same).changes).toBe(false);
        const longer = check({ length: 41, keepers: { seed: "x" } }).inputs;
        expect(diffInputs(randomPassword, state, longer).replaces).toEqual(["length"]);
        const rotated = check({ length: 40, keepers: { seed: "y" } }).inputs;
        expect(diffInputs(randomPassword, state, rotated).replaces).toEqual(["keepers"]);
    });

    it("has ID none, keeps result on update, and Read is a no-op", async () => {
        const created = await randomPassword.create({}, check({ length: 16 }).inputs);
        expect(created.id).toBe("none");
        expect(String(created.outputs.result)).toHaveLength(16);
        const read = await randomPassword.read({}, "none", created.outputs);
        expect(read).toEqual({ id: "none", outputs: created.outputs });
        const updated = await randomPassword.update({}, "none", created.outputs, { ...created.outputs, keepers: {} });
        expect(updated.outputs.result).toBe(created.outputs.result);
    });

    it("imports a password given as the ID", async () => {
        const read = await randomPassword.read({}, "abc", {});
        expect(read?.outputs).toMatchObject({ result: "abc", length: 3, special: true, minUpper: 0 });
    });
});
