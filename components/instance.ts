/** Picks the server component the stack config asks for; all of them yield one ServerEndpoint. */
import * as pulumi from "@pulumi/pulumi";
import type { StackSecrets } from "../config/load";
import { ConfigError, StackConfig } from "../config/schema";
import { ExistingServer, ServerEndpoint } from "./server";

export function createServer(
    name: string,
    config: StackConfig,
    secrets: StackSecrets,
    opts?: pulumi.ComponentResourceOptions,
): ServerEndpoint {
    const server = config.server;
    switch (server.mode) {
        case "existing":
            if (!secrets.adminPassword)
                throw new ConfigError(["pgstack:adminPassword: is required for server.mode existing"]);
            return new ExistingServer(name, { server, adminPassword: secrets.adminPassword }, opts).endpoint;
    }
}
