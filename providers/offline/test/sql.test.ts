import { PgVersion } from "../postgresql/client";
import { maskSql, parseVersion } from "../postgresql/client";
import {
    createRoleSql,
    parseRoleConfig,
    reconcilePassword,
    roleSpec,
    searchPathSql,
    updateRoleSql,
} from "../postgresql/role";
import { grantSpec, grantSql, revokeSql, validateGrant } from "../postgresql/grant";
import {
    defaultPrivilegesSpec,
    grantDefaultSql,
    revokeDefaultSql,
    validateDefaultPrivileges,
} from "../postgresql/defaultPrivileges";
import { privilegesEqual } from "../postgresql/privileges";
import { alterDatabaseSql, createDatabaseSql, databaseSpec, dropDatabaseSql } from "../postgresql/database";
import { createSchemaSql, policyGrantSql, schemaSpec } from "../postgresql/schema";
import { createExtensionSql, dropExtensionSql, extensionSpec, updateExtensionSql } from "../postgresql/extension";
import {
    dropFunctionSql,
    functionSpec,
    functionSql,
    parseArg,
    parseFunctionDef,
    parseFunctionId,
} from "../postgresql/function";
import { createGrantRoleSql, grantRoleSpec } from "../postgresql/grantRole";
import { databaseObjectId, defaultPrivilegesId, functionId, grantId, grantRoleId } from "../../../upstream/ids";
import { createHash } from "crypto";

const PG15: PgVersion = { major: 15, minor: 20 };
const PG17: PgVersion = { major: 17, minor: 0 };

describe("Role SQL", () => {
    const r = roleSpec({ name: "app", password: "it's", login: true, roles: ["grp"], connectionLimit: 5 });

    it("creates with every attribute, memberships and the search_path", () => {
        expect(createRoleSql(r, PG15)).toEqual([
            `CREATE ROLE "app" WITH ENCRYPTED PASSWORD 'it''s' VALID UNTIL 'infinity' CONNECTION LIMIT 5 NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT LOGIN NOBYPASSRLS NOREPLICATION`,
            `GRANT "grp" TO "app"`,
            `ALTER ROLE "app" SET search_path TO DEFAULT`,
        ]);
        const withSettings = roleSpec({ name: "x", statementTimeout: 1000, assumeRole: "o", password: "null" });
        expect(createRoleSql(withSettings, PG15)).toEqual([
            `CREATE ROLE "x" WITH PASSWORD NULL VALID UNTIL 'infinity' CONNECTION LIMIT -1 NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT NOLOGIN NOBYPASSRLS NOREPLICATION`,
            `ALTER ROLE "x" SET search_path TO DEFAULT`,
            `ALTER ROLE "x" SET statement_timeout TO 1000`,
            `ALTER ROLE "x" SET ROLE TO "o"`,
        ]);
    });

    it("updates in upstream's order, always re-doing memberships and search_path", () => {
        const n = roleSpec({ ...r, name: "app2", password: "it's", connectionLimit: 5, login: false, roles: ["grp"] });
        expect(updateRoleSql(r, n, ["grp", "manual"], PG15)).toEqual([
            `ALTER ROLE "app" RENAME TO "app2"`,
            `ALTER ROLE "app2" ENCRYPTED PASSWORD 'it''s'`,
            `ALTER ROLE "app2" WITH NOLOGIN`,
            `REVOKE "grp" FROM "app2"`,
            `REVOKE "manual" FROM "app2"`,
            `GRANT "grp" TO "app2"`,
            `ALTER ROLE "app2" SET search_path TO DEFAULT`,
        ]);
        const cleared = roleSpec({ ...r, password: "", statementTimeout: 0 });
        const before = roleSpec({ ...r, statementTimeout: 10 });
        expect(updateRoleSql(before, cleared, [], PG15)).toEqual([
            `GRANT "grp" TO "app"`,
            `ALTER ROLE "app" SET search_path TO DEFAULT`,
            `ALTER ROLE "app" RESET statement_timeout`,
        ]);
    });

    it("quotes search_path elements and refuses a comma-space", () => {
        expect(searchPathSql("r", ["public", "my schema"])).toBe(
            `ALTER ROLE "r" SET search_path TO "public", "my schema"`,
        );
        expect(() => searchPathSql("r", ["a, b"])).toThrow(/must not contain/);
    });

    it("parses rolconfig as upstream", () => {
        expect(
            parseRoleConfig([
                "statement_timeout=1000",
                "idle_in_transaction_session_timeout=5000",
                'search_path=public, "my schema"',
                "role=owner",
            ]),
        ).toEqual({
            statementTimeout: 1000,
            idleInTransactionSessionTimeout: 5000,
            searchPaths: ["public", "my schema"],
            assumeRole: "owner",
        });
        expect(parseRoleConfig(null).searchPaths).toEqual([]);
    });

    it("keeps the state password on SCRAM and on a matching md5, else takes the server's", () => {
        expect(reconcilePassword("pw", "SCRAM-SHA-256$4096:abc", "r")).toBe("pw");
        const md5 = `md5${createHash("md5").update("pwr").digest("hex")}`;
        expect(reconcilePassword("pw", md5, "r")).toBe("pw");
        expect(reconcilePassword("other", md5, "r")).toBe(md5);
        expect(reconcilePassword("pw", "", "r")).toBe("");
    });

    it("masks passwords in logged SQL", () => {
        expect(maskSql(`ALTER ROLE "a" ENCRYPTED PASSWORD 'x''y'`)).toBe(`ALTER ROLE "a" ENCRYPTED PASSWORD 'XXXX'`);
    });
});

describe("Grant SQL", () => {
    const tables = grantSpec({
        role: "app",
        database: "db",
        schema: "s",
        objectType: "table",
        privileges: ["SELECT", "INSERT"],
    });

    it("builds IDs as generateGrantID", () => {
        expect(grantId(tables)).toBe("app_db_s_table");
        expect(grantId(grantSpec({ role: "public", database: "db", objectType: "database", schema: "x" }))).toBe(
            "public_db_database",
        );
        expect(
            grantId(
                grantSpec({
                    role: "r",
                    database: "d",
                    schema: "s",
                    objectType: "column",
                    objects: ["t"],
                    columns: ["b", "a"],
                }),
            ),
        ).toBe("r_d_s_column_t_a_b");
    });

    it("revokes everything on the scope, then grants", () => {
        expect(revokeSql(tables)).toBe(`REVOKE ALL PRIVILEGES ON ALL TABLES IN SCHEMA "s" FROM "app"`);
        expect(grantSql(tables)).toBe(`GRANT INSERT,SELECT ON ALL TABLES IN SCHEMA "s" TO "app"`);
        const db = grantSpec({ role: "public", database: "db", objectType: "database", privileges: [] });
        expect(revokeSql(db)).toBe(`REVOKE ALL PRIVILEGES ON DATABASE "db" FROM "public"`);
        expect(grantSql(db)).toBeUndefined();
        const sch = grantSpec({
            role: "g",
            database: "db",
            schema: "s",
            objectType: "schema",
            privileges: ["USAGE"],
            withGrantOption: true,
        });
        expect(grantSql(sch)).toBe(`GRANT USAGE ON SCHEMA "s" TO "g" WITH GRANT OPTION`);
    });

    it("revokes only the listed privileges on listed objects, and keeps function signatures raw", () => {
        const objs = grantSpec({
            ...tables,
            objectType: "function",
            objects: ["fn(int, text)"],
            privileges: ["EXECUTE"],
        });
        expect(revokeSql(objs)).toBe(`REVOKE EXECUTE ON FUNCTION "s"."fn"(int, text) FROM "app"`);
        expect(grantSql(objs)).toBe(`GRANT EXECUTE ON FUNCTION "s"."fn"(int, text) TO "app"`);
        const none = grantSpec({ ...tables, objects: ["t"], privileges: [] });
        expect(revokeSql(none)).toBe(`REVOKE ALL PRIVILEGES ON TABLE "s"."t" FROM "app"`);
        const col = grantSpec({
            ...tables,
            objectType: "column",
            objects: ["t"],
            columns: ["c"],
            privileges: ["SELECT"],
        });
        expect(revokeSql(col)).toBe(`REVOKE SELECT ("c") ON TABLE "s"."t" FROM "app"`);
        expect(grantSql(col)).toBe(`GRANT SELECT ("c") ON TABLE "s"."t" TO "app"`);
    });

    it("validates object types, objects and privileges", () => {
        const v = (p: Record<string, unknown>) =>
            validateGrant(grantSpec({ ...tables, ...p } as never)).map((f) => f.property);
        expect(v({})).toEqual([]);
        expect(v({ privileges: ["select"] })).toEqual(["privileges"]);
        expect(v({ objectType: "schema", objects: ["x"], privileges: ["USAGE"] })).toEqual(["objects"]);
        expect(v({ objectType: "foreign_server", objects: ["x"] })).toEqual(["objectType"]);
        expect(v({ objectType: "column", objects: ["t"], privileges: ["SELECT"] })).toEqual(["columns"]);
    });

    it("compares privileges with the ALL expansion", () => {
        const all = ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"];
        expect(privilegesEqual(all, ["ALL"], "table", PG15)).toBe(true);
        expect(privilegesEqual(all, ["ALL"], "table", PG17)).toBe(false);
        expect(privilegesEqual(["USAGE"], ["USAGE"], "schema", PG15)).toBe(true);
        expect(privilegesEqual([], ["USAGE"], "schema", PG15)).toBe(false);
    });
});

describe("DefaultPrivileges SQL", () => {
    it("builds the ID and the authoritative revoke/grant", () => {
        const d = defaultPrivilegesSpec({
            role: "app",
            database: "db",
            owner: "svc",
            schema: "s",
            objectType: "table",
            privileges: ["SELECT", "DELETE"],
        });
        expect(defaultPrivilegesId(d)).toBe("app_db_s_svc_table");
        expect(revokeDefaultSql(d)).toBe(
            `ALTER DEFAULT PRIVILEGES FOR ROLE "svc" IN SCHEMA "s" REVOKE ALL ON TABLES FROM "app"`,
        );
        expect(grantDefaultSql(d)).toBe(
            `ALTER DEFAULT PRIVILEGES FOR ROLE "svc" IN SCHEMA "s" GRANT DELETE,SELECT ON TABLES TO "app"`,
        );
        const global = defaultPrivilegesSpec({
            ...d,
            schema: "",
            objectType: "function",
            role: "public",
            privileges: [],
        });
        expect(defaultPrivilegesId(global)).toBe("public_db_noschema_svc_function");
        expect(revokeDefaultSql(global)).toBe(
            `ALTER DEFAULT PRIVILEGES FOR ROLE "svc"  REVOKE ALL ON FUNCTIONS FROM "public"`,
        );
        expect(grantDefaultSql(global)).toBeUndefined();
        expect(validateDefaultPrivileges({ ...global, withGrantOption: true }).map((f) => f.property)).toEqual([
            "withGrantOption",
        ]);
    });
});

describe("Database SQL", () => {
    it("creates with template0 / UTF8 defaults and the owner", () => {
        const d = databaseSpec({ name: "app", owner: "svc", connectionLimit: -1, allowConnections: true });
        expect(createDatabaseSql(d, "admin", PG15)).toBe(
            `CREATE DATABASE "app" OWNER "svc" TEMPLATE template0 ENCODING 'UTF8' ALLOW_CONNECTIONS true CONNECTION LIMIT -1 IS_TEMPLATE false`,
        );
        const d2 = databaseSpec({
            name: "x",
            template: "DEFAULT",
            encoding: "LATIN1",
            lcCollate: "C",
            tablespaceName: "ts",
        });
        expect(createDatabaseSql(d2, "admin", PG15)).toBe(
            `CREATE DATABASE "x" OWNER "admin" TEMPLATE DEFAULT ENCODING 'LATIN1' LC_COLLATE 'C' TABLESPACE "ts" ALLOW_CONNECTIONS true CONNECTION LIMIT -1 IS_TEMPLATE false`,
        );
    });

    it("alters only what changed and drops WITH (FORCE) on PG13+", () => {
        const o = databaseSpec({ name: "x", connectionLimit: -1, allowConnections: true });
        const n = databaseSpec({ name: "x", connectionLimit: 3, allowConnections: false, tablespaceName: "DEFAULT" });
        expect(alterDatabaseSql(o, n, PG15)).toEqual([
            `ALTER DATABASE "x" RESET TABLESPACE`,
            `ALTER DATABASE "x" CONNECTION LIMIT = 3`,
            `ALTER DATABASE "x" ALLOW_CONNECTIONS false`,
        ]);
        expect(dropDatabaseSql("x", PG15)[2]).toBe(`DROP DATABASE "x" WITH ( FORCE )`);
        expect(dropDatabaseSql("x", { major: 12, minor: 0 })[2]).toBe(`DROP DATABASE "x"`);
    });
});

describe("Schema, Extension, GrantRole SQL", () => {
    it("schema", () => {
        const s = schemaSpec({ name: "app", owner: "svc", ifNotExists: true }, "postgres");
        expect(databaseObjectId(s)).toBe("postgres.app");
        expect(createSchemaSql(s, PG15)).toBe(`CREATE SCHEMA IF NOT EXISTS "app" AUTHORIZATION "svc"`);
        expect(
            policyGrantSql("app", {
                role: "",
                create: false,
                createWithGrant: false,
                usage: true,
                usageWithGrant: true,
            }),
        ).toEqual([`GRANT USAGE ON SCHEMA "app" TO PUBLIC WITH GRANT OPTION`]);
    });

    it("extension", () => {
        const e = extensionSpec(
            { name: "pg_stat_statements", schema: "ext", version: "1.10", createCascade: true },
            "db",
        );
        expect(createExtensionSql(e)).toBe(
            `CREATE EXTENSION IF NOT EXISTS "pg_stat_statements" SCHEMA "ext" VERSION "1.10" CASCADE`,
        );
        expect(updateExtensionSql(e, { ...e, schema: "public", version: "" })).toEqual([
            `ALTER EXTENSION "pg_stat_statements" SET SCHEMA "public"`,
            `ALTER EXTENSION "pg_stat_statements" UPDATE`,
        ]);
        expect(() => updateExtensionSql(e, { ...e, schema: "" })).toThrow(/schema/);
        expect(dropExtensionSql(e)).toBe(`DROP EXTENSION "pg_stat_statements" RESTRICT`);
    });

    it("grant role", () => {
        const g = grantRoleSpec({ role: "m", grantRole: "g", withAdminOption: true });
        expect(grantRoleId(g)).toBe("m_g_true");
        expect(createGrantRoleSql(g)).toEqual([`REVOKE "g" FROM "m"`, `GRANT "g" TO "m" WITH ADMIN OPTION`]);
    });
});

describe("Function SQL", () => {
    const f = functionSpec(
        {
            name: "f",
            schema: "s",
            args: [
                { name: "a", type: "int", mode: "IN" },
                { name: "o", type: "text", mode: "OUT" },
                { name: "d", type: "text", default: "'x'" },
            ],
            language: "sql",
            body: "$$SELECT 1$$",
            volatility: "STABLE",
            parallel: "SAFE",
            strict: true,
            securityDefiner: true,
        },
        "db",
    );

    it("builds the ID from non-OUT types as written", () => {
        expect(functionId(f)).toBe("db.s.f(int,text)");
        expect(dropFunctionSql(f)).toBe(`DROP FUNCTION IF EXISTS "s"."f"(int,text) RESTRICT`);
        expect(parseFunctionId("db.s.f(int,text)", "pg")).toMatchObject({ database: "db", schema: "s", name: "f" });
        expect(parseFunctionId("s.f()", "pg")).toMatchObject({ database: "pg", schema: "s", args: [] });
    });

    it("creates (and replaces) with upstream's layout; returns defaults to the last OUT type", () => {
        expect(functionSql(f, false)).toBe(
            [
                `CREATE FUNCTION "s"."f" (`,
                "    a int,\n    OUT o text,\n    d text DEFAULT 'x'",
                ")",
                "RETURNS text",
                "LANGUAGE sql",
                "STABLE",
                "SECURITY DEFINER",
                "PARALLEL SAFE",
                "STRICT",
                "AS $function$SELECT 1$function$;",
            ].join("\n"),
        );
        expect(functionSql(f, true).startsWith("CREATE  OR REPLACE FUNCTION")).toBe(true);
        expect(functionSpec({ name: "g", body: "b" }, "db")).toMatchObject({
            schema: "public",
            returns: "void",
            language: "plpgsql",
        });
    });

    it("parses pg_get_functiondef output", () => {
        const def = [
            `CREATE OR REPLACE FUNCTION "zz s"."f x"(a integer, b double precision, OUT c text, d text DEFAULT 'x,y'::text)`,
            " RETURNS text",
            " LANGUAGE plpgsql",
            " STABLE PARALLEL SAFE STRICT SECURITY DEFINER",
            "AS $function$begin c := 'a'; end$function$",
            "",
        ].join("\n");
        expect(parseFunctionDef(def)).toEqual({
            schema: "zz s",
            name: "f x",
            args: [
                { name: "a", type: "integer", mode: "IN", default: "" },
                { name: "b", type: "double precision", mode: "IN", default: "" },
                { name: "c", type: "text", mode: "OUT", default: "" },
                { name: "d", type: "text", mode: "IN", default: "'x,y'::text" },
            ],
            returns: "text",
            language: "plpgsql",
            volatility: "STABLE",
            parallel: "SAFE",
            strict: true,
            securityDefiner: true,
            body: "begin c := 'a'; end",
        });
        const plain =
            "CREATE OR REPLACE FUNCTION public.g()\n RETURNS void\n LANGUAGE sql\nAS $function$SELECT$function$\n";
        expect(parseFunctionDef(plain)).toMatchObject({
            schema: "public",
            name: "g",
            args: [],
            volatility: "VOLATILE",
            parallel: "UNSAFE",
            strict: false,
        });
        expect(parseArg("double precision")).toEqual({ name: "", type: "double precision", mode: "IN", default: "" });
    });
});

describe("versions", () => {
    it("parses SELECT VERSION() and semver", () => {
        expect(parseVersion("PostgreSQL 15.20 (Debian 15.20-0+deb12u1) on x86_64-pc-linux-gnu")).toEqual({
            major: 15,
            minor: 20,
        });
        expect(parseVersion("16.2.0")).toEqual({ major: 16, minor: 2 });
    });
});
