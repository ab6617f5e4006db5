/**
 * Mock-mode harness: runs the real program (index.ts) under `pulumi.runtime.setMocks`, with a mock
 * that records every resource the program registers and fails loudly on anything it does not know.
 */
import type * as pulumiType from "@pulumi/pulumi";
import { ConfigError, parseConfig } from "../config/schema";

/** Every resource type the stack may register. A new type must be added here on purpose. */
export const KNOWN_TYPES = new Set<string>([
    "pulumi:providers:postgresql",
    "postgresql:index/role:Role",
    "postgresql:index/database:Database",
    "postgresql:index/schema:Schema",
    "postgresql:index/grant:Grant",
    "postgresql:index/defaultPrivileges:DefaultPrivileges",
    "postgresql:index/extension:Extension",
    "postgresql:index/function:Function",
    // A non-superuser admin's membership in the service role (components/access/database.ts).
    "postgresql:index/grantRole:GrantRole",
    "random:index/randomPassword:RandomPassword",
    // Dynamic providers (components/dumpRestore.ts).
    "pulumi-nodejs:dynamic/pgstack:RestoredDump",
    "random:index/randomString:RandomString",
    "aws:rds/parameterGroup:ParameterGroup",
    "aws:rds/subnetGroup:SubnetGroup",
    "aws:rds/instance:Instance",
    "aws:ec2/securityGroup:SecurityGroup",
    "docker:index/network:Network",
    "docker:index/volume:Volume",
    "docker:index/remoteImage:RemoteImage",
    "docker:index/container:Container",
    "docker:index/image:Image",
    // Docker mode writes the generated CA to server.caCertPath on the deploy machine.
    "local:index/file:File",
    "tls:index/privateKey:PrivateKey",
    "tls:index/selfSignedCert:SelfSignedCert",
    "tls:index/certRequest:CertRequest",
    "tls:index/locallySignedCert:LocallySignedCert",
    // Object storage (components/storage): S3 …
    "aws:s3/bucket:Bucket",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketVersioning:BucketVersioning",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketPolicy:BucketPolicy",
    "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
    "aws:kms/key:Key",
    // One explicit AWS provider per storage (an S3-compatible endpoint, path style, CA).
    "pulumi:providers:aws",
    "aws:iam/user:User",
    "aws:iam/userPolicy:UserPolicy",
    "aws:iam/accessKey:AccessKey",
    // … and R2.
    "cloudflare:index/r2Bucket:R2Bucket",
    "cloudflare:index/r2BucketLifecycle:R2BucketLifecycle",
    "cloudflare:index/r2BucketLock:R2BucketLock",
    "cloudflare:index/r2ManagedDomain:R2ManagedDomain",
    "cloudflare:index/accountToken:AccountToken",
]);

/** Component resources of the stack: recorded too, so a test can check the tree. */
export const COMPONENT_TYPES = new Set<string>([
    "pgstack:server:ExistingServer",
    "pgstack:server:RdsInstance",
    "pgstack:server:DockerPostgres",
    "pgstack:tls:ServerCerts",
    "pgstack:access:AccessLayer",
    "pgstack:access:AccessRoles",
    "pgstack:access:RlsGuard",
    "pgstack:access:PoolerAuth",
    "pgstack:restore:DumpRestore",
    "pgstack:access:AppDatabase",
    "pgstack:access:AppSchemas",
    "pgstack:access:Tenant",
    "pgstack:storage:ObjectStorage",
    "pgstack:storage:S3Storage",
    "pgstack:storage:S3Bucket",
    "pgstack:storage:S3Credential",
    "pgstack:storage:R2Storage",
    "pgstack:storage:R2Bucket",
    "pgstack:storage:R2Token",
]);

/** Outputs the cloud would compute, so dependent inputs resolve in mock mode. */
const MOCK_OUTPUTS: Record<string, (a: pulumiType.runtime.MockResourceArgs) => Record<string, unknown>> = {
    "aws:rds/instance:Instance": (a) => ({
        address: `${a.name}.abc123.eu-west-1.rds.amazonaws.com`,
        port: a.inputs.port ?? 5432,
        arn: `arn:aws:rds:eu-west-1:123456789012:db:${a.name}`,
    }),
    "aws:rds/parameterGroup:ParameterGroup": (a) => ({ name: `${a.name}-pg`, arn: `arn:aws:rds:::pg:${a.name}` }),
    "aws:rds/subnetGroup:SubnetGroup": (a) => ({ name: `${a.name}-sng` }),
    "docker:index/remoteImage:RemoteImage": (a) => ({ imageId: `sha256:${a.name}` }),
    "docker:index/image:Image": (a) => ({ imageName: a.inputs.imageName, repoDigest: `sha256:${a.name}` }),
    "tls:index/privateKey:PrivateKey": (a) => ({ privateKeyPem: `-----BEGIN PRIVATE KEY----- ${a.name}` }),
    "tls:index/selfSignedCert:SelfSignedCert": (a) => ({ certPem: `-----BEGIN CERTIFICATE----- ${a.name}` }),
    "tls:index/certRequest:CertRequest": (a) => ({ certRequestPem: `-----BEGIN CERTIFICATE REQUEST----- ${a.name}` }),
    "tls:index/locallySignedCert:LocallySignedCert": (a) => ({ certPem: `-----BEGIN CERTIFICATE----- ${a.name}` }),
    "random:index/randomString:RandomString": (a) => ({ result: `rs${a.name.length}x` }),
    "aws:kms/key:Key": (a) => ({ arn: `arn:aws:kms:eu-west-1:123456789012:key/${a.name}` }),
    "aws:iam/user:User": (a) => ({ name: `${a.name}-user` }),
    "aws:iam/accessKey:AccessKey": (a) => ({ secret: `aws-secret-${a.name}` }),
    "cloudflare:index/accountToken:AccountToken": (a) => ({ value: `cf-token-${a.name}` }),
};

export interface Recorded {
    type: string;
    name: string;
    inputs: Record<string, unknown>;
    provider?: string;
}

/** Resource options as the engine receives them (the mock API does not pass them to newResource). */
export interface RecordedOptions {
    protect: boolean;
    retainOnDelete: boolean;
    deleteBeforeReplace: boolean;
    ignoreChanges: string[];
    /** URNs of explicit and implicit dependencies. */
    dependencies: string[];
    /** URNs each input property depends on (what a stack policy links resources by). */
    propertyDependencies: Record<string, string[]>;
}

export class RecordingMocks implements pulumiType.runtime.Mocks {
    public readonly resources: Recorded[] = [];
    public readonly options = new Map<string, RecordedOptions>();
    public readonly unknown: string[] = [];

    newResource(args: pulumiType.runtime.MockResourceArgs): { id: string; state: Record<string, unknown> } {
        if (!KNOWN_TYPES.has(args.type) && !COMPONENT_TYPES.has(args.type)) {
            // Recorded and turned into the run's error (throwing here would hang the program run).
            this.unknown.push(`${args.type} (${args.name})`);
        }
        this.resources.push({ type: args.type, name: args.name, inputs: args.inputs, provider: args.provider });
        const state: Record<string, unknown> = { ...args.inputs };
        if (args.type === "random:index/randomPassword:RandomPassword") {
            // Deterministic per name and keepers, so a test can see which passwords rotate.
            state.result = `pw-${args.name}-${JSON.stringify(args.inputs.keepers ?? {})}`.replace(/[^A-Za-z0-9]/g, "x");
        }
        Object.assign(state, MOCK_OUTPUTS[args.type]?.(args) ?? {});
        return { id: `${args.name}-id`, state };
    }

    /** Function calls (invokes) the program made. */
    public readonly calls: { token: string; inputs: Record<string, unknown>; provider?: string }[] = [];

    call(args: pulumiType.runtime.MockCallArgs): Record<string, unknown> {
        this.calls.push({ token: args.token, inputs: args.inputs, provider: args.provider });
        // The admin login check (components/server/adminLogin.ts): the server accepts the login.
        if (args.token === "postgresql:index/getSchemas:getSchemas") {
            return { database: args.inputs.database, id: `${args.inputs.database} data block`, schemas: ["public"] };
        }
        throw new Error(`mock: unexpected function call ${args.token}`);
    }

    /** Custom (non-component) resources only. */
    get custom(): Recorded[] {
        return this.resources.filter((r) => !COMPONENT_TYPES.has(r.type));
    }

    ofType(type: string): Recorded[] {
        return this.resources.filter((r) => r.type === type);
    }

    named(name: string): Recorded {
        const found = this.resources.find((r) => r.name === name);
        if (!found) throw new Error(`no resource named ${name}; have: ${this.resources.map((r) => r.name).join(", ")}`);
        return found;
    }
}

export interface ProgramRun {
    mocks: RecordingMocks;
    /** The program's exports, resolved; secret outputs resolved too (see `secret`). */
    outputs: Record<string, unknown>;
    /** Which exported outputs are secret. */
    secret: Record<string, boolean>;
    /** The program's exports as it returned them (Outputs unresolved), e.g. to ask what they depend on. */
    exports: Record<string, unknown>;
    error?: Error;
}

/** A secret input arrives in the mock as {<sig>: …, value}: this unwraps it. */
export function plain(v: unknown): unknown {
    if (v && typeof v === "object" && "value" in v && Object.keys(v).some((k) => /^[0-9a-f]{32}$/.test(k))) {
        return (v as { value: unknown }).value;
    }
    return v;
}

/** Whether a recorded input was marked secret. */
export function isSecretInput(v: unknown): boolean {
    return plain(v) !== v;
}

/** Turns a plain object of config into the flat `pgstack:key` map Pulumi hands a program. */
export function configMap(config: Record<string, unknown>): Record<string, string> {
    return Object.fromEntries(
        Object.entries(config).map(([k, v]) => [
            k.includes(":") ? k : `pgstack:${k}`,
            typeof v === "string" ? v : JSON.stringify(v),
        ]),
    );
}

interface RegisterRequest {
    getName(): string;
    getProtect(): boolean | undefined;
    getRetainondelete(): boolean | undefined;
    getDeletebeforereplace(): boolean | undefined;
    getIgnorechangesList(): string[];
    getDependenciesList(): string[];
    getPropertydependenciesMap(): { forEach(cb: (deps: { getUrnsList(): string[] }, key: string) => void): void };
}

function propertyDependenciesOf(req: RegisterRequest): Record<string, string[]> {
    const deps: Record<string, string[]> = {};
    req.getPropertydependenciesMap().forEach((d, key) => {
        deps[key] = d.getUrnsList();
    });
    return deps;
}

/**
 * Wraps the mock monitor so every registration's protect / retainOnDelete / ignoreChanges / dependencies
 * are kept. The public mocks API (`Mocks.newResource`) receives neither options nor the dependencies the
 * SDK computed from inputs, and transforms see explicit `dependsOn` only, so this wraps the monitor's
 * `registerResource`; if an SDK upgrade changes that shape, this fails here, loudly, not in a test.
 */
function recordOptions(pulumi: typeof pulumiType, mocks: RecordingMocks): void {
    const monitor = pulumi.runtime.getMonitor() as unknown as {
        registerResource?(req: RegisterRequest, cb: unknown): unknown;
    };
    if (typeof monitor?.registerResource !== "function") {
        throw new Error("test harness: the mock monitor has no registerResource; update recordOptions for this SDK");
    }
    const original = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, cb) => {
        for (const m of [
            "getProtect",
            "getRetainondelete",
            "getDeletebeforereplace",
            "getIgnorechangesList",
            "getDependenciesList",
        ] as const) {
            if (typeof req[m] !== "function") throw new Error(`test harness: RegisterResourceRequest has no ${m}()`);
        }
        mocks.options.set(req.getName(), {
            protect: req.getProtect() ?? false,
            retainOnDelete: req.getRetainondelete() ?? false,
            deleteBeforeReplace: req.getDeletebeforereplace() ?? false,
            ignoreChanges: req.getIgnorechangesList(),
            dependencies: req.getDependenciesList(),
            propertyDependencies: propertyDependenciesOf(req),
        });
        return original(req, cb);
    };
}

async function settle(pulumi: typeof pulumiType, value: unknown): Promise<{ value: unknown; secret: boolean }> {
    if (pulumi.Output.isInstance(value)) {
        const out = value as pulumiType.Output<unknown> & { isSecret: Promise<boolean> };
        const v = await new Promise<unknown>((resolve) => out.apply((x) => resolve(x)));
        return { value: v, secret: await out.isSecret };
    }
    if (value && typeof value === "object" && !Array.isArray(value)) {
        const entries = await Promise.all(
            Object.entries(value).map(async ([k, v]) => [k, await settle(pulumi, v)] as const),
        );
        return {
            value: Object.fromEntries(entries.map(([k, s]) => [k, s.value])),
            secret: entries.some(([, s]) => s.secret),
        };
    }
    return { value, secret: false };
}

/**
 * Runs index.ts in a fresh module registry with the given stack config.
 * `secretKeys` are config keys stored as secrets (as `pulumi config set --secret` would).
 */
export async function runProgram(
    config: Record<string, unknown>,
    opts: { secretKeys?: string[]; stack?: string; preview?: boolean } = {},
): Promise<ProgramRun> {
    const mocks = new RecordingMocks();
    let exported: Record<string, unknown> = {};
    let error: Error | undefined;
    let pulumi!: typeof pulumiType;
    await jest.isolateModulesAsync(async () => {
        pulumi = await import("@pulumi/pulumi");
        const secretKeys = (opts.secretKeys ?? ["adminPassword"]).map((k) => (k.includes(":") ? k : `pgstack:${k}`));
        pulumi.runtime.setAllConfig(configMap(config), secretKeys);
        await pulumi.runtime.setMocks(mocks, "pgstack", opts.stack ?? "test", opts.preview ?? false);
        recordOptions(pulumi, mocks);
        try {
            exported = { ...(await import("../index")).default };
        } catch (e) {
            error = e as Error;
        }
        await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
    });
    const outputs: Record<string, unknown> = {};
    const secret: Record<string, boolean> = {};
    for (const [k, v] of Object.entries(exported)) {
        const s = await settle(pulumi, v);
        outputs[k] = s.value;
        secret[k] = s.secret;
    }
    if (mocks.unknown.length > 0 && !error) {
        error = new Error(`mock: resource types not known to the test harness: ${mocks.unknown.join(", ")}`);
    }
    return { mocks, outputs, secret, error, exports: exported };
}

/**
 * Builds components directly (not the whole program) under the same recording mocks: `build` imports
 * the component modules it needs (fresh module registry) and returns the values to resolve.
 */
export async function runComponent(
    build: (pulumi: typeof pulumiType) => Promise<Record<string, unknown>>,
): Promise<Omit<ProgramRun, "secret" | "exports">> {
    const mocks = new RecordingMocks();
    let built: Record<string, unknown> = {};
    let error: Error | undefined;
    let pulumi!: typeof pulumiType;
    await jest.isolateModulesAsync(async () => {
        pulumi = await import("@pulumi/pulumi");
        await pulumi.runtime.setMocks(mocks, "pgstack", "test", false);
        recordOptions(pulumi, mocks);
        try {
            built = await build(pulumi);
        } catch (e) {
            error = e as Error;
        }
        await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
    });
    const outputs: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(built)) outputs[k] = (await settle(pulumi, v)).value;
    if (mocks.unknown.length > 0 && !error) {
        error = new Error(`mock: resource types not known to the test harness: ${mocks.unknown.join(", ")}`);
    }
    return { mocks, outputs, error };
}

/** Names of the resources an exported Output depends on (what the engine would wait for). */
export async function dependenciesOf(output: unknown): Promise<string[]> {
    const o = output as { allResources?: () => Promise<Set<{ __name?: string }>> };
    if (typeof o?.allResources !== "function") throw new Error("not an Output with allResources()");
    return [...(await o.allResources())].map((r) => r.__name ?? "?");
}

/** Names of the resources `name` waits for directly (its dependencies, by URN, in the mock run). */
export function directDependencies(r: ProgramRun, name: string): string[] {
    return (r.mocks.options.get(name)?.dependencies ?? []).map((urn) => urn.slice(urn.lastIndexOf("::") + 2));
}

/** Names of every resource `name` waits for, directly or through others. */
export function transitiveDependencies(r: ProgramRun, name: string): Set<string> {
    const seen = new Set<string>();
    const todo = [name];
    while (todo.length > 0) {
        for (const dep of directDependencies(r, todo.pop() as string)) {
            if (!seen.has(dep)) {
                seen.add(dep);
                todo.push(dep);
            }
        }
    }
    return seen;
}

/** A valid minimal config for an existing server, to vary in tests. */
export function baseConfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        environment: "staging",
        server: { mode: "existing", host: "db.example.internal", port: 5432, caCertPath: "/etc/ssl/ca.pem" },
        adminPassword: "admin-secret-value",
        databaseName: "app",
        tenants: [{ id: "acme" }, { id: "globex" }],
        readonlyRole: true,
        ...overrides,
    };
}

/** A valid RDS server block, to vary in tests. */
export function rdsServer(extra: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        mode: "rds",
        vpcId: "vpc-0abc",
        subnetIds: ["subnet-01", "subnet-02"],
        allowedCidrs: ["10.0.0.0/16"],
        allowedSecurityGroupIds: ["sg-0123"],
        caCertPath: "/etc/ssl/certs/rds-global-bundle.pem",
        ...extra,
    };
}

/** The problems parseConfig reports for a raw config; fails the test if the config is accepted. */
export function problemsOf(raw: Record<string, unknown>): string[] {
    try {
        parseConfig(raw);
    } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as ConfigError).problems;
    }
    throw new Error("config was accepted");
}
