/**
 * The engine's most verbose logging prints every secret value (README, Security notes); the offline
 * provider's own log lines must not. One `up` with `--logflow --verbose=9 --logtostderr --debug`, only
 * inside this test: the provider then logs every SQL statement it runs (providers/offline/log.ts),
 * and none of its lines may carry the admin password or any password the stack generated.
 */
import { dropDatabasesAndRoles, localPg, LocalPg, localServerConfig, ownOrDeadRun, ProjectStack } from "./support";

const DB = `it_logs_${process.pid}`;
let pg: LocalPg;
let stack: ProjectStack;

const dropLeftovers = () => dropDatabasesAndRoles(pg, "it\\_logs\\_%", ownOrDeadRun("it_logs"));

beforeAll(async () => {
    pg = localPg();
    await dropLeftovers();
    stack = await ProjectStack.open(`it-logs-${process.pid}`);
    await stack.configure(
        {
            environment: "local",
            server: localServerConfig(pg),
            databaseName: DB,
            schemas: ["app"],
            readonlyRole: true,
            tenantRolePrefix: `${DB}_t_`,
            tenants: [{ id: "acme" }],
        },
        { adminPassword: pg.password },
    );
});
afterAll(async () => {
    await stack?.remove();
    await dropLeftovers();
});

test("with the engine's most verbose logging, the offline provider's own log lines carry no password", async () => {
    const printed: string[] = [];
    const r = await stack.stack.up({
        onOutput: (s) => void printed.push(s),
        logFlow: true,
        logVerbosity: 9,
        logToStdErr: true,
        debug: true,
        color: "never",
    });
    const outputs = await stack.outputValues();
    const dsns = [
        outputs.DATABASE_URL,
        outputs.DATABASE_SERVICE_URL,
        outputs.DATABASE_READONLY_URL,
        ...Object.values(outputs.TENANT_DATABASE_URLS as Record<string, string>),
    ] as string[];
    const passwords = [pg.password, ...dsns.map((u) => decodeURIComponent(new URL(u).password))];
    expect(passwords.every((p) => p.length >= 16)).toBe(true);

    const everything = [r.stdout, r.stderr, ...printed].join("\n");
    const providerLines = everything.split("\n").filter((l) => l.includes("[offline-provider]"));
    // The provider did log at this verbosity: every statement, role creation with its password included.
    expect(providerLines.some((l) => /CREATE ROLE/.test(l) && /PASSWORD/.test(l))).toBe(true);
    for (const p of passwords) {
        expect(providerLines.filter((l) => l.includes(p))).toEqual([]);
    }
});
