/**
 * `aws:s3/bucketVersioning:BucketVersioning` (terraform-provider-aws
 * `internal/service/s3/bucket_versioning.go`): ID = bucket (or bucket,owner); Create puts the configuration
 * unless its status is Disabled; Read maps an empty status to Disabled (so a bucket whose versioning was
 * suspended by hand shows as drift); Delete suspends versioning (a Disabled configuration does nothing),
 * tolerating a bucket whose Object Lock forbids suspending.
 */
import { GetBucketVersioningCommand, PutBucketVersioningCommand } from "@aws-sdk/client-s3";
import { isObject, Props, str } from "../props";
import type { ResourceDef } from "../resource";
import { BUCKET_REF, bucketOf, fillRegion, ownerOf } from "./common";
import { AwsContext, bucketResourceId, isCode, parseBucketResourceId, retryOn } from "./context";
import { AWS } from "../../../upstream/tokens";

function configOf(p: Props): { status: string; mfaDelete?: string } {
    const c = p.versioningConfiguration;
    if (!isObject(c)) throw new Error("versioningConfiguration is required");
    return {
        status: String(c.status),
        mfaDelete: typeof c.mfaDelete === "string" && c.mfaDelete ? c.mfaDelete : undefined,
    };
}

async function put(ctx: AwsContext, p: Props, status = configOf(p).status): Promise<void> {
    const c = configOf(p);
    await ctx.s3().send(
        new PutBucketVersioningCommand({
            Bucket: bucketOf(p),
            ExpectedBucketOwner: ownerOf(p),
            MFA: str(p, "mfa"),
            VersioningConfiguration: { Status: status as never, MFADelete: c.mfaDelete as never },
        }),
    );
}

async function read(ctx: AwsContext, id: string, state: Props) {
    const { bucket, owner } = parseBucketResourceId(id);
    try {
        const r = await ctx.s3().send(new GetBucketVersioningCommand({ Bucket: bucket, ExpectedBucketOwner: owner }));
        return {
            id,
            outputs: {
                bucket,
                expectedBucketOwner: owner ?? null,
                mfa: state.mfa ?? null,
                region: state.region ?? ctx.config.region,
                versioningConfiguration: { status: r.Status ?? "Disabled", mfaDelete: r.MFADelete ?? "" },
            } as Props,
        };
    } catch (e) {
        if (isCode(e, ["NoSuchBucket"], false)) return null;
        throw e;
    }
}

export const bucketVersioning: ResourceDef<AwsContext> = {
    token: AWS.s3.BucketVersioning,
    props: {
        ...BUCKET_REF,
        mfa: { kind: "string" },
        versioningConfiguration: {
            kind: "object",
            required: true,
            fields: {
                status: { kind: "string", required: true, oneOf: ["Enabled", "Suspended", "Disabled"] },
                mfaDelete: { kind: "string", oneOf: ["Enabled", "Disabled"] },
            },
        },
    },
    finalize: fillRegion,
    diffProperty(key, olds, news) {
        if (key !== "versioningConfiguration") return undefined;
        const o = isObject(olds.versioningConfiguration) ? olds.versioningConfiguration : {};
        const n = isObject(news.versioningConfiguration) ? news.versioningConfiguration : {};
        const mfaSame = !n.mfaDelete || n.mfaDelete === o.mfaDelete; // Optional+Computed
        return o.status === n.status && mfaSame ? "same" : "update";
    },
    async create(ctx, inputs) {
        if (configOf(inputs).status !== "Disabled") {
            await retryOn(["NoSuchBucket"], () => put(ctx, inputs));
        }
        const id = bucketResourceId(bucketOf(inputs), ownerOf(inputs));
        const r = await read(ctx, id, inputs);
        if (!r) throw new Error(`S3 Bucket Versioning (${id}) not found after create`);
        return r;
    },
    read,
    async update(ctx, id, _olds, news) {
        await put(ctx, news);
        const r = await read(ctx, id, news);
        if (!r) throw new Error(`S3 Bucket Versioning (${id}) not found after update`);
        return r;
    },
    async delete(ctx, _id, state) {
        if (configOf(state).status === "Disabled") return;
        try {
            await put(ctx, state, "Suspended");
        } catch (e) {
            if (isCode(e, ["NoSuchBucket"])) return;
            if (isCode(e, ["InvalidBucketState"]) && /Object Lock configuration/i.test((e as Error).message)) return;
            throw e;
        }
    },
};
