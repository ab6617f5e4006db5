/**
 * `aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration` (terraform-provider-aws
 * `internal/service/s3/bucket_object_lock_configuration.go`): ID = bucket (or bucket,owner); Put always
 * carries ObjectLockEnabled; Read stores the default retention with the unused one of days/years as 0; Delete
 * cannot turn Object Lock off, it clears the default retention only.
 */
import { GetObjectLockConfigurationCommand, PutObjectLockConfigurationCommand } from "@aws-sdk/client-s3";
import { isObject, Props, str } from "../props";
import type { ResourceDef } from "../resource";
import { BUCKET_REF, bucketOf, fillRegion, ownerOf } from "./common";
import { AwsContext, bucketResourceId, httpStatus, isCode, parseBucketResourceId, retryOn, waitFound } from "./context";
import { AWS } from "../../../upstream/tokens";

const NOT_FOUND = ["NoSuchBucket", "ObjectLockConfigurationNotFoundError"];

async function get(ctx: AwsContext, bucket: string, owner?: string) {
    try {
        const r = await ctx
            .s3()
            .send(new GetObjectLockConfigurationCommand({ Bucket: bucket, ExpectedBucketOwner: owner }));
        return r.ObjectLockConfiguration ?? {};
    } catch (e) {
        if (isCode(e, NOT_FOUND)) return undefined;
        throw e;
    }
}

function ruleToApi(p: Props) {
    const rule = isObject(p.rule) ? p.rule : undefined;
    const d = rule && isObject(rule.defaultRetention) ? rule.defaultRetention : undefined;
    if (!d) return undefined;
    const n = (v: unknown) => (typeof v === "number" && v !== 0 ? v : undefined);
    return { DefaultRetention: { Mode: (str(d, "mode") || undefined) as never, Days: n(d.days), Years: n(d.years) } };
}

async function put(ctx: AwsContext, p: Props, withRule = true): Promise<void> {
    try {
        await ctx.s3().send(
            new PutObjectLockConfigurationCommand({
                Bucket: bucketOf(p),
                ExpectedBucketOwner: ownerOf(p),
                Token: str(p, "token"),
                ObjectLockConfiguration: { ObjectLockEnabled: "Enabled", Rule: withRule ? ruleToApi(p) : undefined },
            }),
        );
    } catch (e) {
        if (httpStatus(e) === 501) throw new Error(`directory buckets are not supported: ${(e as Error).message}`);
        throw e;
    }
}

function outputs(
    ctx: AwsContext,
    id: string,
    cfg: { ObjectLockEnabled?: string; Rule?: { DefaultRetention?: { Mode?: string; Days?: number; Years?: number } } },
    state: Props,
): Props {
    const { bucket, owner } = parseBucketResourceId(id);
    const d = cfg.Rule?.DefaultRetention;
    return {
        bucket,
        expectedBucketOwner: owner ?? null,
        region: state.region ?? ctx.config.region,
        objectLockEnabled: cfg.ObjectLockEnabled ?? "",
        rule: d ? { defaultRetention: { mode: d.Mode ?? "", days: d.Days ?? 0, years: d.Years ?? 0 } } : null,
        token: state.token ?? null,
    };
}

export const bucketObjectLockConfiguration: ResourceDef<AwsContext> = {
    token: AWS.s3.BucketObjectLockConfiguration,
    props: {
        ...BUCKET_REF,
        objectLockEnabled: { kind: "string", default: "Enabled", forceNew: true, oneOf: ["Enabled"] },
        rule: {
            kind: "object",
            fields: {
                defaultRetention: {
                    kind: "object",
                    required: true,
                    fields: {
                        mode: { kind: "string", oneOf: ["GOVERNANCE", "COMPLIANCE"] },
                        days: { kind: "int" },
                        years: { kind: "int" },
                    },
                },
            },
        },
        token: { kind: "string", secret: true },
    },
    finalize: fillRegion,
    validate(inputs) {
        const rule = isObject(inputs.rule) ? inputs.rule : undefined;
        const d = rule && isObject(rule.defaultRetention) ? rule.defaultRetention : undefined;
        if (d && typeof d.days === "number" && d.days !== 0 && typeof d.years === "number" && d.years !== 0) {
            return [{ property: "rule.defaultRetention", reason: 'only one of "days" and "years" can be set' }];
        }
        return [];
    },
    async create(ctx, inputs) {
        await retryOn(["NoSuchBucket"], () => put(ctx, inputs));
        const id = bucketResourceId(bucketOf(inputs), ownerOf(inputs));
        const cfg = await waitFound(`S3 Bucket Object Lock Configuration (${id})`, () =>
            get(ctx, bucketOf(inputs), ownerOf(inputs)),
        );
        return { id, outputs: outputs(ctx, id, cfg, inputs) };
    },
    async read(ctx, id, state) {
        const { bucket, owner } = parseBucketResourceId(id);
        const cfg = await get(ctx, bucket, owner);
        return cfg ? { id, outputs: outputs(ctx, id, cfg, state) } : null;
    },
    async update(ctx, id, _olds, news) {
        await put(ctx, news);
        const { bucket, owner } = parseBucketResourceId(id);
        const cfg = await get(ctx, bucket, owner);
        if (!cfg) throw new Error(`S3 Bucket Object Lock Configuration (${id}) not found after update`);
        return { id, outputs: outputs(ctx, id, cfg, news) };
    },
    async delete(ctx, _id, state) {
        try {
            await put(ctx, state, false);
        } catch (e) {
            if (!isCode(e, NOT_FOUND)) throw e;
        }
    },
};
