/**
 * The peer pack @pulumi/awsguard, run over the same resources as ours. It lives in tools/awsguard
 * (its own lockfile: it pins @pulumi/aws v4 and aws-sdk v2, which must stay out of the root and out
 * of policies/). Its rules are plain `validateResourceOfType` callbacks, so they run on constructed
 * args. Which rules apply, and why the others do not, is in docs/policies.md.
 *
 * Install first: `npm ci --prefix tools/awsguard --ignore-scripts`. Without it these tests are
 * skipped, unless PGSTACK_REQUIRE_AWSGUARD=1 (CI) makes that a failure.
 */
import * as path from "path";
import type { ResourceValidationArgs } from "../../policies/lib";
import { runProgram } from "../harness";
import { rdsInstanceProps, STAGING } from "./fixtures";
import { resourceArgs } from "./harness";
import { policyResources, stackFile } from "./program";

const TOOL_DIR = path.join(__dirname, "..", "..", "tools", "awsguard");

interface GuardPolicy {
    name: string;
    validateResource?: GuardValidation | GuardValidation[];
}
type GuardValidation = ((args: ResourceValidationArgs, report: (m: string) => void) => unknown) & {
    __pulumiType?: string;
};

function loadGuard(module: string): Record<string, GuardPolicy> | undefined {
    try {
        const file = require.resolve(`@pulumi/awsguard/${module}`, { paths: [TOOL_DIR] });
        return jest.requireActual<Record<string, GuardPolicy>>(file);
    } catch (e) {
        if (process.env.PGSTACK_REQUIRE_AWSGUARD === "1") throw e;
        return undefined;
    }
}

const database = loadGuard("database");
const storage = loadGuard("storage");
const run = database && storage ? describe : describe.skip;

/** Runs one awsguard rule on one resource, skipping validations typed for other resources. */
async function guard(policy: GuardPolicy, args: ResourceValidationArgs): Promise<string[]> {
    const found: string[] = [];
    for (const v of [policy.validateResource ?? []].flat()) {
        if (v.__pulumiType && v.__pulumiType !== args.type) continue;
        await v(args, (m) => found.push(`${policy.name}: ${m}`));
    }
    return found;
}

const RDS_RULES = [
    "rdsStorageEncrypted",
    "rdsInstancePublicAccess",
    "rdsInstanceBackupEnabled",
    "rdsInstanceMultiAZEnabled",
];

run("@pulumi/awsguard (tools/awsguard)", () => {
    const rule = (name: string) => (database as Record<string, GuardPolicy>)[name];

    test("its RDS rules pass the instance our policies pass (Multi-AZ aside, advisory here)", async () => {
        const args = resourceArgs(
            "aws:rds/instance:Instance",
            { ...rdsInstanceProps(), multiAz: false },
            { config: STAGING },
        );
        const found = (await Promise.all(RDS_RULES.map((r) => guard(rule(r), args)))).flat();
        expect(found).toEqual([expect.stringMatching(/^rds-instance-multi-az-enabled/)]);
    });

    test("its RDS rules fail what ours fail: unencrypted and public", async () => {
        const args = resourceArgs("aws:rds/instance:Instance", {
            ...rdsInstanceProps(),
            storageEncrypted: false,
            publiclyAccessible: true,
        });
        const found = (await Promise.all(RDS_RULES.slice(0, 2).map((r) => guard(rule(r), args)))).flat();
        expect(found.map((f) => f.split(":")[0])).toEqual(["rds-storage-encrypted", "rds-instance-public-access"]);
    });

    test("over the stack files' RDS instances it flags only Multi-AZ, and only in staging", async () => {
        const flagged: string[] = [];
        for (const stack of ["staging", "production"]) {
            const config = stackFile(stack);
            if (!config) continue;
            const resources = policyResources(await runProgram(config, { stack }));
            for (const r of resources.filter((x) => x.type === "aws:rds/instance:Instance")) {
                const args = resourceArgs(r.type, r.props, { name: r.name });
                for (const name of RDS_RULES)
                    flagged.push(...(await guard(rule(name), args)).map((f) => `${stack} ${f.split(":")[0]}`));
            }
        }
        expect(flagged).toEqual(["staging rds-instance-multi-az-enabled"]);
    });

    test("its S3 logging rule reads the aws v4 inline `loggings`, so it cannot see v7 BucketLogging", async () => {
        const bucket = resourceArgs("aws:s3/bucket:Bucket", { bucket: "pgstack-backups" });
        const found = await guard((storage as Record<string, GuardPolicy>).s3BucketLoggingEnabled, bucket);
        expect(found).toEqual([expect.stringMatching(/^s3-bucket-logging-enabled/)]);
    });
});
