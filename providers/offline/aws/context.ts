/**
 * What every aws resource operation gets: the parsed provider config and S3 / IAM clients built from
 * it (endpoint override, path style, custom CA), created on first use so Configure does no I/O.
 */
import { IAMClient } from "@aws-sdk/client-iam";
import { S3Client } from "@aws-sdk/client-s3";
import { readFileSync } from "fs";
import { Agent } from "https";
import { AwsConfig, resolveCredentials } from "./config";

export interface AwsContext {
    config: AwsConfig;
    s3(): S3Client;
    iam(): IAMClient;
}

/** The provider's region, for Check (which fills each regional resource's `region` from it). */
export const providerRegion = { value: "" };

export function awsContext(config: AwsConfig): AwsContext {
    let s3: S3Client | undefined;
    let iam: IAMClient | undefined;
    const common = () => {
        const ca = config.customCaBundle ? readFileSync(config.customCaBundle, "utf8") : undefined;
        return {
            credentials: resolveCredentials(config),
            requestHandler: ca ? { httpsAgent: new Agent({ ca, keepAlive: true }) } : undefined,
            maxAttempts: 3,
        };
    };
    return {
        config,
        s3() {
            if (!config.region) throw new Error("the aws provider has no region (aws:region or AWS_REGION)");
            s3 ??= new S3Client({
                ...common(),
                region: config.region,
                endpoint: config.endpoints.s3,
                forcePathStyle: config.s3UsePathStyle,
            });
            return s3;
        },
        iam() {
            // IAM is global: AWS signs it for us-east-1 in the aws partition; a custom endpoint gets the
            // provider's region.
            iam ??= new IAMClient({
                ...common(),
                region: config.endpoints.iam ? config.region || "us-east-1" : "us-east-1",
                endpoint: config.endpoints.iam,
            });
            return iam;
        },
    };
}

/** The error code of an AWS SDK error (S3's `Code`, IAM's error name). */
export function errorCode(e: unknown): string {
    const x = e as { name?: string; Code?: string; code?: string };
    return x?.Code ?? x?.name ?? x?.code ?? "";
}

export function httpStatus(e: unknown): number | undefined {
    return (e as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

/** True for the listed error codes (and, with `status404`, any HTTP 404). */
export function isCode(e: unknown, codes: string[], status404 = false): boolean {
    return codes.includes(errorCode(e)) || (status404 && httpStatus(e) === 404);
}

export async function sleep(ms: number): Promise<void> {
    await new Promise((r) => setTimeout(r, ms));
}

/** Retries `fn` while it fails with one of `codes`, up to `timeoutMs` (the provider's 2-minute waits). */
export async function retryOn<T>(codes: string[], fn: () => Promise<T>, timeoutMs = 120_000): Promise<T> {
    const until = Date.now() + timeoutMs;
    for (let delay = 200; ; delay = Math.min(delay * 2, 5000)) {
        try {
            return await fn();
        } catch (e) {
            if (!isCode(e, codes) || Date.now() + delay > until) throw e;
            await sleep(delay);
        }
    }
}

/** Polls `probe` until it returns a value other than undefined (found), up to `timeoutMs`. */
export async function waitFound<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
    const until = Date.now() + timeoutMs;
    for (let delay = 100; ; delay = Math.min(delay * 2, 2000)) {
        const v = await probe();
        if (v !== undefined) return v;
        if (Date.now() + delay > until) throw new Error(`timeout while waiting for ${what} to appear`);
        await sleep(delay);
    }
}

/** `bucket`, or `bucket,owner` when an expected bucket owner is set (createResourceID). */
export function bucketResourceId(bucket: string, owner?: string): string {
    return owner ? `${bucket},${owner}` : bucket;
}

export function parseBucketResourceId(id: string): { bucket: string; owner?: string } {
    const [bucket, owner] = id.split(",", 2);
    return { bucket, owner: owner || undefined };
}
