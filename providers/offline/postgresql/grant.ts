/**
 * `postgresql:index/grant:Grant` (resource_postgresql_grant.go). Authoritative for
 * (role, scope): REVOKE then GRANT in one transaction, under the grantee's advisory lock (plus the
 * database lock for objectType database), with the owners' roles temporarily granted to a
 * non-superuser admin. Every input but `privileges` replaces; Pulumi deletes before replacing.
 */
import { bool, Props, strList } from "../props";
import { CheckFailure, ResourceDef } from "../resource";
import { pgLockDatabase, pgLockRole, qi, Querier, withRolesGranted, PgVersion } from "./client";
import { GrantKey, grantId, grantKey } from "../../../upstream/ids";
import { POSTGRESQL } from "../../../upstream/tokens";
import { PgContext, withContext } from "./context";
import { invalidPrivileges, pluralType, privilegesEqual, roleOid, scopeExists } from "./privileges";

const OBJECT_TYPES = [
    "database",
    "function",
    "procedure",
    "routine",
    "schema",
    "sequence",
    "table",
    "foreign_data_wrapper",
    "foreign_server",
    "column",
];
const NOT_IMPLEMENTED = ["foreign_data_wrapper", "foreign_server"];

/** The inputs that make up the ID (upstream/ids.ts), and what is granted. */
export interface GrantSpec extends GrantKey {
    privileges: string[];
    withGrantOption: boolean;
}

export function grantSpec(p: Props): GrantSpec {
    return {
        ...grantKey(p),
        privileges: [...new Set(strList(p, "privileges"))].sort(),
        withGrantOption: bool(p, "withGrantOption") ?? false,
    };
}

/** `"s"."name"`, or `"s"."fn"(int, text)` for a function object given with a signature. */
export function qualifiedObject(schema: string, object: string): string {
    const paren = object.indexOf("(");
    if (paren > 0 && object.endsWith(")")) {
        return `${qi(schema)}.${qi(object.slice(0, paren))}${object.slice(paren)}`;
    }
    return `${qi(schema)}.${qi(object)}`;
}

function grantee(role: string): string {
    return qi(role);
}

/** The REVOKE that precedes every GRANT (and is the whole Delete). */
export function revokeSql(g: GrantSpec): string {
    const who = grantee(g.role);
    switch (g.objectType) {
        case "database":
            return `REVOKE ALL PRIVILEGES ON DATABASE ${qi(g.database)} FROM ${who}`;
        case "schema":
            return `REVOKE ALL PRIVILEGES ON SCHEMA ${qi(g.schema)} FROM ${who}`;
        case "foreign_data_wrapper":
            return `REVOKE ALL PRIVILEGES ON FOREIGN DATA WRAPPER ${qi(g.objects[0] ?? "")} FROM ${who}`;
        case "foreign_server":
            return `REVOKE ALL PRIVILEGES ON FOREIGN SERVER ${qi(g.objects[0] ?? "")} FROM ${who}`;
        case "column": {
            const privs = g.privileges.length ? g.privileges.join(",") : "SELECT";
            const cols = g.columns.length ? g.columns.map(qi).join(",") : "NULL";
            return `REVOKE ${privs} (${cols}) ON TABLE ${qualifiedObject(g.schema, g.objects[0] ?? "")} FROM ${who}`;
        }
        default: {
            const type = g.objectType.toUpperCase();
            if (g.objects.length === 0) {
                return `REVOKE ALL PRIVILEGES ON ALL ${pluralType(g.objectType)} IN SCHEMA ${qi(g.schema)} FROM ${who}`;
            }
            const objs = g.objects.map((o) => qualifiedObject(g.schema, o)).join(",");
            const privs = g.privileges.length ? g.privileges.join(",") : "ALL PRIVILEGES";
            return `REVOKE ${privs} ON ${type} ${objs} FROM ${who}`;
        }
    }
}

/** The GRANT, or undefined when privileges are empty. */
export function grantSql(g: GrantSpec): string | undefined {
    if (g.privileges.length === 0) return undefined;
    const privs = g.privileges.join(",");
    const who = grantee(g.role) + (g.withGrantOption ? " WITH GRANT OPTION" : "");
    switch (g.objectType) {
        case "database":
            return `GRANT ${privs} ON DATABASE ${qi(g.database)} TO ${who}`;
        case "schema":
            return `GRANT ${privs} ON SCHEMA ${qi(g.schema)} TO ${who}`;
        case "foreign_data_wrapper":
            return `GRANT ${privs} ON FOREIGN DATA WRAPPER ${qi(g.objects[0] ?? "")} TO ${who}`;
        case "foreign_server":
            return `GRANT ${privs} ON FOREIGN SERVER ${qi(g.objects[0] ?? "")} TO ${who}`;
        case "column":
            return `GRANT ${privs} (${g.columns.map(qi).join(",")}) ON TABLE ${qualifiedObject(g.schema, g.objects[0] ?? "")} TO ${who}`;
        default: {
            if (g.objects.length === 0) {
                return `GRANT ${privs} ON ALL ${pluralType(g.objectType)} IN SCHEMA ${qi(g.schema)} TO ${who}`;
            }
            const objs = g.objects.map((o) => qualifiedObject(g.schema, o)).join(",");
            return `GRANT ${privs} ON ${g.objectType.toUpperCase()} ${objs} TO ${who}`;
        }
    }
}

export function validateGrant(g: GrantSpec): CheckFailure[] {
    const f: CheckFailure[] = [];
    if (!OBJECT_TYPES.includes(g.objectType)) {
        f.push({ property: "objectType", reason: `objectType must be one of ${OBJECT_TYPES.join(", ")}` });
        return f;
    }
    if (NOT_IMPLEMENTED.includes(g.objectType)) {
        f.push({
            property: "objectType",
            reason: `objectType "${g.objectType}" is not supported by the offline provider`,
        });
        return f;
    }
    const noSchema = ["database", "foreign_data_wrapper", "foreign_server"].includes(g.objectType);
    if (!noSchema && !g.schema)
        f.push({ property: "schema", reason: `schema is required for objectType ${g.objectType}` });
    if ((g.objectType === "database" || g.objectType === "schema") && g.objects.length) {
        f.push({ property: "objects", reason: `objects cannot be set for objectType ${g.objectType}` });
    }
    if (g.objectType === "column") {
        if (g.objects.length !== 1)
            f.push({ property: "objects", reason: "objects must hold exactly one table for column" });
        if (g.columns.length === 0)
            f.push({ property: "columns", reason: "columns is required for objectType column" });
        if (g.privileges.length !== 1) f.push({ property: "privileges", reason: "exactly one privilege for column" });
    } else if (g.columns.length) {
        f.push({ property: "columns", reason: "columns can only be set for objectType column" });
    }
    const bad = invalidPrivileges(g.objectType, g.privileges);
    if (bad.length) {
        f.push({ property: "privileges", reason: `invalid privileges for ${g.objectType}: ${bad.join(", ")}` });
    }
    return f;
}

/** getRolesToGrant: the owners of the tables in the schema and of the schema itself. */
async function rolesToGrant(q: Querier, g: GrantSpec): Promise<string[]> {
    if (["database", "foreign_data_wrapper", "foreign_server"].includes(g.objectType)) return [];
    const owners = new Set<string>();
    if (g.objectType !== "schema") {
        const rows = await q.query("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname=$1", [g.schema]);
        for (const r of rows) owners.add(String(r.tableowner));
    }
    const s = await q.query("SELECT pg_catalog.pg_get_userbyid(nspowner) AS owner FROM pg_namespace WHERE nspname=$1", [
        g.schema,
    ]);
    if (s.length) owners.add(String(s[0].owner));
    if (owners.has("pg_database_owner")) {
        owners.delete("pg_database_owner");
        const d = await q.query(
            "SELECT pg_catalog.pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = current_database()",
        );
        if (d.length) owners.add(String(d[0].owner));
    }
    return [...owners];
}

async function revokeThenGrant(ctx: PgContext, v: PgVersion, forRevoke: GrantSpec, g: GrantSpec): Promise<void> {
    await ctx.client.tx(g.database, async (q) => {
        await pgLockRole(q, g.role);
        if (g.objectType === "database") await pgLockDatabase(q, g.database);
        const owners = await rolesToGrant(q, g);
        await withRolesGranted(q, v, owners, async () => {
            await q.query(revokeSql(forRevoke));
            const grant = grantSql(g);
            if (grant) await q.query(grant);
        });
    });
}

function aclQuery(objectType: string): string {
    switch (objectType) {
        case "database":
            return "SELECT array_agg(privilege_type) AS privs FROM (SELECT (aclexplode(datacl)).* FROM pg_database WHERE datname=$1) p WHERE grantee=$2";
        case "schema":
            return "SELECT array_agg(privilege_type) AS privs FROM (SELECT (aclexplode(nspacl)).* FROM pg_namespace WHERE nspname=$1) p WHERE grantee=$2";
        case "table":
        case "sequence":
            return (
                "SELECT pg_class.relname AS name, array_remove(array_agg(privilege_type), NULL) AS privs " +
                "FROM pg_class JOIN pg_namespace ON pg_namespace.oid = pg_class.relnamespace " +
                "LEFT JOIN (SELECT acls.* FROM (SELECT relname, relnamespace, relkind, (aclexplode(relacl)).* FROM pg_class c) acls " +
                "WHERE grantee=$1) privs USING (relname, relnamespace, relkind) " +
                "WHERE nspname = $2 AND relkind = $3 GROUP BY pg_class.relname"
            );
        default:
            return (
                "SELECT pg_proc.proname AS name, array_remove(array_agg(privilege_type), NULL) AS privs " +
                "FROM pg_proc JOIN pg_namespace ON pg_namespace.oid = pg_proc.pronamespace " +
                "LEFT JOIN (SELECT acls.* FROM (SELECT proname, pronamespace, (aclexplode(proacl)).* FROM pg_proc p) acls " +
                "WHERE grantee=$1) privs USING (proname, pronamespace) " +
                "WHERE nspname = $2 GROUP BY pg_proc.proname"
            );
    }
}

/** The privileges the server reports, or the configured ones when they match (as upstream's Read). */
async function readPrivileges(
    ctx: PgContext,
    v: PgVersion,
    g: GrantSpec,
): Promise<{ privileges: string[]; columns: string[] }> {
    return ctx.client.tx(g.database, async (q) => {
        const oid = await roleOid(q, g.role);
        const result = { privileges: g.privileges, columns: g.columns };
        if (g.objectType === "database" || g.objectType === "schema") {
            const key = g.objectType === "database" ? g.database : g.schema;
            const rows = await q.query(aclQuery(g.objectType), [key, oid]);
            const granted = (rows[0]?.privs as string[] | null) ?? [];
            if (!privilegesEqual(granted, g.privileges, g.objectType, v)) result.privileges = granted;
            return result;
        }
        if (g.objectType === "column") {
            const rows = await q.query(
                "SELECT attname FROM (SELECT attname, (aclexplode(attacl)).* FROM pg_attribute a " +
                    "JOIN pg_class c ON a.attrelid = c.oid JOIN pg_namespace n ON c.relnamespace = n.oid " +
                    "WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind = 'r' AND NOT a.attisdropped) p " +
                    "WHERE grantee = $3 AND privilege_type = $4",
                [g.schema, g.objects[0], oid, g.privileges[0]],
            );
            const have = new Set(rows.map((r) => String(r.attname)));
            result.columns = g.columns.filter((c) => have.has(c));
            return result;
        }
        const params: unknown[] = [oid, g.schema];
        if (g.objectType === "table" || g.objectType === "sequence") params.push(g.objectType === "table" ? "r" : "S");
        const rows = await q.query(aclQuery(g.objectType), params);
        for (const r of rows) {
            const name = String(r.name);
            if (g.objects.length && !g.objects.includes(name)) continue;
            const granted = (r.privs as string[] | null) ?? [];
            if (!privilegesEqual(granted, g.privileges, g.objectType, v)) {
                result.privileges = granted;
                break;
            }
        }
        return result;
    });
}

async function readGrant(ctx: PgContext, state: Props) {
    const g = grantSpec(state);
    const v = await ctx.client.serverVersion();
    const noSchema = ["database", "foreign_data_wrapper", "foreign_server"].includes(g.objectType);
    return withContext(
        `could not read grant ${grantId(g)}`,
        (async () => {
            if (!(await scopeExists(ctx, g.database, g.role, noSchema ? undefined : g.schema))) return null;
            const r = await readPrivileges(ctx, v, g);
            return {
                id: grantId(g),
                outputs: {
                    ...state,
                    privileges: r.privileges,
                    columns: g.objectType === "column" ? r.columns : state.columns,
                },
            };
        })(),
    );
}

export const grant: ResourceDef<PgContext> = {
    token: POSTGRESQL.Grant,
    deleteBeforeReplace: true,
    props: {
        role: { kind: "string", required: true, forceNew: true },
        database: { kind: "string", required: true, forceNew: true },
        schema: { kind: "string", forceNew: true },
        objectType: { kind: "string", required: true, forceNew: true },
        objects: { kind: "set", forceNew: true },
        columns: { kind: "set", forceNew: true },
        privileges: { kind: "set", required: true },
        withGrantOption: { kind: "bool", default: false, forceNew: true },
    },
    validate: (inputs) => validateGrant(grantSpec(inputs)),
    async create(ctx, inputs) {
        const g = grantSpec(inputs);
        const v = await ctx.client.serverVersion();
        await withContext(`could not create grant ${grantId(g)}`, revokeThenGrant(ctx, v, g, g));
        const r = await readGrant(ctx, inputs);
        if (!r) throw new Error(`grant ${grantId(g)}: its database, role or schema is gone after create`);
        return r;
    },
    async read(ctx, _id, state) {
        return readGrant(ctx, state);
    },
    async update(ctx, _id, olds, news) {
        const g = grantSpec(news);
        const v = await ctx.client.serverVersion();
        // The REVOKE uses the previous (state) values of what changed, i.e. the old privileges.
        const previous = { ...g, privileges: grantSpec(olds).privileges };
        await withContext(`could not update grant ${grantId(g)}`, revokeThenGrant(ctx, v, previous, g));
        const r = await readGrant(ctx, news);
        if (!r) throw new Error(`grant ${grantId(g)}: its database, role or schema is gone after update`);
        return r;
    },
    async delete(ctx, _id, state) {
        const g = grantSpec(state);
        const v = await ctx.client.serverVersion();
        await withContext(
            `could not delete grant ${grantId(g)}`,
            ctx.client.tx(g.database, async (q) => {
                await pgLockRole(q, g.role);
                if (g.objectType === "database") await pgLockDatabase(q, g.database);
                const owners = await rolesToGrant(q, g);
                await withRolesGranted(q, v, owners, () => q.query(revokeSql(g)));
            }),
        );
    },
};
