/**
 * The row-level-security guard: schema `pgstack` in the app database, owned by the admin so neither
 * the service nor the app role can redefine it, holding the contract migrations use (lib/sql.ts):
 * `pgstack.current_tenant_id()` and `pgstack.enable_tenant_rls(table)`. The roles that run queries
 * against guarded tables get USAGE on it.
 *
 * Kept when the stack lets go of the database: retained data's policies call these functions, so
 * dropping them would fail (RESTRICT) or break the policies.
 */
import * as postgresql from "@pulumi/postgresql";
import * as pulumi from "@pulumi/pulumi";
import { GUARD_SCHEMA } from "../../lib/naming";
import { currentTenantBody, enableTenantRlsBody } from "../../lib/sql";

export interface RlsGuardArgs {
    database: pulumi.Input<string>;
    /** The admin the provider connects as: the guard's owner. */
    adminRole: pulumi.Input<string>;
    tenantRolePrefix: string;
    /** The group enable_tenant_rls grants DML on each guarded table to (the access model's tenants group). */
    tenantsGroup: pulumi.Input<string>;
    /** Roles that get USAGE on the guard schema (one grant each, chained: same catalog row). */
    users: Record<string, pulumi.Input<string>>;
    retainOnDelete: boolean;
    after: pulumi.Resource[];
    provider: postgresql.Provider;
}

export class RlsGuard extends pulumi.ComponentResource {
    public readonly schemaName: pulumi.Output<string>;
    /** The last resource of the guard: what depends on the guard waits for it. */
    public readonly ready: pulumi.Resource;

    constructor(name: string, args: RlsGuardArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pgstack:access:RlsGuard", name, {}, opts);
        const child = { parent: this, provider: args.provider };
        const kept = { ...child, retainOnDelete: args.retainOnDelete };
        // A change to a function's returns, language or args replaces it; created before the old one
        // is dropped, CREATE FUNCTION of the same signature fails with "already exists".
        const fn = { ...kept, deleteBeforeReplace: true };

        const schema = new postgresql.Schema(
            `${name}-schema`,
            { name: GUARD_SCHEMA, database: args.database, owner: args.adminRole, ifNotExists: true },
            { ...kept, dependsOn: args.after },
        );
        const currentTenant = new postgresql.Function(
            `${name}-current-tenant-id`,
            {
                database: args.database,
                schema: schema.name,
                name: "current_tenant_id",
                returns: "text",
                language: "sql",
                volatility: "STABLE",
                body: currentTenantBody(args.tenantRolePrefix),
            },
            fn,
        );
        let last: pulumi.Resource = new postgresql.Function(
            `${name}-enable-tenant-rls`,
            {
                database: args.database,
                schema: schema.name,
                name: "enable_tenant_rls",
                args: [
                    { name: "target", type: "regclass" },
                    // PostgreSQL prints the default back as 'tenant_id'::text, and Read stores what it
                    // prints: anything else is an update on every `up`.
                    { name: "tenant_column", type: "text", default: "'tenant_id'::text" },
                ],
                returns: "void",
                language: "plpgsql",
                body: pulumi.output(args.tenantsGroup).apply((g) => enableTenantRlsBody(GUARD_SCHEMA, g)),
            },
            { ...fn, dependsOn: [currentTenant] },
        );
        for (const [key, role] of Object.entries(args.users)) {
            last = new postgresql.Grant(
                `${name}-usage-${key}`,
                { database: args.database, schema: schema.name, role, objectType: "schema", privileges: ["USAGE"] },
                { ...child, dependsOn: [last] },
            );
        }
        this.schemaName = schema.name;
        this.ready = last;
        this.registerOutputs({ schemaName: this.schemaName });
    }
}
