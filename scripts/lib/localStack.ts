/**
 * The local stack (`npm run local:*`): the repo's Pulumi.local.yaml, run in the repo with this
 * checkout's state (scripts/engine/env.sh: <checkout>/.pulumi/), on this machine's local services.
 * What differs per machine goes to the machine-facts file the program lays over the stack file
 * (config/localFacts.ts); which checkout's stack made the database on the shared cluster is recorded
 * beside the cluster, so no checkout is ever told to delete another one's objects.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { LocalFacts } from "../../config/localFacts";
import { engineEnv, REPO } from "./engineEnv";
import { LocalPg, LocalPooler, LocalS3, localStorageConfig } from "./localServices";
import { ProjectStack } from "./projectStack";

export const LOCAL_STACK = "local";

/** The local stack's declared config: Pulumi.local.yaml's `config`, as committed. */
export function localStackConfig(): Record<string, unknown> {
    const file = parse(fs.readFileSync(path.join(REPO, `Pulumi.${LOCAL_STACK}.yaml`), "utf8")) as {
        config?: Record<string, unknown>;
    };
    return file.config ?? {};
}

/** The stack in the repo, as `pulumi -s local` there runs it. */
export function openLocalStack(): Promise<ProjectStack> {
    return ProjectStack.inRepo(LOCAL_STACK);
}

/** Where scripts/engine/env.sh says the local stack's machine facts are. */
export function localFactsFile(): string {
    const file = engineEnv().PGSTACK_LOCAL_FACTS;
    if (!file) throw new Error("scripts/engine/env.sh did not set PGSTACK_LOCAL_FACTS");
    return file;
}

/** What the machine facts say for the declared config; `pooler` and `s3` only when it declares them. */
export function machineFacts(
    declared: Record<string, unknown>,
    pg: LocalPg,
    services: { pooler?: LocalPooler; s3?: LocalS3; extensions?: string[] },
): LocalFacts {
    const { pooler, s3, extensions } = services;
    const declaresPooler = Boolean((declared["pgstack:server"] as { pooler?: object } | undefined)?.pooler);
    const config: Record<string, unknown> = {
        "pgstack:server": {
            host: pg.host,
            port: pg.port,
            caCertPath: pg.ca,
            adminUser: pg.user,
            superuser: pg.superuser,
            ...(declaresPooler
                ? {
                      pooler: pooler
                          ? {
                                host: pooler.host,
                                port: pooler.port,
                                transactionPort: pooler.transactionPort,
                                authUser: pooler.authUser,
                                version: pooler.version,
                            }
                          : null,
                  }
                : {}),
        },
    };
    if (declared["pgstack:storage"] && s3) config["pgstack:storage"] = localStorageConfig(s3);
    if (extensions) config["pgstack:extensions"] = extensions;
    return { stack: LOCAL_STACK, config, secretFiles: { "pgstack:adminPassword": pg.passwordFile } };
}

/** Writes the machine facts (0600: they name the password file and the S3 admin key file). */
export function writeMachineFacts(facts: LocalFacts, file = localFactsFile()): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(`${file}.tmp`, `${JSON.stringify(facts, null, 2)}\n`, { mode: 0o600 });
    fs.renameSync(`${file}.tmp`, file);
}

/** Which checkout's local stack made a database on the shared cluster, and where its state is. */
export interface LocalOwner {
    checkout: string;
    backend: string;
}

const ownerFile = (pg: LocalPg, database: string) => path.join(pg.dir, "stacks", `${database}.json`);

/** Records this checkout as the owner of `database` (after an `up` made or kept it). */
export function recordOwner(pg: LocalPg, database: string, backend: string): void {
    fs.mkdirSync(path.dirname(ownerFile(pg, database)), { recursive: true });
    const owner: LocalOwner = { checkout: REPO, backend };
    fs.writeFileSync(ownerFile(pg, database), `${JSON.stringify(owner)}\n`);
}

export function ownerOf(pg: LocalPg, database: string): LocalOwner | undefined {
    const f = ownerFile(pg, database);
    return fs.existsSync(f) ? (JSON.parse(fs.readFileSync(f, "utf8")) as LocalOwner) : undefined;
}

export function forgetOwner(pg: LocalPg, database: string): void {
    fs.rmSync(ownerFile(pg, database), { force: true });
}

/** Whether a file backend's state of the local stack still holds resources (another checkout's). */
export function stateHoldsResources(backend: string): boolean {
    if (!backend.startsWith("file://")) return true;
    const stacks = path.join(backend.slice("file://".length), ".pulumi", "stacks");
    if (!fs.existsSync(stacks)) return false;
    return fs.readdirSync(stacks).some((project) => {
        const f = path.join(stacks, project, `${LOCAL_STACK}.json`);
        if (!fs.existsSync(f)) return false;
        try {
            const s = JSON.parse(fs.readFileSync(f, "utf8")) as { checkpoint?: { latest?: { resources?: unknown[] } } };
            return (s.checkpoint?.latest?.resources ?? []).length > 0;
        } catch {
            return true;
        }
    });
}
