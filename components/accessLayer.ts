/**
 * Everything inside the PostgreSQL server: roles, the database, app schemas and grants, the RLS
 * guard, tenants, and the DSNs (secret outputs). It needs only a ServerEndpoint, so it runs the same
 * against RDS, a Docker container or an existing server.
 *
 * Order of creation (each step needs the one before):
 *   service role + connect group → database (+ ACL) → provider on the database → tenant roles →
 *   app + read-only roles (the app role is a member of the tenant roles it may SET ROLE to) →
 *   app schemas and grants → pooler auth lookup (server.pooler) → RLS guard → tenant schemas and grants.
 */
import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../config/schema";
import { dsnOnPort, portableDsn, secretDsn, secretVariant, sqlalchemyUrl } from "../lib/dsn";
import { connectGroupName, tenantSearchPath, tenantsGroupName } from "../lib/naming";
import { AppDatabase } from "./database";
import { PoolerAuth } from "./poolerAuth";
import { RlsGuard } from "./rlsGuard";
import { AccessRoles, LoginRole } from "./roles";
import type { ServerEndpoint } from "./server/endpoint";
import { adminProvider } from "./server/provider";
import { Tenant } from "./tenant";

export interface AccessLayerArgs {
    config: StackConfig;
    endpoint: ServerEndpoint;
}

export class AccessLayer extends pulumi.ComponentResource {
    public readonly databaseName: pulumi.Output<string>;
    public readonly roles: AccessRoles;
    public readonly tenants: Record<string, Tenant> = {};
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
    /** The app DSN through the pooler's transaction-pooled listener (server.pooler.transactionPort). Secret. */
    public readonly appTransactionPooledUrl?: pulumi.Output<string>;
    /** Per tenant: its role name and the search_path its checkout sets after SET ROLE. Plain. */
    public readonly tenantRoles: Record<string, pulumi.Output<string>> = {};
    public readonly tenantSearchPaths: Record<string, string> = {};

    constructor(name: string, args: AccessLayerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pgstack:access:AccessLayer", name, {}, opts);
        const c = args.config;
        const ep = args.endpoint;

        this.roles = new AccessRoles(
            `${name}-roles`,
            {
                names: {
                    ...c.roles,
                    connectGroup: connectGroupName(c.databaseName),
                    tenantsGroup: tenantsGroupName(c.databaseName),
                },
                rotation: c.rotation,
                searchPath: c.schemas,
                retainOnDelete: c.dataProtection.retainOnDelete,
                provider: ep.provider,
            },
            { parent: this },
        );

        const db = new AppDatabase(
            `${name}-db`,
            {
                name: c.databaseName,
                serviceRole: this.roles.service.role.name,
                lockedDatabases: [...new Set([ep.maintenanceDatabase, "template1"])],
                extensions: c.extensions,
                protection: c.dataProtection,
                nonSuperuserAdmin: ep.admin.superuser ? undefined : ep.adminUser,
                provider: ep.provider,
            },
            { parent: this },
        );
        this.databaseName = db.name;
        // Roles are dropped through a connection to the app database (see LoginArgs.provider).
        const dbProvider = adminProvider(`${name}-db-provider`, { ...ep.admin, database: db.name }, { parent: this });
        const connectGroup = this.roles.createConnectGroup(dbProvider);
        const tenantsGroup = this.roles.createTenantsGroup(dbProvider);

        for (const tenant of c.tenants) {
            this.tenants[tenant.id] = new Tenant(
                `${name}-tenant-${tenant.id}`,
                {
                    tenant,
                    rolePrefix: c.tenantRolePrefix,
                    access: c.tenantAccess,
                    connectGroup: connectGroup.name,
                    tenantsGroup: tenantsGroup.name,
                    searchPath: c.tenantSearchPath,
                    globalSeed: c.rotation.seed,
                    sslmode: c.sslmode,
                    endpoint: ep,
                    database: db.name,
                    provider: dbProvider,
                },
                { parent: this },
            );
        }
        const tenantList = Object.values(this.tenants);
        this.roles.createLogins({
            provider: dbProvider,
            appMemberOf: c.tenantAccess === "login" ? [] : tenantList.map((t) => t.roleName),
        });

        db.grantAppRoles({
            connectGroup: connectGroup.name,
            appRole: this.roles.app.role.name,
            readonlyRole: this.roles.readonly?.role.name,
            tenantsGroup: tenantsGroup.name,
            schemas: c.schemas,
            after: [db.aclTail],
            provider: dbProvider,
        });
        // A pgBouncer in front of an existing server looks passwords up in this database (poolerAuth.ts).
        const pooler = c.server.mode === "existing" ? c.server.pooler : undefined;
        if (pooler) {
            new PoolerAuth(
                `${name}-pooler-auth`,
                {
                    database: db.name,
                    adminRole: ep.adminUser,
                    authUser: pooler.authUser,
                    after: [...db.ready],
                    provider: dbProvider,
                },
                { parent: this },
            );
        }
        const guard = new RlsGuard(
            `${name}-guard`,
            {
                database: db.name,
                adminRole: ep.adminUser,
                tenantRolePrefix: c.tenantRolePrefix,
                tenantsGroup: tenantsGroup.name,
                users: {
                    connect: connectGroup.name,
                    service: this.roles.service.role.name,
                    app: this.roles.app.role.name,
                    // A tenant that SETs ROLE to the group still runs the policies' current_tenant_id().
                    tenants: tenantsGroup.name,
                },
                retainOnDelete: c.dataProtection.retainOnDelete,
                after: db.ready,
                provider: dbProvider,
            },
            { parent: this },
        );
        for (const t of tenantList) {
            t.provisionSchema({
                serviceRole: this.roles.service.role.name,
                protection: c.dataProtection,
                after: [...db.ready, guard.ready],
            });
        }

        const dsn = (login: LoginRole, direct: boolean) =>
            secretDsn({
                user: login.role.name,
                password: login.password,
                host: direct ? ep.host : ep.appHost,
                port: direct ? ep.port : ep.appPort,
                database: db.name,
                sslmode: c.sslmode,
                sslrootcert: ep.caCertPath,
            });
        // Migrations talk to the server directly; the application goes through the pooler if any.
        this.serviceUrl = dsn(this.roles.service, true);
        this.readonlyUrl = this.roles.readonly ? dsn(this.roles.readonly, false) : undefined;
        // A stack declared read-only (pgstack:readOnly, seed 004) hands the application the read-only
        // role's DSN: mutations are refused by the server, not only by the app's ENABLE_MUTATIONS.
        this.appUrl = c.readOnly && this.readonlyUrl ? this.readonlyUrl : dsn(this.roles.app, false);
        this.tenantUrls = pulumi.secret(
            pulumi.all(
                Object.fromEntries(
                    tenantList.flatMap((t, i) => (t.databaseUrl ? [[c.tenants[i].id, t.databaseUrl]] : [])),
                ),
            ),
        );

        for (const t of c.tenants) {
            this.tenantRoles[t.id] = this.tenants[t.id].roleName;
            this.tenantSearchPaths[t.id] = tenantSearchPath(t.id, c.tenantSearchPath);
        }
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
        const txPort = ep.appTransactionPort;
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
