import { dockerLoopbackPorts } from "../../policies/docker";
import { resourceArgs, validateResource } from "./harness";

const container = (props: Record<string, unknown>) =>
    resourceArgs("docker:index/container:Container", { image: "postgres:16", ...props }, { name: "pgstack-postgres" });

describe("docker-loopback-ports", () => {
    test("passes ports bound to 127.0.0.1", async () => {
        const args = container({ ports: [{ internal: 5432, external: 5432, ip: "127.0.0.1" }] });
        expect(await validateResource(dockerLoopbackPorts, args)).toEqual([]);
    });
    test("fails a port bound to 0.0.0.0", async () => {
        const [v] = await validateResource(
            dockerLoopbackPorts,
            container({ ports: [{ internal: 5432, ip: "0.0.0.0" }] }),
        );
        expect(v.message).toMatch(/"pgstack-postgres" publishes port 5432 on 0.0.0.0.*"127.0.0.1"/);
    });
    test("fails a port without ip (the provider's default is every interface)", async () => {
        expect(
            await validateResource(dockerLoopbackPorts, container({ ports: [{ internal: 6432, external: 6432 }] })),
        ).toHaveLength(1);
    });
    test("fails the host network", async () => {
        expect(await validateResource(dockerLoopbackPorts, container({ networkMode: "host" }))).toHaveLength(1);
    });
});
