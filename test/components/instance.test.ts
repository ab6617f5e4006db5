import { baseConfig, rdsServer, Recorded, runProgram } from "../harness";

/** The access layer's resources, minus which provider they go through. */
const accessLayer = (resources: Recorded[]) =>
    resources
        .filter(
            (r) =>
                r.type.startsWith("postgresql:") ||
                r.name.startsWith("pgstack-roles") ||
                r.name.startsWith("pgstack-tenant"),
        )
        .map((r) => ({ type: r.type, name: r.name, inputs: r.inputs }));

test("switching the server mode leaves the access layer's resources unchanged", async () => {
    const common = { environment: "staging", adminPassword: "" };
    const existing = await runProgram(baseConfig({ environment: "staging" }));
    const rds = await runProgram(baseConfig({ ...common, server: rdsServer() }));
    const docker = await runProgram(
        baseConfig({ ...common, server: { mode: "docker", caCertPath: "/etc/ssl/certs/rds-global-bundle.pem" } }),
    );
    for (const r of [existing, rds, docker]) expect(r.error).toBeUndefined();
    expect(accessLayer(rds.mocks.resources)).toEqual(accessLayer(existing.mocks.resources));
    expect(accessLayer(docker.mocks.resources)).toEqual(accessLayer(existing.mocks.resources));
    expect(accessLayer(existing.mocks.resources).length).toBeGreaterThan(30);
});

test("each mode yields a provider, and nothing else connects elsewhere", async () => {
    for (const server of [rdsServer(), { mode: "docker", caCertPath: "/tmp/ca.pem" }]) {
        const r = await runProgram(baseConfig({ server, adminPassword: "" }));
        expect(r.mocks.ofType("pulumi:providers:postgresql")).toHaveLength(1);
    }
});
