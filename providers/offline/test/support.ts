/**
 * Support for the offline provider's real-server tests: a provider context connected to the local
 * TLS/SCRAM cluster (scripts/local-pg.sh), an admin client for catalog checks, unique names, and the
 * engine's resource lifecycle (Check → Create → Read → Diff → Update/replace → Delete) driven directly.
 */
import * as fs from "fs";
import { Client } from "pg";
import { localPg, LocalPg } from "../../../scripts/lib/localServices";
import { PgClient } from "../postgresql/client";
import { resolvePgConfig } from "../postgresql/config";
import { PgContext } from "../postgresql/context";
import { Props } from "../props";
import { checkInputs, declaredOnly, diffInputs, DiffResult, ResourceDef } from "../resource";

export { localPg };
export type { LocalPg };

/** A short unique suffix for object names (tests share the cluster). */
export function unique(prefix: string): string {
    return `${prefix}_${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
}

/** The provider context as the engine's Configure would build it (the SDK's JSON-encoded values). */
export function providerContext(pg: LocalPg, over: Record<string, string> = {}): PgContext {
    const config = resolvePgConfig({
        host: pg.host,
        port: String(pg.port),
        username: pg.user,
        password: pg.password,
        database: "postgres",
        sslmode: "verify-full",
        sslrootcert: pg.ca,
        superuser: "true",
        connectTimeout: "15",
        ...over,
    });
    return { client: new PgClient(config) };
}

/** An admin client (verify-full) for catalog checks and out-of-band changes ("drift"). */
export class Admin {
    private clients = new Map<string, Client>();
    constructor(private readonly pg: LocalPg) {}

    async q<T = Record<string, unknown>>(sql: string, params: unknown[] = [], database = "postgres"): Promise<T[]> {
        let c = this.clients.get(database);
        if (!c) {
            c = new Client({
                host: this.pg.host,
                port: this.pg.port,
                user: this.pg.user,
                password: this.pg.password,
                database,
                ssl: { ca: fs.readFileSync(this.pg.ca, "utf8"), rejectUnauthorized: true },
            });
            await c.connect();
            this.clients.set(database, c);
        }
        return (await c.query(sql, params)).rows as T[];
    }

    /** Closes the connection to one database (before dropping it). */
    async release(database: string): Promise<void> {
        const c = this.clients.get(database);
        this.clients.delete(database);
        await c?.end();
    }

    async close(): Promise<void> {
        const all = [...this.clients.values()];
        this.clients.clear();
        await Promise.all(all.map((c) => c.end()));
    }
}

/** One resource driven like the engine does it, with the state the engine would keep. */
export class Lifecycle<C> {
    id = "";
    inputs: Props = {};
    state: Props = {};

    constructor(
        readonly def: ResourceDef<C>,
        readonly ctx: C,
        readonly name = "r",
    ) {}

    check(news: Props): Props {
        const { inputs, failures } = checkInputs(this.def, {
            urn: `urn:pulumi:test::offline::${this.def.token}::${this.name}`,
            name: this.name,
            olds: this.inputs,
            news,
            randomSeed: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]),
        });
        if (failures.length) throw new Error(failures.map((f) => f.reason).join("; "));
        return inputs;
    }

    async create(news: Props): Promise<Props> {
        this.inputs = this.check(news);
        const r = await this.def.create(this.ctx, declaredOnly(this.def, this.inputs));
        this.id = r.id;
        this.state = declaredOnly(this.def, r.outputs);
        return this.state;
    }

    diff(news: Props): DiffResult {
        return diffInputs(this.def, this.state, this.check(news));
    }

    /** `pulumi up` with new inputs: nothing, an update, or a replacement (delete-before-replace or not). */
    async up(news: Props): Promise<DiffResult> {
        const checked = this.check(news);
        const d = diffInputs(this.def, this.state, checked);
        if (!d.changes) return d;
        if (d.replaces.length) {
            const old = { id: this.id, state: this.state };
            if (d.deleteBeforeReplace) await this.def.delete(this.ctx, old.id, old.state);
            this.inputs = {};
            await this.create(news);
            if (!d.deleteBeforeReplace) await this.def.delete(this.ctx, old.id, old.state);
            return d;
        }
        const r = await this.def.update(this.ctx, this.id, this.state, declaredOnly(this.def, checked));
        this.inputs = checked;
        this.state = declaredOnly(this.def, r.outputs);
        return d;
    }

    /** `pulumi refresh`: null when the object is gone. */
    async refresh(): Promise<Props | null> {
        const r = await this.def.read(this.ctx, this.id, this.state);
        if (!r) return null;
        this.id = r.id;
        this.state = declaredOnly(this.def, r.outputs);
        return this.state;
    }

    async delete(): Promise<void> {
        await this.def.delete(this.ctx, this.id, this.state);
    }
}
