/**
 * What `Pulumi.yaml`'s `config:` block declares, derived from the schema: every top-level key with its
 * type, its description (the schema's `.describe()` text) and its default. `npm run gen:pulumi-yaml`
 * writes it into `Pulumi.yaml`, and test/config/projectFile.test.ts fails when the committed file
 * differs, so the key list, the types and the descriptions live in the schema alone.
 *
 * Pulumi accepts, per key: `type` (string, integer, boolean, array, object), `items` (the element type
 * of an array), `description`, `default` (or a fixed `value`) and `secret`. A declared key without a
 * default must be set by every stack, so an optional key declares its empty value (see `optionalKey`).
 * `secret: true` is not used: the engine would then refuse the plain default `""` of adminPassword on
 * every stack that does not set it; config/load.ts insists on an encrypted value instead.
 */
import { z } from "zod";

/** The types a project file may declare for a config key. */
export type DeclaredType = "string" | "integer" | "boolean" | "array" | "object";

/** One key of the `config:` block. */
export interface DeclaredKey {
    type: DeclaredType;
    items?: { type: DeclaredType };
    default?: unknown;
    description: string;
}

/** The metadata key that records the value Pulumi.yaml declares for an optional key that is not set. */
const UNSET = "pulumiUnset";

/**
 * An optional top-level key. Pulumi.yaml declares `unset` ("" or {}) as its default, since a declared
 * key needs one, and the schema reads that value as "not set".
 */
export function optionalKey<T extends z.ZodType>(schema: T, unset: "" | Record<string, never>, description: string) {
    const isUnset = (v: unknown) =>
        unset === "" ? v === "" : v !== null && typeof v === "object" && Object.keys(v).length === 0;
    return z.preprocess((v) => (isUnset(v) ? undefined : v), schema.optional()).meta({ description, [UNSET]: unset });
}

type AnySchema = z.core.$ZodType;

/** The wrappers a key's schema may sit in (default, optional, preprocess, ...), outermost first. */
function layers(schema: AnySchema): AnySchema[] {
    const out: AnySchema[] = [schema];
    for (;;) {
        const def = out[out.length - 1]._zod.def as { type: string; innerType?: AnySchema; out?: AnySchema };
        const next =
            def.type === "pipe"
                ? def.out
                : ["default", "prefault", "optional", "nullable"].includes(def.type)
                  ? def.innerType
                  : undefined;
        if (!next) return out;
        out.push(next);
    }
}

/** The Pulumi type of a schema (what a stack file holds for it). */
function declaredType(schema: AnySchema, key: string): DeclaredType {
    const inner = layers(schema).at(-1) as AnySchema;
    const def = inner._zod.def as { type: string };
    switch (def.type) {
        case "string":
        case "enum":
            return "string";
        case "boolean":
            return "boolean";
        case "number":
            if ((inner as z.ZodNumber).isInt) return "integer";
            break;
        case "array":
            return "array";
        case "object":
        case "record":
        case "union":
            return "object";
    }
    throw new Error(`${key}: no Pulumi config type for a zod ${def.type}`);
}

/** The first description found on a key's schema or the schemas it wraps. */
function descriptionOf(schema: AnySchema): string | undefined {
    for (const s of layers(schema)) {
        const meta = z.globalRegistry.get(s as z.ZodType);
        if (meta?.description) return meta.description;
    }
    return undefined;
}

/** The `config:` block for a schema's top-level keys, in the schema's order. */
export function declaredConfig(shape: Record<string, AnySchema>): Record<string, DeclaredKey> {
    return Object.fromEntries(
        Object.entries(shape).map(([key, schema]) => {
            const description = descriptionOf(schema);
            if (!description) throw new Error(`${key}: the schema gives no description (.describe())`);
            const type = declaredType(schema, key);
            const decl: DeclaredKey = { type, description };
            if (type === "array") {
                const element = (layers(schema).at(-1)?._zod.def as unknown as { element: AnySchema }).element;
                decl.items = { type: declaredType(element, `${key}[]`) };
            }
            const unset = z.globalRegistry.get(schema as z.ZodType)?.[UNSET];
            const parsed = z.safeParse(schema, undefined);
            if (unset !== undefined) decl.default = unset;
            else if (parsed.success && parsed.data !== undefined) decl.default = parsed.data;
            // Pulumi's order: type, items, default, description (what the file held before it was generated).
            return [key, { type: decl.type, items: decl.items, default: decl.default, description }] as const;
        }),
    );
}

/** The top-level keys a stack file holds as plain strings; every other one is YAML (object, list, ...). */
export function stringKeys(shape: Record<string, AnySchema>): string[] {
    return Object.entries(shape)
        .filter(([key, schema]) => declaredType(schema, key) === "string")
        .map(([key]) => key);
}
