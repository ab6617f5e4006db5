/**
 * IAM: no policy document allows `*` actions (`*` or `service:*`), `*` resources, or NotAction /
 * NotResource with Allow (which allow everything else). Deny statements may use wildcards.
 */
import { asList, isObject, label, Policy, policyDocument, Props, ResourceValidationPolicy, statements } from "./lib";
import { AWS } from "../upstream/tokens";

export const IAM_POLICY = "aws:iam/policy:Policy";
export const IAM_USER_POLICY = AWS.iam.UserPolicy;
export const IAM_ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
export const IAM_GROUP_POLICY = "aws:iam/groupPolicy:GroupPolicy";
export const IAM_ROLE = "aws:iam/role:Role";

const POLICY_TYPES = [IAM_POLICY, IAM_USER_POLICY, IAM_ROLE_POLICY, IAM_GROUP_POLICY];

/** `*`, `s3:*`: a whole service or everything. (`s3:Get*` is a scoped family and passes.) */
export function isWildcardAction(action: unknown): boolean {
    return action === "*" || (typeof action === "string" && /^[a-z0-9-]+:\*$/i.test(action));
}

/** What is wrong with one statement, if anything. */
export function statementProblems(statement: Props): string[] {
    if (statement.Effect !== "Allow") return [];
    const problems: string[] = [];
    const wildcardActions = asList(statement.Action).filter(isWildcardAction);
    if (wildcardActions.length > 0) problems.push(`Action ${wildcardActions.map(String).join(", ")}`);
    if (statement.NotAction !== undefined) problems.push("NotAction with Allow");
    if (asList(statement.Resource).includes("*")) problems.push('Resource "*"');
    if (statement.NotResource !== undefined) problems.push("NotResource with Allow");
    return problems;
}

/** Problems of a whole document; `where` prefixes each (e.g. an inline policy's name). */
export function documentProblems(document: unknown, where = ""): string[] {
    return statements(policyDocument(document)).flatMap((s, i) => {
        const id = typeof s.Sid === "string" ? s.Sid : `#${i}`;
        return statementProblems(s).map((p) => `${where}statement ${id}: ${p}`);
    });
}

export const iamNoWildcards: ResourceValidationPolicy = {
    name: "iam-no-wildcards",
    description: 'IAM policies allow no "*" actions (or service:*) and no "*" resources.',
    enforcementLevel: "mandatory",
    severity: "high",
    validateResource: (args, report) => {
        let problems: string[] = [];
        if (POLICY_TYPES.includes(args.type)) {
            problems = documentProblems(args.props.policy);
        } else if (args.type === IAM_ROLE) {
            problems = asList(args.props.inlinePolicies).flatMap((p) =>
                isObject(p) ? documentProblems(p.policy, `inline policy ${String(p.name ?? "")} `) : [],
            );
        }
        if (problems.length > 0) {
            report(
                `${label(args)} is too broad (${problems.join("; ")}): list the actions the stack needs ` +
                    "(e.g. s3:GetObject, s3:PutObject) on the ARNs it needs (the bucket and bucket/*).",
            );
        }
    },
};

export const iamPolicies: Policy[] = [iamNoWildcards];
