/**
 * PostgreSQL: least-privilege roles, and TLS on every connection the stack configures: the
 * provider's admin connection, any connection string a resource carries (container env, config
 * files), and the stack config that goes into the exported DSNs (pgstack:sslmode).
 */
import { ENVIRONMENT_CONFIG_SCHEMA, EnvironmentConfig, isLocal, readStackFacts } from "./environment";
import { INSECURE_SSL_MODES } from "../config/constants";
import { POSTGRESQL } from "../upstream/tokens";
import { asList, isObject, isTrue, label, peek, Policy, ResourceValidationPolicy, StackValidationPolicy } from "./lib";

export const PG_ROLE = POSTGRESQL.Role;
export const PG_GRANT_ROLE = POSTGRESQL.GrantRole;
export const PG_GRANT = POSTGRESQL.Grant;
export const PG_DEFAULT_PRIVILEGES = POSTGRESQL.DefaultPrivileges;
export const PG_PROVIDER = "pulumi:providers:postgresql";

/**
 * Memberships that give a role superuser-equivalent or server-level powers: granting one defeats the
 * attribute checks (rds_superuser, cloudsqlsuperuser, azure_pg_admin are the managed "superusers").
 */
export const DANGEROUS_MEMBERSHIPS = [
    "rds_superuser",
    "rds_replication",
    "cloudsqlsuperuser",
    "azure_pg_admin",
    "pg_write_all_data",
    "pg_read_all_data",
    "pg_read_server_files",
    "pg_write_server_files",
    "pg_execute_server_program",
    "pg_signal_backend",
    "pg_checkpoint",
    "pg_create_subscription",
    "pg_database_owner",
];

/** Role attributes no role of the stack may have. */
export const FORBIDDEN_ROLE_ATTRIBUTES = [
    "superuser",
    "createRole",
    "createDatabase",
    "replication",
    "bypassRowLevelSecurity",
];

/** sslmodes that allow an unencrypted connection (the same list the config schema rejects). */
export const INSECURE_SSLMODES: readonly string[] = INSECURE_SSL_MODES;

/** `sslmode=disable`, `PGSSLMODE=prefer`, `server_tls_sslmode = allow`, `"sslmode": "disable"`, ... */
const INSECURE_SSLMODE_TEXT = new RegExp(`sslmode['"]?\\s*[=:]\\s*['"]?(${INSECURE_SSL_MODES.join("|")})\\b`, "gi");
/** A setting's name that is an sslmode: `sslmode`, `PGSSLMODE`, `server_tls_sslmode`, ... */
const SSLMODE_KEY = /sslmode$/i;

export interface InsecureSetting {
    /** Where: a property path such as `envs[2]`; never the value (it may hold a password). */
    path: string;
    mode: string;
}

/** `postgres://` / `postgresql://` URLs inside a string (a DSN on its own, or one in an env var or file). */
const DSN_URL = /postgres(?:ql)?:\/\/[^\s'"]+/gi;

/**
 * A connection URL with no sslmode (and no ssl=true): libpq then uses prefer, node-postgres no TLS at
 * all. Parsed with the WHATWG URL API, not pg-connection-string: its parse() opens the sslrootcert /
 * sslcert / sslkey files the URL names, which a policy run must not do (they exist on the app's host).
 */
function dsnWithoutSslmode(text: string): boolean {
    return [...text.matchAll(DSN_URL)].some(([dsn]) => {
        const url = peek(() => new URL(dsn));
        if (!url) return false;
        const q = url.searchParams;
        return !q.has("sslmode") && !["true", "1", "require"].includes((q.get("ssl") ?? "").toLowerCase());
    });
}

/** Every insecure sslmode setting in a JSON-ish value, by path. Values unknown in a preview are skipped. */
export function insecureSslModes(value: unknown, path = "", depth = 0): InsecureSetting[] {
    if (depth > 32) return [];
    if (typeof value === "string") {
        const found = [...value.matchAll(INSECURE_SSLMODE_TEXT)].map((m) => ({ path, mode: m[1].toLowerCase() }));
        if (found.length === 0 && dsnWithoutSslmode(value)) found.push({ path, mode: "unset: libpq prefers" });
        return found;
    }
    if (Array.isArray(value)) {
        return value.flatMap((_, i) =>
            insecureSslModes(
                peek(() => value[i]),
                `${path}[${i}]`,
                depth + 1,
            ),
        );
    }
    if (!isObject(value)) return [];
    return Object.keys(value).flatMap((k) => {
        const v = peek(() => value[k]);
        const at = path ? `${path}.${k}` : k;
        if (SSLMODE_KEY.test(k) && typeof v === "string" && INSECURE_SSLMODES.includes(v.toLowerCase())) {
            return [{ path: at, mode: v.toLowerCase() }];
        }
        return insecureSslModes(v, at, depth + 1);
    });
}

const placesOf = (found: InsecureSetting[]) => found.map((f) => `${f.path || "value"} (sslmode ${f.mode})`).join(", ");

export const postgresRoleLeastPrivilege: ResourceValidationPolicy = {
    name: "postgres-role-least-privilege",
    description: `PostgreSQL roles are never ${FORBIDDEN_ROLE_ATTRIBUTES.join(", ")}.`,
    enforcementLevel: "mandatory",
    severity: "critical",
    validateResource: (args, report) => {
        if (args.type !== PG_ROLE) return;
        const granted = FORBIDDEN_ROLE_ATTRIBUTES.filter((a) => isTrue(args.props[a]));
        if (granted.length > 0) {
            report(
                `${label(args)} (role ${String(args.props.name)}) has ${granted.join(", ")}: set them false ` +
                    "(the access model in lib/accessModel.ts grants none); do admin work with the server's admin login instead.",
            );
        }
    },
};

/** The dangerous roles among a list of role names. */
function dangerous(roles: unknown): string[] {
    return asList(roles)
        .filter((r): r is string => typeof r === "string")
        .filter((r) => DANGEROUS_MEMBERSHIPS.includes(r.toLowerCase()));
}

export const postgresNoDangerousMemberships: ResourceValidationPolicy = {
    name: "postgres-no-dangerous-memberships",
    description: `No role is made a member of ${DANGEROUS_MEMBERSHIPS.join(", ")}.`,
    enforcementLevel: "mandatory",
    severity: "critical",
    validateResource: (args, report) => {
        const granted =
            args.type === PG_ROLE
                ? dangerous(args.props.roles)
                : args.type === PG_GRANT_ROLE
                  ? dangerous([args.props.grantRole])
                  : [];
        if (granted.length > 0) {
            const who = String(args.type === PG_ROLE ? args.props.name : args.props.role);
            report(
                `${label(args)} makes role ${who} a member of ${granted.join(", ")}, which is superuser-equivalent ` +
                    "or reaches the server's files, programs or other sessions: grant only the stack's own roles.",
            );
        }
    },
};

/** PUBLIC keeps USAGE on schema public (PostgreSQL's own default, restated when CREATE is taken away). */
function allowedPublicGrant(props: Record<string, unknown>, privileges: string[]): boolean {
    return (
        props.objectType === "schema" &&
        props.schema === "public" &&
        privileges.every((p) => p.toUpperCase() === "USAGE")
    );
}

export const postgresNoPublicGrants: ResourceValidationPolicy = {
    name: "postgres-no-public-grants",
    description:
        "No Grant or DefaultPrivileges gives PUBLIC (every role, tenants included) a privilege; revocations " +
        "(empty privileges) and USAGE on schema public are fine.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateResource: (args, report) => {
        if (args.type !== PG_GRANT && args.type !== PG_DEFAULT_PRIVILEGES) return;
        if (String(args.props.role).toLowerCase() !== "public") return;
        const privileges = asList(args.props.privileges).filter((p): p is string => typeof p === "string");
        if (privileges.length === 0 || allowedPublicGrant(args.props, privileges)) return;
        report(
            `${label(args)} grants ${privileges.join(", ")} on ${String(args.props.objectType)} to PUBLIC, i.e. to ` +
                "every role including every tenant: grant to the stack's roles (or the connect group) instead.",
        );
    },
};

function providerProblem(sslmode: unknown): string | undefined {
    if (sslmode === undefined || sslmode === null || sslmode === "") {
        return (
            "sets no sslmode (the provider then takes PGSSLMODE from the deploy machine, which may say disable; " +
            "with none, lib/pq uses require: encrypted, but the server's certificate is not verified)"
        );
    }
    if (INSECURE_SSLMODES.includes(String(sslmode).toLowerCase())) {
        return `uses sslmode ${String(sslmode)}, which allows plain text`;
    }
    return undefined;
}

export const postgresProviderTls: ResourceValidationPolicy = {
    name: "postgres-provider-tls",
    description: "The PostgreSQL provider connects with sslmode require, verify-ca or verify-full.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateResource: (args, report) => {
        const fix = "set sslmode verify-full (pgstack:server.sslmode) with the server's CA, or at least require.";
        if (args.type === PG_PROVIDER) {
            const problem = providerProblem(args.props.sslmode);
            if (problem) report(`${label(args)} ${problem}: ${fix}`);
            return;
        }
        // A default provider (configured by `postgresql:*` stack config) is checked through its resources.
        const p = args.provider;
        if (args.type.startsWith("postgresql:") && p?.type === PG_PROVIDER && p.name.startsWith("default")) {
            const problem = providerProblem(peek(() => p.props.sslmode));
            if (problem) report(`${label(args)}: its default provider ${p.name} ${problem}: ${fix}`);
        }
    },
};

export const postgresDsnTls: ResourceValidationPolicy = {
    name: "postgres-dsn-tls",
    description: "No resource carries a PostgreSQL connection setting with sslmode disable, allow or prefer.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateResource: (args, report) => {
        if (args.type === PG_PROVIDER) return; // postgres-provider-tls
        const found = insecureSslModes(args.props);
        if (found.length > 0) {
            report(
                `${label(args)} configures PostgreSQL connections without TLS at ${placesOf(found)}: ` +
                    "use sslmode=verify-full (or require).",
            );
        }
    },
};

/** Stack config keys pgstack:allowInsecureSsl loosens (the sslmodes config/schema.ts lets it allow). */
const LOOSENED_BY_ALLOW_INSECURE_SSL = ["pgstack:sslmode", "pgstack:server"];

export const postgresConfigTls: StackValidationPolicy = {
    name: "postgres-config-tls",
    description:
        "The stack config (pgstack:sslmode, pgstack:server, DSNs in config) asks for no sslmode below require; " +
        "pgstack:allowInsecureSsl true lifts this for pgstack:sslmode and pgstack:server on a local stack only.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: ENVIRONMENT_CONFIG_SCHEMA,
    validateStack: (args, report) => {
        const facts = readStackFacts();
        const loosened =
            facts.config["pgstack:allowInsecureSsl"] === "true" && isLocal(args.getConfig<EnvironmentConfig>(), facts);
        for (const [key, raw] of Object.entries(facts.config)) {
            if (loosened && LOOSENED_BY_ALLOW_INSECURE_SSL.includes(key)) continue;
            const value = peek(() => JSON.parse(raw) as unknown) ?? raw;
            const found = SSLMODE_KEY.test(key)
                ? insecureSslModes({ [key]: value })
                : insecureSslModes(value, key).map((f) => ({ ...f, path: f.path || key }));
            if (found.length > 0) {
                report(
                    `stack config ${placesOf(found)} allows unencrypted PostgreSQL connections: set it to ` +
                        "verify-full (or require). pgstack:allowInsecureSsl lifts this for a local stack only, " +
                        "never for staging or production.",
                );
            }
        }
    },
};

export const postgresPolicies: Policy[] = [
    postgresRoleLeastPrivilege,
    postgresNoDangerousMemberships,
    postgresNoPublicGrants,
    postgresProviderTls,
    postgresDsnTls,
    postgresConfigTls,
];
