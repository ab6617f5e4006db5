import { rdsParameters } from "../../components/rds";
import { baseConfig, ProgramRun, rdsServer, runProgram } from "../harness";

const rdsConfig = (environment: string, extra: Record<string, unknown> = {}) =>
    baseConfig({ environment, server: rdsServer(extra), adminPassword: "" });

let prod: ProgramRun;
let staging: ProgramRun;
beforeAll(async () => {
    prod = await runProgram(rdsConfig("production"));
    staging = await runProgram(rdsConfig("staging"));
    expect(prod.error).toBeUndefined();
    expect(staging.error).toBeUndefined();
});

const instance = (run: ProgramRun) => run.mocks.ofType("aws:rds/instance:Instance")[0];

test("the parameter group forces SSL", () => {
    const params = prod.mocks.ofType("aws:rds/parameterGroup:ParameterGroup")[0].inputs.parameters as {
        name: string;
        value: string;
    }[];
    expect(params.find((p) => p.name === "rds.force_ssl")?.value).toBe("1");
    expect(params.find((p) => p.name === "shared_preload_libraries")?.value).toContain("pg_stat_statements");
});

test("config cannot switch rds.force_ssl off", () => {
    expect(rdsParameters({ "rds.force_ssl": "0" }).find((p) => p.name === "rds.force_ssl")?.value).toBe("1");
});

test("the parameter group family follows the engine version (PostgreSQL 16)", () => {
    expect(prod.mocks.ofType("aws:rds/parameterGroup:ParameterGroup")[0].inputs.family).toBe("postgres16");
    expect(instance(prod).inputs.engineVersion).toBe("16");
});

test("storage is encrypted, with the configured KMS key", async () => {
    expect(instance(prod).inputs.storageEncrypted).toBe(true);
    const kms = await runProgram(rdsConfig("staging", { kmsKeyId: "arn:aws:kms:eu-west-1:1:key/abc" }));
    expect(instance(kms).inputs.kmsKeyId).toBe("arn:aws:kms:eu-west-1:1:key/abc");
});

test("the instance is not publicly accessible", () => {
    expect(instance(prod).inputs.publiclyAccessible).toBe(false);
    expect(instance(staging).inputs.publiclyAccessible).toBe(false);
});

test("the security group has no 0.0.0.0/0 ingress, only the configured networks", () => {
    const sg = prod.mocks.ofType("aws:ec2/securityGroup:SecurityGroup")[0];
    const ingress = sg.inputs.ingress as { cidrBlocks?: string[]; securityGroups?: string[]; fromPort: number }[];
    expect(ingress.flatMap((i) => i.cidrBlocks ?? [])).toEqual(["10.0.0.0/16"]);
    expect(ingress.flatMap((i) => i.securityGroups ?? [])).toEqual(["sg-0123"]);
    for (const i of ingress) expect(i.fromPort).toBe(5432);
});

test("production has deletion protection, a final snapshot, multi-AZ and Pulumi protect", () => {
    expect(instance(prod).inputs).toMatchObject({ deletionProtection: true, skipFinalSnapshot: false, multiAz: true });
    expect(instance(prod).inputs.finalSnapshotIdentifier).toBeTruthy();
    expect(prod.mocks.options.get("pgstack-server-instance")?.protect).toBe(true);
});

test("backups are kept at least 7 days (point-in-time recovery)", () => {
    expect(instance(prod).inputs.backupRetentionPeriod).toBeGreaterThanOrEqual(7);
    expect(instance(staging).inputs.backupRetentionPeriod).toBeGreaterThanOrEqual(7);
});

test("Performance Insights and auto minor version upgrades are on", () => {
    expect(instance(prod).inputs).toMatchObject({ performanceInsightsEnabled: true, autoMinorVersionUpgrade: true });
});

test("instance class and multi-AZ come from config", async () => {
    const run = await runProgram(rdsConfig("staging", { instanceClass: "db.r7g.large", multiAz: true }));
    expect(instance(run).inputs).toMatchObject({ instanceClass: "db.r7g.large", multiAz: true });
});

test("the master password is generated, secret, and rotates with the admin seed", async () => {
    const pw = instance(prod).inputs.password as Record<string, unknown>;
    expect(Object.keys(pw)).toContain("value");
    const before = prod.mocks.named("pgstack-server-admin-password").inputs.keepers;
    const rotated = await runProgram(
        baseConfig({
            environment: "production",
            server: rdsServer(),
            adminPassword: "",
            rotation: { seed: "initial", admin: "r2" },
        }),
    );
    expect(rotated.mocks.named("pgstack-server-admin-password").inputs.keepers).not.toEqual(before);
});

test("the provider connects with verify-full to the instance's address, as a non-superuser", () => {
    const p = prod.mocks.ofType("pulumi:providers:postgresql")[0].inputs;
    // Provider inputs travel as strings.
    expect(p).toMatchObject({
        sslmode: "verify-full",
        superuser: "false",
        sslrootcert: "/etc/ssl/certs/rds-global-bundle.pem",
    });
    expect(String(p.host)).toContain("rds.amazonaws.com");
});

test("the RDS CA bundle name is an output", () => {
    expect(prod.outputs.caBundleName).toBe("rds-ca-rsa2048-g1");
});
