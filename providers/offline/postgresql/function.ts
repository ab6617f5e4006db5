/**
 * `postgresql:index/function:Function` (resource_postgresql_function.go, model_pg_function.go). CREATE
 * FUNCTION on create, `CREATE  OR REPLACE FUNCTION` on update; Read parses pg_get_functiondef. name, schema,
 * args, returns, language and database replace. ID = `<database>.<schema>.<name>(<non-OUT arg types>)`.
 */
import { bool, Props, str, Value } from "../props";
import { ResourceDef } from "../resource";
import { qi } from "./client";
import { FunctionArg, functionArgs, functionId, FunctionKey, functionKey, signatureTypes } from "../../../upstream/ids";
import { POSTGRESQL } from "../../../upstream/tokens";
import { PgContext, withContext } from "./context";

/** The inputs that make up the ID (upstream/ids.ts), and the rest of the function's inputs. */
export interface FunctionSpec extends FunctionKey {
    returns: string;
    language: string;
    body: string;
    volatility: string;
    securityDefiner: boolean;
    strict: boolean;
    parallel: string;
    dropCascade: boolean;
}

/** The body without its `$tag$ … $tag$` wrapper, if it has one (upstream's StateFunc). */
export function normalizeBody(body: string): string {
    const m = /\$([A-Za-z0-9_]*)\$([\s\S]*)\$\1\$/.exec(body);
    return m ? m[2] : body;
}

export function functionSpec(p: Props, providerDb: string): FunctionSpec {
    const key = functionKey(p, providerDb);
    const lastOut = [...key.args].reverse().find((a) => a.mode === "OUT");
    return {
        ...key,
        returns: str(p, "returns") || (lastOut ? lastOut.type : "void"),
        language: str(p, "language") || "plpgsql",
        body: normalizeBody(str(p, "body") ?? ""),
        volatility: str(p, "volatility") || "VOLATILE",
        securityDefiner: bool(p, "securityDefiner") ?? false,
        strict: bool(p, "strict") ?? false,
        parallel: str(p, "parallel") || "UNSAFE",
        dropCascade: bool(p, "dropCascade") ?? false,
    };
}

export function functionSql(f: FunctionSpec, replace: boolean): string {
    const args = f.args.map((a) => {
        let s = "";
        if (a.mode && a.mode !== "IN") s += `${a.mode} `;
        if (a.name) s += `${a.name} `;
        s += a.type;
        if (a.default) s += ` DEFAULT ${a.default}`;
        return `    ${s}`;
    });
    const lines = [
        `${replace ? "CREATE  OR REPLACE " : "CREATE "}FUNCTION ${qi(f.schema)}.${qi(f.name)} (`,
        args.join(",\n"),
        ")",
        `RETURNS ${f.returns}`,
        `LANGUAGE ${f.language}`,
    ];
    if (f.volatility !== "VOLATILE") lines.push(f.volatility);
    if (f.securityDefiner) lines.push("SECURITY DEFINER");
    if (f.parallel !== "UNSAFE") lines.push(`PARALLEL ${f.parallel}`);
    if (f.strict) lines.push("STRICT");
    lines.push(`AS $function$${f.body}$function$;`);
    return lines.join("\n");
}

export function dropFunctionSql(f: FunctionSpec): string {
    return `DROP FUNCTION IF EXISTS ${qi(f.schema)}.${qi(f.name)}(${signatureTypes(f)}) ${f.dropCascade ? "CASCADE" : "RESTRICT"}`;
}

/** Splits on top-level commas (outside quotes and parentheses). */
export function splitTopLevel(s: string): string[] {
    const out: string[] = [];
    let depth = 0;
    let quote: string | undefined;
    let cur = "";
    for (const ch of s) {
        if (quote) {
            if (ch === quote) quote = undefined;
        } else if (ch === "'" || ch === '"') quote = ch;
        else if (ch === "(" || ch === "[") depth++;
        else if (ch === ")" || ch === "]") depth--;
        else if (ch === "," && depth === 0) {
            out.push(cur.trim());
            cur = "";
            continue;
        }
        cur += ch;
    }
    if (cur.trim()) out.push(cur.trim());
    return out;
}

const MULTIWORD_TYPES =
    /^(double precision|character varying(\(.*\))?|bit varying(\(.*\))?|time(stamp)?(\(\d+\))? with(out)? time zone)(\[\])*$/i;

export function parseArg(text: string): FunctionArg {
    let rest = text.trim();
    let mode = "IN";
    const m = /^(IN|OUT|INOUT|VARIADIC)\s+/.exec(rest);
    if (m) {
        mode = m[1];
        rest = rest.slice(m[0].length);
    }
    let def = "";
    const d = /\s+DEFAULT\s+/.exec(rest);
    if (d) {
        def = rest.slice(d.index + d[0].length);
        rest = rest.slice(0, d.index);
    }
    let name = "";
    let type = rest;
    if (!MULTIWORD_TYPES.test(rest)) {
        const nm = /^("(?:[^"]|"")+"|\S+)\s+(.+)$/.exec(rest);
        if (nm) {
            name = nm[1].startsWith('"') ? nm[1].slice(1, -1).replace(/""/g, '"') : nm[1];
            type = nm[2];
        }
    }
    return { name, type, mode, default: def };
}

function unquoteIdent(s: string): string {
    return s.startsWith('"') ? s.slice(1, -1).replace(/""/g, '"') : s;
}

export interface ParsedFunction {
    schema: string;
    name: string;
    args: FunctionArg[];
    returns: string;
    language: string;
    volatility: string;
    parallel: string;
    strict: boolean;
    securityDefiner: boolean;
    body: string;
}

/** Parses pg_get_functiondef output. */
export function parseFunctionDef(def: string): ParsedFunction {
    const header =
        /^CREATE OR REPLACE (?:FUNCTION|PROCEDURE) ((?:"(?:[^"]|"")+"|[^.("]+)\.)?("(?:[^"]|"")+"|[^(]+)\((.*)\)\s*$/m.exec(
            def,
        );
    if (!header) throw new Error("cannot parse the function definition the server returned");
    const bodyMatch = /\nAS (\$[A-Za-z0-9_]*\$)([\s\S]*)\1/.exec(def);
    const attrs = def.slice(header.index + header[0].length, bodyMatch ? bodyMatch.index : undefined);
    const returns = /^\s*RETURNS (.+)$/m.exec(attrs)?.[1].trim() ?? "void";
    const language = /^\s*LANGUAGE (\S+)$/m.exec(attrs)?.[1] ?? "";
    const words = attrs.replace(/^\s*(RETURNS|LANGUAGE) .*$/gm, "");
    return {
        schema: header[1] ? unquoteIdent(header[1].slice(0, -1)) : "public",
        name: unquoteIdent(header[2]),
        args: splitTopLevel(header[3]).map(parseArg),
        returns,
        language,
        volatility: /\bIMMUTABLE\b/.test(words) ? "IMMUTABLE" : /\bSTABLE\b/.test(words) ? "STABLE" : "VOLATILE",
        parallel: /\bPARALLEL SAFE\b/.test(words)
            ? "SAFE"
            : /\bPARALLEL RESTRICTED\b/.test(words)
              ? "RESTRICTED"
              : "UNSAFE",
        strict: /\bSTRICT\b/.test(words),
        securityDefiner: /\bSECURITY DEFINER\b/.test(words),
        body: bodyMatch ? bodyMatch[2] : "",
    };
}

function argsValue(args: FunctionArg[]): Value {
    return args.map((a) => {
        const o: Record<string, Value> = { type: a.type, mode: a.mode };
        if (a.name) o.name = a.name;
        if (a.default) o.default = a.default;
        return o;
    });
}

async function readFunction(ctx: PgContext, state: Props, id?: string) {
    const f = functionSpec(state, ctx.client.config.database);
    return withContext(
        `error reading function ${f.name}`,
        (async () => {
            const db = await ctx.client.run(undefined, (q) =>
                q.query("SELECT datname FROM pg_database WHERE datname=$1", [f.database]),
            );
            if (db.length === 0) return null;
            const signature = `${qi(f.schema)}.${qi(f.name)}(${signatureTypes(f)})`;
            const rows = await ctx.client.run(f.database, (q) =>
                q.query(
                    "SELECT pg_get_functiondef(p.oid::regproc) AS def FROM pg_proc p LEFT JOIN pg_namespace n ON p.pronamespace = n.oid WHERE p.oid = to_regprocedure($1)",
                    [signature],
                ),
            );
            if (rows.length === 0) return null;
            const parsed = parseFunctionDef(String(rows[0].def));
            return {
                id: id || functionId(f),
                outputs: {
                    ...state,
                    name: parsed.name,
                    schema: parsed.schema,
                    database: f.database,
                    args: argsValue(parsed.args),
                    returns: parsed.returns,
                    language: parsed.language,
                    volatility: parsed.volatility,
                    parallel: parsed.parallel,
                    strict: parsed.strict,
                    securityDefiner: parsed.securityDefiner,
                    body: parsed.body,
                    dropCascade: bool(state, "dropCascade") ?? false,
                },
            };
        })(),
    );
}

/** Splits `<database>.<schema>.<name>(<args>)` (a 2-part ID uses the resource's database). */
export function parseFunctionId(id: string, providerDb: string): Props {
    const paren = id.indexOf("(");
    const head = paren >= 0 ? id.slice(0, paren) : id;
    const argText = paren >= 0 ? id.slice(paren + 1, -1) : "";
    const parts = head.split(".");
    const [database, schema, name] = parts.length >= 3 ? parts : [providerDb, ...parts];
    const args: Value = argText ? argText.split(",").map((t) => ({ type: t, mode: "IN" })) : [];
    return { database, schema, name, args };
}

export const fn: ResourceDef<PgContext> = {
    token: POSTGRESQL.Function,
    autoname: true,
    props: {
        name: { kind: "string", forceNew: true },
        schema: { kind: "string", computed: true, forceNew: true },
        args: {
            kind: "objectList",
            forceNew: true,
            fields: {
                type: { kind: "string", required: true },
                name: { kind: "string" },
                mode: { kind: "string", default: "IN", oneOf: ["IN", "OUT", "INOUT", "VARIADIC", ""] },
                default: { kind: "string" },
            },
        },
        returns: { kind: "string", computed: true, forceNew: true },
        language: { kind: "string", default: "plpgsql", forceNew: true },
        body: { kind: "string", required: true },
        volatility: { kind: "string", default: "VOLATILE", oneOf: ["VOLATILE", "STABLE", "IMMUTABLE"] },
        securityDefiner: { kind: "bool", default: false },
        strict: { kind: "bool", default: false },
        parallel: { kind: "string", default: "UNSAFE", oneOf: ["UNSAFE", "RESTRICTED", "SAFE"] },
        dropCascade: { kind: "bool", default: false },
        database: { kind: "string", computed: true, forceNew: true },
    },
    normalize(key, v) {
        if (key === "body" && typeof v === "string") return normalizeBody(v);
        if (key === "args") return argsValue(functionArgs(v));
        return v;
    },
    async create(ctx, inputs) {
        const f = functionSpec(inputs, ctx.client.config.database);
        await withContext(
            `error creating function ${f.name}`,
            ctx.client.tx(f.database, (q) => q.query(functionSql(f, false))),
        );
        const r = await readFunction(ctx, { ...inputs, database: f.database, schema: f.schema });
        if (!r) throw new Error(`function ${functionId(f)} not found after create`);
        return r;
    },
    async read(ctx, id, state) {
        if (state.name === undefined) {
            return readFunction(ctx, parseFunctionId(id, ctx.client.config.database));
        }
        return readFunction(ctx, state, id);
    },
    async update(ctx, _id, olds, news) {
        const f = functionSpec({ ...olds, ...news }, ctx.client.config.database);
        await withContext(
            `error updating function ${f.name}`,
            ctx.client.tx(f.database, (q) => q.query(functionSql(f, true))),
        );
        const r = await readFunction(ctx, { ...olds, ...news, database: f.database, schema: f.schema });
        if (!r) throw new Error(`function ${functionId(f)} not found after update`);
        return r;
    },
    async delete(ctx, _id, state) {
        const f = functionSpec(state, ctx.client.config.database);
        await withContext(
            `error deleting function ${f.name}`,
            ctx.client.tx(f.database, (q) => q.query(dropFunctionSql(f))),
        );
    },
};
