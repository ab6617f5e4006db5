/**
 * Who may use the application database: CONNECT for the connect group and the app role (access
 * model: `database.connect`), and the app schemas, owned by the service role, with their grants for
 * the app role, the read-only role and the tenants group (`appSchemas`), for the objects there now and
 * those migrations add later.
 */
import * as postgresql from "@pulumi/postgresql";
import * as pulumi from "@pulumi/pulumi";
import type { DataProtection } from "../../config/schema";
import type { WantedGrant, WantedSchema } from "../../lib/accessModel";
import { grantResources, NameRefs } from "./grants";

export interface AppSchemasArgs {
    /** The database's name in the model, and the Output of its resource. */
    databaseName: string;
    database: pulumi.Input<string>;
    /** CONNECT grants, applied one after the other after `aclAfter`. */
    connect: WantedGrant[];
    schemas: WantedSchema[];
    /** Outputs of the roles the grants name (the service role, the app, read-only and group roles). */
    roles: NameRefs;
    /** The last change of the database's ACL row (PUBLIC's revoke). */
    aclAfter: pulumi.Resource;
    protection: DataProtection;
    /** The provider connected to this database. */
    provider: postgresql.Provider;
}

export class AppSchemas extends pulumi.ComponentResource {
    public readonly schemas: pulumi.Output<string[]>;
    /** Every grant made here: what depends on the app schemas' access waits for them. */
    public readonly ready: pulumi.Resource[];
    /** The last change of the database's ACL row. */
    public readonly aclTail: pulumi.Resource;

    constructor(name: string, args: AppSchemasArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pgstack:access:AppSchemas", name, {}, opts);
        const child = { parent: this, provider: args.provider };
        const databases = { [args.databaseName]: args.database };
        const connect = grantResources(args.connect, {
            nameOf: (g) => `${name}-${g.key}`,
            roles: args.roles,
            databases,
            ...child,
            after: [args.aclAfter],
        });
        this.aclTail = connect[connect.length - 1] ?? args.aclAfter;
        const ready: pulumi.Resource[] = [...connect];
        const schemas = args.schemas.map((s) => {
            const schema = new postgresql.Schema(
                `${name}-${s.name}`,
                { name: s.name, database: args.database, owner: args.roles[s.owner] ?? s.owner, ifNotExists: true },
                { ...child, retainOnDelete: args.protection.retainOnDelete, protect: args.protection.protect },
            );
            ready.push(
                ...grantResources(s.grants, {
                    nameOf: (g) => `${name}-${s.name}-${g.key}`,
                    roles: args.roles,
                    schemas: { [s.name]: schema.name },
                    databases,
                    ...child,
                }),
            );
            return schema.name;
        });
        this.ready = ready;
        this.schemas = pulumi.all(schemas);
        this.registerOutputs({ schemas: this.schemas });
    }
}
