/**
 * How the access layer reaches the PostgreSQL server. Whatever the server mode, the access layer
 * receives one `ServerEndpoint`: where to connect, which CA to trust, and a provider connected as the admin.
 */
import type * as postgresql from "@pulumi/postgresql";
import type * as pulumi from "@pulumi/pulumi";
import type { AdminConnection } from "./provider";

export interface ServerEndpoint {
    /** Host and port for direct connections (admin, service role, migrations). */
    host: pulumi.Output<string>;
    port: pulumi.Output<number>;
    /** Host and port the application DSNs use: a connection pooler when there is one. */
    appHost: pulumi.Output<string>;
    appPort: pulumi.Output<number>;
    /** A transaction-pooled listener of the same pooler, when there is one besides appPort. */
    appTransactionPort?: pulumi.Output<number>;
    /** The admin login the provider uses (e.g. for a restore run as the admin). */
    adminUser: pulumi.Output<string>;
    /** Secret. */
    adminPassword: pulumi.Output<string>;
    /**
     * CA bundle path written into DSNs for verify-ca / verify-full, when there is one. In docker mode it
     * resolves only once the generated CA has been written there.
     */
    caCertPath: pulumi.Output<string | undefined>;
    /** The CA certificate (PEM): generated (docker mode), or read from caCertPath on the deploy machine. */
    caCert: pulumi.Output<string | undefined>;
    /** The @pulumi/postgresql provider connected as the admin (to the maintenance database). */
    provider: postgresql.Provider;
    /** How that provider connects: the access layer opens a second one on the app database. */
    admin: AdminConnection;
    /** The database the admin provider connects to (postgres unless configured). */
    maintenanceDatabase: string;
}
