/**
 * `aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock` (terraform-provider-aws
 * `internal/service/s3/bucket_public_access_block.go`): ID = bucket; the four flags always sent; Update
 * trusts the request (no read back, as upstream); Read drops the resource when the configuration is gone;
 * Delete removes it unless skipDestroy.
 */
import {
    DeletePublicAccessBlockCommand,
    GetPublicAccessBlockCommand,
    PutPublicAccessBlockCommand,
} from "@aws-sdk/client-s3";
import { bool, Props } from "../props";
import type { ResourceDef } from "../resource";
import { bucketOf, fillRegion, REGION } from "./common";
import { AwsContext, isCode, retryOn, waitFound } from "./context";
import { AWS } from "../../../upstream/tokens";

const FLAGS = [
    ["blockPublicAcls", "BlockPublicAcls"],
    ["blockPublicPolicy", "BlockPublicPolicy"],
    ["ignorePublicAcls", "IgnorePublicAcls"],
    ["restrictPublicBuckets", "RestrictPublicBuckets"],
] as const;
const NOT_FOUND = ["NoSuchBucket", "NoSuchPublicAccessBlockConfiguration"];

async function get(ctx: AwsContext, bucket: string) {
    try {
        const r = await ctx.s3().send(new GetPublicAccessBlockCommand({ Bucket: bucket }));
        return r.PublicAccessBlockConfiguration ?? {};
    } catch (e) {
        if (isCode(e, NOT_FOUND)) return undefined;
        throw e;
    }
}

async function put(ctx: AwsContext, p: Props): Promise<void> {
    const cfg = Object.fromEntries(FLAGS.map(([k, api]) => [api, bool(p, k) ?? false]));
    await retryOn(["NoSuchBucket"], () =>
        ctx.s3().send(new PutPublicAccessBlockCommand({ Bucket: bucketOf(p), PublicAccessBlockConfiguration: cfg })),
    );
}

function outputs(
    ctx: AwsContext,
    bucket: string,
    cfg: Partial<Record<(typeof FLAGS)[number][1], boolean>>,
    state: Props,
): Props {
    const out: Props = {
        bucket,
        region: state.region ?? ctx.config.region,
        skipDestroy: bool(state, "skipDestroy") ?? false,
    };
    for (const [k, api] of FLAGS) out[k] = cfg[api] ?? false;
    return out;
}

export const bucketPublicAccessBlock: ResourceDef<AwsContext> = {
    token: AWS.s3.BucketPublicAccessBlock,
    props: {
        bucket: { kind: "string", required: true, forceNew: true },
        blockPublicAcls: { kind: "bool", default: false },
        blockPublicPolicy: { kind: "bool", default: false },
        ignorePublicAcls: { kind: "bool", default: false },
        restrictPublicBuckets: { kind: "bool", default: false },
        skipDestroy: { kind: "bool" },
        region: REGION,
    },
    finalize: fillRegion,
    async create(ctx, inputs) {
        await put(ctx, inputs);
        const bucket = bucketOf(inputs);
        const cfg = await waitFound(`S3 Bucket Public Access Block (${bucket})`, () => get(ctx, bucket));
        return { id: bucket, outputs: outputs(ctx, bucket, cfg, inputs) };
    },
    async read(ctx, id, state) {
        const cfg = await get(ctx, id);
        return cfg ? { id, outputs: outputs(ctx, id, cfg, state) } : null;
    },
    async update(ctx, id, _olds, news) {
        await put(ctx, news);
        const cfg = Object.fromEntries(FLAGS.map(([k, api]) => [api, bool(news, k) ?? false]));
        return { id, outputs: outputs(ctx, id, cfg, news) };
    },
    async delete(ctx, id, state) {
        if (bool(state, "skipDestroy") === true) return;
        try {
            await ctx.s3().send(new DeletePublicAccessBlockCommand({ Bucket: id }));
        } catch (e) {
            if (!isCode(e, NOT_FOUND)) throw e;
        }
        await waitFound(`S3 Bucket Public Access Block (${id}) to be deleted`, async () =>
            (await get(ctx, id)) === undefined ? true : undefined,
        );
    },
};
