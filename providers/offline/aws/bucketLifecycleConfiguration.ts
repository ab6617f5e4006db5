/**
 * `aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration` (terraform-provider-aws
 * `internal/service/s3/bucket_lifecycle_configuration.go`): ID = bucket (or bucket,owner); the whole rule
 * list is put on create and update, then read back until the server returns what was put; Read drops the
 * resource when the configuration is gone (or has no rules); Delete removes it. Plan/expand normalisation as
 * upstream: `filter: {}` is sent as an empty prefix, `days: 0` counts as unset, an expiration with nothing
 * set sends ExpiredObjectDeleteMarker=false.
 */
import {
    DeleteBucketLifecycleCommand,
    GetBucketLifecycleConfigurationCommand,
    LifecycleRule,
    PutBucketLifecycleConfigurationCommand,
} from "@aws-sdk/client-s3";
import { isObject, Props, str, Value } from "../props";
import type { PropSpec, ResourceDef } from "../resource";
import { BUCKET_REF, bucketOf, fillRegion, ownerOf } from "./common";
import { AwsContext, bucketResourceId, isCode, parseBucketResourceId, retryOn, sleep } from "./context";
import { AWS } from "../../../upstream/tokens";

const NOT_FOUND = ["NoSuchBucket", "NoSuchLifecycleConfiguration"];

type O = Record<string, Value>;
const obj = (v: Value | undefined): O | undefined => (isObject(v) ? v : undefined);
const int = (v: Value | undefined): number | undefined => (typeof v === "number" && v !== 0 ? v : undefined);
const text = (v: Value | undefined): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

const tagSpec: PropSpec = {
    kind: "object",
    fields: { key: { kind: "string", required: true }, value: { kind: "string", required: true } },
};
const transitionFields: Record<string, PropSpec> = {
    date: { kind: "string" },
    days: { kind: "int", min: 0 },
    storageClass: { kind: "string", required: true },
};
const RULE_FIELDS: Record<string, PropSpec> = {
    id: { kind: "string", required: true },
    status: { kind: "string", required: true, oneOf: ["Enabled", "Disabled"] },
    prefix: { kind: "string" },
    filter: {
        kind: "object",
        fields: {
            prefix: { kind: "string" },
            objectSizeGreaterThan: { kind: "int", min: 0 },
            objectSizeLessThan: { kind: "int", min: 1 },
            tag: tagSpec,
            and: {
                kind: "object",
                fields: {
                    prefix: { kind: "string" },
                    objectSizeGreaterThan: { kind: "int", min: 0 },
                    objectSizeLessThan: { kind: "int", min: 1 },
                    tags: { kind: "map" },
                },
            },
        },
    },
    expiration: {
        kind: "object",
        fields: { date: { kind: "string" }, days: { kind: "int" }, expiredObjectDeleteMarker: { kind: "bool" } },
    },
    abortIncompleteMultipartUpload: { kind: "object", fields: { daysAfterInitiation: { kind: "int" } } },
    noncurrentVersionExpiration: {
        kind: "object",
        fields: {
            noncurrentDays: { kind: "int", required: true, min: 1 },
            newerNoncurrentVersions: { kind: "int", min: 1 },
        },
    },
    noncurrentVersionTransitions: {
        kind: "objectSet",
        fields: {
            noncurrentDays: { kind: "int", required: true, min: 0 },
            newerNoncurrentVersions: { kind: "int", min: 1 },
            storageClass: { kind: "string", required: true },
        },
    },
    transitions: { kind: "objectSet", fields: transitionFields },
};

/** One rule as PutBucketLifecycleConfiguration takes it (upstream's expand). */
export function ruleToApi(r: O): LifecycleRule {
    const out: LifecycleRule = { ID: text(r.id), Status: String(r.status) as never };
    const f = obj(r.filter);
    if (f) {
        const and = obj(f.and);
        const tag = obj(f.tag);
        out.Filter = and
            ? {
                  And: {
                      Prefix: typeof and.prefix === "string" ? and.prefix : undefined,
                      ObjectSizeGreaterThan: int(and.objectSizeGreaterThan),
                      ObjectSizeLessThan: int(and.objectSizeLessThan),
                      Tags:
                          obj(and.tags) &&
                          Object.entries(obj(and.tags) as O).map(([Key, Value]) => ({ Key, Value: String(Value) })),
                  },
              }
            : tag
              ? { Tag: { Key: String(tag.key), Value: String(tag.value) } }
              : f.objectSizeGreaterThan || f.objectSizeLessThan
                ? {
                      ObjectSizeGreaterThan: int(f.objectSizeGreaterThan),
                      ObjectSizeLessThan: int(f.objectSizeLessThan),
                      Prefix: text(f.prefix),
                  }
                : { Prefix: typeof f.prefix === "string" ? f.prefix : "" };
    } else if (typeof r.prefix === "string" && r.prefix !== "") {
        out.Prefix = r.prefix;
    } else {
        out.Filter = {};
    }
    const e = obj(r.expiration);
    if (e) {
        const days = int(e.days);
        const date = text(e.date);
        out.Expiration = {
            Days: days,
            Date: date ? new Date(date) : undefined,
            ExpiredObjectDeleteMarker:
                typeof e.expiredObjectDeleteMarker === "boolean" && e.expiredObjectDeleteMarker
                    ? true
                    : days === undefined && date === undefined
                      ? false
                      : undefined,
        };
    }
    const a = obj(r.abortIncompleteMultipartUpload);
    if (a) out.AbortIncompleteMultipartUpload = { DaysAfterInitiation: int(a.daysAfterInitiation) };
    const n = obj(r.noncurrentVersionExpiration);
    if (n) {
        out.NoncurrentVersionExpiration = {
            NoncurrentDays: int(n.noncurrentDays),
            NewerNoncurrentVersions: int(n.newerNoncurrentVersions),
        };
    }
    if (Array.isArray(r.noncurrentVersionTransitions) && r.noncurrentVersionTransitions.length > 0) {
        out.NoncurrentVersionTransitions = r.noncurrentVersionTransitions.filter(isObject).map((t) => ({
            NoncurrentDays: typeof t.noncurrentDays === "number" ? t.noncurrentDays : 0,
            NewerNoncurrentVersions: int(t.newerNoncurrentVersions),
            StorageClass: String(t.storageClass) as never,
        }));
    }
    if (Array.isArray(r.transitions) && r.transitions.length > 0) {
        out.Transitions = r.transitions.filter(isObject).map((t) => {
            const date = text(t.date);
            return {
                Date: date ? new Date(date) : undefined,
                Days: date ? undefined : typeof t.days === "number" ? t.days : 0,
                StorageClass: String(t.storageClass) as never,
            };
        });
    }
    return out;
}

const isoDate = (d: Date | undefined): string | null => (d ? d.toISOString().replace(/\.000Z$/, "Z") : null);

/** One rule as the resource stores it (upstream's flatten). */
export function ruleFromApi(r: LifecycleRule): O {
    const out: O = { id: r.ID ?? "", status: r.Status ?? "", prefix: r.Prefix ?? "" };
    const f = r.Filter;
    if (f) {
        const filter: O = {};
        if (f.Prefix !== undefined) filter.prefix = f.Prefix;
        if (f.ObjectSizeGreaterThan !== undefined) filter.objectSizeGreaterThan = f.ObjectSizeGreaterThan;
        if (f.ObjectSizeLessThan !== undefined) filter.objectSizeLessThan = f.ObjectSizeLessThan;
        if (f.Tag) filter.tag = { key: f.Tag.Key ?? "", value: f.Tag.Value ?? "" };
        if (f.And) {
            filter.and = {
                prefix: f.And.Prefix ?? "",
                objectSizeGreaterThan: f.And.ObjectSizeGreaterThan ?? 0,
                objectSizeLessThan: f.And.ObjectSizeLessThan ?? 0,
                tags: Object.fromEntries((f.And.Tags ?? []).map((t) => [t.Key ?? "", t.Value ?? ""])),
            };
        }
        out.filter = Object.keys(filter).length > 0 ? filter : null;
    } else {
        out.filter = null;
    }
    out.expiration = r.Expiration
        ? {
              date: isoDate(r.Expiration.Date),
              days: r.Expiration.Days ?? 0,
              expiredObjectDeleteMarker: r.Expiration.ExpiredObjectDeleteMarker ?? false,
          }
        : null;
    out.abortIncompleteMultipartUpload = r.AbortIncompleteMultipartUpload
        ? { daysAfterInitiation: r.AbortIncompleteMultipartUpload.DaysAfterInitiation ?? 0 }
        : null;
    out.noncurrentVersionExpiration = r.NoncurrentVersionExpiration
        ? {
              noncurrentDays: r.NoncurrentVersionExpiration.NoncurrentDays ?? 0,
              newerNoncurrentVersions: r.NoncurrentVersionExpiration.NewerNoncurrentVersions ?? null,
          }
        : null;
    out.noncurrentVersionTransitions = (r.NoncurrentVersionTransitions ?? []).map((t) => ({
        noncurrentDays: t.NoncurrentDays ?? 0,
        newerNoncurrentVersions: t.NewerNoncurrentVersions ?? null,
        storageClass: t.StorageClass ?? "",
    }));
    out.transitions = (r.Transitions ?? []).map((t) => ({
        date: isoDate(t.Date),
        days: t.Days ?? 0,
        storageClass: t.StorageClass ?? "",
    }));
    return out;
}

async function get(ctx: AwsContext, bucket: string, owner?: string) {
    try {
        const r = await ctx
            .s3()
            .send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket, ExpectedBucketOwner: owner }));
        if (!r.Rules || r.Rules.length === 0) return undefined;
        return { rules: r.Rules.map(ruleFromApi), minSize: r.TransitionDefaultMinimumObjectSize };
    } catch (e) {
        if (isCode(e, NOT_FOUND)) return undefined;
        throw e;
    }
}

function outputs(ctx: AwsContext, id: string, got: { rules: O[]; minSize?: string }, state: Props): Props {
    const { bucket, owner } = parseBucketResourceId(id);
    return {
        bucket,
        expectedBucketOwner: owner ?? "",
        region: state.region ?? ctx.config.region,
        rules: got.rules,
        transitionDefaultMinimumObjectSize: got.minSize ?? str(state, "transitionDefaultMinimumObjectSize") ?? null,
    };
}

async function putAndSettle(ctx: AwsContext, p: Props): Promise<{ rules: O[]; minSize?: string }> {
    const bucket = bucketOf(p);
    const rules = (Array.isArray(p.rules) ? p.rules : []).filter(isObject).map(ruleToApi);
    await retryOn(["NoSuchBucket"], () =>
        ctx.s3().send(
            new PutBucketLifecycleConfigurationCommand({
                Bucket: bucket,
                ExpectedBucketOwner: ownerOf(p),
                TransitionDefaultMinimumObjectSize: str(p, "transitionDefaultMinimumObjectSize") as never,
                LifecycleConfiguration: { Rules: rules },
            }),
        ),
    );
    // Upstream waits for identical reads (eventual consistency); two agreeing reads suffice here.
    const until = Date.now() + 180_000;
    let last = "";
    for (;;) {
        const got = await get(ctx, bucket, ownerOf(p));
        const now = JSON.stringify(got ?? null);
        if (got && now === last) return got;
        if (Date.now() > until) throw new Error(`S3 Bucket Lifecycle Configuration (${bucket}) did not settle`);
        last = now;
        await sleep(200);
    }
}

export const bucketLifecycleConfiguration: ResourceDef<AwsContext> = {
    token: AWS.s3.BucketLifecycleConfiguration,
    props: {
        ...BUCKET_REF,
        expectedBucketOwner: { kind: "string", forceNew: true, computed: true },
        transitionDefaultMinimumObjectSize: {
            kind: "string",
            computed: true,
            oneOf: ["all_storage_classes_128K", "varies_by_storage_class"],
        },
        rules: { kind: "objectList", required: true, fields: RULE_FIELDS },
    },
    finalize: fillRegion,
    async create(ctx, inputs) {
        const got = await putAndSettle(ctx, inputs);
        const id = bucketResourceId(bucketOf(inputs), ownerOf(inputs));
        return { id, outputs: outputs(ctx, id, got, inputs) };
    },
    async read(ctx, id, state) {
        const { bucket, owner } = parseBucketResourceId(id);
        const got = await get(ctx, bucket, owner);
        return got ? { id, outputs: outputs(ctx, id, got, state) } : null;
    },
    async update(ctx, id, _olds, news) {
        const got = await putAndSettle(ctx, news);
        return { id, outputs: outputs(ctx, id, got, news) };
    },
    async delete(ctx, id) {
        const { bucket, owner } = parseBucketResourceId(id);
        try {
            await ctx.s3().send(new DeleteBucketLifecycleCommand({ Bucket: bucket, ExpectedBucketOwner: owner }));
        } catch (e) {
            if (!isCode(e, [...NOT_FOUND, "MethodNotAllowed"])) throw e;
        }
    },
};
