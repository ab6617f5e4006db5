/**
 * Read-only production restored from a dump artifact: the `pgstack:restore` and `pgstack:readOnly`
 * keys. Pure: parsed here, hooked into the one schema in config/schema.ts, and every
 * error names its key (`pgstack:restore.sha256: …`) before any resource is registered.
 *
 *   pgstack:restore:
 *     artifact: { path: dumps/app-2026-11-23.dump }   # a `pg_dump -Fc` file (npm run dump)
 *     sha256: 3f9a…                                  # 64 hex digits, the file's SHA-256
 *     extensions: [pg_trgm]                          # ensured before the restore
 *   pgstack:readOnly: true                           # DATABASE_URL is the read-only role's DSN
 *
 * The digest is the trigger: `pulumi up` restores again exactly when it changes
 * (components/dumpRestore.ts, lib/restore.ts; docs/runbooks/publish-dump.md).
 */
import { z } from "zod";
import { EXTENSION_NAME, EXTENSION_NAME_RULE, SHA256_HEX } from "./patterns";
import { optionalKey } from "./projectFile";

/** `{ path }` (a local file) or `{ bucketObject }` (a key in the stack's bucket: not supported yet). */
const artifactSchema = z
    .object({
        path: z.string().trim().min(1, "a path to the pg_dump -Fc file may not be empty").optional(),
        bucketObject: z.string().optional(),
    })
    .strict()
    .superRefine((a, ctx) => {
        if (a.bucketObject !== undefined) {
            ctx.addIssue({
                code: "custom",
                path: ["bucketObject"],
                message: "is not supported yet: download the object and set pgstack:restore.artifact.path to the file",
            });
        } else if (a.path === undefined) {
            ctx.addIssue({ code: "custom", path: ["path"], message: "is required: the pg_dump -Fc file to restore" });
        }
    });

export const restoreSchema = z
    .object({
        /** Where the `pg_dump -Fc` archive is. */
        artifact: artifactSchema,
        /** The archive's SHA-256 (lower-case hex): verified before the database is touched; the restore trigger. */
        sha256: z
            .string()
            .trim()
            .toLowerCase()
            .regex(SHA256_HEX, "must be the artifact's SHA-256: 64 hex digits (see <file>.sha256)"),
        /** Extensions to create (IF NOT EXISTS) before the restore, as the service role. */
        extensions: z
            .array(z.string().regex(EXTENSION_NAME, EXTENSION_NAME_RULE))
            .default([])
            .refine((l) => new Set(l).size === l.length, { message: "lists an extension twice" }),
    })
    .strict();

/** The keys this module adds to the raw schema's shape (spread into it by config/schema.ts). */
export const restoreShape = {
    restore: optionalKey(
        restoreSchema,
        {},
        "A pg_dump -Fc artifact to restore into the database (absent or {}: none); config/restore.ts, docs/runbooks/publish-dump.md. {artifact: {path: <local file>} (bucketObject: not supported yet), sha256: <64 hex, the file's SHA-256: verified first, and `pulumi up` restores again exactly when it changes>, extensions?: [names to create before the restore]}.",
    ),
    readOnly: z
        .boolean()
        .default(false)
        .describe(
            "The stack is read-only for the app: DATABASE_URL is the read-only role's DSN (needs readonlyRole true). For production restored from a dump artifact (pgstack:restore).",
        ),
};

export type RawRestoreConfig = z.output<typeof restoreSchema>;

/** The typed restore configuration components receive. */
export interface RestoreConfig {
    /** Local path of the `pg_dump -Fc` archive (as configured; resolved by the component). */
    artifactPath: string;
    /** Lower-case hex SHA-256 of the archive. */
    sha256: string;
    extensions: string[];
}

/** What config/schema.ts's StackConfig gains. */
export interface RestoreStackConfig {
    /** Restore a dump artifact into the database, when configured. */
    restore?: RestoreConfig;
    /** The app gets the read-only role's DSN as DATABASE_URL. */
    readOnly: boolean;
}

type Issue = (path: (string | number)[], message: string) => void;

/** Cross-key rules, called from the main schema's refinement. */
export function checkRestore(
    cfg: { readOnly: boolean; readonlyRole: boolean; restore?: RawRestoreConfig },
    issue: Issue,
): void {
    if (cfg.readOnly && !cfg.readonlyRole) {
        issue(["readOnly"], "true needs pgstack:readonlyRole true (the app connects as the read-only role)");
    }
}

export function resolveRestore(c: { readOnly: boolean; restore?: RawRestoreConfig }): RestoreStackConfig {
    const r = c.restore;
    if (!r) return { readOnly: c.readOnly };
    // The schema has rejected bucketObject and a missing path already.
    return {
        readOnly: c.readOnly,
        restore: { artifactPath: r.artifact.path ?? "", sha256: r.sha256, extensions: r.extensions },
    };
}
