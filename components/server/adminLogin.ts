/**
 * The admin login, checked on every run where the server already exists (existing mode).
 *
 * The postgresql provider connects lazily: only to create, update, delete or read a resource. A
 * `preview`, or an `up` with nothing to change, would therefore accept a wrong pgstack:adminPassword
 * (or server.adminUser), store it, and fail only at the next real change. Calling the provider's
 * `getSchemas` function (upstream's postgresql_schemas data source) makes it log in as the admin, on
 * the admin connection the resources use, in every preview and update; a refused login fails the run
 * with an error naming the keys to fix. The provider masks the password in its errors.
 */
import * as postgresql from "@pulumi/postgresql";
import * as pulumi from "@pulumi/pulumi";

/** What the message names: the server's address and the admin. */
export interface AdminLoginTarget {
    host: string;
    port: number;
    adminUser: string;
    database: string;
}

// Answers of the server (or pgBouncer) to a login it refuses, as pg / lib/pq word them.
const REFUSED = /password authentication failed|SASL authentication|no pg_hba\.conf entry|role "[^"]*" does not exist/i;

/** The error a failed admin login check raises, naming the keys that decide it. */
export function adminLoginProblem(providerMessage: string, t: AdminLoginTarget): string {
    const detail = providerMessage.replace(/\s+/g, " ").trim();
    if (REFUSED.test(detail)) {
        return (
            `pgstack:adminPassword / pgstack:server.adminUser: the server ${t.host}:${t.port} refused the admin login ` +
            `"${t.adminUser}" (${detail}). Set the admin's current password with ` +
            "`pulumi config set --secret adminPassword` (value on stdin), or the right pgstack:server.adminUser."
        );
    }
    return (
        `pgstack:server.host / pgstack:server.port: could not log in to ${t.host}:${t.port} as "${t.adminUser}" ` +
        `to check the admin credentials (${detail}). Check the address, pgstack:server.sslmode and pgstack:server.caCertPath.`
    );
}

/**
 * Logs in as the admin through `provider` (to `t.database`) and resolves once the server accepted it;
 * rejects with adminLoginProblem's message otherwise. Give the result to registerOutputs so the run
 * waits for it.
 */
export function checkAdminLogin(
    provider: postgresql.Provider,
    t: AdminLoginTarget,
    opts: { parent: pulumi.Resource },
): pulumi.Output<boolean> {
    const checked = postgresql.getSchemas({ database: t.database }, { provider, parent: opts.parent }).then(
        () => true,
        (err: unknown) => {
            throw new pulumi.RunError(adminLoginProblem(err instanceof Error ? err.message : String(err), t));
        },
    );
    return pulumi.output(checked);
}
