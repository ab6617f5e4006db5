/**
 * Connection strings, built with the WHATWG URL API so user names and passwords are percent-encoded
 * and never concatenated by hand.
 */
import * as pulumi from "@pulumi/pulumi";
import type { SslMode } from "../config/schema";

export interface DsnParts {
    user: string;
    password: string;
    host: string;
    port: number;
    database: string;
    sslmode: SslMode;
    /** Path of the CA bundle for verify-ca / verify-full. */
    sslrootcert?: string;
}

/** A libpq-style URL: postgresql://user:password@host:port/database?sslmode=…&sslrootcert=… */
export function buildDsn(p: DsnParts): string {
    const url = new URL("postgresql://placeholder");
    url.hostname = p.host.includes(":") && !p.host.startsWith("[") ? `[${p.host}]` : p.host;
    url.port = String(p.port);
    // The URL setters leave "%" (and a few others) as they are, so encode fully first; an
    // already-encoded string passes the setters unchanged.
    url.username = encodeURIComponent(p.user);
    url.password = encodeURIComponent(p.password);
    url.pathname = `/${encodeURIComponent(p.database)}`;
    url.searchParams.set("sslmode", p.sslmode);
    if (p.sslrootcert) url.searchParams.set("sslrootcert", p.sslrootcert);
    return url.toString();
}

export interface DsnInputs {
    user: pulumi.Input<string>;
    password: pulumi.Input<string>;
    host: pulumi.Input<string>;
    port: pulumi.Input<number>;
    database: pulumi.Input<string>;
    sslmode: SslMode;
    sslrootcert?: pulumi.Input<string | undefined>;
}

/** The same DSN as a secret Output: it carries a password, so it never leaves the stack in plaintext. */
export function secretDsn(p: DsnInputs): pulumi.Output<string> {
    return pulumi.secret(
        pulumi
            .all([p.user, p.password, p.host, p.port, p.database, p.sslrootcert])
            .apply(([user, password, host, port, database, sslrootcert]) =>
                buildDsn({ user, password, host, port, database, sslmode: p.sslmode, sslrootcert }),
            ),
    );
}
