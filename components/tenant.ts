/**
 * One tenant: a role `<prefix><id>` and schema `tenant_<id>` owned by the service role, which the
 * tenant's role may use and no other schema, default privileges for what migrations add later, and
 * (login access) its own password and DSN.
 *
 * Access modes (`pgstack:tenantAccess`): `login`, the tenant's application logs in as the role;
 * `setrole`, the role is NOLOGIN and the shared app role's pool runs `SET ROLE <prefix><id>` on
 * checkout; `both`.
 *
 * Two steps, because the app role's memberships name the tenant roles and the schema grants wait for
 * the database: the constructor creates the role, `provisionSchema` the schema and its grants.
 * Removing a tenant from config drops its role (in the app database, so nothing it owns there blocks
 * it) but keeps its schema and rows (retainOnDelete).
 */
import * as postgresql from "@pulumi/postgresql";
import * as pulumi from "@pulumi/pulumi";
import type { DataProtection, SslMode, TenantAccess, TenantConfig } from "../config/schema";
import { secretDsn } from "../lib/dsn";
import { tenantRoleName, tenantSchemaName } from "../lib/naming";
import { rotatingPassword, rotationKeepers } from "./passwords";
import { LEAST_PRIVILEGE, SESSION_LIMITS } from "./roles";
import { grantSchemaAccess } from "./schemaAccess";
import type { ServerEndpoint } from "./server/endpoint";

export interface TenantArgs {
    tenant: TenantConfig;
    rolePrefix: string;
    access: TenantAccess;
    /** The group carrying CONNECT and the RLS guard's USAGE. */
    connectGroup: pulumi.Input<string>;
    /** The group carrying USAGE on the app schemas and DML on guarded shared tables (roles.ts). */
    tenantsGroup: pulumi.Input<string>;
    /** App schemas after tenant_<id> in the role's search_path. */
    searchPath: string[];
    globalSeed: string;
    sslmode: SslMode;
    endpoint: ServerEndpoint;
    database: pulumi.Input<string>;
    /** The provider connected to the app database (see LoginArgs.provider in roles.ts). */
    provider: postgresql.Provider;
}

export interface TenantSchemaArgs {
    serviceRole: pulumi.Input<string>;
    protection: DataProtection;
    /** Database-wide setup the tenant's grants wait for. */
    after: pulumi.Resource[];
}

export class Tenant extends pulumi.ComponentResource {
    public readonly roleName: pulumi.Output<string>;
    /** Set by provisionSchema. */
    public schemaName!: pulumi.Output<string>;
    /** Secret; only with login access. */
    public readonly databaseUrl?: pulumi.Output<string>;
    private readonly args: TenantArgs;
    private readonly baseName: string;

    constructor(name: string, args: TenantArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pgstack:access:Tenant", name, {}, opts);
        this.args = args;
        this.baseName = name;
        const t = args.tenant;
        const canLogin = args.access !== "setrole";

        const password = canLogin
            ? rotatingPassword(`${name}-password`, rotationKeepers(args.globalSeed, t.seed), { parent: this })
            : undefined;
        const role = new postgresql.Role(
            `${name}-role`,
            {
                ...LEAST_PRIVILEGE,
                ...SESSION_LIMITS,
                name: tenantRoleName(args.rolePrefix, t.id),
                login: canLogin,
                password: password?.result,
                connectionLimit: t.connectionLimit,
                roles: [args.connectGroup, args.tenantsGroup],
                // S9: names resolve in the tenant's own schema, then the app schemas, never through `public`.
                searchPaths: [tenantSchemaName(t.id), ...args.searchPath],
            },
            { parent: this, provider: args.provider },
        );
        this.roleName = role.name;
        if (password) {
            this.databaseUrl = secretDsn({
                user: role.name,
                password: password.result,
                host: args.endpoint.appHost,
                port: args.endpoint.appPort,
                database: args.database,
                sslmode: args.sslmode,
                sslrootcert: args.endpoint.caCertPath,
            });
        }
    }

    provisionSchema(a: TenantSchemaArgs): void {
        const name = this.baseName;
        const provider = this.args.provider;
        const schema = new postgresql.Schema(
            `${name}-schema`,
            {
                name: tenantSchemaName(this.args.tenant.id),
                database: this.args.database,
                owner: a.serviceRole,
                ifNotExists: true,
            },
            { parent: this, provider, retainOnDelete: a.protection.retainOnDelete, protect: a.protection.protect },
        );
        grantSchemaAccess(`${name}-access`, {
            database: this.args.database,
            schema: schema.name,
            role: this.roleName,
            owner: a.serviceRole,
            level: "readwrite",
            provider,
            parent: this,
            after: a.after,
            // S6: a tenant id used again gets no rights on the tables its kept schema still holds,
            // unless its config entry says they are its own (reclaimKeptObjects).
            existingObjects: this.args.tenant.reclaimKeptObjects,
        });
        this.schemaName = schema.name;
        this.registerOutputs({ schemaName: this.schemaName, roleName: this.roleName, databaseUrl: this.databaseUrl });
    }
}
