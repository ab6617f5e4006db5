/**
 * The one schema for pgstack's stack configuration.
 *
 * Raw Pulumi config (strings and JSON objects under the `pgstack:` namespace) goes in,
 * one typed, validated `StackConfig` comes out. Every error names the config key it is about.
 * Nothing here touches Pulumi: it is pure and unit-tested directly.
 */
import { z } from "zod";

/** Schemas and name prefixes the stack itself owns; tenants and app schemas may not take them. */
export const GUARD_SCHEMA = "pgstack";
export const RESERVED_SCHEMAS: readonly string[] = ["public", "information_schema", GUARD_SCHEMA];

export const TENANT_ID_PATTERN = /^[a-z][a-z0-9_]{0,39}$/;
const IDENTIFIER_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;
const EXTENSION_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export const SSL_MODES = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"] as const;
export type SslMode = (typeof SSL_MODES)[number];
/** sslmodes that do not guarantee an encrypted connection. */
export const INSECURE_SSL_MODES: readonly SslMode[] = ["disable", "allow", "prefer"];

export const ENVIRONMENTS = ["local", "staging", "production"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

const identifier = (what: string) =>
    z
        .string()
        .regex(
            IDENTIFIER_PATTERN,
            `${what} must be a lower-case SQL identifier: a letter or _, then letters, digits or _, at most 63 characters`,
        );

const notReserved = (name: string) => !RESERVED_SCHEMAS.includes(name) && !name.startsWith("pg_");

const appSchemaName = identifier("a schema name")
    .refine(notReserved, {
        message: `may not be a reserved schema (${RESERVED_SCHEMAS.join(", ")}, pg_*)`,
    })
    .refine((s) => !s.startsWith("tenant_"), {
        message: "may not start with tenant_ (tenant schemas are tenant_<id>)",
    });

/** A rotation seed: any short non-empty string; changing it rotates the passwords that depend on it. */
const seed = z
    .string()
    .min(1, "a rotation seed may not be empty")
    .max(100, "a rotation seed is at most 100 characters");

const port = z.number().int().min(1).max(65535);
const sslmode = z.enum(SSL_MODES);

/** How pgstack reaches the server: an existing/managed one whose admin login is given. */
const existingServer = z
    .object({
        mode: z.literal("existing"),
        host: z.string().min(1, "host may not be empty"),
        port: port.default(5432),
        adminUser: z.string().min(1).max(63).default("postgres"),
        /** The database the admin connection opens to create ours. */
        maintenanceDatabase: identifier("maintenanceDatabase").default("postgres"),
        /** sslmode of the admin connection made by the Pulumi provider. */
        sslmode: sslmode.default("verify-full"),
        /** Path to the CA bundle that signs the server's certificate (for verify-ca / verify-full). */
        caCertPath: z.string().min(1).optional(),
        /** Whether the admin login is a real superuser (false on RDS, Cloud SQL, Supabase, ...). */
        superuser: z.boolean().default(false),
    })
    .strict();

export const serverSchema = z.discriminatedUnion("mode", [existingServer], {
    error: () => "mode must be one of: existing",
});

const tenantSchema = z
    .object({
        id: z
            .string()
            .regex(
                TENANT_ID_PATTERN,
                "a tenant id is a lower-case letter, then up to 39 lower-case letters, digits or _",
            )
            .refine((id) => notReserved(id), { message: "is a reserved name" }),
        /** Per-tenant rotation seed: change it to rotate only this tenant's password. */
        seed: seed.optional(),
        /** Maximum concurrent connections of the tenant's role (-1: no limit). */
        connectionLimit: z.number().int().min(-1).max(10000).default(-1),
    })
    .strict();

const roleNames = z
    .object({
        service: identifier("roles.service").optional(),
        app: identifier("roles.app").optional(),
        readonly: identifier("roles.readonly").optional(),
    })
    .strict();

const rotation = z
    .object({
        /** Global seed: change it to rotate every password the stack generates. */
        seed: seed.default("initial"),
        service: seed.optional(),
        app: seed.optional(),
        readonly: seed.optional(),
        admin: seed.optional(),
    })
    .strict();

const dataProtection = z
    .object({
        /** Keep the database and tenant schemas on the server when they leave the stack. */
        retainOnDelete: z.boolean().optional(),
        /** Pulumi `protect`: refuse to delete the database and tenant schemas at all. */
        protect: z.boolean().optional(),
    })
    .strict();

/** The raw shape: what the stack YAML may hold under `pgstack:`. */
export const rawConfigSchema = z
    .object({
        environment: z.enum(ENVIRONMENTS),
        server: serverSchema,
        databaseName: identifier("databaseName").default("app"),
        schemas: z.array(appSchemaName).min(1, "at least one app schema").default(["app"]),
        roles: roleNames.default({}),
        readonlyRole: z.boolean().default(false),
        /** sslmode written into every DSN the stack exports. */
        sslmode: sslmode.default("verify-full"),
        /** Explicit opt-in to sslmodes that allow an unencrypted connection. */
        allowInsecureSsl: z.boolean().default(false),
        extensions: z
            .array(z.string().regex(EXTENSION_PATTERN, "an extension name is lower-case letters, digits, _ or -"))
            .default([]),
        tenantRolePrefix: z
            .string()
            .regex(/^[a-z][a-z0-9_]{0,22}$/, "a lower-case identifier prefix of at most 23 characters")
            .default("app_tenant_"),
        tenants: z.array(tenantSchema).default([]),
        rotation: rotation.default({ seed: "initial" }),
        dataProtection: dataProtection.default({}),
        /** Explicit opt-in to letting data leave with the stack (no retainOnDelete / protect in production). */
        allowDataLoss: z.boolean().default(false),
        /**
         * Secret: the admin password of an existing server (set with `pulumi config set --secret`).
         * Validated here, but never copied into StackConfig: it reaches components as a secret Output.
         */
        adminPassword: z.preprocess((v) => (v === "" ? undefined : v), z.string().optional()),
    })
    .strict()
    .superRefine((cfg, ctx) => {
        const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: "custom", path, message });

        const seen = new Set<string>();
        cfg.tenants.forEach((t, i) => {
            if (seen.has(t.id)) issue(["tenants", i, "id"], `duplicate tenant id "${t.id}"`);
            seen.add(t.id);
            if (cfg.schemas.includes(`tenant_${t.id}`)) {
                issue(["tenants", i, "id"], `tenant_${t.id} collides with an app schema`);
            }
        });

        const dupSchema = cfg.schemas.find((s, i) => cfg.schemas.indexOf(s) !== i);
        if (dupSchema) issue(["schemas"], `duplicate schema "${dupSchema}"`);

        const dupExt = cfg.extensions.find((s, i) => cfg.extensions.indexOf(s) !== i);
        if (dupExt) issue(["extensions"], `duplicate extension "${dupExt}"`);

        if (!cfg.allowInsecureSsl) {
            if (INSECURE_SSL_MODES.includes(cfg.sslmode)) {
                issue(
                    ["sslmode"],
                    `"${cfg.sslmode}" allows unencrypted connections; use require, verify-ca or verify-full (or set pgstack:allowInsecureSsl true)`,
                );
            }
            if (INSECURE_SSL_MODES.includes(cfg.server.sslmode)) {
                issue(
                    ["server", "sslmode"],
                    `"${cfg.server.sslmode}" allows unencrypted connections; use require, verify-ca or verify-full (or set pgstack:allowInsecureSsl true)`,
                );
            }
        }
        if ((cfg.sslmode === "verify-ca" || cfg.sslmode === "verify-full") && cfg.server.mode === "existing") {
            if (!cfg.server.caCertPath) {
                issue(["server", "caCertPath"], `sslmode ${cfg.sslmode} needs the CA bundle that signs the server`);
            }
        }

        if (cfg.server.mode === "existing" && cfg.adminPassword === undefined) {
            issue(
                ["adminPassword"],
                "is required for server.mode existing (pulumi config set --secret adminPassword …)",
            );
        }

        const dp = cfg.dataProtection;
        const production = cfg.environment === "production";
        if (!cfg.allowDataLoss) {
            if (dp.retainOnDelete === false) {
                issue(
                    ["dataProtection", "retainOnDelete"],
                    "false would drop data on delete; set pgstack:allowDataLoss true to allow it",
                );
            }
            if (production && dp.protect === false) {
                issue(["dataProtection", "protect"], "false in production needs pgstack:allowDataLoss true");
            }
        }

        const names = roleNamesOf(cfg);
        const roleValues = [names.service, names.app, names.readonly].filter((r) => r !== undefined);
        if (new Set(roleValues).size !== roleValues.length)
            issue(["roles"], "service, app and readonly roles must differ");
        for (const r of roleValues) {
            if (r.length > 63) issue(["roles"], `role "${r}" is longer than 63 characters (set pgstack:roles)`);
            if (r.startsWith(cfg.tenantRolePrefix)) {
                issue(["roles"], `role "${r}" starts with the tenant role prefix "${cfg.tenantRolePrefix}"`);
            }
        }
    });

/** Role names: configured, or derived from the database name. */
function roleNamesOf(c: {
    databaseName: string;
    readonlyRole: boolean;
    roles: { service?: string; app?: string; readonly?: string };
}): { service: string; app: string; readonly?: string } {
    return {
        service: c.roles.service ?? `${c.databaseName}_service`,
        app: c.roles.app ?? `${c.databaseName}_app`,
        readonly: c.readonlyRole ? (c.roles.readonly ?? `${c.databaseName}_readonly`) : undefined,
    };
}

export type RawConfig = z.input<typeof rawConfigSchema>;
type Parsed = z.output<typeof rawConfigSchema>;
export type ServerConfig = Parsed["server"];
export type TenantConfig = Parsed["tenants"][number];

/** The typed configuration every component receives. */
export interface StackConfig {
    environment: Environment;
    server: ServerConfig;
    databaseName: string;
    schemas: string[];
    roles: { service: string; app: string; readonly?: string };
    sslmode: SslMode;
    extensions: string[];
    tenantRolePrefix: string;
    tenants: TenantConfig[];
    rotation: { seed: string; service?: string; app?: string; readonly?: string; admin?: string };
    dataProtection: { retainOnDelete: boolean; protect: boolean };
}

/** Raised for invalid configuration; one line per problem, each naming its `pgstack:` key. */
export class ConfigError extends Error {
    constructor(public readonly problems: string[]) {
        super(`invalid pgstack configuration:\n  ${problems.join("\n  ")}`);
        this.name = "ConfigError";
    }
}

function keyOf(path: readonly PropertyKey[]): string {
    let key = "pgstack";
    path.forEach((p, i) => {
        if (typeof p === "number") key += `[${p}]`;
        else key += i === 0 ? `:${String(p)}` : `.${String(p)}`;
    });
    return key;
}

/** Parse raw config into the typed object, or throw one ConfigError naming every bad key. */
export function parseConfig(raw: unknown): StackConfig {
    const result = rawConfigSchema.safeParse(raw);
    if (!result.success) {
        throw new ConfigError(
            result.error.issues.flatMap((i) =>
                i.code === "unrecognized_keys"
                    ? i.keys.map((k) => `${keyOf([...i.path, k])}: unknown key`)
                    : [`${keyOf(i.path)}: ${i.message}`],
            ),
        );
    }
    const c = result.data;
    const production = c.environment === "production";
    return {
        environment: c.environment,
        server: c.server,
        databaseName: c.databaseName,
        schemas: c.schemas,
        roles: roleNamesOf(c),
        sslmode: c.sslmode,
        extensions: c.extensions,
        tenantRolePrefix: c.tenantRolePrefix,
        tenants: c.tenants,
        rotation: c.rotation,
        dataProtection: {
            retainOnDelete: c.dataProtection.retainOnDelete ?? true,
            protect: c.dataProtection.protect ?? production,
        },
    };
}
