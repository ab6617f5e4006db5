import { parse } from "pg-connection-string";
import { buildDsn, dsnOnPort, portableDsn, sqlalchemyUrl } from "../../lib/dsn";

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

describe("portable and driver-specific variants", () => {
    const dsn = buildDsn({
        user: "app_app",
        password: "p%w/@:?",
        host: "db.example",
        port: 6432,
        database: "app",
        sslmode: "verify-full",
        sslrootcert: "/home/deploy/ca.pem",
    });

    test("portableDsn drops only the deploy machine's sslrootcert path", () => {
        const p = new URL(portableDsn(dsn));
        expect(p.searchParams.get("sslrootcert")).toBeNull();
        expect(p.searchParams.get("sslmode")).toBe("verify-full");
        expect(decodeURIComponent(p.password)).toBe("p%w/@:?");
        expect(portableDsn(dsn)).not.toContain("ca.pem");
    });

    test("sqlalchemyUrl names the psycopg 3 dialect and keeps the encoded rest", () => {
        expect(sqlalchemyUrl(dsn)).toBe(dsn.replace(/^postgresql:/, "postgresql+psycopg:"));
        expect(sqlalchemyUrl(dsn, "psycopg2").startsWith("postgresql+psycopg2://app_app:")).toBe(true);
    });

    test("dsnOnPort changes the port only", () => {
        expect(dsnOnPort(dsn, 6433)).toBe(dsn.replace(":6432/", ":6433/"));
    });
});
