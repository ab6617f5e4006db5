/** The offline `postgresql` plugin: config handling and the resources by token. */
import { POSTGRESQL } from "../../../upstream/tokens";
import type { Props } from "../props";
import type { ResourceDef } from "../resource";
import type { Plugin } from "../server";
import { PgClient } from "./client";
import { checkPgConfig, resolvePgConfig } from "./config";
import type { PgContext } from "./context";
import { database } from "./database";
import { defaultPrivileg, defaultPrivileges } from "./defaultPrivileges";
import { extension } from "./extension";
import { fn } from "./function";
import { getSchemas } from "./getSchemas";
import { grant } from "./grant";
import { grantRole } from "./grantRole";
import { role } from "./role";
import { schema } from "./schema";

/** The SDK version the program uses (@pulumi/postgresql), reported as the plugin version. */
export const VERSION = "3.18.1";

export const RESOURCES: ResourceDef<PgContext>[] = [
    role,
    database,
    schema,
    grant,
    defaultPrivileges,
    defaultPrivileg,
    extension,
    fn,
    grantRole,
];

export function postgresqlPlugin(): Plugin {
    let client: PgClient | undefined;
    const resources: Record<string, ResourceDef<unknown>> = {};
    for (const def of RESOURCES) resources[def.token] = def as ResourceDef<unknown>;
    return {
        name: "postgresql",
        version: VERSION,
        resources,
        functions: { [POSTGRESQL.getSchemas]: (ctx, args) => getSchemas(ctx as PgContext, args) },
        checkConfig: (config: Props) => checkPgConfig(config),
        configure(config: Props) {
            const resolved = resolvePgConfig(config);
            void client?.close();
            client = new PgClient(resolved);
        },
        context(): PgContext {
            if (!client) throw new Error("the postgresql provider is not configured");
            return { client };
        },
        async close() {
            await client?.close();
        },
    };
}
