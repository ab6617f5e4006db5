/**
 * Constants shared by the config schema and the policy pack (policies/ imports this file): no imports,
 * so the pack can load it without the program's dependencies.
 */

export const SSL_MODES = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"] as const;
export type SslMode = (typeof SSL_MODES)[number];
/** sslmodes that do not guarantee an encrypted connection. */
export const INSECURE_SSL_MODES: readonly SslMode[] = ["disable", "allow", "prefer"];
/** CIDRs that open a port to the whole internet. */
export const OPEN_CIDRS: readonly string[] = ["0.0.0.0/0", "::/0"];
