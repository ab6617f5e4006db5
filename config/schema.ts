/**
 * The one schema for pgstack's stack configuration.
 *
 * Raw Pulumi config (strings and JSON objects under the `pgstack:` namespace) goes in,
 * one typed, validated `StackConfig` comes out. Every error names the config key it is about.
 * Nothing here touches Pulumi: it is pure and unit-tested directly.
 */
import { z } from "zod";
import {
    identifier,
    INSECURE_SSL_MODES,
    OPEN_CIDRS,
    serverSchema,
    ServerConfig,
    SSL_MODES,
    SslMode,
    sslmode,
} from "./server";
import { resolveStorage, StorageConfig, storageSchema } from "./storage";
import { connectGroupName, GUARD_SCHEMA, tenantsGroupName } from "../lib/naming";
import { imageVersion, PREPARED_STATEMENTS_SINCE, versionAtLeast } from "../lib/pgbouncer";
import { checkNames, keyOf } from "./names";
import { Environment, ENVIRONMENTS } from "./constants";
import { checkRestore, resolveRestore, RestoreStackConfig, restoreShape } from "./restore";
import { EXTENSION_NAME, EXTENSION_NAME_RULE, TENANT_ID, TENANT_ROLE_PREFIX } from "./patterns";
import { optionalKey } from "./projectFile";

export { INSECURE_SSL_MODES, SSL_MODES, serverSchema };
export type { SslMode };
export type { ServerConfig, ExistingServerConfig, RdsServerConfig, DockerServerConfig } from "./server";

export { GUARD_SCHEMA };

/** Default connection limit of a tenant's role. */
export const TENANT_CONNECTION_LIMIT = 20;

/** Tenant access modes (see TenantAccess). */
export const TENANT_ACCESS = ["login", "setrole", "both"] as const;

/** Schemas and name prefixes the stack itself owns; tenants and app schemas may not take them. */
export const RESERVED_SCHEMAS: readonly string[] = ["public", "information_schema", GUARD_SCHEMA];
export { ENVIRONMENTS };
export type { Environment };

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

const tenantSchema = z
    .object({
        id: z
            .string()
            .regex(TENANT_ID, "a tenant id is a lower-case letter, then up to 39 lower-case letters, digits or _")
            .refine((id) => notReserved(id), { message: "is a reserved name" }),
        /** Per-tenant rotation seed: change it to rotate only this tenant's password. */
        seed: seed.optional(),
        /**
         * Maximum concurrent connections of the tenant's role (-1: no limit). Bounded by default so one
         * tenant cannot take every connection the server has.
         */
        connectionLimit: z.number().int().min(-1).max(10000).default(TENANT_CONNECTION_LIMIT),
        /**
         * A tenant id used again after its removal finds its schema kept with the tables in it; its new
         * role gets no rights on them (they may hold another owner's data) unless this says so.
         */
        reclaimKeptObjects: z.boolean().default(false),
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

/**
 * The raw shape: what the stack YAML may hold under `pgstack:`. Each key's `.describe()` text is its
 * description in Pulumi.yaml (config/projectFile.ts; `npm run gen:pulumi-yaml` writes the file).
 */
export const rawConfigSchema = z
    .object({
        environment: z
            .enum(ENVIRONMENTS)
            .describe(
                "Which kind of environment this stack is: local | staging | production. Production turns on the safe defaults (protect, retained data).",
            ),
        server: serverSchema.describe(
            "Where PostgreSQL runs, by mode. rds: {identifier, vpcId, subnetIds, allowedCidrs, allowedSecurityGroupIds, instanceClass, multiAz, kmsKeyId, backupRetentionDays, deletionProtection, caCertPath, ...}; docker: {image, port, pgbouncer: {enabled, port, poolMode}, caCertPath}; existing: {host, port, adminUser, maintenanceDatabase, sslmode, caCertPath, superuser, pooler: {host, port, authUser} (a pgBouncer the app and tenant DSNs go through; the stack creates its auth lookup in the app database)} plus the adminPassword secret. See config/server.ts.",
        ),
        /**
         * Validated here, but never copied into StackConfig: it reaches components as a secret Output
         * (config/load.ts).
         */
        adminPassword: optionalKey(
            z.string(),
            "",
            "Secret (set with `pulumi config set --secret adminPassword`): admin password of an existing server. Required for server.mode existing.",
        ),
        databaseName: identifier("databaseName")
            .default("app")
            .describe(
                "Name of the application database (a lower-case SQL identifier). Immutable once deployed: changing it replaces every schema, grant and function in it (see README, Known limits).",
            ),
        schemas: z
            .array(appSchemaName)
            .min(1, "at least one app schema")
            .default(["app"])
            .describe(
                "The app's own schemas, owned by the service role; the app role gets DML on them, the read-only role SELECT.",
            ),
        roles: roleNames
            .default({})
            .describe("Role names {service, app, readonly}; each defaults to <databaseName>_<kind>."),
        readonlyRole: z
            .boolean()
            .default(false)
            .describe(
                "Create the read-only role (SELECT only, also on tables created later) and DATABASE_READONLY_URL.",
            ),
        sslmode: sslmode
            .default("verify-full")
            .describe(
                "sslmode written into every exported DSN: require | verify-ca | verify-full (disable/allow/prefer need allowInsecureSsl).",
            ),
        allowInsecureSsl: z
            .boolean()
            .default(false)
            .describe(
                "Explicit opt-in to sslmodes that allow unencrypted connections (disable, allow, prefer). Never in production.",
            ),
        extensions: z
            .array(z.string().regex(EXTENSION_NAME, EXTENSION_NAME_RULE))
            .default([])
            .describe("Extensions to create in the database, e.g. [pg_stat_statements, vector]."),
        tenantRolePrefix: z
            .string()
            .regex(TENANT_ROLE_PREFIX, "a lower-case identifier prefix of at most 23 characters")
            .default("app_tenant_")
            .describe(
                "Prefix of each tenant's login role (<prefix><id>); roles are cluster-wide, so two stacks on one server need different prefixes.",
            ),
        tenants: z
            .array(tenantSchema)
            .default([])
            .describe(
                "Tenants: [{id, seed?, connectionLimit? (default 20; -1: no limit), reclaimKeptObjects? (default false: an id used again gets no rights on the tables its kept schema holds)}]. Each gets schema tenant_<id> and role <tenantRolePrefix><id> (see tenantAccess). Removing one keeps its data.",
            ),
        tenantAccess: z
            .enum(TENANT_ACCESS)
            .default("login")
            .describe(
                "How tenants reach their schema: login (each tenant logs in as its own role, TENANT_DATABASE_URLS), setrole (tenant roles are NOLOGIN; the app role's pool runs SET ROLE <tenantRolePrefix><id> on checkout) or both.",
            ),
        tenantSearchPath: z
            .array(identifier("a schema name"))
            .default([])
            .describe(
                "App schemas a tenant names unqualified, after its own tenant_<id>: the tenant role's search_path, and what the checkout code sets after SET ROLE (output tenantSearchPaths). [] (default): every app schema, in order. Each must be one of pgstack:schemas.",
            ),
        rotation: rotation
            .default({ seed: "initial" })
            .describe(
                "Rotation seeds {seed, service?, app?, readonly?, admin?}: change one and `pulumi up` rotates exactly the passwords that depend on it.",
            ),
        dataProtection: dataProtection
            .default({})
            .describe(
                "{retainOnDelete?: true, protect?: (true in production)}: what happens to the database and tenant schemas when they leave the stack.",
            ),
        allowDataLoss: z
            .boolean()
            .default(false)
            .describe(
                "Explicit opt-in to weakening dataProtection (retainOnDelete false, or protect false in production).",
            ),
        storage: optionalKey(
            storageSchema,
            {},
            "Object storage and backup buckets (absent: none). {provider: s3|r2, bucketPrefix, region (s3), encryption: aes256|kms, kmsKeyArn?, rawPrefix? (s3), lifecycle: {noncurrentVersionExpirationDays (s3, 30), rawTransitionDays (30, null: never), rawTransitionStorageClass, abortIncompleteMultipartDays (7)}, backups: {retentionDays (14), lock?: {days, mode, prefixes? (r2)}, walgPrefix, pgbackrestPath}, r2: {accountId, jurisdiction, location?, permissionGroups?}, credentialsExpireOn (required for r2)}. Buckets follow dataProtection (protect in production, retained on delete). See config/storage.ts.",
        ),
        /** `restore` (a dump artifact to restore) and `readOnly` (config/restore.ts). */
        ...restoreShape,
    })
    .strict()
    .superRefine((cfg, ctx) => {
        const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: "custom", path, message });
        checkRestore(cfg, issue);

        const seen = new Set<string>();
        cfg.tenants.forEach((t, i) => {
            if (seen.has(t.id)) issue(["tenants", i, "id"], `duplicate tenant id "${t.id}"`);
            seen.add(t.id);
            if (cfg.schemas.includes(`tenant_${t.id}`)) {
                issue(["tenants", i, "id"], `tenant_${t.id} collides with an app schema`);
            }
        });

        cfg.tenantSearchPath.forEach((s, i) => {
            if (!cfg.schemas.includes(s)) {
                issue(
                    ["tenantSearchPath", i],
                    `"${s}" is not an app schema (pgstack:schemas: ${cfg.schemas.join(", ")})`,
                );
            } else if (cfg.tenantSearchPath.indexOf(s) !== i) {
                issue(["tenantSearchPath", i], `duplicate schema "${s}"`);
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
            if (cfg.server.mode !== "docker" && INSECURE_SSL_MODES.includes(cfg.server.sslmode)) {
                issue(
                    ["server", "sslmode"],
                    `"${cfg.server.sslmode}" allows unencrypted connections; use require, verify-ca or verify-full (or set pgstack:allowInsecureSsl true)`,
                );
            }
        }
        const verifies = (m: SslMode) => m === "verify-ca" || m === "verify-full";
        if (
            (verifies(cfg.sslmode) || (cfg.server.mode !== "docker" && verifies(cfg.server.sslmode))) &&
            !cfg.server.caCertPath
        ) {
            issue(
                ["server", "caCertPath"],
                cfg.server.mode === "docker"
                    ? `sslmode ${cfg.sslmode} needs a path to write the generated CA certificate to`
                    : `sslmode ${cfg.sslmode} needs the CA bundle that signs the server`,
            );
        }

        if (cfg.server.mode === "rds") {
            const rds = cfg.server;
            rds.allowedCidrs.forEach((c, i) => {
                if (OPEN_CIDRS.includes(c)) {
                    issue(
                        ["server", "allowedCidrs", i],
                        `${c} opens the database to the internet; list your VPC or office CIDRs`,
                    );
                }
            });
            if (rds.publiclyAccessible && !rds.allowPublicAccess) {
                issue(
                    ["server", "publiclyAccessible"],
                    "true needs the explicit override pgstack:server.allowPublicAccess true",
                );
            }
            if (rds.maxAllocatedStorage < rds.allocatedStorage) {
                issue(["server", "maxAllocatedStorage"], "must be at least allocatedStorage");
            }
            if (Object.keys(rds.parameters).includes("rds.force_ssl")) {
                issue(["server", "parameters", "rds.force_ssl"], "is always 1: SSL is enforced on every RDS instance");
            }
            if (cfg.environment === "production" && !cfg.allowDataLoss) {
                if (rds.deletionProtection === false) {
                    issue(["server", "deletionProtection"], "false in production needs pgstack:allowDataLoss true");
                }
                if (rds.backupRetentionDays < 7) {
                    issue(
                        ["server", "backupRetentionDays"],
                        "below 7 days in production needs pgstack:allowDataLoss true",
                    );
                }
            }
        }

        const bouncer =
            cfg.server.mode === "existing" && cfg.server.pooler
                ? {
                      key: ["server", "pooler"],
                      version: cfg.server.pooler.version,
                      max: cfg.server.pooler.maxPreparedStatements,
                  }
                : cfg.server.mode === "docker" && cfg.server.pgbouncer.enabled
                  ? {
                        key: ["server", "pgbouncer"],
                        version: imageVersion(cfg.server.pgbouncer.image),
                        max: cfg.server.pgbouncer.maxPreparedStatements,
                    }
                  : undefined;
        if (
            bouncer &&
            bouncer.max > 0 &&
            !(bouncer.version && versionAtLeast(bouncer.version, PREPARED_STATEMENTS_SINCE))
        ) {
            issue(
                [...bouncer.key, "maxPreparedStatements"],
                `needs pgBouncer >= ${PREPARED_STATEMENTS_SINCE} (` +
                    (bouncer.version ? `${bouncer.version} does not have max_prepared_statements` : "version unknown") +
                    (cfg.server.mode === "docker"
                        ? "; use a newer image or set it to 0)"
                        : "; set server.pooler.version, or 0)"),
            );
        }

        if (cfg.server.mode === "existing" && cfg.adminPassword === undefined) {
            issue(
                ["adminPassword"],
                "is required for server.mode existing (pulumi config set --secret adminPassword …)",
            );
        }

        // pgBouncer's lookup (components/access/poolerAuth.ts) is a SECURITY DEFINER function reading
        // pg_shadow: it works only when its owner, the admin, is a superuser. A managed admin (RDS
        // master user, rds_superuser) creates it but every pooled login would then fail.
        if (cfg.server.mode === "existing" && cfg.server.pooler && !cfg.server.superuser) {
            issue(
                ["server", "pooler"],
                "needs server.superuser true: the pooler's password lookup reads pg_shadow, which only a superuser admin can grant",
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

        // Reserved, over-long and colliding database, role and schema names (config/names.ts).
        checkNames(cfg, issue);

        const names = roleNamesOf(cfg);
        const roleValues = [names.service, names.app, names.readonly].filter((r) => r !== undefined);
        for (const r of roleValues) {
            if (r.startsWith(cfg.tenantRolePrefix)) {
                issue(["roles"], `role "${r}" starts with the tenant role prefix "${cfg.tenantRolePrefix}"`);
            }
        }
        // The group roles the stack derives from the database name (lib/naming.ts; their collisions
        // with other names are checked in config/names.ts) may not look like a tenant's role either.
        const groups = [
            ["the connect group", connectGroupName(cfg.databaseName)],
            ["the tenants group", tenantsGroupName(cfg.databaseName)],
        ] as const;
        for (const [what, group] of groups) {
            if (!group.startsWith(cfg.tenantRolePrefix)) continue;
            const id = group.slice(cfg.tenantRolePrefix.length);
            issue(
                ["tenantRolePrefix"],
                `${what} "${group}" starts with the tenant role prefix "${cfg.tenantRolePrefix}"` +
                    (id ? ` (tenant id "${id}" would collide with it)` : ""),
            );
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
export type TenantConfig = Parsed["tenants"][number];

/** What happens to stateful resources (database, schemas, buckets, the RDS instance) when they leave the stack. */
export interface DataProtection {
    /** Pulumi `retainOnDelete`: removing the resource from the stack leaves it in place. */
    retainOnDelete: boolean;
    /** Pulumi `protect`: refuse to delete (or replace) it at all. */
    protect: boolean;
}

/**
 * Tenant access modes: `login`, each tenant logs in as its own role (its own DSN); `setrole`, tenant
 * roles are NOLOGIN and the app role's pool runs `SET ROLE <prefix><id>` on checkout; `both`.
 */
export type TenantAccess = (typeof TENANT_ACCESS)[number];

/** The typed configuration every component receives. */
export interface StackConfig extends RestoreStackConfig {
    environment: Environment;
    server: ServerConfig;
    databaseName: string;
    schemas: string[];
    roles: { service: string; app: string; readonly?: string };
    sslmode: SslMode;
    extensions: string[];
    tenantRolePrefix: string;
    tenants: TenantConfig[];
    tenantAccess: TenantAccess;
    /** App schemas after tenant_<id> in a tenant's search_path. */
    tenantSearchPath: string[];
    rotation: { seed: string; service?: string; app?: string; readonly?: string; admin?: string };
    dataProtection: DataProtection;
    /** Object storage and backups, when configured. */
    storage?: StorageConfig;
}

/** Raised for invalid configuration; one line per problem, each naming its `pgstack:` key. */
export class ConfigError extends Error {
    constructor(public readonly problems: string[]) {
        super(`invalid pgstack configuration:\n  ${problems.join("\n  ")}`);
        this.name = "ConfigError";
    }
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
        tenantAccess: c.tenantAccess,
        tenantSearchPath: c.tenantSearchPath.length > 0 ? c.tenantSearchPath : c.schemas,
        rotation: c.rotation,
        dataProtection: {
            retainOnDelete: c.dataProtection.retainOnDelete ?? true,
            protect: c.dataProtection.protect ?? production,
        },
        storage: c.storage && resolveStorage(c.storage),
        ...resolveRestore(c),
    };
}
