import { checkPgConfig, resolvePgConfig, tlsOptions } from "../postgresql/config";

describe("postgresql provider config", () => {
    it("decodes the SDK's JSON-encoded values and applies upstream defaults", () => {
        const c = resolvePgConfig(
            { host: "h", port: "55432", superuser: "false", connectTimeout: "15", version: "3.18.1" },
            {},
        );
        expect(c).toMatchObject({
            host: "h",
            port: 55432,
            superuser: false,
            connectTimeout: 15,
            database: "postgres",
            username: "postgres",
            maxConnections: 20,
            sslmode: "",
            expectedVersion: "9.0.0",
        });
        const d = resolvePgConfig({}, { PGHOST: "eh", PGPORT: "6000", PGSSLMODE: "verify-ca", PGUSER: "u" });
        expect(d).toMatchObject({
            host: "eh",
            port: 6000,
            sslmode: "verify-ca",
            username: "u",
            superuser: true,
            connectTimeout: 180,
        });
    });

    it("names unknown and unimplemented keys", () => {
        const f = checkPgConfig({
            host: "h",
            colour: "x",
            awsRdsIamAuth: "true",
            clientcert: '{"cert":"c"}',
            scheme: "awspostgres",
        });
        expect(f.map((x) => x.property).sort()).toEqual(["awsRdsIamAuth", "clientcert", "colour", "scheme"]);
        expect(f.find((x) => x.property === "colour")?.reason).toMatch(/unknown postgresql provider config "colour"/);
        expect(checkPgConfig({ awsRdsIamAuth: "false", sslmode: "prefer" }).map((x) => x.property)).toEqual([
            "sslmode",
        ]);
        expect(() => resolvePgConfig({ port: '"abc"' })).toThrow(/port must be an integer/);
    });

    it("maps sslmode to TLS options like lib/pq", () => {
        const read = () => "CA";
        expect(tlsOptions({ sslmode: "disable" }, read)).toBe(false);
        expect(tlsOptions({ sslmode: "require" }, read)).toEqual({ rejectUnauthorized: false });
        expect(tlsOptions({ sslmode: "" }, read)).toEqual({ rejectUnauthorized: false });
        const requireWithCa = tlsOptions({ sslmode: "require", sslrootcert: "/ca" }, read);
        expect(requireWithCa).toMatchObject({ ca: "CA", rejectUnauthorized: true });
        expect((requireWithCa as { checkServerIdentity: () => unknown }).checkServerIdentity()).toBeUndefined();
        const verifyCa = tlsOptions({ sslmode: "verify-ca", sslrootcert: "/ca" }, read);
        expect(verifyCa).toMatchObject({ ca: "CA", rejectUnauthorized: true });
        expect((verifyCa as { checkServerIdentity?: unknown }).checkServerIdentity).toBeDefined();
        expect(tlsOptions({ sslmode: "verify-full", sslrootcert: "/ca" }, read)).toEqual({
            ca: "CA",
            rejectUnauthorized: true,
        });
    });
});
