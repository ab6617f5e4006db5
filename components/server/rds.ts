/**
 * AWS RDS for PostgreSQL with SSL enforced: a parameter group with rds.force_ssl = 1 and
 * pg_stat_statements preloaded, encrypted storage, no public access, a security group open only to
 * the configured networks, automated backups (PITR), deletion protection and a final snapshot in
 * production, and a master password from @pulumi/random rotated by seed.
 */
import * as aws from "@pulumi/aws";
import * as postgresql from "@pulumi/postgresql";
import * as pulumi from "@pulumi/pulumi";
import type { Environment, RdsServerConfig } from "../config/schema";
import { rotatingPassword, rotationKeepers } from "./passwords";
import type { ServerEndpoint } from "./server";

/** Parameters every instance gets; config may add others but never weaken rds.force_ssl. */
export function rdsParameters(extra: Record<string, string>): { name: string; value: string; applyMethod: string }[] {
    const base: Record<string, string> = {
        "rds.force_ssl": "1",
        shared_preload_libraries: "pg_stat_statements",
        "pg_stat_statements.track": "all",
        log_min_duration_statement: "1000",
        log_connections: "1",
        log_disconnections: "1",
        log_lock_waits: "1",
        log_temp_files: "0",
        password_encryption: "scram-sha-256",
    };
    const merged: Record<string, string> = { ...base, ...extra, "rds.force_ssl": "1" };
    // Static parameters only take effect at reboot; dynamic ones apply at once.
    const staticParams = new Set(["shared_preload_libraries"]);
    return Object.keys(merged)
        .sort()
        .map((name) => ({
            name,
            value: merged[name],
            applyMethod: staticParams.has(name) ? "pending-reboot" : "immediate",
        }));
}

export interface RdsInstanceArgs {
    server: RdsServerConfig;
    environment: Environment;
    rotation: { seed: string; admin?: string };
}

export class RdsInstance extends pulumi.ComponentResource {
    public readonly endpoint: ServerEndpoint;
    public readonly instance: aws.rds.Instance;
    /** Name of the RDS CA the instance's certificate chains to (download its bundle for verify-full). */
    public readonly caBundleName: pulumi.Output<string>;

    constructor(name: string, args: RdsInstanceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pgstack:server:RdsInstance", name, {}, opts);
        const s = args.server;
        const production = args.environment === "production";
        const child = { parent: this };

        const params = new aws.rds.ParameterGroup(
            `${name}-params`,
            {
                family: `postgres${s.engineVersion}`,
                description: "pgstack: SSL enforced, pg_stat_statements, statement logging",
                parameters: rdsParameters(s.parameters),
            },
            child,
        );

        const subnets = new aws.rds.SubnetGroup(
            `${name}-subnets`,
            { subnetIds: s.subnetIds, description: "pgstack database subnets" },
            child,
        );

        const sg = new aws.ec2.SecurityGroup(
            `${name}-sg`,
            {
                vpcId: s.vpcId,
                description: "pgstack PostgreSQL: only the configured networks",
                ingress: [
                    ...(s.allowedCidrs.length > 0
                        ? [{ protocol: "tcp", fromPort: s.port, toPort: s.port, cidrBlocks: s.allowedCidrs }]
                        : []),
                    ...s.allowedSecurityGroupIds.map((id) => ({
                        protocol: "tcp",
                        fromPort: s.port,
                        toPort: s.port,
                        securityGroups: [id],
                    })),
                ],
                // RDS answers connections; it opens none of its own.
                egress: [],
            },
            child,
        );

        const password = rotatingPassword(
            `${name}-admin-password`,
            rotationKeepers(args.rotation.seed, args.rotation.admin),
            child,
        );
        const deletionProtection = s.deletionProtection ?? production;

        this.instance = new aws.rds.Instance(
            `${name}-instance`,
            {
                engine: "postgres",
                engineVersion: s.engineVersion,
                instanceClass: s.instanceClass,
                allocatedStorage: s.allocatedStorage,
                maxAllocatedStorage: s.maxAllocatedStorage,
                storageType: "gp3",
                storageEncrypted: true,
                kmsKeyId: s.kmsKeyId,
                username: s.adminUser,
                password: password.result,
                port: s.port,
                parameterGroupName: params.name,
                dbSubnetGroupName: subnets.name,
                vpcSecurityGroupIds: [sg.id],
                publiclyAccessible: s.publiclyAccessible,
                multiAz: s.multiAz ?? production,
                backupRetentionPeriod: s.backupRetentionDays,
                copyTagsToSnapshot: true,
                deletionProtection,
                skipFinalSnapshot: !production,
                finalSnapshotIdentifier: production ? `${name}-final` : undefined,
                performanceInsightsEnabled: s.performanceInsights,
                autoMinorVersionUpgrade: true,
                caCertIdentifier: s.caCertIdentifier,
                enabledCloudwatchLogsExports: ["postgresql", "upgrade"],
                applyImmediately: !production,
            },
            { ...child, protect: production && deletionProtection },
        );

        const provider = new postgresql.Provider(
            `${name}-provider`,
            {
                host: this.instance.address,
                port: this.instance.port,
                username: s.adminUser,
                password: password.result,
                database: "postgres",
                sslmode: s.sslmode,
                sslrootcert: s.caCertPath,
                // The RDS master user is rds_superuser, not a superuser.
                superuser: false,
                connectTimeout: 30,
            },
            child,
        );

        this.caBundleName = pulumi.output(s.caCertIdentifier);
        this.endpoint = {
            host: this.instance.address,
            port: this.instance.port,
            appHost: this.instance.address,
            appPort: this.instance.port,
            adminUser: pulumi.output(s.adminUser),
            adminPassword: pulumi.secret(password.result),
            sslmode: s.sslmode,
            caCertPath: pulumi.output(s.caCertPath),
            caCert: pulumi.output(undefined),
            provider,
        };
        this.registerOutputs({ address: this.instance.address, caBundleName: this.caBundleName });
    }
}
