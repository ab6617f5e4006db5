/**
 * Provider configuration of the offline postgresql provider (upstream's provider.go and config.go): the keys
 * upstream accepts, with the same defaults (the Terraform schema's DefaultFuncs: PG* environment variables,
 * then literals), and a clear error for every key the offline provider does not implement.
 */
import { readFileSync } from "fs";
import type { ConnectionOptions } from "tls";
import { Props, UNKNOWN, containsUnknown } from "../props";
import type { CheckFailure } from "../resource";

export type SslMode = "disable" | "require" | "verify-ca" | "verify-full";

export interface PgConfig {
    host: string;
    port: number;
    database: string;
    username: string;
    databaseUsername?: string;
    password?: string;
    /** "" behaves as require (lib/pq). */
    sslmode: SslMode | "";
    sslrootcert?: string;
    superuser: boolean;
    connectTimeout: number;
    maxConnections: number;
    expectedVersion: string;
}

/** Keys the offline provider implements. */
const SUPPORTED = new Set([
    "host",
    "port",
    "database",
    "username",
    "databaseUsername",
    "password",
    "sslmode",
    "sslMode",
    "sslrootcert",
    "superuser",
    "connectTimeout",
    "maxConnections",
    "expectedVersion",
    "scheme",
]);

/** Upstream keys the offline provider does not implement (setting one is an error naming it). */
const NOT_IMPLEMENTED = new Set([
    "awsRdsIamAuth",
    "awsRdsIamProfile",
    "awsRdsIamRegion",
    "awsRdsIamProviderRoleArn",
    "azureIdentityAuth",
    "azureTenantId",
    "gcpIamImpersonateServiceAccount",
    "clientcert",
]);

/** Keys the engine itself adds to provider inputs. */
const ENGINE_KEYS = new Set(["version", "pluginDownloadURL"]);

const SSL_MODES = ["disable", "require", "verify-ca", "verify-full"];

/** Provider inputs arrive JSON-encoded (`"55432"`, `"true"`) from the Node SDK; accept both forms. */
function decode(v: unknown): unknown {
    if (typeof v !== "string") return v;
    if (v === UNKNOWN) return v;
    try {
        return JSON.parse(v);
    } catch {
        return v;
    }
}

function isSet(v: unknown): boolean {
    const d = decode(v);
    return !(d === undefined || d === null || d === "" || d === false);
}

/** Config validation (CheckConfig and Configure): one failure per offending key. */
export function checkPgConfig(raw: Props): CheckFailure[] {
    const f: CheckFailure[] = [];
    for (const [k, v] of Object.entries(raw)) {
        if (ENGINE_KEYS.has(k) || k.startsWith("__")) continue;
        if (NOT_IMPLEMENTED.has(k)) {
            if (isSet(v)) {
                f.push({
                    property: k,
                    reason: `postgresql provider config "${k}" is not supported by the offline provider`,
                });
            }
            continue;
        }
        if (!SUPPORTED.has(k)) {
            f.push({ property: k, reason: `unknown postgresql provider config "${k}"` });
            continue;
        }
        if (containsUnknown(v)) continue;
        const d = decode(v);
        if (k === "scheme" && isSet(d) && d !== "postgres") {
            f.push({
                property: k,
                reason: `postgresql provider config scheme "${String(d)}" is not supported by the offline provider (only postgres)`,
            });
        }
        if ((k === "sslmode" || k === "sslMode") && isSet(d) && !SSL_MODES.includes(String(d))) {
            f.push({
                property: k,
                reason: `postgresql provider config ${k} "${String(d)}" is not supported by the offline provider (use one of ${SSL_MODES.join(", ")})`,
            });
        }
        if (["port", "connectTimeout", "maxConnections"].includes(k) && d !== null && d !== undefined) {
            if (typeof d !== "number" || !Number.isInteger(d)) {
                f.push({ property: k, reason: `postgresql provider config ${k} must be an integer` });
            } else if (k !== "port" && d < -1) {
                f.push({ property: k, reason: `postgresql provider config ${k} must be >= -1` });
            }
        }
        if (k === "superuser" && d !== null && d !== undefined && typeof d !== "boolean") {
            f.push({ property: k, reason: `postgresql provider config superuser must be a boolean` });
        }
    }
    return f;
}

/** Resolves the config with upstream's defaults. Throws on an invalid or unsupported key. */
export function resolvePgConfig(raw: Props, env: NodeJS.ProcessEnv = process.env): PgConfig {
    const failures = checkPgConfig(raw);
    if (failures.length) throw new Error(failures.map((x) => x.reason).join("; "));
    const get = (k: string): unknown => {
        const d = decode(raw[k]);
        return d === null || d === "" ? undefined : d;
    };
    const envInt = (name: string) => (env[name] ? parseInt(env[name] as string, 10) : undefined);
    const sslmode = (get("sslmode") ?? get("sslMode") ?? env.PGSSLMODE ?? "") as string;
    if (sslmode !== "" && !SSL_MODES.includes(sslmode)) {
        throw new Error(`postgresql sslmode "${sslmode}" is not supported by the offline provider`);
    }
    const superuserEnv = env.PGSUPERUSER !== undefined ? env.PGSUPERUSER === "true" : undefined;
    return {
        host: (get("host") as string) ?? env.PGHOST ?? "",
        port: (get("port") as number) ?? envInt("PGPORT") ?? 5432,
        database: (get("database") as string) ?? env.PGDATABASE ?? "postgres",
        username: (get("username") as string) ?? env.PGUSER ?? "postgres",
        databaseUsername: get("databaseUsername") as string | undefined,
        password: (get("password") as string) ?? env.PGPASSWORD,
        sslmode: sslmode as SslMode | "",
        sslrootcert: get("sslrootcert") as string | undefined,
        superuser: (get("superuser") as boolean) ?? superuserEnv ?? true,
        connectTimeout: (get("connectTimeout") as number) ?? envInt("PGCONNECT_TIMEOUT") ?? 180,
        maxConnections: (get("maxConnections") as number) ?? 20,
        expectedVersion: (get("expectedVersion") as string) ?? "9.0.0",
    };
}

/**
 * TLS options for `pg`, as lib/pq maps sslmode: verify-full checks the CA and the host name;
 * verify-ca checks the CA only; require ("" too) verifies nothing unless an sslrootcert is given,
 * in which case the CA is verified (lib/pq's compatibility rule); disable turns TLS off.
 */
export function tlsOptions(
    c: Pick<PgConfig, "sslmode" | "sslrootcert">,
    readFile: (path: string) => string = (p) => readFileSync(p, "utf8"),
): false | ConnectionOptions {
    if (c.sslmode === "disable") return false;
    const ca = c.sslrootcert ? readFile(c.sslrootcert) : undefined;
    const noHostCheck = () => undefined;
    switch (c.sslmode) {
        case "verify-full":
            return { ca, rejectUnauthorized: true };
        case "verify-ca":
            return { ca, rejectUnauthorized: true, checkServerIdentity: noHostCheck };
        default:
            return ca
                ? { ca, rejectUnauthorized: true, checkServerIdentity: noHostCheck }
                : { rejectUnauthorized: false };
    }
}

/** The admin as upstream names it for REASSIGN OWNED and the Database owner dance. */
export function adminName(c: PgConfig): string {
    return c.databaseUsername || c.username;
}
