/**
 * The offline providers through the real engine (Automation API, file backend, plugins from
 * providers/offline/bin as ambient plugins, no plugin downloads): a Role whose password comes from
 * a RandomPassword; a second run plans nothing; changing a keeper replaces the password and updates
 * the role's password in place; the exported state never holds the plaintext password.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";
import { Client } from "pg";
import { LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import { engineEnv, REPO } from "../../../scripts/lib/engineEnv";
import { localPg, LocalPg, unique } from "./support";

const PROGRAM = `
import * as postgresql from "@pulumi/postgresql";
import * as random from "@pulumi/random";
import * as pulumi from "@pulumi/pulumi";

const cfg = new pulumi.Config();
const provider = new postgresql.Provider("pg", {
    host: cfg.require("host"),
    port: cfg.requireNumber("port"),
    username: cfg.require("user"),
    password: cfg.requireSecret("password"),
    database: "postgres",
    sslmode: "verify-full",
    sslrootcert: cfg.require("ca"),
    connectTimeout: 15,
});
const pw = new random.RandomPassword("pw", {
    length: 32,
    special: false,
    minLower: 2,
    minUpper: 2,
    minNumeric: 2,
    keepers: { seed: cfg.require("seed") },
});
const role = new postgresql.Role("role", { name: cfg.require("roleName"), login: true, password: pw.result }, { provider });
export const roleName = role.name;
export const password = pw.result;
`;

let pg: LocalPg;
let dir: string;
let stack: Stack;
let env: Record<string, string>;
let roleName: string;
let loginDb: string;

async function canLogin(password: string): Promise<boolean> {
    // A database of its own: the project's stack revokes PUBLIC CONNECT on `postgres`.
    const c = new Client({
        host: pg.host,
        port: pg.port,
        user: roleName,
        password,
        database: loginDb,
        ssl: { ca: fs.readFileSync(pg.ca, "utf8"), rejectUnauthorized: true },
    });
    try {
        await c.connect();
        await c.end();
        return true;
    } catch (err) {
        if (/password authentication failed/.test(String(err))) return false;
        throw err;
    }
}

async function adminQuery(sql: string): Promise<unknown[]> {
    const c = new Client({
        host: pg.host,
        port: pg.port,
        user: pg.user,
        password: pg.password,
        database: "postgres",
        ssl: { ca: fs.readFileSync(pg.ca, "utf8"), rejectUnauthorized: true },
    });
    await c.connect();
    try {
        return (await c.query(sql)).rows;
    } finally {
        await c.end();
    }
}

beforeAll(async () => {
    pg = localPg();
    roleName = unique("offp_engine");
    loginDb = unique("offp_login");
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "offp-engine-"));
    fs.mkdirSync(path.join(dir, "state"));
    fs.writeFileSync(path.join(dir, "index.ts"), PROGRAM);
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "offp-engine", main: "index.ts" }));
    fs.writeFileSync(
        path.join(dir, "tsconfig.json"),
        JSON.stringify({
            compilerOptions: {
                strict: true,
                target: "es2022",
                module: "commonjs",
                moduleResolution: "node",
                esModuleInterop: true,
                skipLibCheck: true,
            },
        }),
    );
    fs.symlinkSync(path.join(REPO, "node_modules"), path.join(dir, "node_modules"));
    const base = engineEnv();
    env = {
        ...base,
        PATH: `${path.join(REPO, "providers/offline/bin")}:${base.PATH}`,
        PULUMI_BACKEND_URL: `file://${path.join(dir, "state")}`,
        PULUMI_CONFIG_PASSPHRASE: "offline-provider-test",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        PULUMI_NODEJS_TRANSPILE_ONLY: "true",
    };
    delete env.PULUMI_CONFIG_PASSPHRASE_FILE;
    const pulumiCommand = await PulumiCommand.get({ root: env.PGSTACK_ENGINE_DIR, skipVersionCheck: true });
    const ws = await LocalWorkspace.create({
        pulumiCommand,
        workDir: dir,
        projectSettings: { name: "offp-engine", runtime: { name: "nodejs", options: { typescript: true } } },
        envVars: env,
        pulumiHome: env.PULUMI_HOME,
    });
    stack = await Stack.createOrSelect("test", ws);
    await stack.setAllConfig({
        host: { value: pg.host },
        port: { value: String(pg.port) },
        user: { value: pg.user },
        ca: { value: pg.ca },
        password: { value: pg.password, secret: true },
        roleName: { value: roleName },
        seed: { value: "one" },
    });
    await adminQuery(`CREATE DATABASE "${loginDb}"`);
});

afterAll(async () => {
    await stack?.destroy().catch(() => undefined);
    await adminQuery(`DROP DATABASE IF EXISTS "${loginDb}" WITH (FORCE)`).catch(() => undefined);
    await adminQuery(`DROP ROLE IF EXISTS "${roleName}"`).catch(() => undefined);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test("Role + RandomPassword: create, no-op, rotate by keepers, no plaintext in state", async () => {
    const first = await stack.up();
    expect(first.summary.result).toBe("succeeded");
    expect(first.summary.resourceChanges).toMatchObject({ create: 4 });
    const pw1 = String(first.outputs.password.value);
    expect(first.outputs.password.secret).toBe(true);
    expect(pw1).toMatch(/^[A-Za-z0-9]{32}$/);
    await adminQuery(`GRANT CONNECT ON DATABASE "${loginDb}" TO "${roleName}"`);
    expect(await canLogin(pw1)).toBe(true);

    // A second run plans nothing (preview fails on any change with expectNoChanges).
    await stack.preview({ expectNoChanges: true });
    const again = await stack.up({ expectNoChanges: true });
    expect(again.summary.resourceChanges).toEqual({ same: 4 });

    // Refresh (Read) finds no drift either.
    const refreshed = await stack.refresh();
    expect(refreshed.summary.resourceChanges).toEqual({ same: 4 });
    await stack.preview({ expectNoChanges: true });

    // Rotate: the password is replaced, the role updated in place.
    await stack.setConfig("seed", { value: "two" });
    const rotated = await stack.up();
    expect(rotated.summary.resourceChanges).toMatchObject({ replace: 1, update: 1, same: 2 });
    const pw2 = String(rotated.outputs.password.value);
    expect(pw2).not.toBe(pw1);
    expect(await canLogin(pw2)).toBe(true);
    expect(await canLogin(pw1)).toBe(false);

    // The state as a user exports it holds ciphertext only.
    const exported = spawnSync(
        env.PGSTACK_ENGINE_DIR + "/bin/pulumi",
        ["stack", "export", "--stack", "test", "--non-interactive"],
        {
            cwd: dir,
            env,
            encoding: "utf8",
        },
    );
    expect(exported.status).toBe(0);
    expect(exported.stdout).toContain("ciphertext");
    expect(exported.stdout).not.toContain(pw1);
    expect(exported.stdout).not.toContain(pw2);
    expect(exported.stdout).not.toContain(pg.password);
    const files = fs.readdirSync(path.join(dir, "state"), { recursive: true }) as string[];
    for (const f of files) {
        const p = path.join(dir, "state", f);
        if (fs.statSync(p).isFile()) expect(fs.readFileSync(p, "utf8")).not.toContain(pw2);
    }

    const down = await stack.destroy();
    expect(down.summary.resourceChanges).toMatchObject({ delete: 4 });
    expect(await adminQuery(`SELECT 1 FROM pg_roles WHERE rolname = '${roleName}'`)).toEqual([]);
});
