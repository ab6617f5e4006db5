/** scripts/engine/env.sh's passphrase default, run in a real bash. */
import { ENV_SH, inCleanBash } from "./envSh";

/** Sources env.sh in a clean bash (with `set -e` like a CI step) and reports what it exported. */
function source(env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
    const script = [
        "set -e",
        `. "${ENV_SH}" || { echo "rc=$?"; echo "passphrase=\${PULUMI_CONFIG_PASSPHRASE-<unset>}"; exit 0; }`,
        'echo "rc=0"',
        'echo "passphrase=${PULUMI_CONFIG_PASSPHRASE-<unset>}"',
    ].join("\n");
    return inCleanBash(script, env, (r) => r);
}

test("with the local file backend the public default passphrase is set", () => {
    const r = source({});
    expect(r.stdout).toContain("rc=0");
    expect(r.stdout).toContain("passphrase=pgstack-local");
    expect(source({ PULUMI_BACKEND_URL: "file:///tmp/somewhere" }).stdout).toContain("passphrase=pgstack-local");
});

test("with a remote backend and no passphrase, env.sh fails without exporting the public default", () => {
    const r = source({ PULUMI_BACKEND_URL: "s3://acme-pulumi-state" });
    expect(r.status).toBe(0); // the caller's shell was not exited: it handled the failure itself
    expect(r.stdout).toMatch(/rc=[1-9]/);
    expect(r.stdout).toContain("passphrase=<unset>");
    expect(r.stderr).toContain("PULUMI_CONFIG_PASSPHRASE");
    expect(r.stderr).toContain("s3://acme-pulumi-state");
});

test("with a remote backend an explicit passphrase or passphrase file is kept as it is", () => {
    const own = source({ PULUMI_BACKEND_URL: "s3://acme-pulumi-state", PULUMI_CONFIG_PASSPHRASE: "real-one" });
    expect(own.stdout).toContain("rc=0");
    expect(own.stdout).toContain("passphrase=real-one");
    const file = source({ PULUMI_BACKEND_URL: "gs://state", PULUMI_CONFIG_PASSPHRASE_FILE: "/run/secrets/pp" });
    expect(file.stdout).toContain("rc=0");
    expect(file.stdout).toContain("passphrase=<unset>");
});
