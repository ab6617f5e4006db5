import * as fs from "fs";
import { parse } from "yaml";
import { declaredConfig, stringKeys } from "../../config/projectFile";
import { rawConfigSchema } from "../../config/schema";
import { PROJECT_FILE, renderProjectFile } from "../../scripts/gen-pulumi-yaml";

interface Declared {
    type: string;
    description?: string;
    default?: unknown;
}

const committed = fs.readFileSync(PROJECT_FILE, "utf8");
const project = parse(committed) as { config: Record<string, Declared> };

const jsonType = (v: unknown) => (Array.isArray(v) ? "array" : v === null ? "null" : typeof v);
const pulumiType = (t: string) =>
    ({ integer: "number", array: "array", object: "object", boolean: "boolean", string: "string" })[t];

test("Pulumi.yaml's config block is the one generated from the schema (run npm run gen:pulumi-yaml)", () => {
    // A hand edit of the block, or a schema change without regenerating, fails here.
    expect(renderProjectFile(committed)).toBe(committed);
});

test("Pulumi.yaml declares exactly the keys the schema knows", () => {
    expect(Object.keys(project.config).sort()).toEqual(Object.keys(rawConfigSchema.shape).sort());
});

test.each(Object.entries(project.config))("%s has a type and a description", (_key, decl) => {
    expect(decl.type).toMatch(/^(string|integer|boolean|array|object)$/);
    expect((decl.description ?? "").length).toBeGreaterThan(20);
});

test.each(Object.entries(project.config).filter(([, d]) => d.default !== undefined))(
    "the default of %s has its declared type and is the schema's default",
    (key, decl) => {
        expect(jsonType(decl.default)).toBe(pulumiType(decl.type));
        const field = rawConfigSchema.shape[key as keyof typeof rawConfigSchema.shape];
        const schemaDefault = field.safeParse(undefined);
        expect(schemaDefault.success).toBe(true);
        // An optional key declares its empty value, which the schema reads as not set.
        expect(field.parse(decl.default)).toEqual(schemaDefault.data);
    },
);

test("every optional key declares a default, so no stack has to set it", () => {
    const required = Object.entries(declaredConfig(rawConfigSchema.shape))
        .filter(([, d]) => d.default === undefined)
        .map(([k]) => k);
    expect(required.sort()).toEqual(["environment", "server"]);
});

test("the keys a stack file holds as plain strings are the string-typed ones", () => {
    expect(stringKeys(rawConfigSchema.shape).sort()).toEqual(
        ["adminPassword", "databaseName", "environment", "sslmode", "tenantAccess", "tenantRolePrefix"].sort(),
    );
});
