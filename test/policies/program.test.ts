/**
 * The whole pack over the stack's own resources: runs index.ts in mock mode (test/harness.ts) with
 * the real stack files Pulumi.staging.yaml / Pulumi.production.yaml and with existing-server
 * configs, converts every registered resource (inputs, protect, provider, property dependencies)
 * into what the policy SDK hands a pack, and runs every policy with the environment the Pulumi CLI
 * gives a policy pack (stack name, PULUMI_CONFIG). As the program gains resources (RDS, S3/R2
 * buckets), this test covers them without changes.
 */
import type { PolicyResource } from "../../policies/lib";
import { policies } from "../../policies/pack";
import { s3Policies } from "../../policies/s3";
import { s3Storage, r2Storage } from "../components/storage/fixtures";
import { baseConfig, configMap, ProgramRun, runProgram } from "../harness";
import { runPack, Violation, withStackEnv } from "./harness";
import { policyResources, stackFile } from "./program";

interface Case {
    label: string;
    stack: string;
    config: Record<string, unknown>;
}

const cases: Case[] = [
    { label: "existing server, staging", stack: "staging", config: baseConfig({ environment: "staging" }) },
    { label: "existing server, production", stack: "production", config: baseConfig({ environment: "production" }) },
    {
        label: "S3 storage, staging",
        stack: "staging",
        config: baseConfig({ environment: "staging", storage: s3Storage() }),
    },
    {
        label: "S3 storage, production",
        stack: "production",
        config: baseConfig({ environment: "production", storage: s3Storage() }),
    },
    {
        label: "Docker, local",
        stack: "local",
        config: baseConfig({
            environment: "local",
            server: { mode: "docker", caCertPath: "/tmp/pgstack-ca.pem" },
            adminPassword: "",
        }),
    },
    {
        label: "R2 storage, production",
        stack: "production",
        config: baseConfig({ environment: "production", storage: r2Storage() }),
    },
    ...["staging", "production"].flatMap((stack) => {
        const config = stackFile(stack);
        return config ? [{ label: `Pulumi.${stack}.yaml`, stack, config }] : [];
    }),
];

interface Checked {
    run: ProgramRun;
    resources: PolicyResource[];
    violations: Violation[];
}

/** Runs the program for a case and the whole pack over it, as `pulumi preview --policy-pack` would. */
async function check(c: Case): Promise<Checked> {
    const run = await runProgram(c.config, { stack: c.stack, secretKeys: ["adminPassword"] });
    const resources = policyResources(run);
    const violations = await withStackEnv({ stack: c.stack, config: configMap(c.config) }, () =>
        runPack(policies, resources),
    );
    return { run, resources, violations };
}

const levelOf = (v: Violation) => policies.find((p) => p.name === v.policy)?.enforcementLevel;

describe.each(cases)("$label", (c) => {
    let result: Checked;
    beforeAll(async () => {
        result = await check(c);
    });

    test("the program runs and registers PostgreSQL roles, its database and tenant schemas", () => {
        const types = new Set(result.resources.map((r) => r.type));
        expect([
            result.run.error,
            ["postgresql:index/role:Role", "postgresql:index/database:Database"].every((t) => types.has(t)),
        ]).toEqual([undefined, true]);
    });

    test("no mandatory policy is violated", () => {
        expect(result.violations.filter((v) => levelOf(v) === "mandatory")).toEqual([]);
    });

    test("whatever the pack flags beyond that is advisory", () => {
        const flagged = result.violations.filter((v) => levelOf(v) !== "mandatory");
        expect(flagged.every((v) => levelOf(v) === "advisory")).toBe(true);
    });
});

test("an RDS stack file is covered: the instance, its parameter group and security group are checked", async () => {
    const production = cases.find((c) => c.label === "Pulumi.production.yaml");
    const checked = production ? await check(production) : undefined;
    const types = new Set(checked?.resources.map((r) => r.type) ?? ["skipped: no Pulumi.production.yaml"]);
    expect(["aws:rds/instance:Instance", "aws:rds/parameterGroup:ParameterGroup"].filter((t) => !types.has(t))).toEqual(
        production ? [] : ["aws:rds/instance:Instance", "aws:rds/parameterGroup:ParameterGroup"],
    );
});

test("the pack fails a production stack whose data is not protected", async () => {
    const config = baseConfig({ environment: "production", dataProtection: { protect: false }, allowDataLoss: true });
    const { violations } = await check({ label: "unprotected", stack: "production", config });
    const names = violations
        .filter((v) => v.policy === "production-data-protected")
        .map((v) => v.message.split('"')[1]);
    expect(names.sort()).toEqual(["pgstack-db-database", "pgstack-tenant-acme-schema", "pgstack-tenant-globex-schema"]);
});

test("the pack fails a stack config asking for sslmode prefer", async () => {
    const config = baseConfig({ sslmode: "prefer", allowInsecureSsl: true });
    const { violations } = await check({ label: "insecure", stack: "staging", config });
    expect(violations.filter((v) => levelOf(v) === "mandatory").map((v) => v.policy)).toContain("postgres-config-tls");
});

test("S3 storage: the stack's bucket settings are what passes the bucket checks (without them both buckets fail)", async () => {
    const config = baseConfig({ environment: "production", storage: s3Storage() });
    const { resources } = await check({ label: "s3", stack: "production", config });
    const settings = /BucketPublicAccessBlock|BucketServerSideEncryptionConfiguration|BucketPolicy|BucketVersioning/;
    const bare = resources.filter((r) => !settings.test(r.type));
    const found = await withStackEnv({ stack: "production", config: configMap(config) }, () =>
        runPack(s3Policies, bare),
    );
    const summary = found
        .filter((v) => levelOf(v) === "mandatory")
        .map((v) => `${v.policy} ${v.message.split('"')[1]}`);
    expect(summary.sort()).toEqual(
        [
            "s3-backup-versioning pgstack-storage-s3-backups-bucket",
            "s3-public-access-block pgstack-storage-s3-backups-bucket",
            "s3-public-access-block pgstack-storage-s3-raw-bucket",
            "s3-server-side-encryption pgstack-storage-s3-backups-bucket",
            "s3-server-side-encryption pgstack-storage-s3-raw-bucket",
            "s3-tls-only pgstack-storage-s3-backups-bucket",
            "s3-tls-only pgstack-storage-s3-raw-bucket",
        ].sort(),
    );
});
