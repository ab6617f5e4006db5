/**
 * The auth lookup of every pgBouncer in front of the server (the endpoint's `pooler`: docker mode's, a
 * `server.pooler`), inside the app database: schema `pgbouncer` owned by the admin, and
 * `pgbouncer.get_auth(username text) RETURNS text` (lib/pgbouncer.ts authLookupBody), SECURITY
 * DEFINER, EXECUTE taken from PUBLIC and granted to the auth user only, plus the auth user's CONNECT
 * (PUBLIC has none on the app database) and USAGE on the schema. pgBouncer runs lib/pgbouncer.ts
 * `authQuery()` as the auth user for every login it does not know from its auth_file.
 *
 * The auth role itself is not created here: whoever runs the pooler owns it and its password (the
 * docker server component, scripts/local-pgbouncer.sh locally), so the pooler can start before `up`.
 */
import * as postgresql from "@pulumi/postgresql";
import * as pulumi from "@pulumi/pulumi";
import { AUTH_LOOKUP_FUNCTION, authLookupBody, PGBOUNCER_AUTH_SCHEMA } from "../../lib/pgbouncer";

export interface PoolerAuthArgs {
    database: pulumi.Input<string>;
    /** The admin the provider connects as: owner of the schema and the function (it must read pg_shadow). */
    adminRole: pulumi.Input<string>;
    /** The pooler's auth_user; it must exist already. */
    authUser: pulumi.Input<string>;
    /** Database-wide setup to wait for: the last grants on the database's ACL row (CONNECT chains after them). */
    after: pulumi.Resource[];
    /** The provider connected to the app database. */
    provider: postgresql.Provider;
}

export class PoolerAuth extends pulumi.ComponentResource {
    public readonly schemaName: pulumi.Output<string>;
    /** `<schema>.get_auth`. */
    public readonly functionName: pulumi.Output<string>;

    constructor(name: string, args: PoolerAuthArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pgstack:access:PoolerAuth", name, {}, opts);
        const child = { parent: this, provider: args.provider };

        const schema = new postgresql.Schema(
            `${name}-schema`,
            { name: PGBOUNCER_AUTH_SCHEMA, database: args.database, owner: args.adminRole, ifNotExists: true },
            { ...child, dependsOn: args.after },
        );
        // Inputs exactly as the provider reads them back from pg_get_functiondef (a second `up` is a no-op).
        const lookup = new postgresql.Function(
            `${name}-get-auth`,
            {
                database: args.database,
                schema: schema.name,
                name: AUTH_LOOKUP_FUNCTION,
                args: [{ name: "username", type: "text" }],
                returns: "text",
                language: "sql",
                volatility: "STABLE",
                securityDefiner: true,
                body: authLookupBody(),
            },
            // A replacement (new returns, language or args) drops the old function first: created
            // before, CREATE FUNCTION of the same signature fails with "already exists".
            { ...child, deleteBeforeReplace: true },
        );
        // One catalog row (the function's ACL): the revoke from PUBLIC, then the auth user's EXECUTE.
        const grantOn = {
            database: args.database,
            schema: schema.name,
            objectType: "function",
            objects: [lookup.name],
        };
        const noPublic = new postgresql.Grant(
            `${name}-get-auth-no-public`,
            { ...grantOn, role: "public", privileges: [] },
            { ...child, dependsOn: [lookup] },
        );
        new postgresql.Grant(
            `${name}-get-auth-execute`,
            { ...grantOn, role: args.authUser, privileges: ["EXECUTE"] },
            { ...child, dependsOn: [noPublic] },
        );
        new postgresql.Grant(
            `${name}-schema-usage`,
            {
                database: args.database,
                schema: schema.name,
                role: args.authUser,
                objectType: "schema",
                privileges: ["USAGE"],
            },
            child,
        );
        new postgresql.Grant(
            `${name}-connect`,
            { database: args.database, role: args.authUser, objectType: "database", privileges: ["CONNECT"] },
            { ...child, dependsOn: args.after },
        );
        this.schemaName = schema.name;
        this.functionName = pulumi.interpolate`${schema.name}.${lookup.name}`;
        this.registerOutputs({ schemaName: this.schemaName, functionName: this.functionName });
    }
}
