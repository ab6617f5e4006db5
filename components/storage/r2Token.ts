/**
 * An R2 S3 credential: an account-owned Cloudflare API token allowed only object read/write on the
 * given buckets, with an expiry. R2's S3 API takes the token id as access key id and the SHA-256 (hex)
 * of the token value as secret access key; both the value and the derived key stay secret.
 */
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import type { StorageCredential } from "./types";

/** The S3 secret access key of an R2 API token. */
export function r2SecretAccessKey(tokenValue: string): string {
    return createHash("sha256").update(tokenValue).digest("hex");
}

/** The token-policy resource name of one R2 bucket. */
export function r2BucketResource(accountId: string, jurisdiction: string, bucket: string): string {
    return `com.cloudflare.edge.r2.bucket.${accountId}_${jurisdiction}_${bucket}`;
}

export interface R2TokenArgs {
    accountId: string;
    jurisdiction: string;
    buckets: pulumi.Input<string>[];
    /** Permission group ids: object read and object write. */
    permissionGroups: { read: string; write: string };
    /** ISO 8601 expiry. */
    expiresOn: string;
    purpose: string;
}

export class R2Token extends pulumi.ComponentResource implements StorageCredential {
    public readonly accessKeyId: pulumi.Output<string>;
    public readonly secretAccessKey: pulumi.Output<string>;

    constructor(name: string, args: R2TokenArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pgstack:storage:R2Token", name, {}, opts);
        const resources = pulumi
            .all(args.buckets)
            .apply((bs) =>
                JSON.stringify(
                    Object.fromEntries(bs.map((b) => [r2BucketResource(args.accountId, args.jurisdiction, b), "*"])),
                ),
            );
        const token = new cloudflare.AccountToken(
            `${name}-token`,
            {
                accountId: args.accountId,
                name: pulumi.interpolate`pgstack ${args.purpose} (${pulumi.all(args.buckets).apply((b) => b.join(", "))})`,
                expiresOn: args.expiresOn,
                policies: [
                    {
                        effect: "allow",
                        permissionGroups: [{ id: args.permissionGroups.read }, { id: args.permissionGroups.write }],
                        resources,
                    },
                ],
            },
            { parent: this },
        );
        this.accessKeyId = token.id;
        this.secretAccessKey = pulumi.secret(token.value.apply(r2SecretAccessKey));
        this.registerOutputs({ accessKeyId: this.accessKeyId, secretAccessKey: this.secretAccessKey });
    }
}
