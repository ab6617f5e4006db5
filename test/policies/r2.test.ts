import { r2CustomDomain, r2NoPublicDevUrl } from "../../policies/r2";
import { resourceArgs, validateResource } from "./harness";

const managed = (enabled: boolean) =>
    resourceArgs(
        "cloudflare:index/r2ManagedDomain:R2ManagedDomain",
        { accountId: "a", bucketName: "pgstack-backups", enabled },
        { name: "dev-url" },
    );

describe("r2-no-public-dev-url", () => {
    test("passes a disabled r2.dev URL", async () => {
        expect(await validateResource(r2NoPublicDevUrl, managed(false))).toEqual([]);
    });
    test("fails an enabled r2.dev URL, naming the bucket", async () => {
        const [v] = await validateResource(r2NoPublicDevUrl, managed(true));
        expect(v.message).toMatch(/"dev-url" serves bucket pgstack-backups to anyone.*enabled: false/);
    });
});

describe("r2-custom-domain", () => {
    const domain = (enabled: boolean) =>
        resourceArgs("cloudflare:index/r2CustomDomain:R2CustomDomain", {
            bucketName: "b",
            domain: "files.example.com",
            enabled,
            zoneId: "z",
        });
    test("advisory: passes a disabled domain and flags an enabled one", async () => {
        const found = await Promise.all([
            validateResource(r2CustomDomain, domain(false)),
            validateResource(r2CustomDomain, domain(true)),
        ]);
        expect([r2CustomDomain.enforcementLevel, found.map((f) => f.length)]).toEqual(["advisory", [0, 1]]);
    });
});
