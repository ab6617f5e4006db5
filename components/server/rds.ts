/**
 * AWS RDS for PostgreSQL with SSL enforced: a parameter group with rds.force_ssl = 1 and
 * pg_stat_statements preloaded, encrypted storage, no public access, a security group open only to
 * the configured networks, automated backups (PITR), and a master password from @pulumi/random
 * rotated by seed.
 *
 * Data safety: the instance has a stack-derived identifier, so a change that forces a
 * replacement cannot quietly create an empty twin (AWS refuses the duplicate name and the `up` stops
 * before anything is deleted); it is `retainOnDelete` and `protect`ed as pgstack:dataProtection says,
 * in every environment; a deletion takes a final snapshot (unless dataProtection.retainOnDelete is
 * false, which needs pgstack:allowDataLoss) under a name unique to this instance; automated backups
 * outlive the instance. Deletion protection stays the production default.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { DataProtection, Environment, RdsServerConfig } from "../../config/schema";
import { rotatingPassword, rotationKeepers } from "../passwords";
import type { ServerEndpoint } from "./endpoint";
import { AdminConnection, adminProvider, caBundleAt } from "./provider";
import { rdsParameters } from "../../lib/rdsParameters";

/**
 * The RDS instance identifier of a stack: 1-63 lower-case letters, digits and single hyphens, starting
 * with a letter. Stable, so Pulumi never autonames (and so never silently replaces) the instance.
 */
export function rdsIdentifier(stack: string): string {
    const id = `pgstack-${stack}`
        .toLowerCase()
        .replace(/[^a-z0-9-]+/g, "-")
        .replace(/-{2,}/g, "-")
        .slice(0, 63)
        .replace(/-+$/, "");
    return id;
}

export interface RdsInstanceArgs {
    server: RdsServerConfig;
    environment: Environment;
    rotation: { seed: string; admin?: string };
    protection: DataProtection;
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
        const identifier = s.identifier ?? rdsIdentifier(pulumi.getStack());
        const family = `postgres${s.engineVersion}`;

        // The family is in the name, so a major upgrade makes a new group (created before the old
        // one goes) instead of modifying the attached one in place, which AWS refuses. The old group is
        // retained, not deleted: with applyImmediately off (production) the instance still uses it until
        // the maintenance window, and AWS refuses to delete an attached group. Delete it by hand after
        // the upgrade (docs/runbooks/bootstrap.md).
        const params = new aws.rds.ParameterGroup(
            `${name}-params`,
            {
                name: `${identifier}-${family}`,
                family,
                description: "pgstack: SSL enforced, pg_stat_statements, statement logging",
                parameters: rdsParameters(s.parameters),
            },
            { ...child, retainOnDelete: true },
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
        const finalSnapshot = args.protection.retainOnDelete;
        // Unique per instance and stable from one `up` to the next (a timestamp would show as a change in
        // every preview): two deletions, or two stacks in one account, never collide.
        const snapshotSuffix = finalSnapshot
            ? new random.RandomString(
                  `${name}-final-snapshot-suffix`,
                  { length: 8, special: false, upper: false, keepers: { identifier } },
                  child,
              ).result
            : undefined;

        this.instance = new aws.rds.Instance(
            `${name}-instance`,
            {
                identifier,
                engine: "postgres",
                engineVersion: s.engineVersion,
                // engineVersion is a major version the schema allows; changing it is the upgrade.
                allowMajorVersionUpgrade: true,
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
                skipFinalSnapshot: !finalSnapshot,
                finalSnapshotIdentifier: snapshotSuffix && pulumi.interpolate`${identifier}-final-${snapshotSuffix}`,
                // Automated backups (PITR) stay after the instance is deleted, until their retention ends.
                deleteAutomatedBackups: false,
                performanceInsightsEnabled: s.performanceInsights,
                autoMinorVersionUpgrade: true,
                caCertIdentifier: s.caCertIdentifier,
                enabledCloudwatchLogsExports: ["postgresql", "upgrade"],
                applyImmediately: !production,
            },
            { ...child, protect: args.protection.protect, retainOnDelete: args.protection.retainOnDelete },
        );

        const admin: AdminConnection = {
            host: this.instance.address,
            port: this.instance.port,
            username: s.adminUser,
            password: password.result,
            sslmode: s.sslmode,
            sslrootcert: s.caCertPath,
            // The RDS master user is rds_superuser, not a superuser.
            superuser: false,
        };
        const provider = adminProvider(`${name}-provider`, admin, child);

        this.caBundleName = pulumi.output(s.caCertIdentifier);
        this.endpoint = {
            host: this.instance.address,
            port: this.instance.port,
            adminUser: pulumi.output(s.adminUser),
            adminPassword: pulumi.secret(password.result),
            caCertPath: pulumi.output(s.caCertPath),
            caCert: caBundleAt(s.caCertPath),
            provider,
            admin,
            maintenanceDatabase: "postgres",
        };
        this.registerOutputs({ address: this.instance.address, caBundleName: this.caBundleName });
    }
}
