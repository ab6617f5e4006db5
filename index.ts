/**
 * pgstack: a PostgreSQL server with least-privilege roles, per-tenant schemas and secret DSNs.
 * Load the stack config, build the components, export the outputs.
 */
import { ACCESS_LAYER_NAME } from "./config/constants";
import { loadConfig } from "./config/load";
import { AccessLayer } from "./components/access/accessLayer";
import { DumpRestore } from "./components/dumpRestore";
import { createServer } from "./components/server";
import { ObjectStorage } from "./components/storage/objectStorage";
import { definedOutputs } from "./lib/outputs";
import { trimSdkOverhead } from "./lib/sdkOverhead";

// What the SDK spends per resource on stack traces and debug messages (lib/sdkOverhead.ts says why).
trimSdkOverhead();

const { config, secrets } = loadConfig();

// Object storage and backup buckets, when configured: S3 or R2, the same outputs either way.
const storage = config.storage
    ? new ObjectStorage("pgstack-storage", { config: config.storage, protection: config.dataProtection })
    : undefined;

const server = createServer("pgstack-server", {
    server: config.server,
    environment: config.environment,
    rotation: config.rotation,
    protection: config.dataProtection,
    adminPassword: secrets.adminPassword,
    backupTarget: storage?.backupTarget,
});
const endpoint = server.endpoint;

const access = new AccessLayer(ACCESS_LAYER_NAME, {
    endpoint,
    databaseName: config.databaseName,
    roles: config.roles,
    schemas: config.schemas,
    extensions: config.extensions,
    tenants: config.tenants,
    tenantRolePrefix: config.tenantRolePrefix,
    tenantAccess: config.tenantAccess,
    tenantSearchPath: config.tenantSearchPath,
    sslmode: config.sslmode,
    rotation: config.rotation,
    protection: config.dataProtection,
    readOnly: config.readOnly,
});

// A read-only production restored from a dump artifact (pgstack:restore; docs/runbooks/publish-dump.md),
// after the schemas, grants and default privileges it relies on.
const restore = config.restore
    ? new DumpRestore(
          "pgstack-restore",
          { config: config.restore, serviceUrl: access.serviceUrl, database: access.databaseName },
          { dependsOn: [access] },
      )
    : undefined;

export = definedOutputs({
    // Non-secret facts about the stack.
    environment: config.environment,
    serverMode: server.mode,
    host: endpoint.host,
    port: endpoint.port,
    databaseName: access.databaseName,
    sslmode: config.sslmode,
    readOnly: config.readOnly,
    restoredDigest: restore?.digest,
    restoredAt: restore?.restoredAt,
    /** RDS: download this CA's bundle for verify-full. */
    caBundleName: server.caBundleName,
    /** The CA to verify the server with (PEM): generated in docker mode, read from server.caCertPath otherwise. */
    caCertificate: endpoint.caCert,
    roles: access.roleNames,
    tenantSchemas: access.tenantSchemas,
    /** Tenant role names (SET LOCAL ROLE targets) and the search_path the checkout sets with them. */
    tenantRoles: access.tenantRoles,
    tenantSearchPaths: access.tenantSearchPaths,

    // Connection strings carry passwords: secret outputs only (`pulumi stack output --show-secrets`).
    DATABASE_URL: access.appUrl,
    DATABASE_SERVICE_URL: access.serviceUrl,
    DATABASE_READONLY_URL: access.readonlyUrl,
    TENANT_DATABASE_URLS: access.tenantUrls,
    // The same without the deploy machine's CA path: give the app the caCertificate output its own way.
    DATABASE_URL_PORTABLE: access.portable.appUrl,
    DATABASE_SERVICE_URL_PORTABLE: access.portable.serviceUrl,
    DATABASE_READONLY_URL_PORTABLE: access.portable.readonlyUrl,
    TENANT_DATABASE_URLS_PORTABLE: access.portable.tenantUrls,
    // SQLAlchemy 2 / Alembic (postgresql+psycopg://…).
    DATABASE_SQLALCHEMY_URL: access.sqlalchemy.appUrl,
    DATABASE_SERVICE_SQLALCHEMY_URL: access.sqlalchemy.serviceUrl,
    // The app DSN through the pooler's transaction-pooled listener (server.pooler.transactionPort): prepared statements off.
    DATABASE_URL_TRANSACTION_POOLED: access.appTransactionPooledUrl,

    // Object storage for the app (raw bucket) and the backup tools (backup bucket); secret keys are secret.
    ...storage?.env,
    /** PEM CA of an S3-compatible storage endpoint (storage.caCertPath), for clients of the buckets. */
    storageCaCertificate: storage?.caCertificate,
});
