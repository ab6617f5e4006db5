/**
 * The PostgreSQL server, in the mode the stack config asks for: `existing.ts` (a server you already
 * have), `rds.ts` (AWS RDS) or `docker.ts` (a local container with generated TLS, `tlsCerts.ts`).
 * Each yields one `ServerEndpoint` (`endpoint.ts`) with an admin provider built by `provider.ts`.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { DataProtection, Environment, ServerConfig } from "../../config/schema";
import type { BackupTarget } from "../../lib/backup";
import { DockerPostgres } from "./docker";
import type { ServerEndpoint } from "./endpoint";
import { ExistingServer } from "./existing";
import { RdsInstance } from "./rds";

export type { ServerEndpoint } from "./endpoint";

export interface Server {
    mode: ServerConfig["mode"];
    endpoint: ServerEndpoint;
    /** RDS: the CA the instance's certificate chains to. */
    caBundleName?: pulumi.Output<string>;
}

export interface ServerArgs {
    server: ServerConfig;
    environment: Environment;
    /** Rotation seeds of the admin password the stack generates (rds, docker). */
    rotation: { seed: string; admin?: string };
    protection: DataProtection;
    /** Secret: the admin password of an existing server (pgstack:adminPassword). */
    adminPassword?: pulumi.Output<string>;
    /** Docker mode: the backup bucket WAL is archived to (secret). */
    backupTarget?: pulumi.Output<BackupTarget>;
}

export function createServer(name: string, args: ServerArgs, opts?: pulumi.ComponentResourceOptions): Server {
    const server = args.server;
    switch (server.mode) {
        case "existing": {
            // parseConfig (config/schema.ts) already rejects existing mode without pgstack:adminPassword.
            if (!args.adminPassword) throw new Error("internal: existing mode reached without an admin password");
            const s = new ExistingServer(name, { server, adminPassword: args.adminPassword }, opts);
            return { mode: server.mode, endpoint: s.endpoint };
        }
        case "rds": {
            const { environment, rotation, protection } = args;
            const s = new RdsInstance(name, { server, environment, rotation, protection }, opts);
            return { mode: server.mode, endpoint: s.endpoint, caBundleName: s.caBundleName };
        }
        case "docker": {
            const { environment, rotation, protection, backupTarget } = args;
            const s = new DockerPostgres(name, { server, environment, rotation, protection, backupTarget }, opts);
            return { mode: server.mode, endpoint: s.endpoint };
        }
    }
}
