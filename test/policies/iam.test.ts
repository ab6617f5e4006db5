import { iamNoWildcards, isWildcardAction } from "../../policies/iam";
import { resourceArgs, validateResource } from "./harness";

const doc = (...Statement: Record<string, unknown>[]) => JSON.stringify({ Version: "2012-10-17", Statement });
const scoped = {
    Effect: "Allow",
    Action: ["s3:GetObject", "s3:PutObject"],
    Resource: "arn:aws:s3:::pgstack-backups/*",
};

describe("iam-no-wildcards", () => {
    test.each([
        "aws:iam/policy:Policy",
        "aws:iam/userPolicy:UserPolicy",
        "aws:iam/rolePolicy:RolePolicy",
        "aws:iam/groupPolicy:GroupPolicy",
    ])("passes a scoped %s", async (type) => {
        expect(await validateResource(iamNoWildcards, resourceArgs(type, { policy: doc(scoped) }))).toEqual([]);
    });
    test('fails Action "*"', async () => {
        const args = resourceArgs(
            "aws:iam/policy:Policy",
            { policy: doc({ ...scoped, Action: "*" }) },
            { name: "backup-writer" },
        );
        const [v] = await validateResource(iamNoWildcards, args);
        expect(v.message).toMatch(/"backup-writer" is too broad \(statement #0: Action \*\).*list the actions/);
    });
    test('fails Action "s3:*"', async () => {
        const args = resourceArgs("aws:iam/userPolicy:UserPolicy", { policy: doc({ ...scoped, Action: ["s3:*"] }) });
        expect(await validateResource(iamNoWildcards, args)).toHaveLength(1);
    });
    test('fails Resource "*" on a named statement', async () => {
        const args = resourceArgs("aws:iam/rolePolicy:RolePolicy", {
            policy: doc({ ...scoped, Sid: "Rw", Resource: ["*"] }),
        });
        const [v] = await validateResource(iamNoWildcards, args);
        expect(v.message).toMatch(/statement Rw: Resource "\*"/);
    });
    test("fails NotAction with Allow", async () => {
        const s = { Effect: "Allow", NotAction: "iam:*", Resource: "arn:aws:s3:::x" };
        expect(
            await validateResource(iamNoWildcards, resourceArgs("aws:iam/policy:Policy", { policy: doc(s) })),
        ).toHaveLength(1);
    });
    test("passes wildcards in Deny statements", async () => {
        const deny = {
            Effect: "Deny",
            Action: "*",
            Resource: "*",
            Condition: { Bool: { "aws:SecureTransport": "false" } },
        };
        expect(
            await validateResource(
                iamNoWildcards,
                resourceArgs("aws:iam/policy:Policy", { policy: doc(scoped, deny) }),
            ),
        ).toEqual([]);
    });
    test("fails a role's inline policy with Resource *", async () => {
        const args = resourceArgs("aws:iam/role:Role", {
            inlinePolicies: [{ name: "rw", policy: doc({ ...scoped, Resource: "*" }) }],
        });
        const [v] = await validateResource(iamNoWildcards, args);
        expect(v.message).toMatch(/inline policy rw statement #0/);
    });
    test("treats a scoped action family (s3:Get*) as scoped", () => {
        expect(["*", "s3:*", "s3:Get*", "s3:GetObject"].map(isWildcardAction)).toEqual([true, true, false, false]);
    });
});
