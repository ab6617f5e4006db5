import { ConfigError } from "../../config/schema";
import { loadConfig, rawFromConfigMap } from "../../config/load";
import { configMap } from "../harness";

const source = (config: Record<string, unknown>, secret: string[] = ["pgstack:adminPassword"]) => ({
    all: () => configMap(config),
    isSecret: (k: string) => secret.includes(k),
});

const valid = {
    environment: "local",
    server: { mode: "existing", host: "127.0.0.1", caCertPath: "/ca.pem" },
    adminPassword: "s3cret",
};

test("the admin password must be stored as a secret", () => {
    expect(() => loadConfig(source(valid, []))).toThrow(/pgstack:adminPassword: must be stored as a secret/);
});

test("the admin password reaches components only as a secret Output", async () => {
    const { secrets } = loadConfig(source(valid));
    const out = secrets.adminPassword as unknown as { isSecret: Promise<boolean> };
    expect(await out.isSecret).toBe(true);
});

test("the typed config carries no secret value", () => {
    const { config } = loadConfig(source(valid));
    expect(JSON.stringify(config)).not.toContain("s3cret");
});

test("an unknown pgstack key is named", () => {
    expect(() => rawFromConfigMap({ "pgstack:tenant": "[]" }, () => false)).toThrow(/pgstack:tenant: unknown key/);
});

test("a value that is not YAML/JSON is named", () => {
    expect(() => rawFromConfigMap({ "pgstack:tenants": "[{id: acme" }, () => false)).toThrow(ConfigError);
    expect(() => rawFromConfigMap({ "pgstack:tenants": "[{id: acme" }, () => false)).toThrow(/pgstack:tenants/);
});

test("other namespaces are left to their providers", () => {
    expect(rawFromConfigMap({ "aws:region": "eu-west-1" }, () => false)).toEqual({});
});
