/**
 * Writes `Pulumi.yaml`'s `config:` block from the config schema (config/projectFile.ts):
 *
 *   npm run gen:pulumi-yaml
 *
 * Everything else in the file (name, runtime, their comments) is kept as written. The unit test
 * test/config/projectFile.test.ts fails when the committed file differs from what this writes.
 */
import * as fs from "fs";
import * as path from "path";
import { isPair, isScalar, isSeq, parseDocument, visit } from "yaml";
import { declaredConfig } from "../config/projectFile";
import { rawConfigSchema } from "../config/schema";

export const PROJECT_FILE = path.join(__dirname, "..", "Pulumi.yaml");

const HEADER =
    " Generated from config/schema.ts by `npm run gen:pulumi-yaml`: edit the schema's descriptions,\n" +
    " not this block. config/load.ts reads every key once and the schema validates it. An optional key\n" +
    ' declares its empty value ("" or {}) as the default, which the schema reads as "not set": a\n' +
    " declared key without a default would have to be set by every stack.";

/** The project file's text with its `config:` block replaced by the one the schema declares. */
export function renderProjectFile(text: string): string {
    const doc = parseDocument(text);
    const config = doc.createNode(declaredConfig(rawConfigSchema.shape));
    config.commentBefore = HEADER;
    // As the file was written by hand: descriptions in double quotes, list defaults on one line.
    visit(config, {
        Pair(_, pair) {
            if (isPair(pair) && isScalar(pair.key) && pair.key.value === "description" && isScalar(pair.value)) {
                pair.value.type = "QUOTE_DOUBLE";
            }
        },
        Seq(_, seq) {
            if (isSeq(seq)) seq.flow = true;
        },
    });
    doc.set("config", config);
    // The layout prettier gives YAML with this repo's settings (4 spaces, long lines kept), so
    // `prettier --check` passes on the written file.
    return doc.toString({ indent: 4, lineWidth: 0, flowCollectionPadding: false });
}

async function main(): Promise<void> {
    const before = fs.readFileSync(PROJECT_FILE, "utf8");
    const after = renderProjectFile(before);
    if (after === before) {
        process.stdout.write("Pulumi.yaml: config block up to date\n");
        return;
    }
    fs.writeFileSync(PROJECT_FILE, after);
    process.stdout.write("Pulumi.yaml: config block written from the schema\n");
}

if (require.main === module) {
    main().catch((e: unknown) => {
        process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
        process.exit(1);
    });
}
