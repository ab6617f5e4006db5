/**
 * `aws:iam/user:User` (terraform-provider-aws `internal/service/iam/user.go`): ID = name (auto-named
 * `<resource>-<7 hex>`), path `/` by default; rename and path changes are UpdateUser in place; Read drops the
 * user when IAM says NoSuchEntity; Delete takes the user out of its groups and, with forceDestroy, deletes
 * its inline policies and access keys first (otherwise IAM refuses with DeleteConflict).
 */
import {
    CreateUserCommand,
    DeleteAccessKeyCommand,
    DeleteUserCommand,
    DeleteUserPolicyCommand,
    GetUserCommand,
    ListAccessKeysCommand,
    ListGroupsForUserCommand,
    ListUserPoliciesCommand,
    RemoveUserFromGroupCommand,
    TagUserCommand,
    UntagUserCommand,
    UpdateUserCommand,
} from "@aws-sdk/client-iam";
import { bool, Props, str, strMap } from "../props";
import type { ResourceDef } from "../resource";
import { AwsContext, isCode } from "./context";
import { AWS } from "../../../upstream/tokens";

async function readUser(ctx: AwsContext, name: string, state: Props): Promise<Props | null> {
    try {
        const r = await ctx.iam().send(new GetUserCommand({ UserName: name }));
        const u = r.User;
        if (!u) return null;
        const tags = Object.fromEntries((u.Tags ?? []).map((t) => [t.Key ?? "", t.Value ?? ""]));
        return {
            name: u.UserName ?? name,
            path: u.Path ?? "/",
            permissionsBoundary: u.PermissionsBoundary?.PermissionsBoundaryArn ?? null,
            forceDestroy: bool(state, "forceDestroy") ?? false,
            tags: Object.keys(tags).length > 0 ? tags : null,
            tagsAll: tags,
            arn: u.Arn ?? "",
            uniqueId: u.UserId ?? "",
        };
    } catch (e) {
        if (isCode(e, ["NoSuchEntity", "NoSuchEntityException"])) return null;
        throw e;
    }
}

const tagList = (t: Record<string, string> | undefined) =>
    Object.entries(t ?? {}).map(([Key, Value]) => ({ Key, Value }));

export const iamUser: ResourceDef<AwsContext> = {
    token: AWS.iam.User,
    autoname: true,
    props: {
        name: { kind: "string" },
        path: { kind: "string", default: "/" },
        permissionsBoundary: { kind: "string", unsupported: "not needed by the stack" },
        forceDestroy: { kind: "bool", default: false },
        tags: { kind: "map" },
    },
    computedOutputs: ["arn", "uniqueId", "tagsAll"],
    validate(inputs) {
        const n = str(inputs, "name");
        return n !== undefined && !/^[0-9A-Za-z=,.@\-_+]+$/.test(n)
            ? [{ property: "name", reason: `name "${n}" may contain only letters, digits and =,.@-_+` }]
            : [];
    },
    async create(ctx, inputs) {
        const name = str(inputs, "name") as string;
        await ctx.iam().send(
            new CreateUserCommand({
                UserName: name,
                Path: str(inputs, "path") ?? "/",
                Tags: tagList(strMap(inputs, "tags")).length > 0 ? tagList(strMap(inputs, "tags")) : undefined,
            }),
        );
        const out = await readUser(ctx, name, inputs);
        if (!out) throw new Error(`IAM User (${name}) not found after create`);
        return { id: name, outputs: out };
    },
    async read(ctx, id, state) {
        const out = await readUser(ctx, id, state);
        return out && { id, outputs: out };
    },
    async update(ctx, id, olds, news) {
        const name = str(news, "name") ?? id;
        if (name !== str(olds, "name") || str(news, "path") !== str(olds, "path")) {
            await ctx.iam().send(
                new UpdateUserCommand({
                    UserName: str(olds, "name") ?? id,
                    NewUserName: name,
                    NewPath: str(news, "path"),
                }),
            );
        }
        const oldTags = strMap(olds, "tags") ?? {};
        const newTags = strMap(news, "tags") ?? {};
        const removed = Object.keys(oldTags).filter((k) => !(k in newTags));
        if (removed.length > 0) await ctx.iam().send(new UntagUserCommand({ UserName: name, TagKeys: removed }));
        const changed = Object.entries(newTags).filter(([k, v]) => oldTags[k] !== v);
        if (changed.length > 0) {
            await ctx
                .iam()
                .send(new TagUserCommand({ UserName: name, Tags: changed.map(([Key, Value]) => ({ Key, Value })) }));
        }
        const out = await readUser(ctx, name, news);
        if (!out) throw new Error(`IAM User (${name}) not found after update`);
        return { id, outputs: out };
    },
    async delete(ctx, id, state) {
        const name = str(state, "name") ?? id;
        const ignoreGone = (e: unknown) => {
            if (!isCode(e, ["NoSuchEntity", "NoSuchEntityException"])) throw e;
        };
        const groups = await ctx
            .iam()
            .send(new ListGroupsForUserCommand({ UserName: name }))
            .catch((e: unknown) => {
                ignoreGone(e);
                return { Groups: [] };
            });
        for (const g of groups.Groups ?? []) {
            await ctx
                .iam()
                .send(new RemoveUserFromGroupCommand({ UserName: name, GroupName: g.GroupName }))
                .catch(ignoreGone);
        }
        if (bool(state, "forceDestroy") === true) {
            const pols = await ctx
                .iam()
                .send(new ListUserPoliciesCommand({ UserName: name }))
                .catch(() => ({ PolicyNames: [] }));
            for (const p of pols.PolicyNames ?? []) {
                await ctx
                    .iam()
                    .send(new DeleteUserPolicyCommand({ UserName: name, PolicyName: p }))
                    .catch(ignoreGone);
            }
            const keys = await ctx
                .iam()
                .send(new ListAccessKeysCommand({ UserName: name }))
                .catch(() => ({ AccessKeyMetadata: [] }));
            for (const k of keys.AccessKeyMetadata ?? []) {
                await ctx
                    .iam()
                    .send(new DeleteAccessKeyCommand({ UserName: name, AccessKeyId: k.AccessKeyId }))
                    .catch(ignoreGone);
            }
        }
        await ctx
            .iam()
            .send(new DeleteUserCommand({ UserName: name }))
            .catch(ignoreGone);
    },
};
