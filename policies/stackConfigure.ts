/**
 * Records the engine's ConfigureStack call (stack name, project, stack config) for the policies.
 *
 * The engine runs a Node.js policy pack through the language host, so the pack's environment has no
 * PULUMI_CONFIG and no stack name; the engine sends both in ConfigureStack instead, and
 * @pulumi/policy keeps only the stack tags from it. This wraps the handler the policy server
 * registers with gRPC, so the rest of the call reaches environment.ts. Secret config keys are dropped:
 * no policy needs their values, and a value kept nowhere cannot be printed.
 */
import * as path from "path";
import { recordConfiguredStack, StackFacts } from "./environment";

/** The parts of AnalyzerStackConfigureRequest read here (pulumi/proto/analyzer.proto). */
interface StackConfigureRequest {
    getStack(): string;
    getConfigMap(): { forEach(cb: (value: string, key: string) => void): void };
    getConfigSecretKeysList(): string[];
}

type Handler = (call: { request: StackConfigureRequest }, callback: unknown) => unknown;

/** The facts of one ConfigureStack request: its stack and its non-secret config. */
export function factsOfRequest(req: StackConfigureRequest): StackFacts {
    const secret = new Set(req.getConfigSecretKeysList());
    const config: Record<string, string> = {};
    req.getConfigMap().forEach((value, key) => {
        if (!secret.has(key)) config[key] = value;
    });
    return { stack: req.getStack(), config };
}

/** Wraps a service implementation's configureStack so each call is recorded before it is served. */
export function recordingConfigureStack(impl: Record<string, unknown>): Record<string, unknown> {
    const original = impl.configureStack as Handler | undefined;
    if (typeof original !== "function") return impl;
    const wrapped: Handler = (call, callback) => {
        try {
            recordConfiguredStack(factsOfRequest(call.request));
        } catch {
            // An engine that sends another shape: the policies fall back to the environment.
            recordConfiguredStack(undefined);
        }
        return original(call, callback);
    };
    return { ...impl, configureStack: wrapped };
}

/**
 * Patches the gRPC server class @pulumi/policy uses (its own copy of @grpc/grpc-js), before the
 * PolicyPack starts serving.
 */
export function recordStackConfigure(): void {
    const policyDir = path.dirname(require.resolve("@pulumi/policy"));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const grpc = require(require.resolve("@grpc/grpc-js", { paths: [policyDir] })) as {
        Server: { prototype: { addService(service: unknown, impl: Record<string, unknown>): void } };
    };
    const proto = grpc.Server.prototype;
    const addService = proto.addService;
    proto.addService = function (this: unknown, service: unknown, impl: Record<string, unknown>) {
        return addService.call(this, service, recordingConfigureStack(impl));
    };
}
