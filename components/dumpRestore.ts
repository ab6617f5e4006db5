/**
 * A `pg_dump -Fc` artifact restored into the stack's database, as a resource the engine sees: preview
 * shows a pending restore, the state records which digest is served, and `pulumi up` restores again
 * exactly when `pgstack:restore.sha256` changes (docs/runbooks/publish-dump.md).
 *
 * The work happens in a dynamic provider (lib/restore.ts, run by the engine's
 * `pulumi-resource-pulumi-nodejs` host): verify the SHA-256, then restore as the service role in one
 * transaction, so a failed restore leaves the previous data served.
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { RESTORE_RESOURCE_MODULE } from "../config/constants";
import type { RestoreConfig } from "../config/restore";
import { restoreProvider } from "../lib/restore";

export interface DumpRestoreArgs {
    /** `config.restore` (config/restore.ts): artifact path, sha256, extensions. */
    config: RestoreConfig;
    /** Secret: the service role's DSN; the restore runs as this role (it owns the app schemas). */
    serviceUrl: pulumi.Input<string>;
    /** The database to restore into. */
    database: pulumi.Input<string>;
    /** Directory of pg_restore/psql (client ≥ server); default: the newest /usr/lib/postgresql/<v>/bin. */
    pgBinDir?: string;
}

interface RestoredDumpProps {
    artifactPath: pulumi.Input<string>;
    sha256: pulumi.Input<string>;
    database: pulumi.Input<string>;
    serviceUrl: pulumi.Input<string>;
    extensions: pulumi.Input<string[]>;
    pgBinDir: pulumi.Input<string>;
}

/** The dynamic resource: one restore of one digest into one database. */
class RestoredDump extends pulumi.dynamic.Resource {
    declare public readonly digest: pulumi.Output<string>;
    declare public readonly restoredAt: pulumi.Output<string>;
    declare public readonly tableCount: pulumi.Output<number>;

    constructor(name: string, props: RestoredDumpProps, opts?: pulumi.CustomResourceOptions) {
        super(
            restoreProvider,
            name,
            { ...props, digest: undefined, restoredAt: undefined, tableCount: undefined },
            opts,
            RESTORE_RESOURCE_MODULE,
            "RestoredDump",
        );
    }
}

export class DumpRestore extends pulumi.ComponentResource {
    /** SHA-256 of the artifact the database serves. */
    public readonly digest: pulumi.Output<string>;
    /** When that restore committed (ISO 8601). */
    public readonly restoredAt: pulumi.Output<string>;
    /** Tables in the restored schemas. */
    public readonly tableCount: pulumi.Output<number>;

    constructor(name: string, args: DumpRestoreArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pgstack:restore:DumpRestore", name, {}, opts);
        const c = args.config;
        const dump = new RestoredDump(
            `${name}-dump`,
            {
                // Resolved against the project directory (the program's cwd), as Pulumi resolves paths.
                artifactPath: path.resolve(c.artifactPath),
                sha256: c.sha256,
                database: args.database,
                // Secret in state whatever the caller passed; never an output.
                serviceUrl: pulumi.secret(args.serviceUrl),
                extensions: c.extensions,
                pgBinDir: args.pgBinDir ?? "",
            },
            // A component's dependsOn does not reach its children: pass it on, so the restore waits for
            // the schemas, grants and default privileges it relies on.
            { parent: this, dependsOn: opts?.dependsOn },
        );
        this.digest = dump.digest;
        this.restoredAt = dump.restoredAt;
        this.tableCount = dump.tableCount;
        this.registerOutputs({ digest: this.digest, restoredAt: this.restoredAt, tableCount: this.tableCount });
    }
}
