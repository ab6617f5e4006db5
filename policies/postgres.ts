/**
 * PostgreSQL: least-privilege roles, and TLS on every connection the stack configures: the
 * provider's admin connection, any connection string a resource carries (container env, config
 * files), and the stack config that goes into the exported DSNs (pgstack:sslmode).
 */
import { readStackFacts } from "./environment";
import { isObject, isTrue, label, peek, Policy, ResourceValidationPolicy, StackValidationPolicy } from "./lib";

export const PG_ROLE = "postgresql:index/role:Role";
export const PG_PROVIDER = "pulumi:providers:postgresql";

/** Role attributes no role of the stack may have. */
export const FORBIDDEN_ROLE_ATTRIBUTES = [
    "superuser",
    "createRole",
    "createDatabase",
    "replication",
    "bypassRowLevelSecurity",
];

/** sslmodes that allow an unencrypted connection. */
export const INSECURE_SSLMODES = ["disable", "allow", "prefer"];

/** `sslmode=disable`, `PGSSLMODE=prefer`, `server_tls_sslmode = allow`, `"sslmode": "disable"`, ... */
const INSECURE_SSLMODE_TEXT = /sslmode['"]?\s*[=:]\s*['"]?(disable|allow|prefer)\b/gi;

export interface InsecureSetting {
    /** Where: a property path such as `envs[2]`; never the value (it may hold a password). */
    path: string;
    mode: string;
}

/** Every insecure sslmode setting in a JSON-ish value, by path. Values unknown in a preview are skipped. */
export function insecureSslModes(value: unknown, path = "", depth = 0): InsecureSetting[] {
    if (depth > 32) return [];
    if (typeof value === "string") {
        return [...value.matchAll(INSECURE_SSLMODE_TEXT)].map((m) => ({ path, mode: m[1].toLowerCase() }));
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
        if (/sslmode$/i.test(k) && typeof v === "string" && INSECURE_SSLMODES.includes(v.toLowerCase())) {
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
                    "(components/roles.ts LEAST_PRIVILEGE); do admin work with the server's admin login instead.",
            );
        }
    },
};

function providerProblem(sslmode: unknown): string | undefined {
    if (sslmode === undefined || sslmode === null || sslmode === "") {
        return "sets no sslmode (libpq then uses prefer, which falls back to plain text)";
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

export const postgresConfigTls: StackValidationPolicy = {
    name: "postgres-config-tls",
    description:
        "The stack config (pgstack:sslmode, pgstack:server, DSNs in config) asks for no sslmode below require.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateStack: (_args, report) => {
        for (const [key, raw] of Object.entries(readStackFacts().config)) {
            const value = peek(() => JSON.parse(raw) as unknown) ?? raw;
            const found = /sslmode$/i.test(key)
                ? insecureSslModes({ [key]: value })
                : insecureSslModes(value, key).map((f) => ({ ...f, path: f.path || key }));
            if (found.length > 0) {
                report(
                    `stack config ${placesOf(found)} allows unencrypted PostgreSQL connections: set it to ` +
                        "verify-full (or require). The policy pack does not honour pgstack:allowInsecureSsl.",
                );
            }
        }
    },
};

export const postgresPolicies: Policy[] = [
    postgresRoleLeastPrivilege,
    postgresProviderTls,
    postgresDsnTls,
    postgresConfigTls,
];
