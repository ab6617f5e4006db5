/**
 * Everything inside the PostgreSQL server: roles, the database, app schemas and grants, the RLS
 * guard, tenants, the pooler's auth lookup, and the DSNs (secret outputs). It needs only a
 * ServerEndpoint and plain arguments, so it runs the same against RDS, a Docker container or an
 * existing server, and in any Pulumi program.
 *
 * What the server must end up with is decided by the access model (lib/accessModel.ts, pure); the
 * components here turn it into resources, in this order (each step needs the one before):
 *   service role + database (+ PUBLIC's revokes) → provider on the database → groups, tenant roles,
 *   app + read-only roles → CONNECT and the app schemas' grants → pooler auth lookup → RLS guard →
 *   tenant schemas and grants.
 */
import * as pulumi from "@pulumi/pulumi";
import type { DataProtection, SslMode } from "../../config/schema";
import { AccessDeclaration, accessModel } from "../../lib/accessModel";
import { dsnOnPort, portableDsn, secretDsn, secretVariant, sqlalchemyUrl } from "../../lib/dsn";
import { tenantSearchPath } from "../../lib/naming";
import type { ServerEndpoint } from "../server/endpoint";
import { AppSchemas } from "./appSchemas";
import { AppDatabase } from "./database";
import { PoolerAuth } from "./poolerAuth";
import { RlsGuard } from "./rlsGuard";
import { AccessRoles, StackRole } from "./roles";
import { Tenant } from "./tenant";

export interface AccessTenant {
    id: string;
    /** Maximum concurrent connections of the tenant's role (-1: no limit). */
    connectionLimit: number;
    /** Grant the tenant's role what its kept schema already holds (an id used again). */
    reclaimKeptObjects: boolean;
    /** Its own rotation seed: change it to rotate only this tenant's password. */
    seed?: string;
}

export interface AccessLayerArgs {
    endpoint: ServerEndpoint;
    databaseName: string;
    roles: { service: string; app: string; readonly?: string };
    /** The app schemas. */
    schemas: string[];
    extensions: string[];
    tenants: AccessTenant[];
    tenantRolePrefix: string;
    tenantAccess: AccessDeclaration["tenantAccess"];
    /** App schemas after tenant_<id> in a tenant's search_path. */
    tenantSearchPath: string[];
    /** The sslmode every DSN carries. */
    sslmode: SslMode;
    /** Rotation seeds: the global one and each login role's own. */
    rotation: { seed: string; service?: string; app?: string; readonly?: string };
    protection: DataProtection;
    /** DATABASE_URL is the read-only role's DSN: mutations are refused by the server. */
    readOnly: boolean;
}

export class AccessLayer extends pulumi.ComponentResource {
    public readonly databaseName: pulumi.Output<string>;
    /** Role names. */
    public readonly roleNames: {
        service: pulumi.Output<string>;
        app: pulumi.Output<string>;
        readonly?: pulumi.Output<string>;
        tenants: pulumi.Output<string>;
    };
    /** Per tenant: its schema's name. */
    public readonly tenantSchemas: Record<string, pulumi.Output<string>> = {};
    /** Secret DSNs. */
    public readonly appUrl: pulumi.Output<string>;
    public readonly serviceUrl: pulumi.Output<string>;
    public readonly readonlyUrl?: pulumi.Output<string>;
    /** Tenants with login access only. */
    public readonly tenantUrls: pulumi.Output<Record<string, string>>;
    /** The same DSNs without the deploy machine's sslrootcert path (lib/dsn.ts portableDsn). Secret. */
    public readonly portable: {
        appUrl: pulumi.Output<string>;
        serviceUrl: pulumi.Output<string>;
        readonlyUrl?: pulumi.Output<string>;
        tenantUrls: pulumi.Output<Record<string, string>>;
    };
    /** SQLAlchemy 2 URLs (postgresql+psycopg://…) of the app and service DSNs. Secret. */
    public readonly sqlalchemy: { appUrl: pulumi.Output<string>; serviceUrl: pulumi.Output<string> };
    /** The app DSN through the pooler's transaction-pooled listener, when it has one. Secret. */
    public readonly appTransactionPooledUrl?: pulumi.Output<string>;
    /** Per tenant: its role name and the search_path its checkout sets after SET ROLE. Plain. */
    public readonly tenantRoles: Record<string, pulumi.Output<string>> = {};
    public readonly tenantSearchPaths: Record<string, string> = {};

    constructor(name: string, args: AccessLayerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pgstack:access:AccessLayer", name, {}, opts);
        const ep = args.endpoint;
        const model = accessModel({
            databaseName: args.databaseName,
            roles: args.roles,
            schemas: args.schemas,
            tenants: args.tenants,
            tenantRolePrefix: args.tenantRolePrefix,
            tenantAccess: args.tenantAccess,
            tenantSearchPath: args.tenantSearchPath,
            maintenanceDatabase: ep.maintenanceDatabase,
        });
        const seeds = {
            global: args.rotation.seed,
            own: {
                service: args.rotation.service,
                app: args.rotation.app,
                readonly: args.rotation.readonly,
                ...Object.fromEntries(args.tenants.map((t) => [`tenant-${t.id}`, t.seed])),
            },
        };
        const [serviceRole, ...otherRoles] = model.roles;

        const db = new AppDatabase(
            `${name}-db`,
            {
                database: model.database,
                owner: serviceRole,
                seeds,
                extensions: args.extensions,
                protection: args.protection,
                nonSuperuserAdmin: ep.admin.superuser ? undefined : ep.adminUser,
                admin: ep.admin,
                provider: ep.provider,
            },
            { parent: this },
        );
        this.databaseName = db.name;
        const roles = new AccessRoles(
            `${name}-roles`,
            { roles: otherRoles, seeds, provider: db.provider },
            { parent: this },
        );
        const refs = { ...roles.refs, [serviceRole.name]: db.owner.name };
        const dbRefs = { databaseName: model.database.name, database: db.name, provider: db.provider };

        const schemas = new AppSchemas(
            `${name}-schemas`,
            {
                ...dbRefs,
                connect: model.database.connect,
                schemas: model.appSchemas,
                roles: refs,
                aclAfter: db.aclTail,
                protection: args.protection,
            },
            { parent: this },
        );
        const ready = [...db.ready, ...schemas.ready];
        // A pgBouncer in front of the server looks passwords up in this database.
        if (ep.pooler) {
            new PoolerAuth(
                `${name}-pooler-auth`,
                {
                    database: db.name,
                    adminRole: ep.adminUser,
                    authUser: ep.pooler.authUser,
                    after: ready,
                    provider: db.provider,
                },
                { parent: this },
            );
        }
        const guard = new RlsGuard(
            `${name}-guard`,
            {
                database: db.name,
                adminRole: ep.adminUser,
                tenantRolePrefix: args.tenantRolePrefix,
                tenantsGroup: roles.get("tenants-group").name,
                users: Object.fromEntries(model.guard.usage.map((u) => [u.key, refs[u.role] ?? u.role])),
                retainOnDelete: args.protection.retainOnDelete,
                after: ready,
                provider: db.provider,
            },
            { parent: this },
        );
        // A tenant's first grant waits for the guard's last resource only: that one already waits for
        // everything in `ready`, and each dependency is one more URN per tenant in every state write.
        for (const t of model.tenants) {
            const tenant = new Tenant(
                `${name}-tenant-${t.id}`,
                { ...dbRefs, tenant: t, roles: refs, protection: args.protection, after: [guard.ready] },
                { parent: this },
            );
            this.tenantSchemas[t.id] = tenant.schemaName;
            this.tenantRoles[t.id] = roles.get(t.roleKey).name;
            this.tenantSearchPaths[t.id] = tenantSearchPath(t.id, args.tenantSearchPath);
        }

        const readonly = args.roles.readonly ? roles.get("readonly") : undefined;
        this.roleNames = {
            service: db.owner.name,
            app: roles.get("app").name,
            readonly: readonly?.name,
            tenants: roles.get("tenants-group").name,
        };

        // Migrations talk to the server directly; the application goes through the pooler if any.
        const dsn = (login: StackRole, direct: boolean) =>
            secretDsn({
                user: login.name,
                password: login.password as pulumi.Output<string>,
                host: direct || !ep.pooler ? ep.host : ep.pooler.host,
                port: direct || !ep.pooler ? ep.port : ep.pooler.port,
                database: db.name,
                sslmode: args.sslmode,
                sslrootcert: ep.caCertPath,
            });
        this.serviceUrl = dsn(db.owner, true);
        this.readonlyUrl = readonly ? dsn(readonly, false) : undefined;
        // A stack declared read-only hands the application the read-only role's DSN: mutations are
        // refused by the server, not only by the app's ENABLE_MUTATIONS.
        this.appUrl = args.readOnly && this.readonlyUrl ? this.readonlyUrl : dsn(roles.get("app"), false);
        this.tenantUrls = pulumi.secret(
            pulumi.all(
                Object.fromEntries(
                    model.tenants.flatMap((t) => {
                        const role = roles.get(t.roleKey);
                        return role.password ? [[t.id, dsn(role, false)]] : [];
                    }),
                ),
            ),
        );
        this.portable = {
            appUrl: secretVariant(this.appUrl, portableDsn),
            serviceUrl: secretVariant(this.serviceUrl, portableDsn),
            readonlyUrl: this.readonlyUrl && secretVariant(this.readonlyUrl, portableDsn),
            tenantUrls: pulumi.secret(
                this.tenantUrls.apply((urls) =>
                    Object.fromEntries(Object.entries(urls).map(([id, u]) => [id, portableDsn(u)])),
                ),
            ),
        };
        this.sqlalchemy = {
            appUrl: secretVariant(this.appUrl, (u) => sqlalchemyUrl(u)),
            serviceUrl: secretVariant(this.serviceUrl, (u) => sqlalchemyUrl(u)),
        };
        const txPort = ep.pooler?.transactionPort;
        if (txPort) {
            this.appTransactionPooledUrl = pulumi.secret(
                pulumi.all([this.appUrl, txPort]).apply(([u, p]) => dsnOnPort(u, p)),
            );
        }

        this.registerOutputs({
            databaseName: this.databaseName,
            appUrl: this.appUrl,
            serviceUrl: this.serviceUrl,
            readonlyUrl: this.readonlyUrl,
            tenantUrls: this.tenantUrls,
        });
    }
}
