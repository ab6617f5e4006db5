/**
 * Everything inside the PostgreSQL server: roles, the database, app schemas and grants, the RLS
 * guard, tenants, and the DSNs (secret outputs). It needs only a ServerEndpoint, so it runs the same
 * against RDS, a Docker container or an existing server.
 */
import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../config/schema";
import { secretDsn } from "../lib/dsn";
import { connectGroupName } from "../lib/naming";
import { AppDatabase } from "./database";
import { AccessRoles, LoginRole } from "./roles";
import type { ServerEndpoint } from "./server";
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
    public readonly tenantUrls: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: AccessLayerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pgstack:access:AccessLayer", name, {}, opts);
        const c = args.config;
        const ep = args.endpoint;
        const provider = ep.provider;

        this.roles = new AccessRoles(
            `${name}-roles`,
            {
                names: { ...c.roles, connectGroup: connectGroupName(c.databaseName) },
                rotation: c.rotation,
                searchPath: c.schemas,
                retainOnDelete: c.dataProtection.retainOnDelete,
                provider,
            },
            { parent: this },
        );

        const db = new AppDatabase(
            `${name}-db`,
            {
                name: c.databaseName,
                serviceRole: this.roles.service.role.name,
                appRole: this.roles.app.role.name,
                readonlyRole: this.roles.readonly?.role.name,
                connectGroup: this.roles.connectGroup.name,
                adminRole: ep.adminUser,
                lockedDatabases: [
                    ...new Set([c.server.mode === "existing" ? c.server.maintenanceDatabase : "postgres", "template1"]),
                ],
                schemas: c.schemas,
                extensions: c.extensions,
                tenantRolePrefix: c.tenantRolePrefix,
                protection: c.dataProtection,
                provider,
            },
            { parent: this },
        );
        this.databaseName = db.name;

        for (const tenant of c.tenants) {
            this.tenants[tenant.id] = new Tenant(
                `${name}-tenant-${tenant.id}`,
                {
                    tenant,
                    rolePrefix: c.tenantRolePrefix,
                    database: db.name,
                    serviceRole: this.roles.service.role.name,
                    connectGroup: this.roles.connectGroup.name,
                    globalSeed: c.rotation.seed,
                    sslmode: c.sslmode,
                    endpoint: ep,
                    protection: c.dataProtection,
                    after: db.ready,
                },
                { parent: this },
            );
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
        this.appUrl = dsn(this.roles.app, false);
        this.readonlyUrl = this.roles.readonly ? dsn(this.roles.readonly, false) : undefined;
        this.tenantUrls = pulumi.secret(
            pulumi.all(Object.fromEntries(Object.entries(this.tenants).map(([id, t]) => [id, t.databaseUrl]))),
        );

        this.registerOutputs({
            databaseName: this.databaseName,
            appUrl: this.appUrl,
            serviceUrl: this.serviceUrl,
            readonlyUrl: this.readonlyUrl,
            tenantUrls: this.tenantUrls,
        });
    }
}
