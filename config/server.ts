/**
 * Where the PostgreSQL server comes from, three ways: AWS RDS, a local Docker container, or an
 * existing/managed server whose admin login is given. One discriminated union on `mode`.
 */
import { z } from "zod";
import { INSECURE_SSL_MODES, OPEN_CIDRS, RDS_ADMIN_USER, SSL_MODES, SslMode } from "./constants";
import { SQL_IDENTIFIER } from "./patterns";

export { INSECURE_SSL_MODES, OPEN_CIDRS, SSL_MODES };
export type { SslMode };

export const identifier = (what: string) =>
    z
        .string()
        .regex(
            SQL_IDENTIFIER,
            `${what} must be a lower-case SQL identifier: a letter or _, then letters, digits or _, at most 63 characters`,
        );

const port = z.number().int().min(1).max(65535);
/** Prepared statements pgBouncer keeps per server connection (docker mode). */
export const DEFAULT_MAX_PREPARED_STATEMENTS = 200;
export const POOL_MODES = ["session", "transaction", "statement"] as const;
const pgbouncerVersion = z.string().regex(/^\d+\.\d+(\.\d+)?$/, "a pgBouncer version such as 1.18 or 1.24.1");
export const sslmode = z.enum(SSL_MODES);
const cidr = z
    .string()
    .regex(/^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$|^[0-9a-fA-F:]+\/\d{1,3}$/, "a CIDR block such as 10.0.0.0/16");

const existing = z
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
        /**
         * A pgBouncer in front of the server (e.g. scripts/local-pgbouncer.sh): the app, read-only and
         * tenant DSNs go through it, the service DSN and the admin connection go direct. The stack
         * creates its auth lookup function `pgbouncer.get_auth` in the app database
         * (components/access/poolerAuth.ts); the auth role itself belongs to whoever runs the pooler.
         */
        pooler: z
            .object({
                host: z.string().min(1, "pooler.host may not be empty"),
                port: port.default(6432),
                /** The login pgBouncer looks passwords up as (auth_user); EXECUTE on the lookup is its alone. */
                authUser: identifier("server.pooler.authUser").default("pgbouncer_auth"),
                /**
                 * pool_mode of the listener at host:port, which DATABASE_URL goes through. Session pooling
                 * keeps prepared statements working with any pgBouncer; transaction pooling needs
                 * pgBouncer >= 1.21 with max_prepared_statements (preview warns otherwise).
                 */
                poolMode: z.enum(POOL_MODES).default("transaction"),
                /** The pooler's pgBouncer version (e.g. "1.18"), for the prepared-statement check. */
                version: pgbouncerVersion.optional(),
                /** The pooler's max_prepared_statements (0: off). Needs version >= 1.21. */
                maxPreparedStatements: z.number().int().min(0).max(100000).default(0),
                /**
                 * A second, transaction-pooled listener of the same pooler: DATABASE_URL_TRANSACTION_POOLED
                 * goes through it (for drivers with prepared statements off).
                 */
                transactionPort: port.optional(),
            })
            .strict()
            .optional(),
    })
    .strict();

const rds = z
    .object({
        mode: z.literal("rds"),
        /**
         * RDS instance identifier; default pgstack-<stack>. A stack whose instance was created with an
         * autonamed identifier sets it to that name, or the instance would be replaced.
         */
        identifier: z
            .string()
            .regex(
                /^[a-z](?!.*--)[a-z0-9-]{0,62}(?<!-)$/,
                "an RDS identifier: a lower-case letter, then letters, digits or single hyphens, at most 63, not ending in -",
            )
            .optional(),
        /** PostgreSQL major version; the parameter group family follows it. */
        engineVersion: z.enum(["16", "17"]).default("16"),
        instanceClass: z
            .string()
            .regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, "an RDS instance class such as db.t4g.medium")
            .default("db.t4g.medium"),
        allocatedStorage: z.number().int().min(20).max(65536).default(20),
        maxAllocatedStorage: z.number().int().min(20).max(65536).default(100),
        /** Multi-AZ standby; defaults to true in production. */
        multiAz: z.boolean().optional(),
        vpcId: z.string().regex(/^vpc-[0-9a-f]+$/, "a VPC id such as vpc-0abc123"),
        subnetIds: z
            .array(z.string().regex(/^subnet-[0-9a-f]+$/, "a subnet id such as subnet-0abc123"))
            .min(2, "RDS needs subnets in at least two availability zones"),
        /** Networks allowed to reach port 5432. Never 0.0.0.0/0. */
        allowedCidrs: z.array(cidr).default([]),
        allowedSecurityGroupIds: z
            .array(z.string().regex(/^sg-[0-9a-f]+$/, "a security group id such as sg-0abc123"))
            .default([]),
        /** KMS key for storage encryption; the AWS-managed key when absent. Storage is always encrypted. */
        kmsKeyId: z.string().min(1).optional(),
        /** Days of automated backups (point-in-time recovery). */
        backupRetentionDays: z.number().int().min(0).max(35).default(7),
        /** Defaults to true in production. */
        deletionProtection: z.boolean().optional(),
        publiclyAccessible: z.boolean().default(false),
        /** Explicit override needed for publiclyAccessible: true. */
        allowPublicAccess: z.boolean().default(false),
        adminUser: identifier("server.adminUser").default(RDS_ADMIN_USER),
        port: port.default(5432),
        /** sslmode of the provider's admin connection. */
        sslmode: sslmode.default("verify-full"),
        /** RDS certificate authority of the instance. */
        caCertIdentifier: z.string().min(1).default("rds-ca-rsa2048-g1"),
        /** Local path of the RDS CA bundle (global-bundle.pem) for verify-full. */
        caCertPath: z.string().min(1).optional(),
        performanceInsights: z.boolean().default(true),
        /** Extra parameter-group parameters (name -> value). rds.force_ssl cannot be turned off here. */
        parameters: z.record(z.string().regex(/^[a-z_.]+$/, "a parameter name"), z.string()).default({}),
    })
    .strict();

const docker = z
    .object({
        mode: z.literal("docker"),
        /** Postgres 16 image; e.g. pgvector/pgvector:pg16 for the vector extension. */
        image: z.string().min(1).default("postgres:16"),
        /** Host port of the server, published on 127.0.0.1 only. */
        port: port.default(5432),
        pgbouncer: z
            .object({
                enabled: z.boolean().default(true),
                image: z.string().min(1).default("edoburu/pgbouncer:v1.24.1-p1"),
                port: port.default(6432),
                poolMode: z.enum(POOL_MODES).default("transaction"),
                maxClientConn: z.number().int().min(1).max(100000).default(500),
                defaultPoolSize: z.number().int().min(1).max(10000).default(20),
                /**
                 * max_prepared_statements (pgBouncer >= 1.21): protocol-level prepared statements work
                 * through transaction pooling with each driver's defaults. 0 turns it off.
                 */
                maxPreparedStatements: z.number().int().min(0).max(100000).default(DEFAULT_MAX_PREPARED_STATEMENTS),
            })
            .strict()
            .default({
                enabled: true,
                image: "edoburu/pgbouncer:v1.24.1-p1",
                port: 6432,
                poolMode: "transaction",
                maxClientConn: 500,
                defaultPoolSize: 20,
                maxPreparedStatements: DEFAULT_MAX_PREPARED_STATEMENTS,
            }),
        adminUser: identifier("server.adminUser").default("postgres"),
        /** Host address ports are published on. Only loopback is allowed. */
        bindAddress: z.enum(["127.0.0.1"]).default("127.0.0.1"),
        /** Path on the machine running Pulumi where the generated CA certificate is written. */
        caCertPath: z.string().min(1).optional(),
    })
    .strict();

export const serverSchema = z.discriminatedUnion("mode", [existing, rds, docker], {
    error: () => "mode must be one of: existing, rds, docker",
});

export type ServerConfig = z.output<typeof serverSchema>;
export type ExistingServerConfig = Extract<ServerConfig, { mode: "existing" }>;
export type RdsServerConfig = Extract<ServerConfig, { mode: "rds" }>;
export type DockerServerConfig = Extract<ServerConfig, { mode: "docker" }>;
