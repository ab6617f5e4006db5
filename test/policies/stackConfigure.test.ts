import { readStackFacts, recordConfiguredStack } from "../../policies/environment";
import { factsOfRequest, recordingConfigureStack } from "../../policies/stackConfigure";

const request = (stack: string, config: Record<string, string>, secretKeys: string[] = []) => ({
    getStack: () => stack,
    getConfigMap: () => ({
        forEach: (cb: (v: string, k: string) => void) => Object.entries(config).forEach(([k, v]) => cb(v, k)),
    }),
    getConfigSecretKeysList: () => secretKeys,
});

afterEach(() => recordConfiguredStack(undefined));

test("the stack name and config of the engine's ConfigureStack call reach the policies (the language host passes no PULUMI_CONFIG)", () => {
    let served = false;
    const impl = recordingConfigureStack({ configureStack: () => void (served = true) });
    (impl.configureStack as (call: unknown, cb: unknown) => void)(
        { request: request("staging", { "pgstack:sslmode": "prefer", "pgstack:environment": "staging" }) },
        () => undefined,
    );
    expect(served).toBe(true);
    expect(readStackFacts({})).toEqual({
        stack: "staging",
        config: { "pgstack:sslmode": "prefer", "pgstack:environment": "staging" },
    });
});

test("secret config values of the ConfigureStack call are kept nowhere", () => {
    const facts = factsOfRequest(
        request("local", { "pgstack:adminPassword": "hunter2-secret", "pgstack:sslmode": "require" }, [
            "pgstack:adminPassword",
        ]),
    );
    expect(facts.config).toEqual({ "pgstack:sslmode": "require" });
});

test("the environment's stack facts win over the recorded ones", () => {
    recordConfiguredStack({ stack: "local", config: { "pgstack:environment": "local", "pgstack:sslmode": "prefer" } });
    expect(
        readStackFacts({
            PULUMI_STACK: "production",
            PULUMI_CONFIG: JSON.stringify({ "pgstack:environment": "production" }),
        }),
    ).toEqual({ stack: "production", config: { "pgstack:environment": "production", "pgstack:sslmode": "prefer" } });
});
