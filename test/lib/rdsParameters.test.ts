import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { applyMethodOf, BASE_PARAMETERS, rdsParameters, STATIC_PARAMETERS } from "../../lib/rdsParameters";

/** Every installed PostgreSQL's `postgres` binary (scripts/deps.sh installs at least one). */
function postgresBinaries(): string[] {
    const root = "/usr/lib/postgresql";
    const found = fs.existsSync(root)
        ? fs
              .readdirSync(root)
              .map((v) => path.join(root, v, "bin", "postgres"))
              .filter((p) => fs.existsSync(p))
        : [];
    if (found.length === 0) throw new Error(`no PostgreSQL server binary under ${root} (run scripts/deps.sh)`);
    return found;
}

/** Parameters the server reads only at start, as the binary itself describes them (no server needed). */
function postmasterParameters(bin: string): string[] {
    const out = execFileSync(bin, ["--describe-config"], { encoding: "utf8" });
    return out
        .split("\n")
        .map((line) => line.split("\t"))
        .filter((cols) => cols[1] === "postmaster")
        .map((cols) => cols[0]);
}

test("every parameter the installed PostgreSQL reads only at start is in the static list", () => {
    for (const bin of postgresBinaries()) {
        const params = postmasterParameters(bin);
        expect(params.length).toBeGreaterThan(20);
        expect(params.filter((p) => !STATIC_PARAMETERS.has(p))).toEqual([]);
    }
});

test("static parameters from server.parameters are applied pending-reboot, AWS refuses immediate for them", () => {
    const params = rdsParameters({ max_connections: "500", shared_buffers: "{DBInstanceClassMemory/32768}" });
    const method = (n: string) => params.find((p) => p.name === n)?.applyMethod;
    expect(method("max_connections")).toBe("pending-reboot");
    expect(method("shared_buffers")).toBe("pending-reboot");
    expect(method("shared_preload_libraries")).toBe("pending-reboot");
    expect(applyMethodOf("Max_Connections")).toBe("pending-reboot");
});

test("dynamic parameters are applied immediately", () => {
    const params = rdsParameters({ work_mem: "65536", statement_timeout: "30000" });
    for (const p of params.filter((x) => !STATIC_PARAMETERS.has(x.name))) expect(p.applyMethod).toBe("immediate");
    expect(params.find((p) => p.name === "work_mem")?.applyMethod).toBe("immediate");
    expect(params.find((p) => p.name === "rds.force_ssl")?.applyMethod).toBe("immediate");
});

test("the base parameters are always there and rds.force_ssl stays 1", () => {
    const names = rdsParameters({ "rds.force_ssl": "0" }).map((p) => p.name);
    for (const n of Object.keys(BASE_PARAMETERS)) expect(names).toContain(n);
    expect(rdsParameters({ "rds.force_ssl": "0" }).find((p) => p.name === "rds.force_ssl")?.value).toBe("1");
});
