/**
 * scripts/local-s3.sh: the local S3-compatible server is TLS on loopback only, with a certificate
 * pgBackRest accepts (127.0.0.1 as DNS name), idempotent, and never prints its admin key.
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { REPO } from "../../scripts/lib/engineEnv";
import { localS3, LocalS3 } from "../../scripts/lib/localServices";

const script = path.join(REPO, "scripts/local-s3.sh");
const run = (cmd: string) => spawnSync("bash", [script, cmd], { encoding: "utf8" });
let s3: LocalS3;

beforeAll(() => {
    s3 = localS3();
});

test("start is idempotent: a second start keeps the same server process", () => {
    const dir = path.dirname(s3.credentialsFile);
    const pid = fs.readFileSync(path.join(dir, "weed.pid"), "utf8").trim();
    const again = run("start");
    expect(again.status).toBe(0);
    expect(again.stderr).toMatch(/already running/);
    expect(fs.readFileSync(path.join(dir, "weed.pid"), "utf8").trim()).toBe(pid);
});

test("start, stop, env and status never print the admin key; its files are readable by the owner only", () => {
    // A real start (after a stop) prints the most.
    expect(run("stop").status).toBe(0);
    const out = ["start", "start", "env", "status"].map((c) => {
        const r = run(c);
        return r.stdout + r.stderr;
    });
    for (const o of out) {
        expect(o).not.toContain(s3.secretAccessKey);
        expect(o).not.toContain(s3.accessKeyId);
    }
    const dir = path.dirname(s3.credentialsFile);
    for (const f of ["admin.credentials", "s3.json", "tls/server.key", "tls/ca.key"]) {
        expect(fs.statSync(path.join(dir, f)).mode & 0o077).toBe(0);
    }
});

test("the certificate names 127.0.0.1 as a DNS name (pgBackRest) and as an IP, signed by the server's own CA", () => {
    const crt = path.join(path.dirname(s3.ca), "server.crt");
    const text = execFileSync("openssl", ["x509", "-in", crt, "-noout", "-ext", "subjectAltName"], {
        encoding: "utf8",
    });
    expect(text).toMatch(/DNS:127\.0\.0\.1/);
    expect(text).toMatch(/IP Address:127\.0\.0\.1/);
    expect(execFileSync("openssl", ["verify", "-CAfile", s3.ca, crt], { encoding: "utf8" })).toMatch(/OK/);
});

test("S3 answers over verified TLS; the TLS port speaks no plain HTTP", () => {
    const tls = spawnSync(
        "curl",
        ["-sS", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", s3.ca, `${s3.endpoint}/`],
        {
            encoding: "utf8",
        },
    );
    expect(tls.stdout).toBe("403");
    // Go's TLS listener answers a plain request with a fixed 400 and serves nothing.
    const plain = spawnSync("curl", ["-sS", "--max-time", "5", `${s3.endpoint.replace("https:", "http:")}/`], {
        encoding: "utf8",
    });
    expect(plain.stdout).toMatch(/Client sent an HTTP request to an HTTPS server/);
});

test("every port the server listens on is on 127.0.0.1", () => {
    const pid = fs.readFileSync(path.join(path.dirname(s3.credentialsFile), "weed.pid"), "utf8").trim();
    const listening = execFileSync("ss", ["-Hltnp"], { encoding: "utf8" })
        .split("\n")
        .filter((l) => l.includes(`pid=${pid},`))
        .map((l) => l.trim().split(/\s+/)[3]);
    expect(listening.length).toBeGreaterThan(2);
    for (const addr of listening) expect(addr).toMatch(/^127\.0\.0\.1:\d+$/);
});
