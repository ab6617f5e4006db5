/**
 * `postgresql:index/defaultPrivileges:DefaultPrivileges` and its deprecated alias token
 * `postgresql:index/defaultPrivileg:DefaultPrivileg` (resource_postgresql_default_privileges.go).
 * Authoritative for (owner, schema, type, grantee); the owner's advisory lock is taken on create, update,
 * delete and read; only `privileges` updates in place.
 */
import { bool, Props, strList } from "../props";
import { CheckFailure, ResourceDef } from "../resource";
import { pgLockRole, qi, withRolesGranted } from "./client";
import { defaultPrivilegesId, DefaultPrivilegesKey, defaultPrivilegesKey } from "../../../upstream/ids";
import { POSTGRESQL } from "../../../upstream/tokens";
import { PgContext, withContext } from "./context";
import { invalidPrivileges, pluralType, privilegesEqual, roleOid, scopeExists } from "./privileges";

const OBJECT_TYPES = ["table", "sequence", "function", "routine", "type", "schema"];

/** pg_default_acl.defaclobjtype per object type. */
export const DEFACL_OBJTYPE: Record<string, string> = {
    table: "r",
    sequence: "S",
    function: "f",
    routine: "f",
    type: "T",
    schema: "n",
};

/** The inputs that make up the ID (upstream/ids.ts), and what is granted. */
export interface DefaultPrivilegesSpec extends DefaultPrivilegesKey {
    privileges: string[];
    withGrantOption: boolean;
}

export function defaultPrivilegesSpec(p: Props): DefaultPrivilegesSpec {
    return {
        ...defaultPrivilegesKey(p),
        privileges: [...new Set(strList(p, "privileges"))].sort(),
        withGrantOption: bool(p, "withGrantOption") ?? false,
    };
}

function prefix(d: DefaultPrivilegesSpec): string {
    // Without a schema upstream's format leaves two spaces before GRANT/REVOKE.
    const inSchema = d.schema ? `IN SCHEMA ${qi(d.schema)}` : "";
    return `ALTER DEFAULT PRIVILEGES FOR ROLE ${qi(d.owner)} ${inSchema}`;
}

export function revokeDefaultSql(d: DefaultPrivilegesSpec): string {
    return `${prefix(d)} REVOKE ALL ON ${pluralType(d.objectType)} FROM ${qi(d.role)}`;
}

export function grantDefaultSql(d: DefaultPrivilegesSpec): string | undefined {
    if (d.privileges.length === 0) return undefined;
    const opt = d.withGrantOption ? " WITH GRANT OPTION" : "";
    return `${prefix(d)} GRANT ${d.privileges.join(",")} ON ${pluralType(d.objectType)} TO ${qi(d.role)}${opt}`;
}

export function validateDefaultPrivileges(d: DefaultPrivilegesSpec): CheckFailure[] {
    const f: CheckFailure[] = [];
    if (!OBJECT_TYPES.includes(d.objectType)) {
        f.push({ property: "objectType", reason: `objectType must be one of ${OBJECT_TYPES.join(", ")}` });
        return f;
    }
    if (d.objectType === "schema" && d.schema) {
        f.push({ property: "schema", reason: "cannot specify a schema when objectType is schema" });
    }
    if (d.withGrantOption && d.role === "public") {
        f.push({ property: "withGrantOption", reason: "withGrantOption cannot be true for the role public" });
    }
    const bad = invalidPrivileges(d.objectType === "schema" ? "schema" : d.objectType, d.privileges);
    if (bad.length) {
        f.push({ property: "privileges", reason: `invalid privileges for ${d.objectType}: ${bad.join(", ")}` });
    }
    return f;
}

export function readDefaultSql(withSchema: boolean): string {
    const base =
        "SELECT array_agg(prtype) AS privs FROM (SELECT defaclnamespace, (aclexplode(defaclacl)).* FROM pg_default_acl WHERE defaclobjtype = $3) " +
        "AS t (namespace, grantor_oid, grantee_oid, prtype, grantable) ";
    return withSchema
        ? `${base}JOIN pg_namespace ON pg_namespace.oid = namespace WHERE grantee_oid = $1 AND nspname = $2 AND pg_get_userbyid(grantor_oid) = $4`
        : "SELECT array_agg(prtype) AS privs FROM (SELECT defaclnamespace, (aclexplode(defaclacl)).* FROM pg_default_acl WHERE defaclobjtype = $2) " +
              "AS t (namespace, grantor_oid, grantee_oid, prtype, grantable) " +
              "WHERE grantee_oid = $1 AND namespace = 0 AND pg_get_userbyid(grantor_oid) = $3";
}

async function readDefaults(ctx: PgContext, state: Props) {
    const d = defaultPrivilegesSpec(state);
    const v = await ctx.client.serverVersion();
    return withContext(
        `could not read default privileges ${defaultPrivilegesId(d)}`,
        (async () => {
            if (!(await scopeExists(ctx, d.database, d.role, d.schema || undefined))) return null;
            const granted = await ctx.client.tx(d.database, async (q) => {
                await pgLockRole(q, d.owner);
                const oid = await roleOid(q, d.role);
                const objtype = DEFACL_OBJTYPE[d.objectType];
                const rows = d.schema
                    ? await q.query(readDefaultSql(true), [oid, d.schema, objtype, d.owner])
                    : await q.query(readDefaultSql(false), [oid, objtype, d.owner]);
                return (rows[0]?.privs as string[] | null) ?? null;
            });
            if ((granted === null || granted.length === 0) && d.privileges.length > 0) return null;
            const privileges =
                granted && !privilegesEqual(granted, d.privileges, d.objectType, v)
                    ? granted
                    : (state.privileges ?? []);
            return { id: defaultPrivilegesId(d), outputs: { ...state, privileges } };
        })(),
    );
}

async function apply(ctx: PgContext, d: DefaultPrivilegesSpec): Promise<void> {
    const v = await ctx.client.serverVersion();
    await ctx.client.tx(d.database, async (q) => {
        await pgLockRole(q, d.owner);
        await withRolesGranted(q, v, [d.owner], async () => {
            await q.query(revokeDefaultSql(d));
            const g = grantDefaultSql(d);
            if (g) await q.query(g);
        });
    });
}

function make(token: string): ResourceDef<PgContext> {
    return {
        token,
        props: {
            role: { kind: "string", required: true, forceNew: true },
            database: { kind: "string", required: true, forceNew: true },
            owner: { kind: "string", required: true, forceNew: true },
            schema: { kind: "string", forceNew: true },
            objectType: { kind: "string", required: true, forceNew: true },
            privileges: { kind: "set", required: true },
            withGrantOption: { kind: "bool", default: false, forceNew: true },
        },
        validate: (inputs) => validateDefaultPrivileges(defaultPrivilegesSpec(inputs)),
        async create(ctx, inputs) {
            const d = defaultPrivilegesSpec(inputs);
            await withContext(`could not create default privileges ${defaultPrivilegesId(d)}`, apply(ctx, d));
            const r = await readDefaults(ctx, inputs);
            if (!r) throw new Error(`default privileges ${defaultPrivilegesId(d)} not found after create`);
            return r;
        },
        async read(ctx, _id, state) {
            return readDefaults(ctx, state);
        },
        async update(ctx, _id, _olds, news) {
            const d = defaultPrivilegesSpec(news);
            await withContext(`could not update default privileges ${defaultPrivilegesId(d)}`, apply(ctx, d));
            const r = await readDefaults(ctx, news);
            if (!r) throw new Error(`default privileges ${defaultPrivilegesId(d)} not found after update`);
            return r;
        },
        async delete(ctx, _id, state) {
            const d = defaultPrivilegesSpec(state);
            const v = await ctx.client.serverVersion();
            await withContext(
                `could not delete default privileges ${defaultPrivilegesId(d)}`,
                ctx.client.tx(d.database, async (q) => {
                    await pgLockRole(q, d.owner);
                    await withRolesGranted(q, v, [d.owner], () => q.query(revokeDefaultSql(d)));
                }),
            );
        },
    };
}

export const defaultPrivileges = make(POSTGRESQL.DefaultPrivileges);
export const defaultPrivileg = make(POSTGRESQL.DefaultPrivileg);
