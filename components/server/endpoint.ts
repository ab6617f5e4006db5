/**
 * How the access layer reaches the PostgreSQL server. Whatever the server mode, the access layer
 * receives one `ServerEndpoint`: where to connect, which CA to trust, a provider connected as the
 * admin, and the connection pooler in front of the server when there is one.
 */
import type * as postgresql from "@pulumi/postgresql";
import type * as pulumi from "@pulumi/pulumi";
import type { AdminConnection } from "./provider";

/** A pgBouncer in front of the server: the application's DSNs go through it. */
export interface PoolerEndpoint {
    host: pulumi.Output<string>;
    port: pulumi.Output<number>;
    /** A transaction-pooled listener of the same pooler, when there is one besides `port`. */
    transactionPort?: pulumi.Output<number>;
    /**
     * The login the pooler looks passwords up as (its auth_user): the access layer installs the lookup
     * function for it in the app database (components/access/poolerAuth.ts). It must exist already.
     */
    authUser: pulumi.Input<string>;
}

export interface ServerEndpoint {
    /** Host and port for direct connections (admin, service role, migrations). */
    host: pulumi.Output<string>;
    port: pulumi.Output<number>;
    /** The pooler the application's DSNs go through, if any. */
    pooler?: PoolerEndpoint;
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
    caCert?: pulumi.Output<string>;
    /** The @pulumi/postgresql provider connected as the admin (to the maintenance database). */
    provider: postgresql.Provider;
    /** How that provider connects: the access layer opens a second one on the app database. */
    admin: AdminConnection;
    /** The database the admin provider connects to (postgres unless configured). */
    maintenanceDatabase: string;
}
