/**
 * Cloudflare R2: buckets are private unless a domain serves them. The r2.dev managed domain is a
 * public, unauthenticated URL for every object, so it is never on; custom domains are flagged.
 */
import { isTrue, label, Policy, ResourceValidationPolicy } from "./lib";

export const R2_BUCKET = "cloudflare:index/r2Bucket:R2Bucket";
export const R2_MANAGED_DOMAIN = "cloudflare:index/r2ManagedDomain:R2ManagedDomain";
export const R2_CUSTOM_DOMAIN = "cloudflare:index/r2CustomDomain:R2CustomDomain";

export const r2NoPublicDevUrl: ResourceValidationPolicy = {
    name: "r2-no-public-dev-url",
    description: "R2 buckets never enable the public r2.dev URL.",
    enforcementLevel: "mandatory",
    severity: "critical",
    validateResource: (args, report) => {
        if (args.type !== R2_MANAGED_DOMAIN) return;
        if (isTrue(args.props.enabled)) {
            report(
                `${label(args)} serves bucket ${String(args.props.bucketName)} to anyone at r2.dev: set enabled: false ` +
                    "and hand out presigned URLs or S3 API credentials instead.",
            );
        }
    },
};

export const r2CustomDomain: ResourceValidationPolicy = {
    name: "r2-custom-domain",
    description: "R2 custom domains make a bucket readable over HTTPS: only with Cloudflare Access in front.",
    enforcementLevel: "advisory",
    validateResource: (args, report) => {
        if (args.type !== R2_CUSTOM_DOMAIN) return;
        if (isTrue(args.props.enabled)) {
            report(
                `${label(args)} serves bucket ${String(args.props.bucketName)} on ${String(args.props.domain)}: ` +
                    "put a Cloudflare Access policy in front of it, or disable it.",
            );
        }
    },
};

export const r2Policies: Policy[] = [r2NoPublicDevUrl, r2CustomDomain];
