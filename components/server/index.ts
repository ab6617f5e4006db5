/** Picks the server component the stack config asks for; all of them yield one ServerEndpoint. */
import * as pulumi from "@pulumi/pulumi";
import type { StackSecrets } from "../config/load";
import type { BackupTarget } from "../lib/backup";
import { ConfigError, StackConfig } from "../config/schema";
import { DockerPostgres } from "./docker";
import { RdsInstance } from "./rds";
import { ExistingServer, ServerEndpoint } from "./server";

export interface Server {
    mode: StackConfig["server"]["mode"];
    endpoint: ServerEndpoint;
    /** RDS: the CA the instance's certificate chains to. */
    caBundleName?: pulumi.Output<string>;
}

export function createServer(
    name: string,
    config: StackConfig,
    secrets: StackSecrets,
    extras: { backupTarget?: pulumi.Output<BackupTarget> } = {},
    opts?: pulumi.ComponentResourceOptions,
): Server {
    const server = config.server;
    switch (server.mode) {
        case "existing": {
            if (!secrets.adminPassword) {
                throw new ConfigError(["pgstack:adminPassword: is required for server.mode existing"]);
            }
            const s = new ExistingServer(name, { server, adminPassword: secrets.adminPassword }, opts);
            return { mode: server.mode, endpoint: s.endpoint };
        }
        case "rds": {
            const s = new RdsInstance(
                name,
                { server, environment: config.environment, rotation: config.rotation },
                opts,
            );
            return { mode: server.mode, endpoint: s.endpoint, caBundleName: s.caBundleName };
        }
        case "docker": {
            const s = new DockerPostgres(
                name,
                {
                    server,
                    environment: config.environment,
                    rotation: config.rotation,
                    protect: config.dataProtection.protect,
                    backupTarget: extras.backupTarget,
                },
                opts,
            );
            return { mode: server.mode, endpoint: s.endpoint };
        }
    }
}
