/**
 * One tenant's schema `tenant_<id>`, owned by the service role, and its role's grants there (access
 * model: `tenants`): USAGE and default privileges on what migrations add later. The tenant's role is
 * made with the other roles (roles.ts), because the app role's memberships name it.
 *
 * Removing a tenant from config drops its role but keeps its schema and rows (retainOnDelete).
 */
import * as postgresql from "@pulumi/postgresql";
import * as pulumi from "@pulumi/pulumi";
import type { DataProtection } from "../../config/schema";
import type { WantedTenant } from "../../lib/accessModel";
import { grantResources, NameRefs } from "./grants";

export interface TenantArgs {
    tenant: WantedTenant;
    /** The database's name in the model, and the Output of its resource. */
    databaseName: string;
    database: pulumi.Input<string>;
    /** Outputs of the roles the grants name: the tenant's role and the service role. */
    roles: NameRefs;
    protection: DataProtection;
    /** Database-wide setup the tenant's grants wait for. */
    after: pulumi.Resource[];
    /** The provider connected to the app database. */
    provider: postgresql.Provider;
}

export class Tenant extends pulumi.ComponentResource {
    public readonly schemaName: pulumi.Output<string>;

    constructor(name: string, args: TenantArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pgstack:access:Tenant", name, {}, opts);
        const provider = args.provider;
        const s = args.tenant.schema;
        const schema = new postgresql.Schema(
            `${name}-schema`,
            { name: s.name, database: args.database, owner: args.roles[s.owner] ?? s.owner, ifNotExists: true },
            {
                parent: this,
                provider,
                retainOnDelete: args.protection.retainOnDelete,
                protect: args.protection.protect,
            },
        );
        grantResources(s.grants, {
            nameOf: (g) => `${name}-access-${g.key}`,
            roles: args.roles,
            schemas: { [s.name]: schema.name },
            databases: { [args.databaseName]: args.database },
            provider,
            parent: this,
            after: args.after,
        });
        this.schemaName = schema.name;
        this.registerOutputs({ schemaName: this.schemaName });
    }
}
