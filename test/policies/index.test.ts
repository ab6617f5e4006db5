import * as path from "path";
import { PACK_NAME, packArgs, policies } from "../../policies/pack";

const POLICIES_DIR = path.join(__dirname, "..", "..", "policies");

/** Loads policies/index.ts with PolicyPack replaced by a spy (the real one starts a gRPC server). */
function constructedPack(): unknown[] {
    const calls: unknown[] = [];
    jest.isolateModules(() => {
        // The module index.ts itself resolves: policies/node_modules when installed, else the root's.
        const policyModule = require.resolve("@pulumi/policy", { paths: [POLICIES_DIR] });
        jest.doMock(policyModule, () => ({
            PolicyPack: jest.fn((...args: unknown[]) => calls.push(args)),
        }));
        jest.requireActual("../../policies/index");
    });
    return calls;
}

test("policies/index.ts builds one PolicyPack named pgstack from the pack's policies", () => {
    const summary = constructedPack().map((call) => {
        const [name, args] = call as [string, typeof packArgs];
        return [name, args.enforcementLevel, args.policies.map((p) => p.name)];
    });
    expect(summary).toEqual([[PACK_NAME, "mandatory", policies.map((p) => p.name)]]);
});

test("policy names are unique, valid and not the reserved 'all'", () => {
    const names = policies.map((p) => p.name);
    expect([new Set(names).size === names.length, names.filter((n) => n === "all" || !/^[a-z0-9-]+$/.test(n))]).toEqual(
        [true, []],
    );
});

test("every policy states its enforcement level and describes itself", () => {
    const vague = policies.filter((p) => !p.enforcementLevel || p.description.length < 20);
    expect(vague.map((p) => p.name)).toEqual([]);
});

test("no config schema declares enforcementLevel (the SDK refuses it)", () => {
    expect(policies.filter((p) => p.configSchema?.properties.enforcementLevel).map((p) => p.name)).toEqual([]);
});

test("the mandatory policies are the guardrails the issue asks for", () => {
    const mandatory = policies.filter((p) => p.enforcementLevel === "mandatory").map((p) => p.name);
    expect(mandatory.sort()).toEqual(
        [
            "docker-loopback-ports",
            "iam-no-wildcards",
            "network-no-open-ingress",
            "postgres-config-tls",
            "postgres-dsn-tls",
            "postgres-no-dangerous-memberships",
            "postgres-no-public-grants",
            "postgres-provider-tls",
            "postgres-role-least-privilege",
            "production-data-protected",
            "r2-no-public-dev-url",
            "rds-force-ssl",
            "rds-not-publicly-accessible",
            "rds-production-safety",
            "rds-ssl-parameter-group",
            "rds-storage-encrypted",
            "s3-backup-versioning",
            "s3-no-force-destroy-in-production",
            "s3-no-public-acl",
            "s3-no-public-bucket-policy",
            "s3-public-access-block",
            "s3-server-side-encryption",
            "s3-tls-only",
        ].sort(),
    );
});
