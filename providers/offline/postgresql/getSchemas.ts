/**
 * The `getSchemas` function (upstream data source postgresql_schemas): the schema names of one
 * database as the admin sees them in information_schema.schemata, system schemas (pg_*,
 * information_schema) left out unless asked for. Like every upstream read it opens the admin's
 * connection to that database, so calling it is how a program checks the admin login before any
 * resource needs it. The pattern filters are not implemented: asking for one is an error naming it.
 */
import type { Props } from "../props";
import { UNKNOWN } from "../props";
import type { PgContext } from "./context";

const NOT_IMPLEMENTED = ["likeAllPatterns", "likeAnyPatterns", "notLikeAllPatterns", "regexPattern"];

export const INCLUDE_SYSTEM_SQL = "SELECT schema_name FROM information_schema.schemata s";
export const EXCLUDE_SYSTEM_SQL =
    "SELECT schema_name FROM information_schema.schemata s WHERE s.schema_name NOT LIKE 'pg_%' AND s.schema_name <> 'information_schema'";

/** Argument problems, one per offending key (no I/O). */
export function checkGetSchemasArgs(args: Props): string[] {
    const problems: string[] = [];
    if (typeof args.database !== "string" || args.database === "" || args.database === UNKNOWN) {
        problems.push("getSchemas: database is required");
    }
    for (const k of NOT_IMPLEMENTED) {
        const v = args[k];
        if (v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0) && v !== "") {
            problems.push(`getSchemas: ${k} is not implemented by the offline provider`);
        }
    }
    return problems;
}

export async function getSchemas(ctx: PgContext, args: Props): Promise<Props> {
    const problems = checkGetSchemasArgs(args);
    if (problems.length > 0) throw new Error(problems.join("; "));
    const database = String(args.database);
    const includeSystemSchemas = args.includeSystemSchemas === true;
    const rows = await ctx.client.tx(database, (q) =>
        q.query(includeSystemSchemas ? INCLUDE_SYSTEM_SQL : EXCLUDE_SYSTEM_SQL),
    );
    return {
        database,
        id: `${database} data block`,
        includeSystemSchemas,
        schemas: rows.map((r) => String(r.schema_name)),
    };
}
