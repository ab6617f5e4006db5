/** The stack files as committed: each parses, and would plan what its README row says. */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { runProgram } from "./harness";

function stackConfig(stack: string): Record<string, unknown> {
    const file = path.join(__dirname, "..", `Pulumi.${stack}.yaml`);
    const doc = parse(fs.readFileSync(file, "utf8")) as { config: Record<string, unknown> };
    return doc.config;
}

describe.each(["staging", "production"])("Pulumi.%s.yaml", (stack) => {
    test("plans an RDS instance with SSL forced, encryption and no public access", async () => {
        const run = await runProgram(stackConfig(stack), { stack, preview: true });
        expect(run.error).toBeUndefined();
        const instance = run.mocks.ofType("aws:rds/instance:Instance");
        expect(instance).toHaveLength(1);
        expect(instance[0].inputs).toMatchObject({ storageEncrypted: true, publiclyAccessible: false });
        const params = run.mocks.ofType("aws:rds/parameterGroup:ParameterGroup")[0].inputs.parameters as {
            name: string;
            value: string;
        }[];
        expect(params).toContainEqual(expect.objectContaining({ name: "rds.force_ssl", value: "1" }));
    });

    test("holds no plaintext secret", () => {
        const text = fs.readFileSync(path.join(__dirname, "..", `Pulumi.${stack}.yaml`), "utf8");
        expect(text).not.toMatch(/password\s*:/i);
    });
});

test("production as committed is protected: deletion protection, multi-AZ, Pulumi protect on data", async () => {
    const run = await runProgram(stackConfig("production"), { stack: "production", preview: true });
    expect(run.mocks.ofType("aws:rds/instance:Instance")[0].inputs).toMatchObject({
        deletionProtection: true,
        multiAz: true,
    });
    expect(run.mocks.options.get("pgstack-server-instance")?.protect).toBe(true);
    expect(run.mocks.options.get("pgstack-db-database")?.protect).toBe(true);
});
