/**
 * The application database and its owner: the service role (with its password), the database, what
 * PUBLIC loses database-wide (access model: `database.revokes`), the extensions, and a provider
 * connected to the database for everything created inside it.
 */
import * as postgresql from "@pulumi/postgresql";
import * as pulumi from "@pulumi/pulumi";
import type { DataProtection } from "../../config/schema";
import type { AccessModel, WantedRole } from "../../lib/accessModel";
import { AdminConnection, adminProvider } from "../server/provider";
import { grantResources } from "./grants";
import { createRole, PasswordSeeds, StackRole } from "./roles";

export interface AppDatabaseArgs {
    database: AccessModel["database"];
    /** The service role (the model's `service` role): it owns the database. */
    owner: WantedRole;
    seeds: PasswordSeeds;
    extensions: string[];
    protection: DataProtection;
    /**
     * The admin, when it is not a superuser (an RDS master user): it becomes a member of the service
     * role, see the constructor.
     */
    nonSuperuserAdmin?: pulumi.Input<string>;
    /** How the admin connects: the database's own provider logs in the same way. */
    admin: AdminConnection;
    /** The admin provider (maintenance database). */
    provider: postgresql.Provider;
}

export class AppDatabase extends pulumi.ComponentResource {
    public readonly name: pulumi.Output<string>;
    public readonly owner: StackRole;
    /** The admin connected to this database: what lives in it is created, and roles dropped, through it. */
    public readonly provider: postgresql.Provider;
    /** The database-wide setup (PUBLIC's revokes, extensions): grants inside the database wait for it. */
    public readonly ready: pulumi.Resource[];
    /** The last change of the database's ACL row: the next one chains after it. */
    public readonly aclTail: pulumi.Resource;

    constructor(name: string, args: AppDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pgstack:access:AppDatabase", name, {}, opts);
        const child = { parent: this, provider: args.provider };

        // Made through the admin provider: it must exist before the database it owns.
        this.owner = createRole(name, args.owner, {
            seeds: args.seeds,
            refs: {},
            provider: args.provider,
            parent: this,
            retainData: args.protection.retainOnDelete,
        });
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
                  { role: args.nonSuperuserAdmin, grantRole: this.owner.name },
                  child,
              )
            : undefined;
        const db = new postgresql.Database(
            `${name}-database`,
            { name: args.database.name, owner: this.owner.name, allowConnections: true, isTemplate: false },
            {
                ...child,
                dependsOn: adminInService ? [adminInService] : [],
                retainOnDelete: args.protection.retainOnDelete,
                protect: args.protection.protect,
            },
        );
        this.name = db.name;

        // Each revoke is on another catalog row (another database, the default ACL, a schema).
        const revokes = grantResources(args.database.revokes, {
            nameOf: (g) => `${name}-${g.key}`,
            roles: { [args.owner.name]: this.owner.name },
            databases: { [args.database.name]: db.name },
            ...child,
            chained: false,
        });
        // The app database's own ACL row: CONNECT grants chain after PUBLIC's revoke.
        this.aclTail = revokes[args.database.revokes.findIndex((g) => g.objectType === "database")];
        const extensions = args.extensions.map(
            (ext) => new postgresql.Extension(`${name}-ext-${ext}`, { name: ext, database: db.name }, child),
        );
        // What PUBLIC loses inside the database (functions, the public schema): grants there wait for it.
        const inside = revokes.filter((_, i) => args.database.revokes[i].objectType !== "database");
        this.ready = [...inside, ...extensions];
        this.provider = adminProvider(`${name}-provider`, { ...args.admin, database: db.name }, { parent: this });
        this.registerOutputs({ name: this.name, owner: this.owner.name });
    }
}
