/**
 * The application database and everything database-wide: owned by the service role; CONNECT and
 * TEMP taken from PUBLIC and given to the stack's connect group only; no CREATE for PUBLIC on the
 * `public` schema; extensions; the app schemas with the app and read-only grants; and the guard
 * schema holding the row-level-security contract (see lib/sql.ts).
 */
import * as postgresql from "@pulumi/postgresql";
import * as pulumi from "@pulumi/pulumi";
import { GUARD_SCHEMA } from "../config/schema";
import { currentTenantBody, enableTenantRlsBody } from "../lib/sql";
import { grantSchemaAccess } from "./schemaAccess";

export interface DataProtection {
    retainOnDelete: boolean;
    protect: boolean;
}

export interface AppDatabaseArgs {
    name: string;
    /** Role names; Inputs so the database waits for the roles. */
    serviceRole: pulumi.Input<string>;
    appRole: pulumi.Input<string>;
    readonlyRole?: pulumi.Input<string>;
    connectGroup: pulumi.Input<string>;
    /** The admin the provider connects as: owns the guard schema and its functions. */
    adminRole: pulumi.Input<string>;
    /** Databases every role can reach by default (the maintenance database, template1): PUBLIC loses CONNECT. */
    lockedDatabases: string[];
    schemas: string[];
    extensions: string[];
    tenantRolePrefix: string;
    protection: DataProtection;
    provider: postgresql.Provider;
}

export class AppDatabase extends pulumi.ComponentResource {
    public readonly name: pulumi.Output<string>;
    public readonly schemas: pulumi.Output<string[]>;
    /** Resolves once the database-wide setup (grants, guard) exists: tenants wait for it. */
    public readonly ready: pulumi.Resource[];

    constructor(name: string, args: AppDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pgstack:access:AppDatabase", name, {}, opts);
        const provider = args.provider;
        const child = { parent: this, provider };

        const db = new postgresql.Database(
            `${name}-database`,
            { name: args.name, owner: args.serviceRole, allowConnections: true, isTemplate: false },
            { ...child, retainOnDelete: args.protection.retainOnDelete, protect: args.protection.protect },
        );
        this.name = db.name;

        // Database ACL changes update one catalog row: chain them.
        const noPublicConnect = new postgresql.Grant(
            `${name}-revoke-public`,
            { database: db.name, role: "public", objectType: "database", privileges: [] },
            child,
        );
        const groupConnect = new postgresql.Grant(
            `${name}-connect`,
            { database: db.name, role: args.connectGroup, objectType: "database", privileges: ["CONNECT"] },
            { ...child, dependsOn: [noPublicConnect] },
        );
        // S5: "never CREATE or TEMPORARY" must hold outside the app database too: without this every
        // role (tenants included) can connect to the maintenance database and create TEMP tables there.
        for (const other of args.lockedDatabases) {
            new postgresql.Grant(
                `${name}-revoke-public-${other}`,
                { database: other, role: "public", objectType: "database", privileges: [] },
                child,
            );
        }
        // S2: PostgreSQL gives PUBLIC EXECUTE on every new function, so a "read-only" role could run a
        // writing SECURITY DEFINER function a migration adds. Take it back for everything the service
        // role creates, in every schema (a per-schema default cannot revoke the global one). The app
        // and tenant roles get EXECUTE back per schema (schemaAccess.ts).
        const noPublicExecute = new postgresql.DefaultPrivileges(
            `${name}-no-public-execute`,
            { database: db.name, role: "public", owner: args.serviceRole, objectType: "function", privileges: [] },
            child,
        );
        const publicSchema = new postgresql.Grant(
            `${name}-public-schema-lockdown`,
            { database: db.name, role: "public", schema: "public", objectType: "schema", privileges: ["USAGE"] },
            child,
        );

        const extensions = args.extensions.map(
            (ext) => new postgresql.Extension(`${name}-ext-${ext}`, { name: ext, database: db.name }, child),
        );

        const ready: pulumi.Resource[] = [groupConnect, publicSchema, noPublicExecute, ...extensions];
        const schemas = args.schemas.map((schemaName) => {
            const schema = new postgresql.Schema(
                `${name}-schema-${schemaName}`,
                { name: schemaName, database: db.name, owner: args.serviceRole, ifNotExists: true },
                { ...child, retainOnDelete: args.protection.retainOnDelete, protect: args.protection.protect },
            );
            // S2 for functions that already exist in an adopted schema.
            const schemaNoPublicExecute = new postgresql.Grant(
                `${name}-${schemaName}-no-public-execute`,
                { database: db.name, schema: schema.name, role: "public", objectType: "function", privileges: [] },
                child,
            );
            ready.push(schemaNoPublicExecute);
            const appGrants = grantSchemaAccess(`${name}-${schemaName}-app`, {
                database: db.name,
                schema: schema.name,
                role: args.appRole,
                owner: args.serviceRole,
                level: "readwrite",
                provider,
                parent: this,
            });
            ready.push(...appGrants);
            if (args.readonlyRole) {
                ready.push(
                    ...grantSchemaAccess(`${name}-${schemaName}-readonly`, {
                        database: db.name,
                        schema: schema.name,
                        role: args.readonlyRole,
                        owner: args.serviceRole,
                        level: "readonly",
                        provider,
                        parent: this,
                        after: [appGrants[appGrants.length - 1]],
                    }),
                );
            }
            return schema.name;
        });

        // The row-level-security contract: owned by the admin, so neither the service nor the app
        // role can redefine it; usable by every role of the connect group. Kept when the stack
        // lets go of the database (retained data's policies call these functions: dropping them
        // would fail, RESTRICT, or break the policies).
        const kept = { ...child, retainOnDelete: args.protection.retainOnDelete };
        const guard = new postgresql.Schema(
            `${name}-guard-schema`,
            { name: GUARD_SCHEMA, database: db.name, owner: args.adminRole, ifNotExists: true },
            kept,
        );
        const currentTenant = new postgresql.Function(
            `${name}-current-tenant-id`,
            {
                database: db.name,
                schema: guard.name,
                name: "current_tenant_id",
                returns: "text",
                language: "sql",
                volatility: "STABLE",
                body: currentTenantBody(args.tenantRolePrefix),
            },
            kept,
        );
        const enableRls = new postgresql.Function(
            `${name}-enable-tenant-rls`,
            {
                database: db.name,
                schema: guard.name,
                name: "enable_tenant_rls",
                args: [
                    { name: "target", type: "regclass" },
                    // PostgreSQL prints the default back as 'tenant_id'::text; anything else is an update on
                    // every `up` (review D3).
                    { name: "tenant_column", type: "text", default: "'tenant_id'::text" },
                ],
                returns: "void",
                language: "plpgsql",
                body: enableTenantRlsBody(GUARD_SCHEMA),
            },
            { ...kept, dependsOn: [currentTenant] },
        );
        const guardUsage = new postgresql.Grant(
            `${name}-guard-usage`,
            {
                database: db.name,
                schema: guard.name,
                role: args.connectGroup,
                objectType: "schema",
                privileges: ["USAGE"],
            },
            { ...child, dependsOn: [enableRls] },
        );
        const serviceGuardUsage = new postgresql.Grant(
            `${name}-guard-usage-service`,
            {
                database: db.name,
                schema: guard.name,
                role: args.serviceRole,
                objectType: "schema",
                privileges: ["USAGE"],
            },
            { ...child, dependsOn: [guardUsage] },
        );
        ready.push(serviceGuardUsage);

        this.schemas = pulumi.all(schemas);
        this.ready = ready;
        this.registerOutputs({ name: this.name, schemas: this.schemas });
    }
}
