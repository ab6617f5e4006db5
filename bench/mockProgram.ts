/**
 * One mock-mode run of the real program (index.ts) with N tenants, in its own process: prints
 * {tenants, resources, ms}. Used by bench/mock-scale.ts; not a test.
 */
import * as pulumi from "@pulumi/pulumi";
import { PROJECT_NAME } from "../config/constants";

const tenants = Number(process.argv[2] ?? "10");
let resources = 0;

const config: Record<string, unknown> = {
    environment: "staging",
    server: { mode: "existing", host: "db.internal", caCertPath: "/ca.pem" },
    adminPassword: "bench",
    readonlyRole: true,
    tenants: Array.from({ length: tenants }, (_, i) => ({ id: `t${i}` })),
};

async function main(): Promise<void> {
    pulumi.runtime.setAllConfig(
        Object.fromEntries(
            Object.entries(config).map(([k, v]) => [`pgstack:${k}`, typeof v === "string" ? v : JSON.stringify(v)]),
        ),
        ["pgstack:adminPassword"],
    );
    await pulumi.runtime.setMocks(
        {
            newResource: (a) => {
                resources++;
                return { id: `${a.name}-id`, state: { ...a.inputs, result: "pw" } };
            },
            call: () => ({}),
        },
        PROJECT_NAME,
        "bench",
        true,
    );
    const start = process.hrtime.bigint();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require("../index");
    await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    process.stdout.write(`${JSON.stringify({ tenants, resources, ms })}\n`);
}

main().catch((e) => {
    process.stderr.write(String(e));
    process.exit(1);
});
