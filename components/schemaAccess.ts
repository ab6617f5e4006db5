/**
 * The grants one role holds on one schema, for objects that exist now (GRANT … ON ALL … IN SCHEMA)
 * and for objects the owner creates later (ALTER DEFAULT PRIVILEGES), so a table added by a
 * migration is usable at once.
 *
 * Grants are chained one after another: PostgreSQL updates the same catalog row for grants on the
 * same schema or default-ACL entry, and concurrent updates fail with "tuple concurrently updated".
 */
import * as postgresql from "@pulumi/postgresql";
import * as pulumi from "@pulumi/pulumi";

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

export interface SchemaAccessArgs {
    database: pulumi.Input<string>;
    schema: pulumi.Input<string>;
    role: pulumi.Input<string>;
    /** The role that creates objects in the schema (the service role): default privileges follow it. */
    owner: pulumi.Input<string>;
    level: AccessLevel;
    provider: postgresql.Provider;
    parent: pulumi.Resource;
    /** Resources these grants must wait for (e.g. another role's grants on the same schema). */
    after?: pulumi.Resource[];
    /**
     * Also grant on the objects the schema already holds (GRANT … ON ALL … IN SCHEMA). True for the
     * app schemas, which a stack may adopt with tables in them. False for a tenant schema: the stack
     * creates it empty, so default privileges carry everything migrations add, and a tenant id that
     * is used again gets no rights on the tables its retained schema still holds (review S6).
     */
    existingObjects: boolean;
}

/**
 * Creates the grants, chained one after another; returns them all (the last one is what callers that
 * chain further grants wait for). Per schema: USAGE, then default privileges on tables, sequences and
 * functions the owner creates later, plus (existingObjects) the same on what is there now.
 */
export function grantSchemaAccess(name: string, a: SchemaAccessArgs): pulumi.Resource[] {
    const created: pulumi.Resource[] = [];
    const opts = (): pulumi.CustomResourceOptions => ({
        parent: a.parent,
        provider: a.provider,
        dependsOn: created.length > 0 ? [created[created.length - 1]] : (a.after ?? []),
    });
    const p = PRIVILEGES[a.level];
    const common = { database: a.database, schema: a.schema, role: a.role };

    created.push(
        new postgresql.Grant(`${name}-usage`, { ...common, objectType: "schema", privileges: ["USAGE"] }, opts()),
    );
    if (a.existingObjects) {
        if (p.table.length > 0) {
            created.push(
                new postgresql.Grant(`${name}-tables`, { ...common, objectType: "table", privileges: p.table }, opts()),
            );
        }
        created.push(
            new postgresql.Grant(
                `${name}-sequences`,
                { ...common, objectType: "sequence", privileges: p.sequence },
                opts(),
            ),
        );
    }
    if (p.table.length > 0) {
        created.push(
            new postgresql.DefaultPrivileges(
                `${name}-default-tables`,
                { ...common, owner: a.owner, objectType: "table", privileges: p.table },
                opts(),
            ),
        );
    }
    created.push(
        new postgresql.DefaultPrivileges(
            `${name}-default-sequences`,
            { ...common, owner: a.owner, objectType: "sequence", privileges: p.sequence },
            opts(),
        ),
    );
    if (p.function.length > 0) {
        if (a.existingObjects) {
            created.push(
                new postgresql.Grant(
                    `${name}-functions`,
                    { ...common, objectType: "function", privileges: p.function },
                    opts(),
                ),
            );
        }
        created.push(
            new postgresql.DefaultPrivileges(
                `${name}-default-functions`,
                { ...common, owner: a.owner, objectType: "function", privileges: p.function },
                opts(),
            ),
        );
    }
    return created;
}
