/** The one place the admin connection (a @pulumi/postgresql Provider) is built, whatever the server mode. */
import * as fs from "fs";
import * as postgresql from "@pulumi/postgresql";
import * as pulumi from "@pulumi/pulumi";
import type { SslMode } from "../../config/schema";

export interface AdminConnection {
    host: pulumi.Input<string>;
    port: pulumi.Input<number>;
    username: pulumi.Input<string>;
    /** Secret. */
    password: pulumi.Input<string>;
    /** The database the admin connection opens (the maintenance database by default). */
    database?: pulumi.Input<string>;
    sslmode: SslMode;
    sslrootcert?: pulumi.Input<string | undefined>;
    /** Whether the admin login is a real superuser (false on RDS and most managed servers). */
    superuser: boolean;
    connectTimeout?: number;
}

export function adminProvider(
    name: string,
    c: AdminConnection,
    opts?: pulumi.CustomResourceOptions,
): postgresql.Provider {
    return new postgresql.Provider(
        name,
        {
            host: c.host,
            port: c.port,
            username: c.username,
            password: c.password,
            database: c.database ?? "postgres",
            sslmode: c.sslmode,
            sslrootcert: c.sslrootcert,
            superuser: c.superuser,
            connectTimeout: c.connectTimeout ?? 30,
        },
        opts,
    );
}

/**
 * The CA bundle at `caCertPath` on the deploy machine, as an output: DSNs name that path in
 * sslrootcert, which exists only where Pulumi ran, so apps take the PEM from the `caCertificate` output
 * and point their own sslrootcert at where they store it. Undefined when there is no such file.
 */
export function caBundleAt(caCertPath: string | undefined): pulumi.Output<string> | undefined {
    if (!caCertPath || !fs.existsSync(caCertPath)) return undefined;
    return pulumi.output(fs.readFileSync(caCertPath, "utf8"));
}
