/**
 * Local Docker: a container publishes ports on 127.0.0.1 only (the provider's default is 0.0.0.0,
 * every interface) and never shares the host's network stack.
 */
import { asList, isObject, label, Policy, ResourceValidationPolicy } from "./lib";

export const DOCKER_CONTAINER = "docker:index/container:Container";
export const LOOPBACK = "127.0.0.1";

export const dockerLoopbackPorts: ResourceValidationPolicy = {
    name: "docker-loopback-ports",
    description: "Docker containers publish ports on 127.0.0.1 only.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateResource: (args, report) => {
        if (args.type !== DOCKER_CONTAINER) return;
        for (const port of asList(args.props.ports).filter(isObject)) {
            const ip = port.ip ?? "0.0.0.0";
            if (ip !== LOOPBACK) {
                report(
                    `${label(args)} publishes port ${String(port.internal)} on ${String(ip)}: set ports[].ip to ` +
                        `"${LOOPBACK}" (pgstack:server.bindAddress) so only this machine can connect.`,
                );
            }
        }
        if (args.props.networkMode === "host") {
            report(`${label(args)} uses the host network, exposing every port it listens on: use a bridge network.`);
        }
    },
};

export const dockerPolicies: Policy[] = [dockerLoopbackPorts];
