/**
 * AWS RDS for PostgreSQL: encrypted storage, SSL forced by the parameter group, never public, and in
 * production deletion protection and at least 7 days of automated backups.
 */
import { ENVIRONMENT_CONFIG_SCHEMA, production } from "./environment";
import {
    attachedTo,
    asList,
    isObject,
    isTrue,
    label,
    peek,
    Policy,
    PolicyResource,
    ResourceValidationPolicy,
    StackValidationPolicy,
} from "./lib";

export const RDS_INSTANCE = "aws:rds/instance:Instance";
export const RDS_CLUSTER = "aws:rds/cluster:Cluster";
export const RDS_CLUSTER_INSTANCE = "aws:rds/clusterInstance:ClusterInstance";
export const RDS_PARAMETER_GROUP = "aws:rds/parameterGroup:ParameterGroup";
export const RDS_CLUSTER_PARAMETER_GROUP = "aws:rds/clusterParameterGroup:ClusterParameterGroup";

export const MIN_BACKUP_RETENTION_DAYS = 7;

const DATABASES = [RDS_INSTANCE, RDS_CLUSTER];

/** Engines (and parameter group families) this pack is about; other engines are left alone. */
const isPostgres = (engineOrFamily: unknown): boolean =>
    engineOrFamily === undefined || /^(aurora-)?postgres/.test(String(engineOrFamily));

/** Whether a parameter list sets rds.force_ssl to 1. */
export function forcesSsl(parameters: unknown): boolean {
    return asList(parameters).some((p) => isObject(p) && p.name === "rds.force_ssl" && String(p.value) === "1");
}

export const rdsStorageEncrypted: ResourceValidationPolicy = {
    name: "rds-storage-encrypted",
    description: "RDS instances and clusters encrypt their storage.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateResource: (args, report) => {
        if (!DATABASES.includes(args.type)) return;
        if (!isTrue(args.props.storageEncrypted)) {
            report(
                `${label(args)} stores data unencrypted: set storageEncrypted: true (components/server/rds.ts). ` +
                    "An existing instance cannot be encrypted in place: restore an encrypted snapshot copy.",
            );
        }
    },
};

export const rdsNotPublic: ResourceValidationPolicy = {
    name: "rds-not-publicly-accessible",
    description: "RDS instances are never publicly accessible.",
    enforcementLevel: "mandatory",
    severity: "critical",
    validateResource: (args, report) => {
        if (args.type !== RDS_INSTANCE && args.type !== RDS_CLUSTER_INSTANCE) return;
        if (isTrue(args.props.publiclyAccessible)) {
            report(
                `${label(args)} is publicly accessible: set publiclyAccessible: false ` +
                    "(pgstack:server.publiclyAccessible) and reach it from the VPC (allowedCidrs / allowedSecurityGroupIds).",
            );
        }
    },
};

export const rdsForceSsl: ResourceValidationPolicy = {
    name: "rds-force-ssl",
    description: "RDS PostgreSQL parameter groups set rds.force_ssl = 1.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateResource: (args, report) => {
        if (args.type !== RDS_PARAMETER_GROUP && args.type !== RDS_CLUSTER_PARAMETER_GROUP) return;
        if (!isPostgres(args.props.family)) return;
        if (!forcesSsl(args.props.parameters)) {
            report(
                `${label(args)} does not set rds.force_ssl = 1: add { name: "rds.force_ssl", value: "1" } ` +
                    "to its parameters (lib/rdsParameters.ts) so the server refuses unencrypted connections.",
            );
        }
    },
};

/** The parameter groups of this stack a database is attached to. */
function parameterGroupsOf(db: PolicyResource, resources: PolicyResource[]): PolicyResource[] {
    const [prop, groupType] =
        db.type === RDS_CLUSTER
            ? ["dbClusterParameterGroupName", RDS_CLUSTER_PARAMETER_GROUP]
            : ["parameterGroupName", RDS_PARAMETER_GROUP];
    return resources.filter((g) => g.type === groupType && attachedTo(db, g, prop, ["name", "id"]));
}

export const rdsUsesSslParameterGroup: StackValidationPolicy = {
    name: "rds-ssl-parameter-group",
    description: "Every RDS PostgreSQL database uses a parameter group of this stack that sets rds.force_ssl = 1.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateStack: (args, report) => {
        for (const db of args.resources.filter((r) => DATABASES.includes(r.type))) {
            if (!isPostgres(peek(() => db.props.engine))) continue;
            const groups = parameterGroupsOf(db, args.resources);
            if (groups.length === 0) {
                report(
                    `${label(db)} does not use a parameter group managed by this stack, so nothing here proves ` +
                        "rds.force_ssl = 1: attach the stack's aws.rds.ParameterGroup (components/server/rds.ts).",
                    db.urn,
                );
            } else if (!groups.some((g) => forcesSsl(peek(() => g.props.parameters)))) {
                report(`${label(db)} uses a parameter group without rds.force_ssl = 1: set it there.`, db.urn);
            }
        }
    },
};

export const rdsProductionSafety: ResourceValidationPolicy = {
    name: "rds-production-safety",
    description: `In production, RDS has deletion protection and keeps automated backups at least ${MIN_BACKUP_RETENTION_DAYS} days.`,
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: ENVIRONMENT_CONFIG_SCHEMA,
    validateResource: (args, report) => {
        if (!DATABASES.includes(args.type) || !production(args)) return;
        if (!isTrue(args.props.deletionProtection)) {
            report(
                `${label(args)} has no deletion protection in production: set deletionProtection: true ` +
                    "(pgstack:server.deletionProtection, the production default).",
            );
        }
        const days = Number(args.props.backupRetentionPeriod ?? 0);
        if (!(days >= MIN_BACKUP_RETENTION_DAYS)) {
            report(
                `${label(args)} keeps automated backups ${days} day(s) in production: set backupRetentionPeriod ` +
                    `to at least ${MIN_BACKUP_RETENTION_DAYS} (pgstack:server.backupRetentionDays).`,
            );
        }
    },
};

export const rdsMultiAz: ResourceValidationPolicy = {
    name: "rds-multi-az",
    description: "Production RDS instances run Multi-AZ.",
    enforcementLevel: "advisory",
    configSchema: ENVIRONMENT_CONFIG_SCHEMA,
    validateResource: (args, report) => {
        if (args.type !== RDS_INSTANCE || !production(args)) return;
        if (!isTrue(args.props.multiAz)) {
            report(`${label(args)} is single-AZ in production: set pgstack:server.multiAz true.`);
        }
    },
};

export const rdsPerformanceInsights: ResourceValidationPolicy = {
    name: "rds-performance-insights",
    description: "RDS instances have Performance Insights on.",
    enforcementLevel: "advisory",
    validateResource: (args, report) => {
        if (args.type !== RDS_INSTANCE) return;
        if (!isTrue(args.props.performanceInsightsEnabled)) {
            report(`${label(args)} has Performance Insights off: set pgstack:server.performanceInsights true.`);
        }
    },
};

export const rdsCustomerManagedKey: ResourceValidationPolicy = {
    name: "rds-customer-managed-kms-key",
    description: "RDS storage is encrypted with a customer-managed KMS key rather than the AWS-managed one.",
    enforcementLevel: "advisory",
    validateResource: (args, report) => {
        if (!DATABASES.includes(args.type) || !isTrue(args.props.storageEncrypted)) return;
        if (!args.props.kmsKeyId) {
            report(
                `${label(args)} is encrypted with the AWS-managed key: set pgstack:server.kmsKeyId to a ` +
                    "customer-managed KMS key to own its key policy, rotation and cross-account snapshot sharing.",
            );
        }
    },
};

export const rdsFinalSnapshot: ResourceValidationPolicy = {
    name: "rds-final-snapshot",
    description: "Production RDS takes a final snapshot when deleted.",
    enforcementLevel: "advisory",
    configSchema: ENVIRONMENT_CONFIG_SCHEMA,
    validateResource: (args, report) => {
        if (!DATABASES.includes(args.type) || !production(args)) return;
        if (isTrue(args.props.skipFinalSnapshot)) {
            report(`${label(args)} skips its final snapshot in production: set skipFinalSnapshot: false.`);
        }
    },
};

export const rdsPolicies: Policy[] = [
    rdsStorageEncrypted,
    rdsNotPublic,
    rdsForceSsl,
    rdsUsesSslParameterGroup,
    rdsProductionSafety,
    rdsMultiAz,
    rdsPerformanceInsights,
    rdsCustomerManagedKey,
    rdsFinalSnapshot,
];
