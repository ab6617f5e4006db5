/**
 * How the access layer reaches the PostgreSQL server. Whatever the instance mode, the access layer
 * receives one `ServerEndpoint`: where to connect, how (sslmode, CA), and a configured provider.
 */
import * as postgresql from "@pulumi/postgresql";
import * as pulumi from "@pulumi/pulumi";
import type { ExistingServerConfig, SslMode } from "../config/schema";

export interface ServerEndpoint {
    /** Host and port for direct connections (admin, service role, migrations). */
    host: pulumi.Output<string>;
    port: pulumi.Output<number>;
    /** Host and port the application DSNs use: a connection pooler when there is one. */
    appHost: pulumi.Output<string>;
    appPort: pulumi.Output<number>;
    adminUser: pulumi.Output<string>;
    /** Secret. */
    adminPassword: pulumi.Output<string>;
    /** sslmode of the provider's admin connection. */
    sslmode: SslMode;
    /** CA bundle path for verify-ca / verify-full, when there is one. */
    caCertPath: pulumi.Output<string | undefined>;
    /** The CA certificate (PEM) when the stack generated it (docker mode). */
    caCert: pulumi.Output<string | undefined>;
    /** The @pulumi/postgresql provider connected as the admin. */
    provider: postgresql.Provider;
}

export interface ExistingServerArgs {
    server: ExistingServerConfig;
    /** Secret admin password from stack config. */
    adminPassword: pulumi.Output<string>;
}

/** An existing or managed server: nothing is created but the provider that manages it. */
export class ExistingServer extends pulumi.ComponentResource {
    public readonly endpoint: ServerEndpoint;

    constructor(name: string, args: ExistingServerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pgstack:server:ExistingServer", name, {}, opts);
        const s = args.server;
        const provider = new postgresql.Provider(
            `${name}-provider`,
            {
                host: s.host,
                port: s.port,
                username: s.adminUser,
                password: args.adminPassword,
                database: s.maintenanceDatabase,
                sslmode: s.sslmode,
                sslrootcert: s.caCertPath,
                superuser: s.superuser,
                connectTimeout: 15,
            },
            { parent: this },
        );
        this.endpoint = {
            host: pulumi.output(s.host),
            port: pulumi.output(s.port),
            appHost: pulumi.output(s.host),
            appPort: pulumi.output(s.port),
            adminUser: pulumi.output(s.adminUser),
            adminPassword: pulumi.secret(args.adminPassword),
            sslmode: s.sslmode,
            caCertPath: pulumi.output(s.caCertPath),
            caCert: pulumi.output(undefined),
            provider,
        };
        this.registerOutputs({ host: this.endpoint.host, port: this.endpoint.port });
    }
}
