/**
 * The access model: from the roles, schemas and tenants a stack declares to the roles, memberships,
 * grants and revokes the server must end up with, as plain data. Every promise of the README section
 * "What the access layer promises" is decided here, in one pure function (`accessModel`), and tested
 * promise by promise in test/lib/accessModel.test.ts; the components in components/access/ only turn
 * this data into resources.
 *
 * Conventions of the data:
 * - a grant to role `public` with no privileges takes PUBLIC's privileges away (a revoke);
 * - `kind: "grant"` is on what exists now (GRANT … ON SCHEMA / ON DATABASE / ON ALL … IN SCHEMA),
 *   `kind: "default"` on what `owner` creates later (ALTER DEFAULT PRIVILEGES FOR ROLE owner …);
 * - lists are in the order the server must see them: grants on one catalog row (a schema, a
 *   database's ACL) are applied one after the other, because concurrent updates of one row fail with
 *   "tuple concurrently updated".
 */
import { connectGroupName, GUARD_SCHEMA, tenantRoleName, tenantSchemaName, tenantsGroupName } from "./naming";

export type TenantAccess = "login" | "setrole" | "both";

/** What a stack declares (the parsed `pgstack:` config, narrowed to what decides access). */
export interface AccessDeclaration {
    databaseName: string;
    roles: { service: string; app: string; readonly?: string };
    /** The app schemas. */
    schemas: string[];
    tenants: { id: string; connectionLimit: number; reclaimKeptObjects: boolean }[];
    tenantRolePrefix: string;
    tenantAccess: TenantAccess;
    /** App schemas after tenant_<id> in a tenant's search_path. */
    tenantSearchPath: string[];
    /** The database the admin connects to besides the app database (postgres unless configured). */
    maintenanceDatabase: string;
}

/** A role and its attributes, as the postgresql provider's Role takes them (password apart). */
export interface WantedRole {
    /** Stable key resources are named by: service, app, readonly, connect-group, tenants-group, tenant-<id>. */
    key: string;
    name: string;
    /** A group carries rights for its members; it never logs in and is a member of nothing. */
    kind: "login" | "group" | "tenant";
    login: boolean;
    superuser: false;
    createDatabase: false;
    createRole: false;
    replication: false;
    bypassRowLevelSecurity: false;
    /** Whether it uses the rights of the roles it is a member of without SET ROLE. */
    inherit: boolean;
    /** The roles it is a member of. */
    memberOf: string[];
    /** Its search_path (groups have none). */
    searchPath?: string[];
    /** idle_in_transaction_session_timeout in ms, for the roles applications and tenants log in as. */
    idleInTransactionSessionTimeout?: number;
    connectionLimit?: number;
    /** Whether the role gets a generated password (and a DSN). */
    password: boolean;
    /** Kept when the stack lets go of it: it owns the data, which is kept too. */
    keepOnDelete: boolean;
}

export type ObjectType = "database" | "schema" | "table" | "sequence" | "function";

/** One privilege statement: `privileges` of `role` on `objectType` objects (empty: none at all). */
export interface WantedGrant {
    /** Unique within its list; resources are named by it. */
    key: string;
    kind: "grant" | "default";
    database: string;
    schema?: string;
    objectType: ObjectType;
    role: string;
    privileges: string[];
    /** Default privileges: the role whose future objects they apply to. */
    owner?: string;
}

export interface WantedSchema {
    name: string;
    owner: string;
    /** Grants and revokes on the schema and what is (or will be) in it, in order. */
    grants: WantedGrant[];
}

export interface WantedTenant {
    id: string;
    /** The tenant role's key in `roles`. */
    roleKey: string;
    schema: WantedSchema;
}

export interface AccessModel {
    /** Every role, in an order where a role comes after the roles it is a member of. */
    roles: WantedRole[];
    database: {
        name: string;
        owner: string;
        /**
         * What PUBLIC loses database-wide, in order: CONNECT and TEMPORARY on the app database and on the
         * databases every role reaches by default, EXECUTE on functions the owner creates later, CREATE on `public`.
         */
        revokes: WantedGrant[];
        /** CONNECT on the app database, one after the other (one ACL row). */
        connect: WantedGrant[];
    };
    appSchemas: WantedSchema[];
    tenants: WantedTenant[];
    /** The row-level-security guard's schema and the roles that may use it (key: what its grant is named by). */
    guard: { schema: string; usage: { key: string; role: string }[] };
}

/** Session limits of the roles applications and tenants log in as (5 minutes idle in a transaction). */
export const IDLE_IN_TRANSACTION_TIMEOUT_MS = 300_000;

/** The privilege levels a role can hold on a schema. */
export type AccessLevel = "readwrite" | "readonly" | "tenants";

/** Privileges per object type and level: the single source of what "app" and "read-only" mean. */
export const PRIVILEGES: Record<AccessLevel, { table: string[]; sequence: string[]; function: string[] }> = {
    readwrite: {
        table: ["SELECT", "INSERT", "UPDATE", "DELETE"],
        sequence: ["USAGE", "SELECT"],
        function: ["EXECUTE"],
    },
    readonly: { table: ["SELECT"], sequence: ["SELECT"], function: [] },
    // The tenants group on the app schemas: sequences only. Its table rights come per table from
    // enable_tenant_rls (lib/sql.ts), so a shared table a migration forgot to guard stays closed to
    // tenants instead of open to all of them.
    tenants: { table: [], sequence: ["USAGE", "SELECT"], function: [] },
};

const NOT_PRIVILEGED = {
    superuser: false,
    createDatabase: false,
    createRole: false,
    replication: false,
    bypassRowLevelSecurity: false,
} as const;

/**
 * The grants one role holds on one schema, in the order they are applied: USAGE; then (existingObjects)
 * the privileges on what the schema holds now, and default privileges on what `owner` creates later.
 * `existingObjects` is true for the app schemas, which a stack may adopt with tables in them, and false
 * for a tenant schema: the stack creates it empty, so default privileges carry everything migrations
 * add, and a tenant id used again gets no rights on the tables its kept schema still holds.
 */
export function schemaGrants(a: {
    database: string;
    schema: string;
    role: string;
    owner: string;
    level: AccessLevel;
    existingObjects: boolean;
    /** Prefix of the keys (several roles' grants on one schema share a list). */
    keyPrefix?: string;
}): WantedGrant[] {
    const p = PRIVILEGES[a.level];
    const on = { database: a.database, schema: a.schema, role: a.role };
    const key = (k: string) => (a.keyPrefix ? `${a.keyPrefix}-${k}` : k);
    const now = (k: string, objectType: ObjectType, privileges: string[]): WantedGrant => ({
        key: key(k),
        kind: "grant",
        ...on,
        objectType,
        privileges,
    });
    const later = (k: string, objectType: ObjectType, privileges: string[]): WantedGrant => ({
        key: key(k),
        kind: "default",
        ...on,
        objectType,
        privileges,
        owner: a.owner,
    });
    const out: WantedGrant[] = [now("usage", "schema", ["USAGE"])];
    if (a.existingObjects) {
        if (p.table.length > 0) out.push(now("tables", "table", p.table));
        out.push(now("sequences", "sequence", p.sequence));
    }
    if (p.table.length > 0) out.push(later("default-tables", "table", p.table));
    out.push(later("default-sequences", "sequence", p.sequence));
    if (p.function.length > 0) {
        if (a.existingObjects) out.push(now("functions", "function", p.function));
        out.push(later("default-functions", "function", p.function));
    }
    return out;
}

/** The wanted roles, memberships, grants and revokes of a declared stack. */
export function accessModel(d: AccessDeclaration): AccessModel {
    const db = d.databaseName;
    const service = d.roles.service;
    const connectGroup = connectGroupName(db);
    const tenantsGroup = tenantsGroupName(db);
    const tenantRoles = d.tenants.map((t) => tenantRoleName(d.tenantRolePrefix, t.id));

    const group = (key: string, name: string): WantedRole => ({
        key,
        name,
        kind: "group",
        login: false,
        ...NOT_PRIVILEGED,
        inherit: true,
        memberOf: [],
        password: false,
        keepOnDelete: false,
    });
    const roles: WantedRole[] = [
        // Owns the database and every object migrations create, so it goes when the data goes, not
        // before: DROP ROLE of an owner fails, and REASSIGN OWNED would hand the data to whoever runs
        // the destroy. CONNECT is its own as the owner.
        {
            key: "service",
            name: service,
            kind: "login",
            login: true,
            ...NOT_PRIVILEGED,
            inherit: true,
            memberOf: [],
            searchPath: d.schemas,
            password: true,
            keepOnDelete: true,
        },
        // CONNECT and USAGE on the guard schema, for tenants and the read-only role.
        group("connect-group", connectGroup),
        // USAGE on the app schemas and DML on each shared table enable_tenant_rls guards, for tenants.
        group("tenants-group", tenantsGroup),
        ...d.tenants.map((t, i): WantedRole => ({
            key: `tenant-${t.id}`,
            name: tenantRoles[i],
            kind: "tenant",
            login: d.tenantAccess !== "setrole",
            ...NOT_PRIVILEGED,
            inherit: true,
            memberOf: [connectGroup, tenantsGroup],
            // Names resolve in the tenant's own schema, then the app schemas, never through `public`.
            searchPath: [tenantSchemaName(t.id), ...d.tenantSearchPath],
            idleInTransactionSessionTimeout: IDLE_IN_TRANSACTION_TIMEOUT_MS,
            connectionLimit: t.connectionLimit,
            password: d.tenantAccess !== "setrole",
            keepOnDelete: false,
        })),
        // NOINHERIT: it holds only its own grants. A member of the tenant roles it may SET ROLE to, it
        // gets none of their rights until it does (PostgreSQL 15: the role attribute; 16+: new grants
        // default to INHERIT FALSE from it, SET TRUE). So its CONNECT is granted to it directly, not
        // through the connect group, which it would not inherit.
        {
            key: "app",
            name: d.roles.app,
            kind: "login",
            login: true,
            ...NOT_PRIVILEGED,
            inherit: false,
            memberOf: d.tenantAccess === "login" ? [] : tenantRoles,
            searchPath: d.schemas,
            idleInTransactionSessionTimeout: IDLE_IN_TRANSACTION_TIMEOUT_MS,
            password: true,
            keepOnDelete: false,
        },
    ];
    if (d.roles.readonly) {
        roles.push({
            key: "readonly",
            name: d.roles.readonly,
            kind: "login",
            login: true,
            ...NOT_PRIVILEGED,
            inherit: true,
            memberOf: [connectGroup],
            searchPath: d.schemas,
            idleInTransactionSessionTimeout: IDLE_IN_TRANSACTION_TIMEOUT_MS,
            password: true,
            keepOnDelete: false,
        });
    }

    const revokeAll = (key: string, database: string): WantedGrant => ({
        key,
        kind: "grant",
        database,
        objectType: "database",
        role: "public",
        privileges: [],
    });
    const lockedDatabases = [...new Set([d.maintenanceDatabase, "template1"])];
    const database: AccessModel["database"] = {
        name: db,
        owner: service,
        revokes: [
            revokeAll("revoke-public", db),
            // "Never CREATE or TEMPORARY" must hold outside the app database too: otherwise every role
            // (tenants included) can connect to the maintenance database and create TEMP tables there.
            ...lockedDatabases.map((other) => revokeAll(`revoke-public-${other}`, other)),
            // PostgreSQL gives PUBLIC EXECUTE on every new function, so a read-only role could run a
            // writing SECURITY DEFINER function a migration adds. Taken back for everything the service
            // role creates, in every schema (a per-schema default cannot revoke the global one); the app
            // and tenant roles get EXECUTE back per schema.
            {
                key: "no-public-execute",
                kind: "default",
                database: db,
                objectType: "function",
                role: "public",
                privileges: [],
                owner: service,
            },
            // PUBLIC keeps USAGE on `public` (extensions live there) but not CREATE.
            {
                key: "public-schema-lockdown",
                kind: "grant",
                database: db,
                schema: "public",
                objectType: "schema",
                role: "public",
                privileges: ["USAGE"],
            },
        ],
        connect: [
            {
                key: "connect",
                kind: "grant",
                database: db,
                objectType: "database",
                role: connectGroup,
                privileges: ["CONNECT"],
            },
            {
                key: "app-connect",
                kind: "grant",
                database: db,
                objectType: "database",
                role: d.roles.app,
                privileges: ["CONNECT"],
            },
        ],
    };

    const appSchemas = d.schemas.map((schema): WantedSchema => ({
        name: schema,
        owner: service,
        grants: [
            // Functions that already exist in an adopted schema lose PUBLIC's EXECUTE too; the app's
            // EXECUTE grant rewrites the same ACLs, so it comes after.
            {
                key: "no-public-execute",
                kind: "grant",
                database: db,
                schema,
                objectType: "function",
                role: "public",
                privileges: [],
            },
            ...schemaGrants({
                database: db,
                schema,
                role: d.roles.app,
                owner: service,
                level: "readwrite",
                existingObjects: true,
                keyPrefix: "app",
            }),
            ...(d.roles.readonly
                ? schemaGrants({
                      database: db,
                      schema,
                      role: d.roles.readonly,
                      owner: service,
                      level: "readonly",
                      existingObjects: true,
                      keyPrefix: "readonly",
                  })
                : []),
            // Tenants: USAGE and sequences here; each shared table's DML comes with enable_tenant_rls.
            ...schemaGrants({
                database: db,
                schema,
                role: tenantsGroup,
                owner: service,
                level: "tenants",
                existingObjects: true,
                keyPrefix: "tenants",
            }),
        ],
    }));

    const tenants = d.tenants.map((t, i): WantedTenant => {
        const schema = tenantSchemaName(t.id);
        return {
            id: t.id,
            roleKey: `tenant-${t.id}`,
            schema: {
                name: schema,
                owner: service,
                // Its own schema only: USAGE and default privileges on what the service role creates
                // there; the objects a kept schema already holds only when its config entry reclaims them.
                grants: schemaGrants({
                    database: db,
                    schema,
                    role: tenantRoles[i],
                    owner: service,
                    level: "readwrite",
                    existingObjects: t.reclaimKeptObjects,
                }),
            },
        };
    });

    return {
        roles,
        database,
        appSchemas,
        tenants,
        guard: {
            schema: GUARD_SCHEMA,
            usage: [
                { key: "connect", role: connectGroup },
                { key: "service", role: service },
                { key: "app", role: d.roles.app },
                // A tenant that SETs ROLE to the group still runs the policies' current_tenant_id().
                { key: "tenants", role: tenantsGroup },
            ],
        },
    };
}
