import { holdsData, productionDataProtected } from "../../policies/stack";
import { bucketSet, PRODUCTION, STAGING } from "./fixtures";
import { stackArgs, stackResource, validateStack } from "./harness";

const database = (protect: boolean) =>
    stackResource("postgresql:index/database:Database", { name: "app" }, { name: "pgstack-db-database", protect });
const schema = (name: string, protect: boolean) =>
    stackResource("postgresql:index/schema:Schema", { name }, { name: `schema-${name}`, protect });

describe("production-data-protected", () => {
    test("passes protected data resources in production", async () => {
        const resources = [database(true), schema("tenant_acme", true), ...bucketSet("b", true).all];
        expect(await validateStack(productionDataProtected, stackArgs(resources, PRODUCTION))).toEqual([]);
    });
    test("fails an unprotected database in production, naming it and the config key", async () => {
        const [v] = await validateStack(productionDataProtected, stackArgs([database(false)], PRODUCTION));
        expect(v.message).toMatch(
            /"pgstack-db-database" holds data but is not protected.*pgstack:dataProtection.protect/,
        );
    });
    test("fails an unprotected tenant schema and bucket in production", async () => {
        const resources = [schema("tenant_acme", false), bucketSet("b", false).bucket];
        expect(await validateStack(productionDataProtected, stackArgs(resources, PRODUCTION))).toHaveLength(2);
    });
    test("does not apply to staging", async () => {
        expect(await validateStack(productionDataProtected, stackArgs([database(false)], STAGING))).toEqual([]);
    });
    test("counts the database, tenant schemas, RDS and buckets as data, not the guard schema or grants", () => {
        const kinds = [
            database(false),
            schema("tenant_acme", false),
            schema("pgstack", false),
            stackResource("aws:rds/instance:Instance", {}),
            stackResource("aws:s3/bucket:Bucket", {}),
            stackResource("cloudflare:index/r2Bucket:R2Bucket", {}),
            stackResource("postgresql:index/grant:Grant", {}),
        ];
        expect(kinds.map(holdsData)).toEqual([true, true, false, true, true, true, false]);
    });
});
