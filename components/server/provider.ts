/** The one place the admin connection (a @pulumi/postgresql Provider) is built, whatever the server mode. */
import * as postgresql from "@pulumi/postgresql";
import type * as pulumi from "@pulumi/pulumi";
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
