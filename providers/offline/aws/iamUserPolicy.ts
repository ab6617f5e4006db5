/**
 * `aws:iam/userPolicy:UserPolicy` (terraform-provider-aws `internal/service/iam/user_policy.go`): ID =
 * `<user>:<name>` (name auto-named `<resource>-<7 hex>`); PutUserPolicy on create and update; Read
 * URL-decodes the document and keeps the configured text while it means the same (drift otherwise), dropping
 * the policy on NoSuchEntity; Delete is DeleteUserPolicy.
 */
import { DeleteUserPolicyCommand, GetUserPolicyCommand, PutUserPolicyCommand } from "@aws-sdk/client-iam";
import { Props, str } from "../props";
import type { ResourceDef } from "../resource";
import { AwsContext, isCode, waitFound } from "./context";
import { compactJson, invalidPolicyInput, normalizePolicyInput, policiesEquivalent } from "./policyJson";
import { AWS } from "../../../upstream/tokens";

const GONE = ["NoSuchEntity", "NoSuchEntityException"];

export function parseUserPolicyId(id: string): { user: string; name: string } {
    const i = id.indexOf(":");
    if (i < 0) throw new Error(`IAM User Policy ID "${id}" is not <user>:<name>`);
    return { user: id.slice(0, i), name: id.slice(i + 1) };
}

async function get(ctx: AwsContext, user: string, name: string): Promise<string | undefined> {
    try {
        const r = await ctx.iam().send(new GetUserPolicyCommand({ UserName: user, PolicyName: name }));
        const doc = r.PolicyDocument ?? "";
        try {
            return decodeURIComponent(doc);
        } catch {
            return doc;
        }
    } catch (e) {
        if (isCode(e, GONE)) return undefined;
        throw e;
    }
}

function outputs(user: string, name: string, server: string, state: Props): Props {
    const configured = str(state, "policy");
    return {
        user,
        name,
        namePrefix: "",
        policy: configured !== undefined && policiesEquivalent(configured, server) ? configured : compactJson(server),
    };
}

async function put(ctx: AwsContext, p: Props): Promise<void> {
    await ctx.iam().send(
        new PutUserPolicyCommand({
            UserName: str(p, "user"),
            PolicyName: str(p, "name"),
            PolicyDocument: compactJson(str(p, "policy") ?? ""),
        }),
    );
}

export const iamUserPolicy: ResourceDef<AwsContext> = {
    token: AWS.iam.UserPolicy,
    autoname: true,
    props: {
        user: { kind: "string", required: true, forceNew: true },
        name: { kind: "string", forceNew: true },
        namePrefix: { kind: "string", forceNew: true, unsupported: "give the policy a name or let it be auto-named" },
        policy: { kind: "string", required: true },
    },
    validate: (inputs) => invalidPolicyInput(str(inputs, "policy")),
    normalize: normalizePolicyInput,
    async create(ctx, inputs) {
        await put(ctx, inputs);
        const user = str(inputs, "user") as string;
        const name = str(inputs, "name") as string;
        const server = await waitFound(`IAM User Policy (${user}:${name})`, () => get(ctx, user, name));
        return { id: `${user}:${name}`, outputs: outputs(user, name, server, inputs) };
    },
    async read(ctx, id, state) {
        const { user, name } = parseUserPolicyId(id);
        const server = await get(ctx, user, name);
        return server === undefined ? null : { id, outputs: outputs(user, name, server, state) };
    },
    async update(ctx, id, _olds, news) {
        await put(ctx, news);
        const { user, name } = parseUserPolicyId(id);
        const server = await get(ctx, user, name);
        if (server === undefined) throw new Error(`IAM User Policy (${id}) not found after update`);
        return { id, outputs: outputs(user, name, server, news) };
    },
    async delete(ctx, id) {
        const { user, name } = parseUserPolicyId(id);
        try {
            await ctx.iam().send(new DeleteUserPolicyCommand({ UserName: user, PolicyName: name }));
        } catch (e) {
            if (!isCode(e, GONE)) throw e;
        }
    },
};
