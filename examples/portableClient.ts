import { readFileSync } from "fs";
import { Pool } from "pg";
import { parseIntoClientConfig } from "pg-connection-string";

/**
 * node-postgres on a portable DSN (DATABASE_URL_PORTABLE) with the CA in a file of the app's own
 * (the caCertificate output). node-postgres lets the URL's sslmode replace an `ssl` option passed
 * next to `connectionString`, so parse the URL first and set `ssl` after it.
 */
export function portablePool(url: string, caFile: string): Pool {
    return new Pool({
        ...parseIntoClientConfig(url),
        ssl: { ca: readFileSync(caFile, "utf8"), rejectUnauthorized: true },
    });
}
