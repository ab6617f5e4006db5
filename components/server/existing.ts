/** An existing or managed server (Supabase, Neon, Cloud SQL, …): nothing is created but the admin connection. */
import * as pulumi from "@pulumi/pulumi";
import type { ExistingServerConfig } from "../../config/schema";
import type { ServerEndpoint } from "./endpoint";
import { checkAdminLogin } from "./adminLogin";
import { preparedStatementsProblem } from "../../lib/pgbouncer";
import { AdminConnection, adminProvider, caBundleAt } from "./provider";

export interface ExistingServerArgs {
    server: ExistingServerConfig;
    /** Secret admin password from stack config. */
    adminPassword: pulumi.Output<string>;
}

export class ExistingServer extends pulumi.ComponentResource {
    public readonly endpoint: ServerEndpoint;

    constructor(name: string, args: ExistingServerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pgstack:server:ExistingServer", name, {}, opts);
        const s = args.server;
        const admin: AdminConnection = {
            host: s.host,
            port: s.port,
            username: s.adminUser,
            password: args.adminPassword,
            database: s.maintenanceDatabase,
            sslmode: s.sslmode,
            sslrootcert: s.caCertPath,
            superuser: s.superuser,
            connectTimeout: 15,
        };
        const provider = adminProvider(`${name}-provider`, admin, { parent: this });
        this.endpoint = {
            host: pulumi.output(s.host),
            port: pulumi.output(s.port),
            // The application's DSNs go through the pooler when there is one; migrations go direct.
            pooler: s.pooler && {
                host: pulumi.output(s.pooler.host),
                port: pulumi.output(s.pooler.port),
                transactionPort: s.pooler.transactionPort ? pulumi.output(s.pooler.transactionPort) : undefined,
                // The pooler's owner created this role (scripts/local-pgbouncer.sh locally).
                authUser: s.pooler.authUser,
            },
            adminUser: pulumi.output(s.adminUser),
            adminPassword: pulumi.secret(args.adminPassword),
            caCertPath: pulumi.output(s.caCertPath),
            caCert: caBundleAt(s.caCertPath),
            provider,
            admin,
            maintenanceDatabase: s.maintenanceDatabase,
        };
        // One warning, in preview and up alike, when DATABASE_URL goes through a pooler that drops
        // prepared statements (README "Prepared statements through the pooler").
        const problem = s.pooler && preparedStatementsProblem("pgstack:server.pooler", s.pooler);
        if (problem) void pulumi.log.warn(problem, this);
        // The server exists already: every run logs in as the admin once, so a wrong password fails
        // `preview` and a no-op `up` naming pgstack:adminPassword, not the next real change.
        const adminLogin = checkAdminLogin(
            provider,
            { host: s.host, port: s.port, adminUser: s.adminUser, database: s.maintenanceDatabase },
            { parent: this },
        );
        this.registerOutputs({ host: this.endpoint.host, port: this.endpoint.port, adminLogin });
    }
}
