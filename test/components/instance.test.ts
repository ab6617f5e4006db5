import { baseConfig, rdsServer, Recorded, runProgram } from "../harness";

/** The access layer's resources, minus which provider they go through, by name (registration order varies with when inputs resolve). */
const accessLayer = (resources: Recorded[]) =>
    resources
        .filter(
            (r) =>
                (r.type.startsWith("postgresql:") && !r.name.startsWith("pgstack-server")) ||
                r.name.startsWith("pgstack-roles") ||
                r.name.startsWith("pgstack-tenant"),
        )
        .map((r) => ({ type: r.type, name: r.name, inputs: r.inputs }))
        .sort((a, b) => a.name.localeCompare(b.name));

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
    // Docker's admin is the image's superuser; a non-superuser admin (RDS, existing by default) also
    // takes membership in the service role, so docker (with its pgBouncer) is compared with an existing
    // superuser admin behind a pooler.
    const existingSuperuser = await runProgram(
        baseConfig({
            environment: "staging",
            server: { ...(baseConfig().server as object), ...admin, superuser: true, pooler: { host: "127.0.0.1" } },
        }),
    );
    for (const r of [existing, rds, docker, existingSuperuser]) expect(r.error).toBeUndefined();
    expect(accessLayer(rds.mocks.resources)).toEqual(accessLayer(existing.mocks.resources));
    expect(accessLayer(docker.mocks.resources)).toEqual(accessLayer(existingSuperuser.mocks.resources));
    expect(accessLayer(existing.mocks.resources).length).toBeGreaterThan(30);
});

test("every access-layer resource goes through the server's admin connection, in every mode", async () => {
    for (const server of [rdsServer(), { mode: "docker", caCertPath: "/tmp/ca.pem" }]) {
        const r = await runProgram(baseConfig({ server, adminPassword: "" }));
        expect(r.error).toBeUndefined();
        const providers = r.mocks.ofType("pulumi:providers:postgresql");
        // The server's provider (maintenance database) and the same admin login on the app database.
        const admin = providers.find((p) => p.name === "pgstack-server-provider");
        expect(admin).toBeDefined();
        for (const p of providers) {
            const { database, ...connection } = p.inputs;
            const { database: adminDb, ...adminConnection } = admin?.inputs ?? {};
            expect(connection).toEqual(adminConnection);
            expect([adminDb, "app"]).toContain(database);
        }
        const postgres = r.mocks.resources.filter((x) => x.type.startsWith("postgresql:"));
        expect(postgres.length).toBeGreaterThan(30);
        // A provider reference is "<urn>::<id>": no PostgreSQL resource uses a default provider.
        const names = providers.map((p) => p.name);
        for (const x of postgres) expect(names).toContain(String(x.provider).split("::").slice(-2)[0]);
    }
});
