/**
 * Constants shared by the config schema, the program and the policy pack (policies/ imports this
 * file): no imports, so the pack can load it without the program's dependencies.
 */

export const SSL_MODES = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"] as const;
export type SslMode = (typeof SSL_MODES)[number];
/** sslmodes that do not guarantee an encrypted connection. */
export const INSECURE_SSL_MODES: readonly SslMode[] = ["disable", "allow", "prefer"];
/** CIDRs that open a port to the whole internet. */
export const OPEN_CIDRS: readonly string[] = ["0.0.0.0/0", "::/0"];

/** The kinds of environment a stack can be (`pgstack:environment`). */
export const ENVIRONMENTS = ["local", "staging", "production"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

// "pgstack" names several different things. Each has its own constant so a reader sees which one is
// meant; they share a value only by history. The first five are visible on a server or to the stack's
// users (the README documents them), so changing one is a migration, not a rename.

/** Schema in the app database that holds the row-level-security guard: migrations call `pgstack.enable_tenant_rls(…)`. */
export const GUARD_SCHEMA = "pgstack";
/** pgBackRest stanza of the docker server's cluster: it names the archive and backup folders in the bucket. */
export const PGBACKREST_STANZA = "pgstack";
/** Default admin (master) user of an RDS instance (`pgstack:server.adminUser`). */
export const RDS_ADMIN_USER = "pgstack_admin";
/**
 * The Pulumi project's name (`name:` in Pulumi.yaml), and so the namespace of every config key
 * (`pgstack:databaseName`). Changing it changes every stack file and every resource's URN.
 */
export const PROJECT_NAME = "pgstack";
/** Name of the CrossGuard policy pack (policies/pack.ts): what `pulumi preview --policy-pack` reports. */
export const POLICY_PACK_NAME = "pgstack";

// Internal names: part of resource URNs and type tokens only, nothing on a server.

/** Logical name of the access layer component (index.ts): the parent of every role, database and grant. */
export const ACCESS_LAYER_NAME = "pgstack";
/** Module of the dump-restore dynamic resource's type token (components/dumpRestore.ts). */
export const RESTORE_RESOURCE_MODULE = "pgstack";
