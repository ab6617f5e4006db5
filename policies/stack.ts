/**
 * Data protection: in production every resource that holds data (the database, tenant schemas, RDS,
 * S3 and R2 buckets) is `protect`ed, so no `pulumi up` or `destroy` can delete it; taking it out of
 * the stack then needs an explicit `pulumi state unprotect`. (The engine does not pass
 * retainOnDelete to policy packs; where a future engine does, retained counts too.)
 */
import { ENVIRONMENT_CONFIG_SCHEMA, production } from "./environment";
import { label, peek, Policy, PolicyResource, StackValidationPolicy } from "./lib";
import { RDS_CLUSTER, RDS_INSTANCE } from "./rds";
import { R2_BUCKET } from "./r2";
import { S3_BUCKETS } from "./s3";
import { POSTGRESQL } from "../upstream/tokens";

export const PG_DATABASE = POSTGRESQL.Database;
export const PG_SCHEMA = POSTGRESQL.Schema;
export const DOCKER_VOLUME = "docker:index/volume:Volume";

/** Whether a resource holds data that must outlive a mistaken delete. */
export function holdsData(r: { type: string; props: Record<string, unknown> }): boolean {
    if (r.type === PG_SCHEMA) return String(peek(() => r.props.name) ?? "").startsWith("tenant_");
    return [PG_DATABASE, RDS_INSTANCE, RDS_CLUSTER, R2_BUCKET, DOCKER_VOLUME, ...S3_BUCKETS].includes(r.type);
}

function isKept(r: PolicyResource): boolean {
    const opts = r.opts as PolicyResource["opts"] & { retainOnDelete?: boolean };
    return opts.protect === true || opts.retainOnDelete === true;
}

export const productionDataProtected: StackValidationPolicy = {
    name: "production-data-protected",
    description: "In production the database, tenant schemas (tenant_*), RDS and buckets are protected.",
    enforcementLevel: "mandatory",
    severity: "critical",
    configSchema: ENVIRONMENT_CONFIG_SCHEMA,
    validateStack: (args, report) => {
        if (!production(args)) return;
        for (const r of args.resources.filter(holdsData)) {
            if (!isKept(r)) {
                report(
                    `${label(r)} holds data but is not protected in production: keep pgstack:dataProtection.protect ` +
                        "true (the production default) and do not set pgstack:allowDataLoss; components pass it as " +
                        "the `protect` resource option.",
                    r.urn,
                );
            }
        }
    },
};

export const stackPolicies: Policy[] = [productionDataProtected];
