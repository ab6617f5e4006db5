/**
 * `aws:s3/bucketOwnershipControls:BucketOwnershipControls` (terraform-provider-aws
 * `internal/service/s3/bucket_ownership_controls.go`): ID = bucket; Put whole; Read drops the resource when
 * the controls are gone; Delete removes them (retrying while S3 reports OperationAborted) and waits until
 * they are gone.
 */
import {
    DeleteBucketOwnershipControlsCommand,
    GetBucketOwnershipControlsCommand,
    PutBucketOwnershipControlsCommand,
} from "@aws-sdk/client-s3";
import { isObject, Props } from "../props";
import type { ResourceDef } from "../resource";
import { bucketOf, fillRegion, REGION } from "./common";
import { AwsContext, isCode, retryOn, waitFound } from "./context";
import { AWS } from "../../../upstream/tokens";

const NOT_FOUND = ["NoSuchBucket", "OwnershipControlsNotFoundError"];

async function get(ctx: AwsContext, bucket: string): Promise<string | undefined> {
    try {
        const r = await ctx.s3().send(new GetBucketOwnershipControlsCommand({ Bucket: bucket }));
        return r.OwnershipControls?.Rules?.[0]?.ObjectOwnership ?? "";
    } catch (e) {
        if (isCode(e, NOT_FOUND)) return undefined;
        throw e;
    }
}

async function put(ctx: AwsContext, p: Props): Promise<void> {
    const rule = isObject(p.rule) ? p.rule : {};
    await ctx.s3().send(
        new PutBucketOwnershipControlsCommand({
            Bucket: bucketOf(p),
            OwnershipControls: { Rules: [{ ObjectOwnership: String(rule.objectOwnership) as never }] },
        }),
    );
}

const outputs = (ctx: AwsContext, bucket: string, ownership: string, state: Props): Props => ({
    bucket,
    region: state.region ?? ctx.config.region,
    rule: { objectOwnership: ownership },
});

export const bucketOwnershipControls: ResourceDef<AwsContext> = {
    token: AWS.s3.BucketOwnershipControls,
    props: {
        bucket: { kind: "string", required: true, forceNew: true },
        rule: {
            kind: "object",
            required: true,
            fields: {
                objectOwnership: {
                    kind: "string",
                    required: true,
                    oneOf: ["BucketOwnerPreferred", "ObjectWriter", "BucketOwnerEnforced"],
                },
            },
        },
        region: REGION,
    },
    finalize: fillRegion,
    async create(ctx, inputs) {
        await put(ctx, inputs);
        const bucket = bucketOf(inputs);
        const o = await waitFound(`S3 Bucket Ownership Controls (${bucket})`, () => get(ctx, bucket));
        return { id: bucket, outputs: outputs(ctx, bucket, o, inputs) };
    },
    async read(ctx, id, state) {
        const o = await get(ctx, id);
        return o === undefined ? null : { id, outputs: outputs(ctx, id, o, state) };
    },
    async update(ctx, id, _olds, news) {
        await put(ctx, news);
        const o = await get(ctx, id);
        if (o === undefined) throw new Error(`S3 Bucket Ownership Controls (${id}) not found after update`);
        return { id, outputs: outputs(ctx, id, o, news) };
    },
    async delete(ctx, id) {
        try {
            await retryOn(
                ["OperationAborted"],
                () => ctx.s3().send(new DeleteBucketOwnershipControlsCommand({ Bucket: id })),
                300_000,
            );
        } catch (e) {
            if (!isCode(e, NOT_FOUND)) throw e;
        }
        await waitFound(`S3 Bucket Ownership Controls (${id}) to be deleted`, async () =>
            (await get(ctx, id)) === undefined ? true : undefined,
        );
    },
};
