/** Inputs and steps every regional S3 resource of the offline aws provider shares. */
import { Props, str } from "../props";
import type { PropSpec } from "../resource";
import { providerRegion } from "./context";

/** `region`: optional, filled in from the provider's region at Check (pulumi-aws 7 applyRegion). */
export const REGION: PropSpec = { kind: "string", computed: true };

export function fillRegion(inputs: Props, defaulted: string[]): void {
    if (str(inputs, "region") === undefined && providerRegion.value) {
        inputs.region = providerRegion.value;
        defaulted.push("region");
    }
}

/** Sub-resources of a bucket: `bucket` (replaces) and the deprecated `expectedBucketOwner` (replaces). */
export const BUCKET_REF: Record<string, PropSpec> = {
    bucket: { kind: "string", required: true, forceNew: true },
    expectedBucketOwner: { kind: "string", forceNew: true },
    region: REGION,
};

export function bucketOf(p: Props): string {
    const b = str(p, "bucket");
    if (!b) throw new Error("bucket is required");
    return b;
}

export function ownerOf(p: Props): string | undefined {
    return str(p, "expectedBucketOwner") || undefined;
}
