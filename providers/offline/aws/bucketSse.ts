/**
 * `aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration`
 * (terraform-provider-aws `internal/service/s3/bucket_server_side_encryption_configuration.go`): ID = bucket
 * (or bucket,owner); `rules` is a set, put whole; Read reports the server's rules (kmsMasterKeyId and
 * bucketKeyEnabled only when the server returns them) and drops the resource when the bucket has no
 * encryption configuration; Delete removes the configuration.
 */
import {
    DeleteBucketEncryptionCommand,
    GetBucketEncryptionCommand,
    PutBucketEncryptionCommand,
    ServerSideEncryptionRule,
} from "@aws-sdk/client-s3";
import { isObject, Props, Value } from "../props";
import type { ResourceDef } from "../resource";
import { BUCKET_REF, bucketOf, fillRegion, ownerOf } from "./common";
import { AwsContext, bucketResourceId, isCode, parseBucketResourceId, retryOn, waitFound } from "./context";
import { AWS } from "../../../upstream/tokens";

const NOT_FOUND = ["NoSuchBucket", "ServerSideEncryptionConfigurationNotFoundError"];

export function sseRulesToApi(rules: Value | undefined): ServerSideEncryptionRule[] {
    if (!Array.isArray(rules)) return [];
    return rules.filter(isObject).map((r) => {
        const d = isObject(r.applyServerSideEncryptionByDefault) ? r.applyServerSideEncryptionByDefault : undefined;
        return {
            ApplyServerSideEncryptionByDefault: d
                ? {
                      SSEAlgorithm: String(d.sseAlgorithm) as never,
                      KMSMasterKeyID:
                          typeof d.kmsMasterKeyId === "string" && d.kmsMasterKeyId ? d.kmsMasterKeyId : undefined,
                  }
                : undefined,
            BucketKeyEnabled: typeof r.bucketKeyEnabled === "boolean" ? r.bucketKeyEnabled : undefined,
        };
    });
}

export function sseRulesFromApi(rules: ServerSideEncryptionRule[] | undefined): Value[] {
    return (rules ?? []).map((r) => {
        const out: Record<string, Value> = {};
        const d = r.ApplyServerSideEncryptionByDefault;
        if (d) {
            out.applyServerSideEncryptionByDefault = {
                sseAlgorithm: d.SSEAlgorithm ?? "",
                ...(d.KMSMasterKeyID ? { kmsMasterKeyId: d.KMSMasterKeyID } : {}),
            };
        }
        if (r.BucketKeyEnabled !== undefined) out.bucketKeyEnabled = r.BucketKeyEnabled;
        return out;
    });
}

async function getRules(ctx: AwsContext, bucket: string, owner?: string) {
    try {
        const r = await ctx.s3().send(new GetBucketEncryptionCommand({ Bucket: bucket, ExpectedBucketOwner: owner }));
        return r.ServerSideEncryptionConfiguration?.Rules;
    } catch (e) {
        if (isCode(e, NOT_FOUND)) return undefined;
        throw e;
    }
}

async function read(ctx: AwsContext, id: string, state: Props) {
    const { bucket, owner } = parseBucketResourceId(id);
    const rules = await getRules(ctx, bucket, owner);
    if (!rules) return null;
    return {
        id,
        outputs: {
            bucket,
            expectedBucketOwner: owner ?? null,
            region: state.region ?? ctx.config.region,
            rules: sseRulesFromApi(rules),
        } as Props,
    };
}

async function put(ctx: AwsContext, p: Props): Promise<void> {
    await retryOn(["NoSuchBucket", "OperationAborted"], () =>
        ctx.s3().send(
            new PutBucketEncryptionCommand({
                Bucket: bucketOf(p),
                ExpectedBucketOwner: ownerOf(p),
                ServerSideEncryptionConfiguration: { Rules: sseRulesToApi(p.rules) },
            }),
        ),
    );
}

export const bucketSse: ResourceDef<AwsContext> = {
    token: AWS.s3.BucketServerSideEncryptionConfiguration,
    props: {
        ...BUCKET_REF,
        rules: {
            kind: "objectSet",
            required: true,
            fields: {
                applyServerSideEncryptionByDefault: {
                    kind: "object",
                    fields: {
                        sseAlgorithm: { kind: "string", required: true },
                        kmsMasterKeyId: { kind: "string" },
                    },
                },
                bucketKeyEnabled: { kind: "bool" },
                blockedEncryptionTypes: { kind: "list", unsupported: "not needed by the stack" },
            },
        },
    },
    finalize: fillRegion,
    async create(ctx, inputs) {
        await put(ctx, inputs);
        const id = bucketResourceId(bucketOf(inputs), ownerOf(inputs));
        await waitFound(`S3 Bucket Server-side Encryption Configuration (${id})`, () =>
            getRules(ctx, bucketOf(inputs), ownerOf(inputs)),
        );
        const r = await read(ctx, id, inputs);
        if (!r) throw new Error(`S3 Bucket Server-side Encryption Configuration (${id}) not found after create`);
        return r;
    },
    read,
    async update(ctx, id, _olds, news) {
        await put(ctx, news);
        const r = await read(ctx, id, news);
        if (!r) throw new Error(`S3 Bucket Server-side Encryption Configuration (${id}) not found after update`);
        return r;
    },
    async delete(ctx, id) {
        const { bucket, owner } = parseBucketResourceId(id);
        try {
            await ctx.s3().send(new DeleteBucketEncryptionCommand({ Bucket: bucket, ExpectedBucketOwner: owner }));
        } catch (e) {
            if (!isCode(e, NOT_FOUND)) throw e;
        }
    },
};
