import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { baseConfig, ProgramRun, runProgram } from "../harness";

const artifact = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "pgstack-dump-")), "app.dump");
fs.writeFileSync(artifact, "not really a dump");
const sha256 = crypto.createHash("sha256").update(fs.readFileSync(artifact)).digest("hex");

let run: ProgramRun;
beforeAll(async () => {
    run = await runProgram(
        baseConfig({ readonlyRole: true, readOnly: true, restore: { artifact: { path: artifact }, sha256 } }),
    );
    expect(run.error).toBeUndefined();
});

test("a declared dump artifact plans one restore resource, after the whole access layer", () => {
    const restores = run.mocks.resources.filter((r) => r.type === "pulumi-nodejs:dynamic/pgstack:RestoredDump");
    expect(restores.map((r) => r.name)).toEqual(["pgstack-restore-dump"]);
    const deps = run.mocks.options.get("pgstack-restore-dump")?.dependencies ?? [];
    expect(deps.some((u) => u.endsWith("::pgstack-tenant-globex-access-default-functions"))).toBe(true);
    expect(deps.some((u) => u.endsWith("::pgstack-schemas-app-app-default-tables"))).toBe(true);
    expect(restores[0].inputs.sha256).toBe(sha256);
});

test("a stack declared read-only hands the application the read-only role's DSN", () => {
    expect(new URL(String(run.outputs.DATABASE_URL)).username).toBe("app_readonly");
    expect(run.secret.DATABASE_URL).toBe(true);
});

test("without readOnly the application gets the app role's DSN", async () => {
    const rw = await runProgram(baseConfig({ readonlyRole: true }));
    expect(new URL(String(rw.outputs.DATABASE_URL)).username).toBe("app_app");
    expect(rw.mocks.resources.filter((r) => r.type === "pulumi-nodejs:dynamic/pgstack:RestoredDump")).toEqual([]);
});
