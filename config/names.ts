/**
 * Every database, role and schema name the stack creates or relies on, checked before any resource:
 * a reserved name (`postgres`, `template0/1`, `pg_*`, …) fails half-way through an `up`; a name over
 * 63 bytes is silently truncated by PostgreSQL, so the first `up` works and every later one fails
 * ("already exists"); two of the stack's names that are equal make two resources manage one object
 * (e.g. an app schema `pgbouncer` next to the pooler's lookup schema hands the app role the lookup
 * of every password hash). Each problem names the config key that produced the name.
 */
import { connectGroupName, GUARD_SCHEMA, tenantRoleName, tenantSchemaName, tenantsGroupName } from "../lib/naming";
import { PGBOUNCER_AUTH_SCHEMA } from "../lib/pgbouncer";
import { PROJECT_NAME } from "./constants";

/** PostgreSQL's limit on identifiers (NAMEDATALEN - 1), in bytes. */
export const MAX_IDENTIFIER_BYTES = 63;

export type NameKind = "database" | "role" | "schema";

/** One name: what it is, which config key it comes from, and whether the stack creates it. */
export interface StackName {
    kind: NameKind;
    name: string;
    /** What it is, for messages ("the app role", "tenant acme's schema"). */
    what: string;
    /** The config key path that sets it (parseConfig turns it into `pgstack:…`). */
    path: (string | number)[];
    /** Created (and so owned) by the stack, rather than used (the admin, the pooler's auth user). */
    created: boolean;
}

/** The parts of the raw config the names come from. */
export interface NameSource {
    databaseName: string;
    roles: { service?: string; app?: string; readonly?: string };
    readonlyRole: boolean;
    schemas: string[];
    tenantRolePrefix: string;
    tenants: { id: string }[];
    server: {
        mode: string;
        adminUser?: string;
        maintenanceDatabase?: string;
        pooler?: { authUser?: string };
    };
}

const DATABASES_RESERVED = ["postgres", "template0", "template1", "rdsadmin"];
/** Role names PostgreSQL refuses (or gives a meaning to) and the ones RDS keeps for itself. */
const ROLES_RESERVED = ["postgres", "public", "none", "current_user", "session_user", "current_role", "rdsadmin"];
/** Prefixes of role names PostgreSQL (pg_) and RDS (rds_) keep for their predefined roles. */
const ROLE_PREFIXES_RESERVED = ["pg_", "rds_"];
const SCHEMAS_RESERVED = ["public", "information_schema"];

/** Why a name is reserved for its kind, or undefined. */
export function reservedBecause(kind: NameKind, name: string): string | undefined {
    if (kind === "database" && DATABASES_RESERVED.includes(name)) return "a database the server itself has";
    if (kind === "role" && ROLES_RESERVED.includes(name)) return "a role name the server reserves";
    const prefix = kind === "role" ? ROLE_PREFIXES_RESERVED.find((p) => name.startsWith(p)) : undefined;
    if (prefix) return `role names starting with ${prefix} are reserved for the server's predefined roles`;
    if (kind !== "role" && name.startsWith("pg_")) return `${kind} names starting with pg_ are reserved for the system`;
    if (kind === "schema" && SCHEMAS_RESERVED.includes(name)) return "a schema every database has";
    return undefined;
}

/** Every name the stack would create or use, in the order a collision is reported (the later one). */
export function stackNames(c: NameSource): StackName[] {
    const db = c.databaseName;
    const names: StackName[] = [];
    const add = (kind: NameKind, name: string, what: string, path: (string | number)[], created = true) =>
        names.push({ kind, name, what, path, created });

    if (c.server.maintenanceDatabase) {
        add(
            "database",
            c.server.maintenanceDatabase,
            "the maintenance database",
            ["server", "maintenanceDatabase"],
            false,
        );
    }
    add("database", db, "the app database", ["databaseName"]);

    if (c.server.adminUser) add("role", c.server.adminUser, "the admin user", ["server", "adminUser"], false);
    if (c.server.pooler) {
        add(
            "role",
            c.server.pooler.authUser ?? "pgbouncer_auth",
            "the pooler's auth user",
            ["server", "pooler", "authUser"],
            false,
        );
    }
    add("role", connectGroupName(db), "the connect group (<databaseName>_connect)", ["databaseName"]);
    add("role", tenantsGroupName(db), "the tenant group (<databaseName>_tenants)", ["databaseName"]);
    const login = (key: "service" | "app" | "readonly") =>
        c.roles[key] !== undefined
            ? add("role", c.roles[key], `the ${key} role`, ["roles", key])
            : add("role", `${db}_${key}`, `the ${key} role (<databaseName>_${key})`, ["databaseName"]);
    login("service");
    login("app");
    if (c.readonlyRole) login("readonly");
    c.tenants.forEach((t, i) => {
        add("role", tenantRoleName(c.tenantRolePrefix, t.id), `tenant ${t.id}'s role`, ["tenants", i, "id"]);
    });

    add("schema", GUARD_SCHEMA, "the RLS guard's schema", [], false);
    // Reserved whether or not server.pooler is set now: setting it later must not collide either.
    add("schema", PGBOUNCER_AUTH_SCHEMA, "the pooler's lookup schema (server.pooler)", [], false);
    c.schemas.forEach((s, i) => add("schema", s, `app schema ${s}`, ["schemas", i]));
    c.tenants.forEach((t, i) => add("schema", tenantSchemaName(t.id), `tenant ${t.id}'s schema`, ["tenants", i, "id"]));
    return names;
}

/** The full config key a path names, as errors print it: `pgstack:tenants[2].id`. */
export function keyOf(path: readonly PropertyKey[]): string {
    let key = PROJECT_NAME;
    path.forEach((p, i) => {
        if (typeof p === "number") key += `[${p}]`;
        else key += i === 0 ? `:${String(p)}` : `.${String(p)}`;
    });
    return key;
}

/**
 * Reports every reserved, over-long or colliding name through `issue(path, message)`, at the key
 * that produced it (for a collision: the later of the two, naming the other's key).
 */
export function checkNames(c: NameSource, issue: (path: (string | number)[], message: string) => void): void {
    const names = stackNames(c);
    const reported = new Set<string>();
    const once = (path: (string | number)[], message: string) => {
        const k = `${keyOf(path)} ${message}`;
        if (!reported.has(k)) issue(path, message);
        reported.add(k);
    };
    names.forEach((n, i) => {
        if (n.path.length === 0) return; // the stack's own fixed names: only collided with
        const bytes = Buffer.byteLength(n.name, "utf8");
        if (bytes > MAX_IDENTIFIER_BYTES) {
            once(
                n.path,
                `${n.what} "${n.name}" is ${bytes} bytes; PostgreSQL cuts names to ${MAX_IDENTIFIER_BYTES}, ` +
                    "so every `up` after the first would fail: choose a shorter name",
            );
        }
        const reserved = n.created ? reservedBecause(n.kind, n.name) : undefined;
        if (reserved) once(n.path, `${n.what} "${n.name}" is reserved (${reserved})`);
        const earlier = names.slice(0, i).find((o) => o.kind === n.kind && o.name === n.name);
        if (earlier) {
            const where = earlier.path.length > 0 ? `, set by ${keyOf(earlier.path)}` : "";
            once(n.path, `${n.what} "${n.name}" is also ${earlier.what}${where}: the names must differ`);
        }
    });
}
