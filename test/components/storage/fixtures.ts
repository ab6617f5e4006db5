/** Storage configs for the mock tests: minimal valid S3 and R2 blocks to vary. */
export const R2_ACCOUNT = "0123456789abcdef0123456789abcdef";

export function s3Storage(extra: Record<string, unknown> = {}): Record<string, unknown> {
    return { provider: "s3", bucketPrefix: "acme-pgstack-test", region: "eu-west-1", ...extra };
}

export function r2Storage(extra: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        provider: "r2",
        bucketPrefix: "acme-pgstack-test",
        r2: { accountId: R2_ACCOUNT },
        credentialsExpireOn: "2099-01-01T00:00:00Z",
        ...extra,
    };
}
