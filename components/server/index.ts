/**
 * The PostgreSQL server, in the mode the stack config asks for: `existing.ts` (a server you already
 * have), `rds.ts` (AWS RDS) or `docker.ts` (a local container with generated TLS, `tlsCerts.ts`).
 * Each yields one `ServerEndpoint` (`endpoint.ts`) with an admin provider built by `provider.ts`.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { StackSecrets } from "../../config/load";
import type { StackConfig } from "../../config/schema";
import type { BackupTarget } from "../../lib/backup";
import { DockerPostgres } from "./docker";
import type { ServerEndpoint } from "./endpoint";
import { ExistingServer } from "./existing";
import { RdsInstance } from "./rds";

export type { ServerEndpoint } from "./endpoint";

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
            // parseConfig (config/schema.ts) already rejects existing mode without pgstack:adminPassword.
            if (!secrets.adminPassword) throw new Error("internal: existing mode reached without an admin password");
            const s = new ExistingServer(name, { server, adminPassword: secrets.adminPassword }, opts);
            return { mode: server.mode, endpoint: s.endpoint };
        }
        case "rds": {
            const s = new RdsInstance(
                name,
                {
                    server,
                    environment: config.environment,
                    rotation: config.rotation,
                    protection: config.dataProtection,
                },
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
                    protection: config.dataProtection,
                    backupTarget: extras.backupTarget,
                },
                opts,
            );
            return { mode: server.mode, endpoint: s.endpoint };
        }
    }
}
