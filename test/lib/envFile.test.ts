import { execFileSync } from "child_process";
import { renderEnvFile } from "../../lib/envFile";

const outputs = {
    DATABASE_URL: { value: "postgresql://u:p%24w'd@h:1/db?sslmode=verify-full", secret: true },
    caCertificate: { value: "-----BEGIN CERTIFICATE-----\nAB$C\n-----END CERTIFICATE-----\n", secret: false },
    tenantRoles: { value: { acme: "app_tenant_acme" }, secret: false },
    restoredAt: { value: undefined, secret: false },
};

test("an env file a shell reads back to the exact values; objects as JSON; absent outputs left out", () => {
    const file = renderEnvFile(outputs, true);
    expect(file).not.toContain("restoredAt");
    const back = execFileSync(
        "bash",
        ["-c", 'set -a; eval "$ENVFILE"; printf "%s\\0" "$DATABASE_URL" "$caCertificate" "$tenantRoles"'],
        {
            env: { ENVFILE: file, PATH: process.env.PATH },
            encoding: "utf8",
        },
    ).split("\0");
    expect(back.slice(0, 3)).toEqual([
        outputs.DATABASE_URL.value,
        outputs.caCertificate.value,
        JSON.stringify(outputs.tenantRoles.value),
    ]);
});

test("secret outputs are left out unless shown", () => {
    const file = renderEnvFile(outputs, false);
    expect(file).not.toContain("DATABASE_URL");
    expect(file).not.toContain("p%24w");
    expect(file).toContain("caCertificate=");
});
