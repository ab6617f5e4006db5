/**
 * One tenant: schema `tenant_<id>` owned by the service role, a login role `<prefix><id>` that may
 * use that schema and no other, default privileges for what migrations add later, and its DSN.
 * Removing a tenant from config revokes its role but keeps its schema and rows (retainOnDelete).
 */
import * as postgresql from "@pulumi/postgresql";
import * as pulumi from "@pulumi/pulumi";
import type { SslMode, TenantConfig } from "../config/schema";
import { secretDsn } from "../lib/dsn";
import { tenantRoleName, tenantSchemaName } from "../lib/naming";
import type { DataProtection } from "./database";
import { rotatingPassword, rotationKeepers } from "./passwords";
import { LEAST_PRIVILEGE, SESSION_LIMITS } from "./roles";
import { grantSchemaAccess } from "./schemaAccess";
import type { ServerEndpoint } from "./server";

export interface TenantArgs {
    tenant: TenantConfig;
    rolePrefix: string;
    database: pulumi.Input<string>;
    serviceRole: pulumi.Input<string>;
    connectGroup: pulumi.Input<string>;
    globalSeed: string;
    sslmode: SslMode;
    endpoint: ServerEndpoint;
    protection: DataProtection;
    /** Database-wide setup the tenant's grants wait for. */
    after: pulumi.Resource[];
}

export class Tenant extends pulumi.ComponentResource {
    public readonly schemaName: pulumi.Output<string>;
    public readonly roleName: pulumi.Output<string>;
    /** Secret. */
    public readonly databaseUrl: pulumi.Output<string>;

    constructor(name: string, args: TenantArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pgstack:access:Tenant", name, {}, opts);
        const provider = args.endpoint.provider;
        const t = args.tenant;

        const password = rotatingPassword(`${name}-password`, rotationKeepers(args.globalSeed, t.seed), {
            parent: this,
        });
        const role = new postgresql.Role(
            `${name}-role`,
            {
                ...LEAST_PRIVILEGE,
                name: tenantRoleName(args.rolePrefix, t.id),
                login: true,
                password: password.result,
                connectionLimit: t.connectionLimit,
                roles: [args.connectGroup],
                // S9: names resolve in the tenant's own schema, never through `public`.
                searchPaths: [tenantSchemaName(t.id)],
                ...SESSION_LIMITS,
            },
            { parent: this, provider },
        );
        const schema = new postgresql.Schema(
            `${name}-schema`,
            { name: tenantSchemaName(t.id), database: args.database, owner: args.serviceRole, ifNotExists: true },
            {
                parent: this,
                provider,
                retainOnDelete: args.protection.retainOnDelete,
                protect: args.protection.protect,
            },
        );
        grantSchemaAccess(`${name}-access`, {
            database: args.database,
            schema: schema.name,
            role: role.name,
            owner: args.serviceRole,
            level: "readwrite",
            provider,
            parent: this,
            after: args.after,
        });

        this.schemaName = schema.name;
        this.roleName = role.name;
        this.databaseUrl = secretDsn({
            user: role.name,
            password: password.result,
            host: args.endpoint.appHost,
            port: args.endpoint.appPort,
            database: args.database,
            sslmode: args.sslmode,
            sslrootcert: args.endpoint.caCertPath,
        });
        this.registerOutputs({ schemaName: this.schemaName, roleName: this.roleName, databaseUrl: this.databaseUrl });
    }
}
