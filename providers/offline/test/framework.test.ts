import { containsUnknown, SECRET_SIG, SIG_KEY, UNKNOWN, unwrapSecrets, wrapSecrets } from "../props";
import { checkInputs, DEFAULTS_KEY, diffInputs, previewCreate, ResourceDef, valuesEqual } from "../resource";
import { role } from "../postgresql/role";
import { grant } from "../postgresql/grant";
import { fn } from "../postgresql/function";
import { database } from "../postgresql/database";

const seed = new Uint8Array([0xab, 0xcd, 0xef, 0x01, 0x23]);
const check = <C>(def: ResourceDef<C>, news: Record<string, unknown>, olds: Record<string, unknown> = {}) =>
    checkInputs(def, {
        urn: "urn:pulumi:s::p::t::r",
        name: "r",
        olds: olds as never,
        news: news as never,
        randomSeed: seed,
    });

describe("property marshalling", () => {
    it("unwraps secrets and remembers which top-level keys carried one", () => {
        const { props, secrets } = unwrapSecrets({
            password: { [SIG_KEY]: SECRET_SIG, value: "s3cret" },
            roles: ["a", { [SIG_KEY]: SECRET_SIG, value: "b" }],
            name: "n",
        });
        expect(props).toEqual({ password: "s3cret", roles: ["a", "b"], name: "n" });
        expect([...secrets].sort()).toEqual(["password", "roles"]);
    });

    it("wraps secret keys but leaves unknowns and nulls alone", () => {
        const out = wrapSecrets({ password: "x", result: UNKNOWN, other: null, name: "n" }, [
            "password",
            "result",
            "other",
        ]);
        expect(out).toEqual({
            password: { [SIG_KEY]: SECRET_SIG, value: "x" },
            result: UNKNOWN,
            other: null,
            name: "n",
        });
    });

    it("rejects special values it does not support", () => {
        expect(() => unwrapSecrets({ r: { [SIG_KEY]: "5cf8f73096256a8f31e491e813e4eb8e", urn: "u" } })).toThrow(
            /unsupported special value/,
        );
    });

    it("finds unknowns at any depth", () => {
        expect(containsUnknown({ a: [1, { b: UNKNOWN }] })).toBe(true);
        expect(containsUnknown({ a: [1, { b: "x" }] })).toBe(false);
    });
});

describe("Check", () => {
    it("applies TF defaults and an auto-name, recorded in __defaults", () => {
        const { inputs, failures } = check(role, { login: true });
        expect(failures).toEqual([]);
        expect(inputs.name).toBe("r-abcdef0");
        expect(inputs.connectionLimit).toBe(-1);
        expect(inputs.validUntil).toBe("infinity");
        expect(inputs.inherit).toBe(true);
        expect(inputs[DEFAULTS_KEY]).toContain("name");
        expect(inputs[DEFAULTS_KEY]).not.toContain("login");
    });

    it("keeps a defaulted auto-name from the old inputs", () => {
        const { inputs } = check(role, {}, { name: "r-1234567", [DEFAULTS_KEY]: ["name"] });
        expect(inputs.name).toBe("r-1234567");
    });

    it("names the resource and the property for unknown and unsupported inputs", () => {
        const { failures } = check(role, { name: "x", passwordWo: "pw", colour: "blue" });
        expect(failures.map((f) => f.property).sort()).toEqual(["colour", "passwordWo"]);
        expect(failures.find((f) => f.property === "passwordWo")?.reason).toMatch(
            /postgresql:index\/role:Role \(urn:pulumi:s::p::t::r\): input "passwordWo" is not supported/,
        );
        expect(failures.find((f) => f.property === "colour")?.reason).toMatch(/unknown input "colour"/);
    });

    it("checks types, ranges and required inputs", () => {
        const { failures } = check(role, { name: "x", connectionLimit: -2, login: "yes" });
        expect(failures.map((f) => f.property).sort()).toEqual(["connectionLimit", "login"]);
        const g = check(grant, { role: "r", database: "d", objectType: "table" });
        expect(g.failures.map((f) => f.property)).toEqual(["privileges"]);
        const g2 = check(grant, { role: "r", database: "d", objectType: "table", privileges: ["SELECT"] });
        expect(g2.failures.map((f) => f.property)).toEqual(["schema"]);
    });

    it("lets unknowns through during preview", () => {
        const { failures, inputs } = check(role, { name: "x", password: UNKNOWN, roles: [UNKNOWN] });
        expect(failures).toEqual([]);
        expect(inputs.password).toBe(UNKNOWN);
    });

    it("applies nested defaults (Function arg mode IN)", () => {
        const { inputs } = check(fn, { name: "f", body: "x", args: [{ name: "a", type: "int" }] });
        expect(inputs.args).toEqual([{ name: "a", type: "int", mode: "IN" }]);
    });
});

describe("Diff", () => {
    const roleState = {
        name: "app",
        roles: ["b", "a"],
        searchPaths: ["x", "y"],
        connectionLimit: -1,
        login: true,
        statementTimeout: 0,
        password: "p",
    };

    it("treats sets as unordered and lists as ordered", () => {
        expect(diffInputs(role, roleState, { ...roleState, roles: ["a", "b"] }).changes).toBe(false);
        const d = diffInputs(role, roleState, { ...roleState, searchPaths: ["y", "x"] });
        expect(d.changes).toBe(true);
        expect(d.detailed).toEqual({ searchPaths: "UPDATE" });
        expect(d.replaces).toEqual([]);
    });

    it("treats zero values as unset (SDKv2 state)", () => {
        const rest: Record<string, unknown> = { ...roleState };
        delete rest.statementTimeout;
        expect(diffInputs(role, roleState, rest as never).changes).toBe(false);
        expect(valuesEqual({ kind: "set" }, [], undefined)).toBe(true);
    });

    it("keeps Optional+Computed values absent from config", () => {
        const olds = { name: "db", owner: "svc", encoding: "UTF8", lcCollate: "C.UTF-8", connectionLimit: -1 };
        expect(diffInputs(database, olds, { name: "db", connectionLimit: -1 }).changes).toBe(false);
        const d = diffInputs(database, olds, { name: "db", connectionLimit: -1, encoding: "utf8" });
        expect(d.replaces).toEqual(["encoding"]);
        expect(d.detailed.encoding).toBe("UPDATE_REPLACE");
    });

    it("deletes before replacing a Grant, and any resource whose name was set explicitly", () => {
        const g = { role: "r", database: "d", schema: "s", objectType: "table", privileges: ["SELECT"] };
        const d = diffInputs(grant, g, { ...g, withGrantOption: true });
        expect(d.replaces).toEqual(["withGrantOption"]);
        expect(d.deleteBeforeReplace).toBe(true);
        const f = { name: "f", body: "b", language: "sql", args: [] };
        expect(diffInputs(fn, f, { ...f, language: "plpgsql" }).deleteBeforeReplace).toBe(true);
        expect(diffInputs(fn, f, { ...f, language: "plpgsql", [DEFAULTS_KEY]: ["name"] }).deleteBeforeReplace).toBe(
            false,
        );
    });

    it("marks unknown inputs as changes (replacing when ForceNew)", () => {
        expect(diffInputs(role, roleState, { ...roleState, password: UNKNOWN }).detailed).toEqual({
            password: "UPDATE",
        });
        const g = { role: "r", database: "d", schema: "s", objectType: "table", privileges: ["SELECT"] };
        expect(diffInputs(grant, g, { ...g, role: UNKNOWN }).replaces).toEqual(["role"]);
    });

    it("normalises Function bodies and arg modes", () => {
        const olds = { name: "f", body: "SELECT 1", args: [{ name: "a", type: "int", mode: "IN" }] };
        const news = { name: "f", body: "$fn$SELECT 1$fn$", args: [{ name: "a", type: "int", mode: "" }] };
        expect(diffInputs(fn, olds, news).changes).toBe(false);
    });

    it("previews Create with computed values unknown", () => {
        const out = previewCreate(database, { name: "db", connectionLimit: -1 });
        expect(out).toMatchObject({ name: "db", owner: UNKNOWN, encoding: UNKNOWN, connectionLimit: -1 });
    });
});
