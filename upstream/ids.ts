/**
 * How the upstream postgresql provider (pulumi-postgresql 3.18, terraform-provider-postgresql
 * v1.27) derives a resource's ID from its inputs. Two parts of this repo need the same answer: the
 * offline provider, which must give the engine the IDs upstream would, and recovery
 * (lib/pending.ts), which puts resources an interrupted `up` may have created into the state under
 * those IDs so that a refresh can look them up, whichever of the two plugins serves the stack.
 *
 * Each `…Key` function reads the inputs an ID is made of, filling an empty input with upstream's
 * default; each `…Id` function writes the ID. The offline provider builds its resource specs on
 * the keys, so an ID and the SQL of the same resource read the inputs the same way.
 */
import { POSTGRESQL } from "./tokens";

/** A resource's inputs as the engine passes them: plain JSON values, secrets unwrapped. */
export type Inputs = Record<string, unknown>;

/** The string input, or "" (upstream reads an absent string as empty). */
function stringInput(p: Inputs, key: string): string {
    const v = p[key];
    return typeof v === "string" ? v : "";
}

/** A set-valued input as upstream's IDs use it: each string once, in sorted order. */
function stringSetInput(p: Inputs, key: string): string[] {
    const v = p[key];
    const strings = Array.isArray(v) ? v.filter((e): e is string => typeof e === "string") : [];
    return [...new Set(strings)].sort();
}

/** What identifies a Schema or an Extension: its name and its database. */
export interface DatabaseObjectKey {
    name: string;
    /** Empty means the database the provider connects to. */
    database: string;
}

export function databaseObjectKey(p: Inputs, providerDb: string): DatabaseObjectKey {
    return { name: stringInput(p, "name"), database: stringInput(p, "database") || providerDb };
}

/** A Schema's or an Extension's ID: `<database>.<name>`. */
export function databaseObjectId(k: DatabaseObjectKey): string {
    return `${k.database}.${k.name}`;
}

export interface FunctionArg {
    name: string;
    type: string;
    /** IN when not given. */
    mode: string;
    default: string;
}

export interface FunctionKey {
    name: string;
    /** `public` when not given. */
    schema: string;
    /** Empty means the database the provider connects to. */
    database: string;
    args: FunctionArg[];
}

/** The `args` input of a Function. */
export function functionArgs(v: unknown): FunctionArg[] {
    if (!Array.isArray(v)) return [];
    return v
        .filter((a): a is Record<string, unknown> => typeof a === "object" && a !== null && !Array.isArray(a))
        .map((a) => ({
            name: typeof a.name === "string" ? a.name : "",
            type: typeof a.type === "string" ? a.type : "",
            mode: typeof a.mode === "string" && a.mode !== "" ? a.mode : "IN",
            default: typeof a.default === "string" ? a.default : "",
        }));
}

export function functionKey(p: Inputs, providerDb: string): FunctionKey {
    return {
        name: stringInput(p, "name"),
        schema: stringInput(p, "schema") || "public",
        database: stringInput(p, "database") || providerDb,
        args: functionArgs(p.args),
    };
}

/** The argument types that identify a function (all but OUT), as written in its inputs. */
export function signatureTypes(f: Pick<FunctionKey, "args">): string {
    return f.args
        .filter((a) => a.mode !== "OUT")
        .map((a) => a.type)
        .join(",");
}

/** `<database>.<schema>.<name>(<argument types but OUT>)`. */
export function functionId(f: FunctionKey): string {
    return `${f.database}.${f.schema}.${f.name}(${signatureTypes(f)})`;
}

export interface GrantKey {
    role: string;
    database: string;
    schema: string;
    objectType: string;
    objects: string[];
    columns: string[];
}

export function grantKey(p: Inputs): GrantKey {
    return {
        role: stringInput(p, "role"),
        database: stringInput(p, "database"),
        schema: stringInput(p, "schema"),
        objectType: stringInput(p, "objectType"),
        objects: stringSetInput(p, "objects"),
        columns: stringSetInput(p, "columns"),
    };
}

/**
 * Upstream's generateGrantID: `<role>_<database>[_<schema>]_<objectType>[_<object>…][_<column>…]`,
 * without the schema for the object types that live outside one.
 */
export function grantId(g: GrantKey): string {
    const parts = [g.role, g.database];
    if (!["database", "foreign_data_wrapper", "foreign_server"].includes(g.objectType)) parts.push(g.schema);
    parts.push(g.objectType, ...g.objects, ...g.columns);
    return parts.join("_");
}

export interface DefaultPrivilegesKey {
    role: string;
    database: string;
    owner: string;
    schema: string;
    objectType: string;
}

export function defaultPrivilegesKey(p: Inputs): DefaultPrivilegesKey {
    return {
        role: stringInput(p, "role"),
        database: stringInput(p, "database"),
        owner: stringInput(p, "owner"),
        schema: stringInput(p, "schema"),
        objectType: stringInput(p, "objectType"),
    };
}

/** `<role>_<database>_<schema or "noschema">_<owner>_<objectType>`. */
export function defaultPrivilegesId(d: DefaultPrivilegesKey): string {
    return [d.role, d.database, d.schema || "noschema", d.owner, d.objectType].join("_");
}

export interface GrantRoleKey {
    role: string;
    grantRole: string;
    withAdminOption: boolean;
}

export function grantRoleKey(p: Inputs): GrantRoleKey {
    return {
        role: stringInput(p, "role"),
        grantRole: stringInput(p, "grantRole"),
        withAdminOption: p.withAdminOption === true,
    };
}

/** `<role>_<grantRole>_<withAdminOption>`. */
export function grantRoleId(g: GrantRoleKey): string {
    return `${g.role}_${g.grantRole}_${g.withAdminOption}`;
}

/**
 * The ID of a resource of each postgresql type from its inputs; `providerDb` is the database the
 * provider connects to, for a resource whose own `database` input is empty. A Role's and a
 * Database's ID is its name. Types without an entry have no ID that follows from their inputs.
 */
export const ID_FROM_INPUTS: Record<string, (p: Inputs, providerDb: string) => string> = {
    [POSTGRESQL.Role]: (p) => stringInput(p, "name"),
    [POSTGRESQL.Database]: (p) => stringInput(p, "name"),
    [POSTGRESQL.Schema]: (p, db) => databaseObjectId(databaseObjectKey(p, db)),
    [POSTGRESQL.Extension]: (p, db) => databaseObjectId(databaseObjectKey(p, db)),
    [POSTGRESQL.Function]: (p, db) => functionId(functionKey(p, db)),
    [POSTGRESQL.Grant]: (p) => grantId(grantKey(p)),
    [POSTGRESQL.DefaultPrivileges]: (p) => defaultPrivilegesId(defaultPrivilegesKey(p)),
    [POSTGRESQL.GrantRole]: (p) => grantRoleId(grantRoleKey(p)),
};
