/**
 * The application database and everything database-wide: owned by the service role; CONNECT and
 * TEMP taken from PUBLIC (here and on the maintenance databases) and given to the stack's connect
 * group and the app role only; no CREATE for PUBLIC on the `public` schema; no EXECUTE for PUBLIC on
 * functions migrations create; extensions; the app schemas with the app and read-only grants.
 *
 * Two steps, because the app role is created after the tenant roles it may become, which are created
 * in this database: the constructor creates the database and what needs no app role,
 * `grantAppRoles` the app schemas and the app and read-only grants.
 */
import * as postgresql from "@pulumi/postgresql";
import * as pulumi from "@pulumi/pulumi";
import type { DataProtection } from "../config/schema";
import { grantSchemaAccess } from "./schemaAccess";

export interface AppDatabaseArgs {
    name: string;
    /** Role names; Inputs so the database waits for the roles. */
    serviceRole: pulumi.Input<string>;
    /** Databases every role can reach by default (the maintenance database, template1): PUBLIC loses CONNECT. */
    lockedDatabases: string[];
    extensions: string[];
    protection: DataProtection;
    /**
     * The admin, when it is not a superuser (an RDS master user): it becomes a member of the service
     * role, see the constructor.
     */
    nonSuperuserAdmin?: pulumi.Input<string>;
    /** The admin provider (maintenance database). */
    provider: postgresql.Provider;
}

export interface AppGrantsArgs {
    connectGroup: pulumi.Input<string>;
    appRole: pulumi.Input<string>;
    readonlyRole?: pulumi.Input<string>;
    /** The group every tenant role inherits from (roles.ts createTenantsGroup). */
    tenantsGroup: pulumi.Input<string>;
    schemas: string[];
    /** Resources on the database's ACL row the app's CONNECT grant must follow. */
    after: pulumi.Resource[];
    /** The provider connected to this database. */
    provider: postgresql.Provider;
}

export class AppDatabase extends pulumi.ComponentResource {
    public readonly name: pulumi.Output<string>;
    /** Set by grantAppRoles. */
    public schemas!: pulumi.Output<string[]>;
    /** The database-wide setup (ACL, extensions; then the app grants): tenants' grants wait for it. */
    public readonly ready: pulumi.Resource[] = [];
    /** The last grant on the database's ACL row: the next one chains after it. */
    public aclTail: pulumi.Resource;
    private readonly args: AppDatabaseArgs;
    private readonly baseName: string;

    constructor(name: string, args: AppDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pgstack:access:AppDatabase", name, {}, opts);
        this.args = args;
        this.baseName = name;
        const child = { parent: this, provider: args.provider };

        // Only the owner (or a member of the owner's role) can change a database's ACL: anyone else's
        // GRANT / REVOKE ON DATABASE is a warning that does nothing. The provider takes a temporary
        // membership for schema, table and default-privilege changes but none for database grants,
        // so with a non-superuser admin PUBLIC would keep CONNECT on the app database and the connect
        // group and the app role would never get it. The admin is therefore a member of the service
        // role for as long as the stack manages the database (no loosening: CREATEROLE lets it take
        // that membership at will anyway).
        const adminInService = args.nonSuperuserAdmin
            ? new postgresql.GrantRole(
                  `${name}-admin-in-service`,
                  { role: args.nonSuperuserAdmin, grantRole: args.serviceRole },
                  child,
              )
            : undefined;
        const db = new postgresql.Database(
            `${name}-database`,
            { name: args.name, owner: args.serviceRole, allowConnections: true, isTemplate: false },
            {
                ...child,
                dependsOn: adminInService ? [adminInService] : [],
                retainOnDelete: args.protection.retainOnDelete,
                protect: args.protection.protect,
            },
        );
        this.name = db.name;

        // Database ACL changes update one catalog row: chain them.
        const noPublicConnect = new postgresql.Grant(
            `${name}-revoke-public`,
            { database: db.name, role: "public", objectType: "database", privileges: [] },
            child,
        );
        this.aclTail = noPublicConnect;
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
        this.ready.push(publicSchema, noPublicExecute, ...extensions);
    }

    grantAppRoles(a: AppGrantsArgs): void {
        const name = this.baseName;
        const provider = a.provider;
        const child = { parent: this, provider };
        const protection = this.args.protection;

        // One catalog row (the database's ACL): one grant after the other.
        const groupConnect = new postgresql.Grant(
            `${name}-connect`,
            { database: this.name, role: a.connectGroup, objectType: "database", privileges: ["CONNECT"] },
            { ...child, dependsOn: a.after },
        );
        // The app role is NOINHERIT (roles.ts): CONNECT is its own, not the group's.
        const appConnect = new postgresql.Grant(
            `${name}-app-connect`,
            { database: this.name, role: a.appRole, objectType: "database", privileges: ["CONNECT"] },
            { ...child, dependsOn: [groupConnect] },
        );
        this.ready.push(groupConnect, appConnect);
        this.aclTail = appConnect;

        const schemas = a.schemas.map((schemaName) => {
            const schema = new postgresql.Schema(
                `${name}-schema-${schemaName}`,
                { name: schemaName, database: this.name, owner: this.args.serviceRole, ifNotExists: true },
                { ...child, retainOnDelete: protection.retainOnDelete, protect: protection.protect },
            );
            // S2 for functions that already exist in an adopted schema.
            const schemaNoPublicExecute = new postgresql.Grant(
                `${name}-${schemaName}-no-public-execute`,
                { database: this.name, schema: schema.name, role: "public", objectType: "function", privileges: [] },
                child,
            );
            this.ready.push(schemaNoPublicExecute);
            const appGrants = grantSchemaAccess(`${name}-${schemaName}-app`, {
                database: this.name,
                schema: schema.name,
                role: a.appRole,
                owner: this.args.serviceRole,
                level: "readwrite",
                provider,
                parent: this,
                // The revoke and the app's EXECUTE grant rewrite the same functions' ACLs, and the
                // provider's lock does not cover PUBLIC (no pg_roles row): the grants wait for the revoke.
                after: [schemaNoPublicExecute],
                existingObjects: true,
            });
            this.ready.push(...appGrants);
            let last = appGrants[appGrants.length - 1];
            if (a.readonlyRole) {
                const readonlyGrants = grantSchemaAccess(`${name}-${schemaName}-readonly`, {
                    database: this.name,
                    schema: schema.name,
                    role: a.readonlyRole,
                    owner: this.args.serviceRole,
                    level: "readonly",
                    provider,
                    parent: this,
                    after: [last],
                    existingObjects: true,
                });
                this.ready.push(...readonlyGrants);
                last = readonlyGrants[readonlyGrants.length - 1];
            }
            // Tenants: USAGE and sequences here; each shared table's DML comes with enable_tenant_rls.
            this.ready.push(
                ...grantSchemaAccess(`${name}-${schemaName}-tenants`, {
                    database: this.name,
                    schema: schema.name,
                    role: a.tenantsGroup,
                    owner: this.args.serviceRole,
                    level: "tenants",
                    provider,
                    parent: this,
                    after: [last],
                    existingObjects: true,
                }),
            );
            return schema.name;
        });
        this.schemas = pulumi.all(schemas);
        this.registerOutputs({ name: this.name, schemas: this.schemas });
    }
}
