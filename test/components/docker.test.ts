import * as fs from "fs";
import * as path from "path";
import { pgHbaConf } from "../../lib/dockerRender";
import { baseConfig, dependenciesOf, isSecretInput, plain, ProgramRun, Recorded, runProgram } from "../harness";
import { s3Storage } from "./storage/fixtures";

const dockerConfig = (extra: Record<string, unknown> = {}) =>
    baseConfig({
        environment: "local",
        server: { mode: "docker", caCertPath: "/tmp/pgstack-ca.pem", ...extra },
        adminPassword: "",
    });

let run: ProgramRun;
beforeAll(async () => {
    run = await runProgram(dockerConfig());
    expect(run.error).toBeUndefined();
});

const containers = () => run.mocks.ofType("docker:index/container:Container");
const container = (suffix: string): Recorded => containers().find((c) => c.name.endsWith(suffix)) as Recorded;
/** Uploads that carry a secret arrive as one secret list. */
const uploads = (suffix: string) =>
    plain(container(suffix).inputs.uploads) as { file: string; content: unknown; permissions: string }[];

test("every published port is bound to 127.0.0.1", () => {
    expect(containers().map((c) => c.name)).toEqual(["pgstack-server-postgres", "pgstack-server-pgbouncer"]);
    for (const c of containers()) {
        for (const p of (c.inputs.ports ?? []) as { ip: string }[]) expect(p.ip).toBe("127.0.0.1");
    }
});

test("a bind address other than loopback is rejected", async () => {
    const bad = await runProgram(dockerConfig({ bindAddress: "0.0.0.0" }));
    expect(bad.error?.message).toContain("pgstack:server.bindAddress");
});

test("the server runs with ssl=on, and every TLS/hba file it is told to use is uploaded", () => {
    const cmd = container("-postgres").inputs.command as string[];
    expect(cmd[0]).toBe("postgres");
    // `-c key=value` pairs as postgres parses them.
    const settings = Object.fromEntries(
        cmd
            .slice(1)
            .filter((_, i) => i % 2 === 1)
            .map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
    );
    expect(cmd.filter((_, i) => i % 2 === 1 && i > 0).every((c) => c === "-c")).toBe(true);
    expect(settings).toMatchObject({ ssl: "on", password_encryption: "scram-sha-256" });
    const files = uploads("-postgres").map((u) => u.file);
    for (const k of ["ssl_cert_file", "ssl_key_file", "ssl_ca_file", "hba_file"]) {
        expect(files).toContain(settings[k]);
    }
    const hba = uploads("-postgres").find((u) => u.file === settings.hba_file);
    expect(hba?.content).toBe(pgHbaConf());
});

test("pg_hba.conf allows only hostssl with scram-sha-256 over TCP", () => {
    const lines = pgHbaConf()
        .split("\n")
        .filter((l) => l.trim() && !l.startsWith("#"));
    for (const l of lines) {
        const [type, , , , method] = l.split(/\s+/);
        expect(["local", "hostssl"]).toContain(type);
        expect(l.split(/\s+/).pop()).toBe("scram-sha-256");
        void method;
    }
    expect(lines.some((l) => l.startsWith("host "))).toBe(false);
});

test("the server container has a health check", () => {
    const hc = container("-postgres").inputs.healthcheck as { tests: string[] };
    expect(hc.tests.join(" ")).toContain("pg_isready");
});

test("data lives in a named volume that is kept when the container or the stack lets go of it", () => {
    const vol = run.mocks.ofType("docker:index/volume:Volume")[0];
    expect(run.mocks.options.get(vol.name)?.retainOnDelete).toBe(true);
    const mounts = container("-postgres").inputs.volumes as { volumeName: string; containerPath: string }[];
    expect(mounts).toEqual([{ volumeName: "pgstack-test-data", containerPath: "/var/lib/postgresql/data" }]);
    expect(container("-postgres").inputs.removeVolumes).toBe(false);
});

test("containers sit on the stack's private network", () => {
    const net = run.mocks.ofType("docker:index/network:Network")[0].inputs.name;
    for (const c of containers()) {
        expect((c.inputs.networksAdvanced as { name: string }[])[0].name).toBe(net);
    }
});

test("the image is configurable (e.g. pgvector)", async () => {
    const r = await runProgram(dockerConfig({ image: "pgvector/pgvector:pg16" }));
    expect(r.mocks.ofType("docker:index/remoteImage:RemoteImage").map((i) => i.inputs.name)).toContain(
        "pgvector/pgvector:pg16",
    );
});

test("the app DSN goes through pgBouncer; the service DSN stays direct for migrations", () => {
    expect(new URL(run.outputs.DATABASE_URL as string).port).toBe("6432");
    expect(new URL((run.outputs.TENANT_DATABASE_URLS as Record<string, string>).acme).port).toBe("6432");
    expect(new URL(run.outputs.DATABASE_SERVICE_URL as string).port).toBe("5432");
});

test("without pgBouncer the app DSN goes to the server", async () => {
    const r = await runProgram(dockerConfig({ pgbouncer: { enabled: false } }));
    expect(r.mocks.ofType("docker:index/container:Container").map((c) => c.name)).toEqual(["pgstack-server-postgres"]);
    expect(new URL(r.outputs.DATABASE_URL as string).port).toBe("5432");
});

/** The pgbouncer.ini uploaded to the pgBouncer container, as key -> value of [pgbouncer]. */
const bouncerIni = (r: ProgramRun = run): Record<string, string> => {
    const c = r.mocks.ofType("docker:index/container:Container").find((x) => x.name.endsWith("-pgbouncer"));
    const ini = String(
        (plain(c?.inputs.uploads) as { file: string; content: string }[]).find((u) => u.file.endsWith("pgbouncer.ini"))
            ?.content,
    );
    return Object.fromEntries(
        ini
            .split("[pgbouncer]")[1]
            .split("\n")
            .filter((l) => l.includes(" = "))
            .map((l) => [l.slice(0, l.indexOf(" = ")), l.slice(l.indexOf(" = ") + 3)]),
    );
};

test("the uploaded pgbouncer.ini requires TLS from clients and verifies the server against the uploaded CA", () => {
    const ini = bouncerIni();
    expect(ini).toMatchObject({
        client_tls_sslmode: "require",
        server_tls_sslmode: "verify-full",
        auth_type: "scram-sha-256",
        listen_port: "6432",
    });
    const files = uploads("-pgbouncer").map((u) => u.file);
    for (const k of ["client_tls_cert_file", "client_tls_key_file", "server_tls_ca_file", "auth_file"]) {
        expect(files).toContain(ini[k]);
    }
    const ports = container("-pgbouncer").inputs.ports as { internal: number }[];
    expect(ports.map((p) => String(p.internal))).toEqual([ini.listen_port]);
});

test("the default transaction pool resets session state between clients", () => {
    expect(bouncerIni()).toMatchObject({
        pool_mode: "transaction",
        server_reset_query: "DISCARD ALL",
        server_reset_query_always: "1",
    });
});

test("the default pgBouncer (1.24) keeps prepared statements in transaction pooling (max_prepared_statements), so DATABASE_URL works with drivers' defaults", async () => {
    expect(bouncerIni()).toMatchObject({ pool_mode: "transaction", max_prepared_statements: "200" });
    const off = await runProgram(dockerConfig({ pgbouncer: { maxPreparedStatements: 0 } }));
    expect(bouncerIni(off).max_prepared_statements).toBeUndefined();
});

test("the admin password reaches the containers only as secrets", () => {
    const envs = container("-postgres").inputs.envs;
    expect((plain(envs) as string[]).some((e) => e.startsWith("POSTGRES_PASSWORD="))).toBe(true);
    expect(isSecretInput(envs)).toBe(true);
    expect(uploads("-pgbouncer").some((u) => u.file.endsWith("userlist.txt"))).toBe(true);
    expect(isSecretInput(container("-pgbouncer").inputs.uploads)).toBe(true);
});

test("pgBouncer authenticates as pgbouncer_auth through the lookup function; the admin secret stays out", () => {
    const ini = bouncerIni();
    expect(ini).toMatchObject({ auth_user: "pgbouncer_auth", auth_query: "SELECT $1, pgbouncer.get_auth($1)" });
    // The lookup runs in the database the client asks for: the app database, where the access layer installs it.
    expect(ini.auth_dbname).toBeUndefined();
    const userlist = String(uploads("-pgbouncer").find((u) => u.file === ini.auth_file)?.content);
    expect(userlist).toMatch(/^"pgbouncer_auth" "pwxpgstackxserverxpgbouncerxauthxpassword/);
    expect(userlist.split("\n").filter(Boolean)).toHaveLength(1);
    // Nothing in the pgBouncer container carries the admin password.
    const adminEnv = (plain(container("-postgres").inputs.envs) as string[]).find((e) =>
        e.startsWith("POSTGRES_PASSWORD="),
    ) as string;
    const admin = adminEnv.slice("POSTGRES_PASSWORD=".length);
    expect(JSON.stringify(plain(container("-pgbouncer").inputs.uploads))).not.toContain(admin);
    expect(JSON.stringify(container("-pgbouncer").inputs.envs ?? [])).not.toContain(admin);
});

test("the auth role logs in with the userlist's password and has no other right, made before pgBouncer starts", () => {
    const role = run.mocks.named("pgstack-server-pgbouncer-auth-role");
    expect(role.inputs).toMatchObject({
        name: "pgbouncer_auth",
        login: true,
        superuser: false,
        createDatabase: false,
        createRole: false,
        replication: false,
        bypassRowLevelSecurity: false,
        inherit: false,
        connectionLimit: 20,
    });
    expect(isSecretInput(role.inputs.password)).toBe(true);
    const userlist = String(uploads("-pgbouncer").find((u) => u.file.endsWith("userlist.txt"))?.content);
    expect(userlist).toContain(`"${String(plain(role.inputs.password))}"`);
    expect(role.provider).toMatch(/pgstack-server-provider/);
    const deps = run.mocks.options.get("pgstack-server-pgbouncer")?.dependencies ?? [];
    expect(deps.some((u) => u.endsWith("::pgstack-server-pgbouncer-auth-role"))).toBe(true);
});

test("the lookup function is installed in the app database by the same component as every pooler's, for the auth role", () => {
    const fn = run.mocks.named("pgstack-pooler-auth-get-auth");
    expect(fn.inputs).toMatchObject({ database: "app", schema: "pgbouncer", name: "get_auth", securityDefiner: true });
    const execute = run.mocks.named("pgstack-pooler-auth-get-auth-execute");
    expect(execute.inputs).toMatchObject({ role: "pgbouncer_auth", privileges: ["EXECUTE"] });
    expect(run.mocks.named("pgstack-pooler-auth-connect").inputs).toMatchObject({
        database: "app",
        role: "pgbouncer_auth",
        privileges: ["CONNECT"],
    });
});

test("without pgBouncer there is no auth role and no lookup function", async () => {
    const r = await runProgram(dockerConfig({ pgbouncer: { enabled: false } }));
    expect(
        r.mocks.resources.filter((x) => x.name.includes("pgbouncer-auth") || x.name.includes("pooler-auth")),
    ).toEqual([]);
});

test("the TLS server key is uploaded as a secret, readable by its owner only", () => {
    const key = uploads("-postgres").find((u) => u.file.endsWith("server.key"));
    expect(key?.permissions).toBe("0600");
    expect(isSecretInput(container("-postgres").inputs.uploads)).toBe(true);
});

test("the generated CA certificate is an output", () => {
    expect(String(run.outputs.caCertificate)).toContain("BEGIN CERTIFICATE");
});

test("the generated CA is written to server.caCertPath, and the DSNs wait for the file", async () => {
    const files = run.mocks.ofType("local:index/file:File");
    expect(files).toHaveLength(1);
    expect(files[0].inputs).toMatchObject({ filename: "/tmp/pgstack-ca.pem", content: run.outputs.caCertificate });
    expect(new URL(run.outputs.DATABASE_URL as string).searchParams.get("sslrootcert")).toBe("/tmp/pgstack-ca.pem");
    for (const dsn of ["DATABASE_URL", "DATABASE_SERVICE_URL", "DATABASE_READONLY_URL"]) {
        expect(await dependenciesOf(run.exports[dsn])).toContain(files[0].name);
    }
    // The admin connection verifies the server against the same file.
    const provider = run.mocks.ofType("pulumi:providers:postgresql")[0].inputs;
    expect(provider).toMatchObject({ sslmode: "verify-full", sslrootcert: "/tmp/pgstack-ca.pem" });
});

test("without a caCertPath no file is written and the DSNs carry no sslrootcert", async () => {
    const r = await runProgram({ ...dockerConfig({ caCertPath: undefined }), sslmode: "require" });
    expect(r.error).toBeUndefined();
    expect(r.mocks.ofType("local:index/file:File")).toHaveLength(0);
    expect(new URL(r.outputs.DATABASE_URL as string).searchParams.get("sslrootcert")).toBeNull();
});

test("rotation seeds do not replace the docker admin password (the retained volume keeps the old one)", async () => {
    expect(run.mocks.options.get("pgstack-server-admin-password")?.ignoreChanges).toContain("keepers");
    // Other passwords still rotate with the global seed.
    expect(run.mocks.options.get("pgstack-roles-app-password")?.ignoreChanges ?? []).not.toContain("keepers");
});

describe("with a backup bucket", () => {
    let withBackups: ProgramRun;
    beforeAll(async () => {
        withBackups = await runProgram({ ...dockerConfig(), storage: s3Storage() });
        expect(withBackups.error).toBeUndefined();
    });
    const server = () =>
        withBackups.mocks
            .ofType("docker:index/container:Container")
            .find((c) => c.name.endsWith("-postgres")) as Recorded;

    test("the server archives WAL to the backup bucket with pgBackRest", () => {
        const cmd = server().inputs.command as string[];
        expect(cmd).toContain("archive_mode=on");
        expect(cmd.find((c) => c.startsWith("archive_command="))).toContain("pgbackrest");
        expect(cmd.find((c) => c.startsWith("archive_command="))).toContain("archive-push %p");
    });

    test("the server image is the configured one plus pgBackRest, built locally", () => {
        const image = withBackups.mocks.ofType("docker:index/image:Image")[0];
        expect((image.inputs.build as { args: Record<string, string> }).args.BASE_IMAGE).toBe("postgres:16");
        expect(image.inputs.skipPush).toBe(true);
        expect(fs.existsSync(path.join((image.inputs.build as { context: string }).context, "Dockerfile"))).toBe(true);
    });

    test("containers run the built image by id, so a rebuild rolls them", () => {
        const image = withBackups.mocks.ofType("docker:index/image:Image")[0];
        const id = `sha256:${image.name}`; // the mock's repoDigest: the local image id
        expect(server().inputs.image).toBe(id);
        const sidecar = withBackups.mocks
            .ofType("docker:index/container:Container")
            .find((c) => c.name.endsWith("-backup"));
        expect(sidecar?.inputs.image).toBe(id);
    });

    test("the pgBackRest config points at the backup bucket and is uploaded as a secret", () => {
        const conf = (plain(server().inputs.uploads) as { file: string; content: string }[]).find((u) =>
            u.file.endsWith("pgbackrest.conf"),
        );
        expect(conf?.content).toContain("repo1-s3-bucket=acme-pgstack-test-backups");
        expect(isSecretInput(server().inputs.uploads)).toBe(true);
    });

    test("a sidecar takes base backups from the same data volume, with no published port", () => {
        const sidecar = withBackups.mocks
            .ofType("docker:index/container:Container")
            .find((c) => c.name.endsWith("-backup"));
        expect(sidecar).toBeDefined();
        expect(sidecar?.inputs.ports).toBeUndefined();
        const vols = (sidecar?.inputs.volumes as { volumeName: string }[]).map((v) => v.volumeName);
        expect(vols).toContain("pgstack-test-data");
        expect(String(sidecar?.inputs.command)).toContain("--type=full backup");
    });

    test("without a backup bucket nothing is archived", () => {
        expect(container("-postgres").inputs.command).not.toContain("archive_mode=on");
    });
});
