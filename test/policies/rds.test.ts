import {
    rdsCustomerManagedKey,
    rdsFinalSnapshot,
    rdsForceSsl,
    rdsMultiAz,
    rdsNotPublic,
    rdsPerformanceInsights,
    rdsProductionSafety,
    rdsStorageEncrypted,
    rdsUsesSslParameterGroup,
} from "../../policies/rds";
import { parameterGroupProps, PRODUCTION, rdsInstanceProps, STAGING } from "./fixtures";
import { dependsOnProperty, resourceArgs, stackArgs, stackResource, validateResource, validateStack } from "./harness";

const INSTANCE = "aws:rds/instance:Instance";
const GROUP = "aws:rds/parameterGroup:ParameterGroup";

const instance = (changes: Record<string, unknown> = {}, config: Record<string, unknown> = STAGING) =>
    resourceArgs(INSTANCE, { ...rdsInstanceProps(), ...changes }, { name: "pgstack-server-instance", config });

describe("rds-storage-encrypted", () => {
    test("passes an encrypted instance", async () => {
        expect(await validateResource(rdsStorageEncrypted, instance())).toEqual([]);
    });
    test("fails an unencrypted instance, naming it and the fix", async () => {
        const [v] = await validateResource(rdsStorageEncrypted, instance({ storageEncrypted: undefined }));
        expect(v.message).toMatch(/"pgstack-server-instance".*storageEncrypted: true/);
    });
    test("fails an unencrypted cluster", async () => {
        const args = resourceArgs("aws:rds/cluster:Cluster", { engine: "aurora-postgresql", storageEncrypted: false });
        expect(await validateResource(rdsStorageEncrypted, args)).toHaveLength(1);
    });
});

describe("rds-not-publicly-accessible", () => {
    test("passes a private instance", async () => {
        expect(await validateResource(rdsNotPublic, instance())).toEqual([]);
    });
    test("fails a public instance", async () => {
        const [v] = await validateResource(rdsNotPublic, instance({ publiclyAccessible: true }));
        expect(v.message).toMatch(/publicly accessible.*publiclyAccessible: false/);
    });
});

describe("rds-force-ssl", () => {
    test("passes a parameter group with rds.force_ssl = 1", async () => {
        expect(await validateResource(rdsForceSsl, resourceArgs(GROUP, parameterGroupProps()))).toEqual([]);
    });
    test("fails a parameter group with rds.force_ssl = 0", async () => {
        const props = { ...parameterGroupProps(), parameters: [{ name: "rds.force_ssl", value: "0" }] };
        const [v] = await validateResource(rdsForceSsl, resourceArgs(GROUP, props, { name: "pg-params" }));
        expect(v.message).toMatch(/"pg-params" does not set rds.force_ssl = 1/);
    });
    test("fails a parameter group without it", async () => {
        const props = { ...parameterGroupProps(), parameters: [] };
        expect(await validateResource(rdsForceSsl, resourceArgs(GROUP, props))).toHaveLength(1);
    });
    test("leaves non-PostgreSQL parameter groups alone", async () => {
        const props = { family: "mysql8.0", parameters: [] };
        expect(await validateResource(rdsForceSsl, resourceArgs(GROUP, props))).toEqual([]);
    });
});

describe("rds-ssl-parameter-group", () => {
    const linked = () => {
        const group = stackResource(GROUP, parameterGroupProps(), { name: "pgstack-server-params" });
        const db = stackResource(INSTANCE, { ...rdsInstanceProps(), parameterGroupName: undefined }, { name: "db" });
        return [group, dependsOnProperty(db, "parameterGroupName", group)];
    };
    test("passes an instance linked to the stack's SSL parameter group by dependency", async () => {
        expect(await validateStack(rdsUsesSslParameterGroup, stackArgs(linked()))).toEqual([]);
    });
    test("passes an instance naming the stack's SSL parameter group", async () => {
        const group = stackResource(GROUP, parameterGroupProps());
        const db = stackResource(INSTANCE, rdsInstanceProps());
        expect(await validateStack(rdsUsesSslParameterGroup, stackArgs([group, db]))).toEqual([]);
    });
    test("fails an instance on the default parameter group", async () => {
        const db = stackResource(INSTANCE, { ...rdsInstanceProps(), parameterGroupName: undefined }, { name: "db" });
        const [v] = await validateStack(rdsUsesSslParameterGroup, stackArgs([db]));
        expect(v).toMatchObject({ urn: db.urn, message: expect.stringMatching(/"db" does not use a parameter group/) });
    });
    test("fails an instance whose parameter group does not force SSL", async () => {
        const [group, db] = linked();
        group.props.parameters = [];
        const [v] = await validateStack(rdsUsesSslParameterGroup, stackArgs([group, db]));
        expect(v.message).toMatch(/without rds.force_ssl = 1/);
    });
});

describe("rds-production-safety", () => {
    test("passes a protected production instance with 14 days of backups", async () => {
        expect(await validateResource(rdsProductionSafety, instance({}, PRODUCTION))).toEqual([]);
    });
    test("fails a production instance without deletion protection", async () => {
        const [v] = await validateResource(rdsProductionSafety, instance({ deletionProtection: false }, PRODUCTION));
        expect(v.message).toMatch(/no deletion protection in production/);
    });
    test("fails a production instance with 3 days of backups", async () => {
        const [v] = await validateResource(rdsProductionSafety, instance({ backupRetentionPeriod: 3 }, PRODUCTION));
        expect(v.message).toMatch(/3 day\(s\).*at least 7/);
    });
    test("fails a production instance that leaves backup retention to AWS", async () => {
        const found = await validateResource(
            rdsProductionSafety,
            instance({ backupRetentionPeriod: undefined }, PRODUCTION),
        );
        expect(found).toHaveLength(1);
    });
    test("does not apply to staging", async () => {
        const args = instance({ deletionProtection: false, backupRetentionPeriod: 1 }, STAGING);
        expect(await validateResource(rdsProductionSafety, args)).toEqual([]);
    });
});

describe("advisory RDS policies", () => {
    test.each([
        [rdsMultiAz, { multiAz: false }],
        [rdsPerformanceInsights, { performanceInsightsEnabled: false }],
        [rdsCustomerManagedKey, { kmsKeyId: undefined }],
        [rdsFinalSnapshot, { skipFinalSnapshot: true }],
    ])("%#: advisory, passes the compliant instance and flags the weak one", async (policy, weak) => {
        const results = await Promise.all([
            validateResource(policy, instance({}, PRODUCTION)),
            validateResource(policy, instance(weak, PRODUCTION)),
        ]);
        expect([policy.enforcementLevel, results.map((r) => r.length)]).toEqual(["advisory", [0, 1]]);
    });
});
