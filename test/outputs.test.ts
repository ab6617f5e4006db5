import { definedOutputs } from "../lib/outputs";
import { baseConfig, rdsServer, runProgram } from "./harness";
import { s3Storage } from "./components/storage/fixtures";

test("definedOutputs drops the undefined values and keeps everything else as it is", () => {
    const o = { a: 1, b: undefined, c: "", d: false, e: null, f: { g: undefined } };
    expect(definedOutputs(o)).toEqual({ a: 1, c: "", d: false, e: null, f: { g: undefined } });
    expect(Object.keys(definedOutputs(o))).toEqual(["a", "c", "d", "e", "f"]);
});

describe.each([
    ["an existing server without storage", baseConfig({ readonlyRole: false })],
    [
        "an existing server behind a pooler, with storage",
        baseConfig({
            server: {
                ...(baseConfig().server as object),
                superuser: true,
                pooler: { host: "p", transactionPort: 6433 },
            },
            storage: s3Storage(),
        }),
    ],
    ["RDS", baseConfig({ server: rdsServer(), adminPassword: "" })],
    [
        "Docker",
        baseConfig({ environment: "local", server: { mode: "docker", caCertPath: "/tmp/ca.pem" }, adminPassword: "" }),
    ],
])("%s", (_, config) => {
    test("no stack output is undefined, so the engine warns about none", async () => {
        const run = await runProgram(config);
        expect(run.error).toBeUndefined();
        for (const [k, v] of Object.entries(run.outputs)) expect([k, v]).not.toEqual([k, undefined]);
        // The outputs every stack has.
        for (const k of ["environment", "host", "port", "databaseName", "DATABASE_URL", "DATABASE_SERVICE_URL"]) {
            expect(run.outputs[k]).toBeDefined();
        }
    });
});

test("the outputs a stack has are all there: storage, read-only and pooled DSNs, RDS's CA name", async () => {
    const pooled = await runProgram(
        baseConfig({
            server: {
                ...(baseConfig().server as object),
                superuser: true,
                pooler: { host: "p", transactionPort: 6433 },
            },
            storage: s3Storage(),
        }),
    );
    expect(Object.keys(pooled.outputs)).toEqual(
        expect.arrayContaining([
            "DATABASE_READONLY_URL",
            "DATABASE_URL_TRANSACTION_POOLED",
            "RAW_STORAGE_BUCKET",
            "BACKUP_AWS_SECRET_ACCESS_KEY",
        ]),
    );
    expect(pooled.secret.BACKUP_AWS_SECRET_ACCESS_KEY).toBe(true);
    const rds = await runProgram(baseConfig({ server: rdsServer(), adminPassword: "" }));
    expect(rds.outputs.caBundleName).toBeDefined();
    expect(Object.keys(rds.outputs)).not.toContain("RAW_STORAGE_BUCKET");
});
