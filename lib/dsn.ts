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

/**
 * The same DSN without `sslrootcert` (a path on the deploy machine): an app elsewhere keeps the
 * sslmode and supplies the CA itself (the `caCertificate` output) where its driver reads it:
 * PGSSLROOTCERT for libpq, psycopg and pgx, `ssl.ca` for node-postgres.
 */
export function portableDsn(dsn: string): string {
    const url = new URL(dsn);
    url.searchParams.delete("sslrootcert");
    return url.toString();
}

/** The DSN as a SQLAlchemy 2 URL for the psycopg 3 dialect (postgresql+psycopg://…); the rest is unchanged. */
export function sqlalchemyUrl(dsn: string, driver: "psycopg" | "psycopg2" = "psycopg"): string {
    if (!dsn.startsWith("postgresql://")) throw new Error("sqlalchemyUrl: not a postgresql:// DSN");
    return `postgresql+${driver}://${dsn.slice("postgresql://".length)}`;
}

/** The same DSN on another port of the same host (a second pooler listener). */
export function dsnOnPort(dsn: string, port: number): string {
    const url = new URL(dsn);
    url.port = String(port);
    return url.toString();
}

/** A secret DSN Output mapped through one of the functions above; still secret. */
export function secretVariant(dsn: pulumi.Output<string>, f: (s: string) => string): pulumi.Output<string> {
    return pulumi.secret(dsn.apply(f));
}
