/**
 * pgstack: a PostgreSQL server with least-privilege roles, per-tenant schemas and secret DSNs.
 * Load the stack config, build the components, export the outputs.
 */
import { loadConfig } from "./config/load";
import { AccessLayer } from "./components/accessLayer";
import { createServer } from "./components/instance";

const { config, secrets } = loadConfig();

const endpoint = createServer("pgstack-server", config, secrets);
const access = new AccessLayer("pgstack", { config, endpoint });

// Non-secret facts about the stack.
export const environment = config.environment;
export const host = endpoint.host;
export const port = endpoint.port;
export const databaseName = access.databaseName;
export const sslmode = config.sslmode;
export const roles = {
    service: access.roles.service.role.name,
    app: access.roles.app.role.name,
    readonly: access.roles.readonly?.role.name,
};
export const tenantSchemas = Object.fromEntries(Object.entries(access.tenants).map(([id, t]) => [id, t.schemaName]));

// Connection strings carry passwords: secret outputs only (`pulumi stack output --show-secrets`).
export const DATABASE_URL = access.appUrl;
export const DATABASE_SERVICE_URL = access.serviceUrl;
export const DATABASE_READONLY_URL = access.readonlyUrl;
export const TENANT_DATABASE_URLS = access.tenantUrls;
