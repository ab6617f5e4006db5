import { isProduction, isProductionStackName, readStackFacts, StackFacts } from "../../policies/environment";

describe("readStackFacts", () => {
    test("reads the stack name and the stack config the CLI passes a policy pack", () => {
        const env = {
            PULUMI_NODEJS_STACK: "production",
            PULUMI_CONFIG: JSON.stringify({ "pgstack:environment": "production", "pgstack:tenants": [{ id: "a" }] }),
        };
        expect(readStackFacts(env)).toEqual({
            stack: "production",
            config: { "pgstack:environment": "production", "pgstack:tenants": '[{"id":"a"}]' },
        });
    });
    test("tolerates missing or malformed variables", () => {
        expect(readStackFacts({ PULUMI_STACK: "staging", PULUMI_CONFIG: "{not json" })).toEqual({
            stack: "staging",
            config: {},
        });
    });
});

describe("isProduction", () => {
    const facts = (stack: string, environment?: string): StackFacts => ({
        stack,
        config: environment ? { "pgstack:environment": environment } : {},
    });
    test("is production when the policy config, the stack config or the stack name says so", () => {
        expect([
            isProduction({ environment: "production" }, facts("dev")),
            isProduction({}, facts("dev", "production")),
            isProduction({}, facts("production", "staging")),
            isProduction({ environment: "staging" }, facts("acme/pgstack/prod-eu")),
        ]).toEqual([true, true, true, true]);
    });
    test("is not production for staging everywhere", () => {
        expect(isProduction({ environment: "staging" }, facts("staging", "staging"))).toBe(false);
    });
    test("recognises production stack names only", () => {
        const names = [
            "production",
            "prod",
            "prod-eu",
            "eu_production",
            "org/proj/production",
            "staging",
            "product-demo",
            "preprod",
        ];
        expect(names.map(isProductionStackName)).toEqual([true, true, true, true, true, false, false, false]);
    });
});
