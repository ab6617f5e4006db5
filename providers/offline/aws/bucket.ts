/**
 * `aws:s3/bucket:Bucket` (terraform-provider-aws `internal/service/s3/bucket.go`): ID = name; CreateBucket
 * (with Object Lock if asked; us-east-1 refuses a bucket that already answers HeadBucket), tags via
 * PutBucketTagging; Read drops the bucket from state when HeadBucket says 404; Delete fails on a non-empty
 * bucket unless forceDestroy, which first deletes every version and delete marker (bypassing governance
 * retention). The deprecated inline blocks (acl, policy, versioning, …) are not implemented: the stack uses
 * the separate resources.
 */
import {
    CreateBucketCommand,
    CreateBucketCommandInput,
    DeleteBucketCommand,
    DeleteBucketTaggingCommand,
    DeleteObjectsCommand,
    GetBucketTaggingCommand,
    GetObjectLockConfigurationCommand,
    HeadBucketCommand,
    ListObjectVersionsCommand,
    PutBucketTaggingCommand,
} from "@aws-sdk/client-s3";
import { bool, isObject, Props, str, Value } from "../props";
import type { CheckFailure, PropSpec, ResourceDef } from "../resource";
import { fillRegion, REGION } from "./common";
import { AwsContext, isCode, retryOn, waitFound } from "./context";
import { AWS } from "../../../upstream/tokens";

const DEPRECATED_INLINE = [
    "acl",
    "grants",
    "policy",
    "corsRules",
    "lifecycleRules",
    "logging",
    "objectLockConfiguration",
    "replicationConfiguration",
    "requestPayer",
    "accelerationStatus",
    "serverSideEncryptionConfiguration",
    "versioning",
    "website",
];

/** Route 53 hosted zone IDs of S3 website endpoints, by region (terraform-provider-aws `s3/hosted_zones.go`). */
const HOSTED_ZONES: Record<string, string> = {
    "us-east-1": "Z3AQBSTGFYJSTF",
    "us-east-2": "Z2O1EMRO9K5GLX",
    "us-west-1": "Z2F56UZL2M1ACD",
    "us-west-2": "Z3BJ6K6RIION7M",
    "eu-west-1": "Z1BKCTXD74EZPE",
    "eu-west-2": "Z3GKZC51ZF0DB4",
    "eu-west-3": "Z3R1K369G5AVDG",
    "eu-central-1": "Z21DNDUVLTQW6Q",
    "eu-north-1": "Z3BAZG2TWCNX0D",
    "ap-southeast-1": "Z3O0J2DXBE1FTB",
    "ap-southeast-2": "Z1WCIGYICN2BYD",
    "ap-northeast-1": "Z2M4EHUR26P7ZW",
    "ap-south-1": "Z11RGJOFQNVJUP",
    "ca-central-1": "Z1QDHH18159H29",
    "sa-east-1": "Z7KQH4QJS55SO",
};

const props: Record<string, PropSpec> = {
    bucket: { kind: "string", forceNew: true, computed: true },
    bucketPrefix: { kind: "string", forceNew: true, unsupported: "give the bucket an explicit name" },
    bucketNamespace: { kind: "string", forceNew: true, unsupported: "not needed by the stack" },
    forceDestroy: { kind: "bool", default: false },
    objectLockEnabled: { kind: "bool", forceNew: true, computed: true },
    tags: { kind: "map" },
    region: REGION,
};
for (const k of DEPRECATED_INLINE) {
    props[k] = { kind: "string", unsupported: "deprecated inline block; use the separate bucket resource" };
}

/** Bucket name rules of CreateBucket for a region (terraform-provider-aws `validBucketName`). */
export function bucketNameProblems(name: string, region: string): string[] {
    if (region === "us-east-1") {
        return /^[0-9A-Za-z_.-]{1,255}$/.test(name)
            ? []
            : [`invalid bucket name "${name}" (us-east-1: up to 255 of [0-9A-Za-z_.-])`];
    }
    const p: string[] = [];
    if (name.length < 3 || name.length > 63) p.push(`bucket name "${name}" must be 3 to 63 characters`);
    if (!/^[0-9a-z.-]+$/.test(name))
        p.push(`bucket name "${name}" may contain only lower-case letters, digits, . and -`);
    if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) p.push(`bucket name "${name}" must not look like an IP address`);
    if (/^\.|\.$/.test(name)) p.push(`bucket name "${name}" must not start or end with a dot`);
    if (name.includes("..")) p.push(`bucket name "${name}" must not contain two adjacent dots`);
    return p;
}

export function bucketOutputs(name: string, region: string, partition = "aws"): Props {
    const suffix = partition === "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com";
    return {
        arn: `arn:${partition}:s3:::${name}`,
        bucketDomainName: `${name}.s3.${suffix}`,
        bucketRegionalDomainName: region ? `${name}.s3.${region}.${suffix}` : `${name}.s3.${suffix}`,
        bucketRegion: region,
        hostedZoneId: HOSTED_ZONES[region],
    };
}

function tagsOf(p: Props): Record<string, string> {
    const t = p.tags;
    if (!isObject(t)) return {};
    return Object.fromEntries(Object.entries(t).filter((e): e is [string, string] => typeof e[1] === "string"));
}

async function putTags(ctx: AwsContext, bucket: string, tags: Record<string, string>): Promise<void> {
    const TagSet = Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
    if (TagSet.length === 0) {
        await ctx.s3().send(new DeleteBucketTaggingCommand({ Bucket: bucket }));
    } else {
        await retryOn(["NoSuchBucket"], () =>
            ctx.s3().send(new PutBucketTaggingCommand({ Bucket: bucket, Tagging: { TagSet } })),
        );
    }
}

async function readBucket(ctx: AwsContext, name: string, state: Props): Promise<Props | null> {
    let region: string;
    try {
        const head = await ctx.s3().send(new HeadBucketCommand({ Bucket: name }));
        region = head.BucketRegion ?? "";
    } catch (e) {
        if (isCode(e, ["NoSuchBucket", "NotFound"], true)) return null;
        throw e;
    }
    let tags: Record<string, Value> | undefined = {};
    try {
        const t = await ctx.s3().send(new GetBucketTaggingCommand({ Bucket: name }));
        tags = Object.fromEntries((t.TagSet ?? []).map((x) => [x.Key ?? "", x.Value ?? ""]));
    } catch (e) {
        if (isCode(e, ["NotImplemented", "MethodNotAllowed"])) tags = undefined;
        else if (!isCode(e, ["NoSuchTagSet", "NoSuchTagSetError"], true)) throw e;
    }
    let lock = false;
    try {
        const ol = await ctx.s3().send(new GetObjectLockConfigurationCommand({ Bucket: name }));
        lock = ol.ObjectLockConfiguration?.ObjectLockEnabled === "Enabled";
    } catch (e) {
        if (
            !isCode(
                e,
                ["ObjectLockConfigurationNotFoundError", "NotImplemented", "MethodNotAllowed", "XNotImplemented"],
                true,
            )
        )
            throw e;
    }
    return {
        bucket: name,
        forceDestroy: bool(state, "forceDestroy") ?? false,
        objectLockEnabled: lock,
        // A server without bucket tagging: what was configured.
        tags: tags ?? state.tags ?? null,
        tagsAll: tags ?? state.tags ?? {},
        region: str(state, "region") ?? ctx.config.region,
        ...bucketOutputs(name, region),
    };
}

/** Deletes every object version and delete marker (forceDestroy), bypassing governance retention. */
async function emptyBucket(ctx: AwsContext, bucket: string): Promise<void> {
    for (;;) {
        const page = await ctx.s3().send(new ListObjectVersionsCommand({ Bucket: bucket, MaxKeys: 1000 }));
        const objects = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map((v) => ({
            Key: v.Key ?? "",
            VersionId: v.VersionId,
        }));
        if (objects.length === 0) return;
        await ctx.s3().send(
            new DeleteObjectsCommand({
                Bucket: bucket,
                BypassGovernanceRetention: true,
                Delete: { Objects: objects, Quiet: true },
            }),
        );
    }
}

export const bucket: ResourceDef<AwsContext> = {
    token: AWS.s3.Bucket,
    props,
    computedOutputs: ["arn", "bucketDomainName", "bucketRegionalDomainName", "bucketRegion", "hostedZoneId", "tagsAll"],
    finalize: fillRegion,
    validate(inputs: Props): CheckFailure[] {
        const name = str(inputs, "bucket");
        if (name === undefined) {
            return [
                { property: "bucket", reason: "the offline provider needs an explicit bucket name (no auto-naming)" },
            ];
        }
        return bucketNameProblems(name, str(inputs, "region") ?? "").map((reason) => ({ property: "bucket", reason }));
    },
    async create(ctx, inputs) {
        const name = str(inputs, "bucket") as string;
        const region = str(inputs, "region") ?? ctx.config.region;
        if (region === "us-east-1") {
            // In us-east-1 AWS answers CreateBucket on one's own existing bucket with success.
            const exists = await ctx
                .s3()
                .send(new HeadBucketCommand({ Bucket: name }))
                .then(
                    () => true,
                    (e: unknown) => {
                        if (isCode(e, ["NoSuchBucket", "NotFound"], true)) return false;
                        throw e;
                    },
                );
            if (exists) throw new Error(`creating S3 Bucket (${name}): BucketAlreadyExists`);
        }
        const input: CreateBucketCommandInput = {
            Bucket: name,
            ObjectLockEnabledForBucket: bool(inputs, "objectLockEnabled") === true ? true : undefined,
            CreateBucketConfiguration:
                region === "us-east-1" || !region ? undefined : { LocationConstraint: region as never },
        };
        await retryOn(["OperationAborted"], () => ctx.s3().send(new CreateBucketCommand(input)));
        const tags = tagsOf(inputs);
        if (Object.keys(tags).length > 0) await putTags(ctx, name, tags);
        const out = await waitFound(
            `S3 Bucket (${name})`,
            async () => (await readBucket(ctx, name, inputs)) ?? undefined,
        );
        return { id: name, outputs: out };
    },
    async read(ctx, id, state) {
        const out = await readBucket(ctx, id, state);
        return out && { id, outputs: out };
    },
    async update(ctx, id, olds, news) {
        if (JSON.stringify(tagsOf(olds)) !== JSON.stringify(tagsOf(news))) await putTags(ctx, id, tagsOf(news));
        const out = await readBucket(ctx, id, news);
        if (!out) throw new Error(`S3 Bucket (${id}) not found after update`);
        return { id, outputs: out };
    },
    async delete(ctx, id, state) {
        try {
            await ctx.s3().send(new DeleteBucketCommand({ Bucket: id }));
        } catch (e) {
            if (isCode(e, ["NoSuchBucket"], false)) return;
            if (isCode(e, ["BucketNotEmpty"]) && bool(state, "forceDestroy") === true) {
                await emptyBucket(ctx, id);
                await ctx.s3().send(new DeleteBucketCommand({ Bucket: id }));
            } else {
                throw new Error(
                    `deleting S3 Bucket (${id}): ${(e as Error).message} (${(e as { name?: string }).name ?? ""})`,
                );
            }
        }
        await waitFound(`S3 Bucket (${id}) to be deleted`, async () =>
            (await readBucket(ctx, id, state)) === null ? true : undefined,
        );
    },
};
