/**
 * Provider configuration of the offline aws provider (as pulumi-aws's `provider/config.go` and the `Config`
 * block of its `resources.go` define it): the keys an S3-compatible endpoint needs, with pulumi-aws's
 * defaults (skipMetadataApiCheck and skipRegionValidation true, skipCredentialsValidation false), credentials
 * from the config, a shared-credentials file or the AWS_* environment, and a clear error for every key the
 * offline provider does not implement.
 */
import { readFileSync } from "fs";
import { homedir } from "os";
import { join } from "path";
import { Props, UNKNOWN } from "../props";
import type { CheckFailure } from "../resource";

export interface AwsConfig {
    region: string;
    endpoints: { s3?: string; iam?: string; sts?: string };
    s3UsePathStyle: boolean;
    customCaBundle?: string;
    accessKey?: string;
    secretKey?: string;
    token?: string;
    profile: string;
    sharedCredentialsFiles: string[];
    skipCredentialsValidation: boolean;
    skipRequestingAccountId: boolean;
    skipMetadataApiCheck: boolean;
    skipRegionValidation: boolean;
}

const SUPPORTED = new Set([
    "region",
    "endpoints",
    "s3UsePathStyle",
    "customCaBundle",
    "accessKey",
    "secretKey",
    "token",
    "profile",
    "sharedCredentialsFiles",
    "skipCredentialsValidation",
    "skipRequestingAccountId",
    "skipMetadataApiCheck",
    "skipRegionValidation",
    // Accepted and without effect here: retries are the SDK's own, and tags are per resource.
    "maxRetries",
    "retryMode",
]);
const ENDPOINT_SERVICES = new Set(["s3", "iam", "sts"]);
/** Keys the engine itself adds to provider inputs. */
const ENGINE_KEYS = new Set(["version", "pluginDownloadURL"]);

/** Provider inputs arrive JSON-encoded (`"true"`, `"[{…}]"`) from the Node SDK; accept both forms. */
function decode(v: unknown): unknown {
    if (typeof v !== "string" || v === UNKNOWN) return v;
    try {
        return JSON.parse(v);
    } catch {
        return v;
    }
}

function isSet(v: unknown): boolean {
    const d = decode(v);
    if (Array.isArray(d)) return d.length > 0;
    return !(d === undefined || d === null || d === "" || d === false);
}

/** Config validation (CheckConfig and Configure): one failure per offending key. */
export function checkAwsConfig(c: Props): CheckFailure[] {
    const f: CheckFailure[] = [];
    for (const [k, v] of Object.entries(c)) {
        if (ENGINE_KEYS.has(k) || k.startsWith("__") || SUPPORTED.has(k) || !isSet(v)) continue;
        f.push({ property: k, reason: `aws provider config "${k}" is not supported by the offline provider` });
    }
    const eps = decode(c.endpoints);
    if (eps !== undefined && eps !== null && eps !== UNKNOWN) {
        if (!Array.isArray(eps)) {
            f.push({ property: "endpoints", reason: "aws provider config endpoints must be a list of objects" });
        } else {
            for (const e of eps) {
                for (const [svc, url] of Object.entries((e ?? {}) as Record<string, unknown>)) {
                    if (url === null || url === undefined || url === "") continue;
                    if (!ENDPOINT_SERVICES.has(svc)) {
                        f.push({
                            property: "endpoints",
                            reason: `aws provider config endpoints.${svc}: the offline provider serves only s3, iam and sts`,
                        });
                    } else if (typeof url !== "string" || !/^https?:\/\//.test(url)) {
                        f.push({ property: "endpoints", reason: `aws provider config endpoints.${svc} must be a URL` });
                    }
                }
            }
        }
    }
    return f;
}

function bool(v: unknown, dflt: boolean): boolean {
    const d = decode(v);
    return typeof d === "boolean" ? d : dflt;
}

function str(v: unknown): string | undefined {
    const d = decode(v);
    return typeof d === "string" && d !== "" && d !== UNKNOWN ? d : undefined;
}

export function parseAwsConfig(c: Props, env: NodeJS.ProcessEnv = process.env): AwsConfig {
    const eps = decode(c.endpoints);
    const endpoints: AwsConfig["endpoints"] = {};
    if (Array.isArray(eps)) {
        for (const e of eps as Record<string, unknown>[]) {
            for (const svc of ["s3", "iam", "sts"] as const) {
                const u = e?.[svc];
                if (typeof u === "string" && u !== "") endpoints[svc] = u.replace(/\/+$/, "");
            }
        }
    }
    const files = decode(c.sharedCredentialsFiles);
    return {
        region: str(c.region) ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "",
        endpoints,
        s3UsePathStyle: bool(c.s3UsePathStyle, false),
        customCaBundle: str(c.customCaBundle) ?? env.AWS_CA_BUNDLE,
        accessKey: str(c.accessKey),
        secretKey: str(c.secretKey),
        token: str(c.token),
        profile: str(c.profile) ?? env.AWS_PROFILE ?? "default",
        sharedCredentialsFiles: Array.isArray(files)
            ? files.filter((x): x is string => typeof x === "string")
            : [env.AWS_SHARED_CREDENTIALS_FILE ?? join(homedir(), ".aws", "credentials")],
        skipCredentialsValidation: bool(c.skipCredentialsValidation, false),
        skipRequestingAccountId: bool(c.skipRequestingAccountId, false),
        skipMetadataApiCheck: bool(c.skipMetadataApiCheck, true),
        skipRegionValidation: bool(c.skipRegionValidation, true),
    };
}

export interface Credentials {
    accessKeyId: string;
    secretAccessKey: string;
    sessionToken?: string;
}

/** The `[profile]` section of an AWS shared-credentials (INI) file. */
export function profileFromIni(text: string, profile: string): Credentials | undefined {
    let current = "";
    const found: Record<string, string> = {};
    for (const raw of text.split(/\r?\n/)) {
        const line = raw.replace(/[#;].*$/, "").trim();
        const section = /^\[\s*(?:profile\s+)?([^\]]+?)\s*\]$/.exec(line);
        if (section) {
            current = section[1];
            continue;
        }
        const kv = /^([A-Za-z_]+)\s*=\s*(.*)$/.exec(line);
        if (kv && current === profile) found[kv[1].toLowerCase()] = kv[2].trim();
    }
    if (!found.aws_access_key_id || !found.aws_secret_access_key) return undefined;
    return {
        accessKeyId: found.aws_access_key_id,
        secretAccessKey: found.aws_secret_access_key,
        sessionToken: found.aws_session_token,
    };
}

/**
 * Credentials as the provider resolves them: static config keys, then the AWS_* environment, then the
 * profile in the shared-credentials files. (No SSO, web identity, container or EC2 metadata sources.)
 */
export function resolveCredentials(c: AwsConfig, env: NodeJS.ProcessEnv = process.env): Credentials {
    if (c.accessKey && c.secretKey)
        return { accessKeyId: c.accessKey, secretAccessKey: c.secretKey, sessionToken: c.token };
    if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
        return {
            accessKeyId: env.AWS_ACCESS_KEY_ID,
            secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
            sessionToken: env.AWS_SESSION_TOKEN,
        };
    }
    for (const file of c.sharedCredentialsFiles) {
        let text: string;
        try {
            text = readFileSync(file, "utf8");
        } catch {
            continue;
        }
        const creds = profileFromIni(text, c.profile);
        if (creds) return creds;
    }
    throw new Error(
        "no valid credential sources for the aws provider found (config accessKey/secretKey, AWS_ACCESS_KEY_ID, " +
            `or profile "${c.profile}" in ${c.sharedCredentialsFiles.join(", ") || "no shared credentials file"})`,
    );
}
