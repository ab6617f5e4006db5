import { checkGetSchemasArgs, getSchemas } from "../postgresql/getSchemas";
import type { PgContext } from "../postgresql/context";

test("getSchemas needs a database and refuses, naming it, each pattern filter it does not implement", () => {
    expect(checkGetSchemasArgs({ database: "app" })).toEqual([]);
    expect(checkGetSchemasArgs({})).toEqual(["getSchemas: database is required"]);
    expect(checkGetSchemasArgs({ database: "app", regexPattern: "^a", likeAnyPatterns: ["x%"] })).toEqual([
        "getSchemas: likeAnyPatterns is not implemented by the offline provider",
        "getSchemas: regexPattern is not implemented by the offline provider",
    ]);
});

test("getSchemas lists the database's schemas as upstream's data source does: no system schemas unless asked, id `<db> data block`", async () => {
    const seen: { database?: string; sql: string }[] = [];
    const ctx = {
        client: {
            tx: async (database: string, fn: (q: { query(sql: string): Promise<unknown[]> }) => Promise<unknown>) =>
                fn({
                    query: async (sql: string) => {
                        seen.push({ database, sql });
                        return [{ schema_name: "public" }, { schema_name: "app" }];
                    },
                }),
        },
    } as unknown as PgContext;
    expect(await getSchemas(ctx, { database: "app" })).toEqual({
        database: "app",
        id: "app data block",
        includeSystemSchemas: false,
        schemas: ["public", "app"],
    });
    expect(seen[0].database).toBe("app");
    expect(seen[0].sql).toMatch(/NOT LIKE 'pg_%'.*<> 'information_schema'/);
    await getSchemas(ctx, { database: "app", includeSystemSchemas: true });
    expect(seen[1].sql).not.toMatch(/NOT LIKE/);
});
