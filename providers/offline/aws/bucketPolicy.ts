/**
 * `aws:s3/bucketPolicy:BucketPolicy` (terraform-provider-aws `internal/service/s3/bucket_policy.go`): ID =
 * bucket; Put (retried on MalformedPolicy and NoSuchBucket); Read keeps the configured text while the
 * server's copy means the same, reports the server's text otherwise (drift), and drops the resource when the
 * policy was deleted; Delete removes it and waits until it is gone.
 */
import { DeleteBucketPolicyCommand, GetBucketPolicyCommand, PutBucketPolicyCommand } from "@aws-sdk/client-s3";
import { Props, str } from "../props";
import type { ResourceDef } from "../resource";
import { bucketOf, fillRegion, REGION } from "./common";
import { AwsContext, isCode, retryOn, waitFound } from "./context";
import { compactJson, invalidPolicyInput, normalizePolicyInput, policiesEquivalent } from "./policyJson";
import { AWS } from "../../../upstream/tokens";

const NOT_FOUND = ["NoSuchBucket", "NoSuchBucketPolicy"];

async function get(ctx: AwsContext, bucket: string): Promise<string | undefined> {
    try {
        const r = await ctx.s3().send(new GetBucketPolicyCommand({ Bucket: bucket }));
        return r.Policy ?? "";
    } catch (e) {
        if (isCode(e, NOT_FOUND)) return undefined;
        throw e;
    }
}

async function put(ctx: AwsContext, p: Props): Promise<void> {
    const policy = compactJson(str(p, "policy") ?? "");
    await retryOn(["MalformedPolicy", "NoSuchBucket"], () =>
        ctx.s3().send(new PutBucketPolicyCommand({ Bucket: bucketOf(p), Policy: policy })),
    );
}

function outputs(ctx: AwsContext, bucket: string, server: string, state: Props): Props {
    const configured = str(state, "policy");
    return {
        bucket,
        region: state.region ?? ctx.config.region,
        policy: configured !== undefined && policiesEquivalent(configured, server) ? configured : compactJson(server),
    };
}

export const bucketPolicy: ResourceDef<AwsContext> = {
    token: AWS.s3.BucketPolicy,
    props: {
        bucket: { kind: "string", required: true, forceNew: true },
        policy: { kind: "string", required: true },
        region: REGION,
    },
    finalize: fillRegion,
    validate: (inputs) => invalidPolicyInput(str(inputs, "policy")),
    normalize: normalizePolicyInput,
    async create(ctx, inputs) {
        await put(ctx, inputs);
        const bucket = bucketOf(inputs);
        const server = await waitFound(`S3 Bucket Policy (${bucket})`, () => get(ctx, bucket));
        return { id: bucket, outputs: outputs(ctx, bucket, server, inputs) };
    },
    async read(ctx, id, state) {
        const server = await get(ctx, id);
        return server === undefined ? null : { id, outputs: outputs(ctx, id, server, state) };
    },
    async update(ctx, id, _olds, news) {
        await put(ctx, news);
        const server = await get(ctx, id);
        if (server === undefined) throw new Error(`S3 Bucket Policy (${id}) not found after update`);
        return { id, outputs: outputs(ctx, id, server, news) };
    },
    async delete(ctx, id) {
        try {
            await ctx.s3().send(new DeleteBucketPolicyCommand({ Bucket: id }));
        } catch (e) {
            if (!isCode(e, ["NoSuchBucket"])) throw e;
        }
        await waitFound(`S3 Bucket Policy (${id}) to be deleted`, async () =>
            (await get(ctx, id)) === undefined ? true : undefined,
        );
    },
};
