import { baseConfig, rdsServer, Recorded, runProgram } from "../harness";

/** The access layer's resources, minus which provider they go through. */
const accessLayer = (resources: Recorded[]) =>
    resources
        .filter(
            (r) =>
                (r.type.startsWith("postgresql:") && !r.name.startsWith("pgstack-server")) ||
                r.name.startsWith("pgstack-roles") ||
                r.name.startsWith("pgstack-tenant"),
        )
        .map((r) => ({ type: r.type, name: r.name, inputs: r.inputs }));

test("switching the server mode leaves the access layer's resources unchanged", async () => {
    const common = { environment: "staging", adminPassword: "" };
    // One admin name in every mode: the guard schema is owned by the admin the provider connects as.
    const admin = { adminUser: "pgstack_admin" };
    const existing = await runProgram(
        baseConfig({ environment: "staging", server: { ...(baseConfig().server as object), ...admin } }),
    );
    const rds = await runProgram(baseConfig({ ...common, server: rdsServer() }));
    const docker = await runProgram(
        baseConfig({
            ...common,
            server: { mode: "docker", caCertPath: "/etc/ssl/certs/rds-global-bundle.pem", ...admin },
        }),
    );
    for (const r of [existing, rds, docker]) expect(r.error).toBeUndefined();
    expect(accessLayer(rds.mocks.resources)).toEqual(accessLayer(existing.mocks.resources));
    expect(accessLayer(docker.mocks.resources)).toEqual(accessLayer(existing.mocks.resources));
    expect(accessLayer(existing.mocks.resources).length).toBeGreaterThan(30);
});

test("§3: each mode yields one provider, and every access-layer resource goes through it", async () => {
    for (const server of [rdsServer(), { mode: "docker", caCertPath: "/tmp/ca.pem" }]) {
        const r = await runProgram(baseConfig({ server, adminPassword: "" }));
        expect(r.error).toBeUndefined();
        const providers = r.mocks.ofType("pulumi:providers:postgresql");
        expect(providers).toHaveLength(1);
        const postgres = r.mocks.resources.filter((x) => x.type.startsWith("postgresql:"));
        expect(postgres.length).toBeGreaterThan(30);
        // A provider reference is "<urn>::<id>": every PostgreSQL resource names the one admin provider.
        for (const x of postgres) expect(x.provider).toMatch(/::pgstack-server-provider::pgstack-server-provider-id$/);
    }
});
