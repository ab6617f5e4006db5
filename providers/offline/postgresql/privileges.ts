/**
 * Privilege rules shared by Grant and DefaultPrivileges (upstream's helpers.go): the allowed privileges per
 * object type, the equality used on read (with the ALL expansion), and the role/database/schema existence
 * check that removes a grant from state when its scope is gone.
 */
import { atLeast, PgVersion, Querier } from "./client";
import type { PgContext } from "./context";

const ALLOWED: Record<string, string[]> = {
    database: ["ALL", "CREATE", "CONNECT", "TEMPORARY"],
    table: ["ALL", "SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"],
    sequence: ["ALL", "USAGE", "SELECT", "UPDATE"],
    schema: ["ALL", "CREATE", "USAGE"],
    function: ["ALL", "EXECUTE"],
    procedure: ["ALL", "EXECUTE"],
    routine: ["ALL", "EXECUTE"],
    type: ["ALL", "USAGE"],
    foreign_data_wrapper: ["ALL", "USAGE"],
    foreign_server: ["ALL", "USAGE"],
    column: ["ALL", "SELECT", "INSERT", "UPDATE", "REFERENCES"],
};

/** Allowed privileges for an object type (MAINTAIN on tables from PG 17, as upstream HEAD). */
export function allowedPrivileges(objectType: string, v?: PgVersion): string[] {
    const list = [...(ALLOWED[objectType] ?? [])];
    if (objectType === "table" && v && atLeast(v, 17)) list.push("MAINTAIN");
    return list;
}

/** Privileges that are not valid for the object type (case-sensitive, upper case). */
export function invalidPrivileges(objectType: string, privileges: string[]): string[] {
    const allowed = allowedPrivileges(objectType, { major: 17, minor: 0 });
    return privileges.filter((p) => !allowed.includes(p));
}

/**
 * resourcePrivilegesEqual: equal sets, or `wanted` holds ALL and `granted` is every privilege of
 * the type.
 */
export function privilegesEqual(granted: string[], wanted: string[], objectType: string, v?: PgVersion): boolean {
    const g = new Set(granted);
    const w = new Set(wanted);
    if (g.size === w.size && [...g].every((p) => w.has(p))) return true;
    if (!w.has("ALL")) return false;
    const all = allowedPrivileges(objectType, v).filter((p) => p !== "ALL");
    return all.length === g.size && all.every((p) => g.has(p));
}

/** `<TYPE>S` as in ALTER DEFAULT PRIVILEGES / GRANT … ON ALL <TYPE>S IN SCHEMA. */
export function pluralType(objectType: string): string {
    return `${objectType.toUpperCase()}S`;
}

/**
 * checkRoleDBSchemaExists: false when the database, the role (not checked for public) or the
 * schema (when given) is gone.
 */
export async function scopeExists(
    ctx: PgContext,
    database: string,
    role: string,
    schema: string | undefined,
): Promise<boolean> {
    const c = ctx.client;
    const db = await c.run(undefined, (q) => q.query("SELECT datname FROM pg_database WHERE datname=$1", [database]));
    if (db.length === 0) return false;
    return c.run(database, async (q: Querier) => {
        if (role !== "public") {
            const r = await q.query("SELECT 1 FROM pg_roles WHERE rolname=$1", [role]);
            if (r.length === 0) return false;
        }
        if (schema) {
            const s = await q.query("SELECT 1 FROM pg_namespace WHERE nspname=$1", [schema]);
            if (s.length === 0) return false;
        }
        return true;
    });
}

/** The grantee OID as aclexplode reports it (0 for PUBLIC). */
export async function roleOid(q: Querier, role: string): Promise<number> {
    if (role === "public") return 0;
    const rows = await q.query("SELECT oid FROM pg_roles WHERE rolname=$1", [role]);
    if (rows.length === 0) throw new Error(`role ${role} does not exist`);
    return Number(rows[0].oid);
}
