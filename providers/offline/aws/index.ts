/**
 * The offline `aws` plugin: exactly the S3 and IAM resources the stack's S3 storage path uses
 * (components/storage/s3Bucket.ts, s3Credential.ts), against AWS or an S3-compatible endpoint.
 */
import type { Props } from "../props";
import type { ResourceDef } from "../resource";
import type { Plugin } from "../server";
import { bucket } from "./bucket";
import { bucketLifecycleConfiguration } from "./bucketLifecycleConfiguration";
import { bucketObjectLockConfiguration } from "./bucketObjectLockConfiguration";
import { bucketOwnershipControls } from "./bucketOwnershipControls";
import { bucketPolicy } from "./bucketPolicy";
import { bucketPublicAccessBlock } from "./bucketPublicAccessBlock";
import { bucketSse } from "./bucketSse";
import { bucketVersioning } from "./bucketVersioning";
import { checkAwsConfig, parseAwsConfig } from "./config";
import { AwsContext, awsContext, providerRegion } from "./context";
import { iamAccessKey } from "./iamAccessKey";
import { iamUser } from "./iamUser";
import { iamUserPolicy } from "./iamUserPolicy";

/** The SDK version the program uses (@pulumi/aws), reported as the plugin version. */
export const VERSION = "7.48.0";

export const RESOURCES: ResourceDef<AwsContext>[] = [
    bucket,
    bucketVersioning,
    bucketSse,
    bucketPublicAccessBlock,
    bucketOwnershipControls,
    bucketPolicy,
    bucketLifecycleConfiguration,
    bucketObjectLockConfiguration,
    iamUser,
    iamUserPolicy,
    iamAccessKey,
];

export function awsPlugin(): Plugin {
    let ctx: AwsContext | undefined;
    const resources: Record<string, ResourceDef<unknown>> = {};
    for (const def of RESOURCES) resources[def.token] = def as ResourceDef<unknown>;
    return {
        name: "aws",
        version: VERSION,
        resources,
        checkConfig: (config: Props) => checkAwsConfig(config),
        configure(config: Props) {
            const failures = checkAwsConfig(config);
            if (failures.length > 0) throw new Error(failures.map((f) => f.reason).join("; "));
            const parsed = parseAwsConfig(config);
            providerRegion.value = parsed.region;
            ctx = awsContext(parsed);
        },
        context(): AwsContext {
            if (!ctx) throw new Error("the aws provider is not configured");
            return ctx;
        },
    };
}
