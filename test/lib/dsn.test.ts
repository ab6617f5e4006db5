import { parse } from "pg-connection-string";
import { buildDsn } from "../../lib/dsn";

const parts = {
    user: "app_tenant_acme",
    password: "p@ss:w/rd?#%&=",
    host: "db.example.internal",
    port: 6432,
    database: "app",
    sslmode: "verify-full" as const,
};

test("user and password are percent-encoded and read back unchanged by a real DSN parser", () => {
    const dsn = buildDsn(parts);
    const parsed = parse(dsn);
    expect(parsed.user).toBe(parts.user);
    expect(parsed.password).toBe(parts.password);
    expect(parsed.host).toBe(parts.host);
    expect(parsed.port).toBe("6432");
    expect(parsed.database).toBe("app");
    expect(dsn).not.toContain("p@ss:w/rd");
});

test("the DSN carries the configured sslmode", () => {
    expect(new URL(buildDsn(parts)).searchParams.get("sslmode")).toBe("verify-full");
    expect(new URL(buildDsn({ ...parts, sslmode: "require" })).searchParams.get("sslmode")).toBe("require");
});

test("the CA path travels as sslrootcert", () => {
    const url = new URL(buildDsn({ ...parts, sslrootcert: "/etc/ssl/rds ca.pem" }));
    expect(url.searchParams.get("sslrootcert")).toBe("/etc/ssl/rds ca.pem");
});

test("an IPv6 host is bracketed", () => {
    expect(buildDsn({ ...parts, host: "::1" })).toContain("@[::1]:6432/");
});
