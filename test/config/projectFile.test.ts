import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { rawConfigSchema } from "../../config/schema";

interface Declared {
    type: string;
    description?: string;
    default?: unknown;
}

const project = parse(fs.readFileSync(path.join(__dirname, "../../Pulumi.yaml"), "utf8")) as {
    config: Record<string, Declared>;
};

const jsonType = (v: unknown) => (Array.isArray(v) ? "array" : v === null ? "null" : typeof v);
const pulumiType = (t: string) =>
    ({ integer: "number", array: "array", object: "object", boolean: "boolean", string: "string" })[t];

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
        if (key === "adminPassword") {
            // "" stands for "not set": the schema reads it as absent.
            expect(field.safeParse(decl.default).data).toBeUndefined();
        } else {
            expect(schemaDefault.success).toBe(true);
            expect(field.parse(decl.default)).toEqual(schemaDefault.data);
        }
    },
);
