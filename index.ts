/**
 * pgstack: a PostgreSQL server with least-privilege roles, per-tenant schemas and secret DSNs.
 * Load the stack config, build the components, export the outputs.
 */
import { ACCESS_LAYER_NAME } from "./config/constants";
import { loadConfig } from "./config/load";
import { AccessLayer } from "./components/accessLayer";
import { DumpRestore } from "./components/dumpRestore";
import { createServer } from "./components/server";
import { ObjectStorage, StorageEnv } from "./components/storage/objectStorage";

const { config, secrets } = loadConfig();

// Object storage and backup buckets, when configured: S3 or R2, the same outputs either way.
const storage = config.storage
    ? new ObjectStorage("pgstack-storage", { config: config.storage, protection: config.dataProtection })
    : undefined;

const server = createServer("pgstack-server", config, secrets, { backupTarget: storage?.backupTarget });
const endpoint = server.endpoint;
const access = new AccessLayer(ACCESS_LAYER_NAME, { config, endpoint });

// A read-only production restored from a dump artifact (pgstack:restore; docs/runbooks/publish-dump.md),
// after the schemas, grants and default privileges it relies on.
const restore = config.restore
    ? new DumpRestore(
          "pgstack-restore",
          { config: config.restore, serviceUrl: access.serviceUrl, database: access.databaseName },
          { dependsOn: [access] },
      )
    : undefined;

// Non-secret facts about the stack.
export const environment = config.environment;
export const serverMode = server.mode;
export const host = endpoint.host;
export const port = endpoint.port;
export const databaseName = access.databaseName;
export const sslmode = config.sslmode;
export const readOnly = config.readOnly;
export const restoredDigest = restore?.digest;
export const restoredAt = restore?.restoredAt;
/** RDS: download this CA's bundle for verify-full. Docker: the generated CA certificate (PEM). */
export const caBundleName = server.caBundleName;
export const caCertificate = endpoint.caCert;
export const roles = {
    service: access.roles.service.role.name,
    app: access.roles.app.role.name,
    readonly: access.roles.readonly?.role.name,
    tenants: access.roles.tenantsGroup.name,
};
export const tenantSchemas = Object.fromEntries(Object.entries(access.tenants).map(([id, t]) => [id, t.schemaName]));
/** Tenant role names (SET LOCAL ROLE targets) and the search_path the checkout sets with them. */
export const tenantRoles = access.tenantRoles;
export const tenantSearchPaths = access.tenantSearchPaths;

// Connection strings carry passwords: secret outputs only (`pulumi stack output --show-secrets`).
export const DATABASE_URL = access.appUrl;
export const DATABASE_SERVICE_URL = access.serviceUrl;
export const DATABASE_READONLY_URL = access.readonlyUrl;
export const TENANT_DATABASE_URLS = access.tenantUrls;
// The same without the deploy machine's CA path: give the app the caCertificate output its own way.
export const DATABASE_URL_PORTABLE = access.portable.appUrl;
export const DATABASE_SERVICE_URL_PORTABLE = access.portable.serviceUrl;
export const DATABASE_READONLY_URL_PORTABLE = access.portable.readonlyUrl;
export const TENANT_DATABASE_URLS_PORTABLE = access.portable.tenantUrls;
// SQLAlchemy 2 / Alembic (postgresql+psycopg://…).
export const DATABASE_SQLALCHEMY_URL = access.sqlalchemy.appUrl;
export const DATABASE_SERVICE_SQLALCHEMY_URL = access.sqlalchemy.serviceUrl;
// The app DSN through a transaction-pooled listener (server.pooler.transactionPort): prepared statements off.
export const DATABASE_URL_TRANSACTION_POOLED = access.appTransactionPooledUrl;

// Object storage for the app (raw bucket) and the backup tools (backup bucket); secret keys are secret.
const storageEnv: Partial<StorageEnv> = storage?.env ?? {};
export const {
    RAW_STORAGE_BUCKET,
    OBJECT_STORAGE_REGION,
    OBJECT_STORAGE_ENDPOINT,
    OBJECT_STORAGE_ACCESS_KEY_ID,
    OBJECT_STORAGE_SECRET_ACCESS_KEY,
    WALG_S3_PREFIX,
    BACKUP_S3_ENDPOINT,
    BACKUP_S3_BUCKET,
    BACKUP_S3_REGION,
    BACKUP_S3_FORCE_PATH_STYLE,
    BACKUP_AWS_ACCESS_KEY_ID,
    BACKUP_AWS_SECRET_ACCESS_KEY,
} = storageEnv;
/** PEM CA of an S3-compatible storage endpoint (storage.caCertPath), for clients of the buckets. */
export const storageCaCertificate = storage?.caCertificate;
