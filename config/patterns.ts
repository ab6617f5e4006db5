/**
 * The shapes of the names and values the stack checks, each written once: the config schema, the
 * renderers in lib/ and the policy pack test against these. No imports, so the policy pack can load
 * this file without the program's dependencies.
 */

/**
 * A lower-case SQL identifier PostgreSQL keeps as written (no quoting needed): a letter or _, then
 * letters, digits or _, at most 63 characters (PostgreSQL cuts longer names).
 */
export const SQL_IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * A tenant id: a lower-case letter, then up to 39 lower-case letters, digits or _. Short enough that
 * `tenant_<id>` and `<tenantRolePrefix><id>` stay within PostgreSQL's 63 characters.
 */
export const TENANT_ID = /^[a-z][a-z0-9_]{0,39}$/;

/** The tenant role prefix: a lower-case identifier of at most 23 characters (23 + 40 = 63). */
export const TENANT_ROLE_PREFIX = /^[a-z][a-z0-9_]{0,22}$/;

/** An extension name as `CREATE EXTENSION` takes it: lower-case letters, digits, _ or -. */
export const EXTENSION_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
export const EXTENSION_NAME_RULE = "an extension name is lower-case letters, digits, _ or -";

/** A SHA-256 digest as `sha256sum` prints it: 64 lower-case hex digits. */
export const SHA256_HEX = /^[0-9a-f]{64}$/;

/** A Cloudflare id (account, permission group): 32 lower-case hex digits. */
export const CLOUDFLARE_ID = /^[0-9a-f]{32}$/;

/** An environment variable name as the renderers write them: upper-case letters, digits and _. */
export const ENV_VAR_NAME = /^[A-Z_][A-Z0-9_]*$/;

/** What a value written into one line of a config file may not hold: it could start another setting. */
export const LINE_BREAK = /[\r\n\0]/;

/** An OS user name as `useradd` takes it (lower-case letters, digits, _ and -): safe in pg_ident and cron lines. */
export const SYSTEM_USER_NAME = /^[a-z_][a-z0-9_-]*$/;
