import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { rdsIdentifier } from "../../components/server/rds";
import { rdsParameters } from "../../lib/rdsParameters";
import { baseConfig, isSecretInput, plain, ProgramRun, rdsServer, runProgram } from "../harness";

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

test("a staging RDS replacement keeps a final snapshot, its automated backups and the instance itself", () => {
    const i = instance(staging).inputs;
    // A stack-derived identifier: a ForceNew change cannot create an empty twin under a new autoname.
    expect(i.identifier).toBe("pgstack-test");
    expect(i).toMatchObject({ skipFinalSnapshot: false, deleteAutomatedBackups: false });
    expect(String(i.finalSnapshotIdentifier)).toMatch(/^pgstack-test-final-/);
    expect(staging.mocks.options.get("pgstack-server-instance")).toMatchObject({
        retainOnDelete: true,
        protect: false,
    });
    expect(prod.mocks.options.get("pgstack-server-instance")).toMatchObject({ retainOnDelete: true, protect: true });
});

test("protect and retainOnDelete on the instance follow pgstack:dataProtection in every environment", async () => {
    const protectedStaging = await runProgram(
        baseConfig({
            environment: "staging",
            server: rdsServer(),
            adminPassword: "",
            dataProtection: { protect: true },
        }),
    );
    expect(protectedStaging.mocks.options.get("pgstack-server-instance")?.protect).toBe(true);
    const disposable = await runProgram(
        baseConfig({
            environment: "staging",
            server: rdsServer(),
            adminPassword: "",
            allowDataLoss: true,
            dataProtection: { retainOnDelete: false },
        }),
    );
    expect(disposable.error).toBeUndefined();
    expect(instance(disposable).inputs).toMatchObject({ skipFinalSnapshot: true });
    expect(instance(disposable).inputs.finalSnapshotIdentifier).toBeUndefined();
    expect(disposable.mocks.options.get("pgstack-server-instance")?.retainOnDelete).toBe(false);
});

test("an instance created under an autoname keeps it when server.identifier names it", async () => {
    const r = await runProgram(rdsConfig("staging", { identifier: "pgstack-server-instance-1a2b3c4" }));
    expect(instance(r).inputs.identifier).toBe("pgstack-server-instance-1a2b3c4");
    const bad = await runProgram(rdsConfig("staging", { identifier: "Bad--Name-" }));
    expect(bad.error?.message).toContain("pgstack:server.identifier");
});

test("the final snapshot identifier names the stack and is unique per instance, stable across runs", async () => {
    const again = await runProgram(rdsConfig("staging"));
    const other = await runProgram(rdsConfig("staging"), { stack: "other" });
    const snap = (r: ProgramRun) => String(instance(r).inputs.finalSnapshotIdentifier);
    expect(snap(again)).toBe(snap(staging));
    expect(snap(other)).toMatch(/^pgstack-other-final-/);
    expect(snap(staging)).not.toBe("pgstack-server-final");
    // The suffix is a random string kept in state, replaced with the instance identifier.
    const suffix = staging.mocks.ofType("random:index/randomString:RandomString")[0];
    expect(suffix.inputs.keepers).toEqual({ identifier: "pgstack-test" });
    expect(rdsIdentifier("Prod_EU.1")).toBe("pgstack-prod-eu-1");
    expect(rdsIdentifier("x".repeat(80))).toHaveLength(63);
});

test("a major version change is allowed, and the parameter group name carries the family", async () => {
    const v17 = await runProgram(rdsConfig("production", { engineVersion: "17" }));
    expect(instance(v17).inputs).toMatchObject({ engineVersion: "17", allowMajorVersionUpgrade: true });
    const group = (r: ProgramRun) => r.mocks.ofType("aws:rds/parameterGroup:ParameterGroup")[0];
    expect(group(v17).inputs).toMatchObject({ family: "postgres17", name: "pgstack-test-postgres17" });
    expect(group(prod).inputs).toMatchObject({ family: "postgres16", name: "pgstack-test-postgres16" });
    // A new name is a new group, created before the old one is let go; the old one is retained, not
    // deleted, while the instance may still use it (applyImmediately is off in production).
    expect(prod.mocks.options.get(group(prod).name)?.retainOnDelete).toBe(true);
});

test("the configured backup retention reaches the instance; production refuses less than 7 days", async () => {
    const ten = await runProgram(rdsConfig("staging", { backupRetentionDays: 10 }));
    expect(instance(ten).inputs.backupRetentionPeriod).toBe(10);
    const short = await runProgram(rdsConfig("production", { backupRetentionDays: 3 }));
    expect(short.error?.message).toContain("pgstack:server.backupRetentionDays");
});

test("Performance Insights and auto minor version upgrades are on", () => {
    expect(instance(prod).inputs).toMatchObject({ performanceInsightsEnabled: true, autoMinorVersionUpgrade: true });
});

test("instance class and multi-AZ come from config", async () => {
    const run = await runProgram(rdsConfig("staging", { instanceClass: "db.r7g.large", multiAz: true }));
    expect(instance(run).inputs).toMatchObject({ instanceClass: "db.r7g.large", multiAz: true });
});

test("the master password is the generated one, passed as a secret, and rotates with the admin seed", async () => {
    const pw = instance(prod).inputs.password;
    expect(isSecretInput(pw)).toBe(true);
    // The mock's RandomPassword result, unwrapped: the generated password, not a constant.
    expect(plain(pw)).toMatch(/^pwxpgstackxserverxadminxpassword/);
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
    expect(plain(instance(rotated).inputs.password)).not.toEqual(plain(pw));
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

test("the CA bundle at server.caCertPath is exported, so apps need not have the deploy machine's path", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgstack-ca-"));
    const bundle = path.join(dir, "global-bundle.pem");
    fs.writeFileSync(bundle, "-----BEGIN CERTIFICATE-----\nrds\n-----END CERTIFICATE-----\n");
    const r = await runProgram(rdsConfig("staging", { caCertPath: bundle }));
    fs.rmSync(dir, { recursive: true, force: true });
    expect(r.outputs.caCertificate).toContain("BEGIN CERTIFICATE-----\nrds");
    expect(r.secret.caCertificate).toBe(false);
    // Without the file (a preview on another machine) there is simply no CA output.
    expect(staging.outputs.caCertificate).toBeUndefined();
});

test("a static parameter in server.parameters (max_connections) reaches the parameter group as pending-reboot", async () => {
    const r = await runProgram(rdsConfig("staging", { parameters: { max_connections: "500", work_mem: "65536" } }));
    expect(r.error).toBeUndefined();
    const params = r.mocks.ofType("aws:rds/parameterGroup:ParameterGroup")[0].inputs.parameters as {
        name: string;
        applyMethod: string;
    }[];
    expect(params.find((p) => p.name === "max_connections")?.applyMethod).toBe("pending-reboot");
    expect(params.find((p) => p.name === "work_mem")?.applyMethod).toBe("immediate");
});
