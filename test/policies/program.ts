/** Turns a mock-mode program run into what the policy SDK hands a pack, and reads the stack files. */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import type { PolicyResource } from "../../policies/lib";
import type { ProgramRun } from "../harness";
import { urnOf } from "./harness";

const ROOT = path.join(__dirname, "..", "..");

/** Unwraps mock-mode secrets ({<sig>: …, value}) at any depth, as the policy SDK does. */
function unwrap(v: unknown): unknown {
    if (Array.isArray(v)) return v.map(unwrap);
    if (v && typeof v === "object") {
        const o = v as Record<string, unknown>;
        if ("value" in o && Object.keys(o).some((k) => /^[0-9a-f]{32}$/.test(k))) return unwrap(o.value);
        return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, unwrap(x)]));
    }
    return v;
}

/** The resource name at the end of a URN (or of a provider reference `urn::id`). */
const nameInUrn = (urn: string, isReference = false) => {
    const parts = urn.split("::");
    return parts[parts.length - (isReference ? 2 : 1)];
};

/** Every registered resource as a PolicyResource, linked by parent-free property dependencies. */
export function policyResources(run: ProgramRun): PolicyResource[] {
    const byName = new Map<string, PolicyResource>();
    const resources = run.mocks.resources.map((r) => {
        const o = run.mocks.options.get(r.name);
        const resource: PolicyResource = {
            type: r.type,
            name: r.name,
            urn: urnOf(r.type, r.name),
            props: unwrap(r.inputs) as Record<string, unknown>,
            opts: {
                protect: o?.protect ?? false,
                ignoreChanges: [],
                aliases: [],
                additionalSecretOutputs: [],
                customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
            },
            dependencies: [],
            propertyDependencies: {},
            isType: () => false,
            asType: () => undefined,
        };
        byName.set(r.name, resource);
        return resource;
    });
    run.mocks.resources.forEach((r, i) => {
        const resource = resources[i];
        const o = run.mocks.options.get(r.name);
        const find = (urns: string[]) =>
            urns.map((u) => byName.get(nameInUrn(u))).filter((x): x is PolicyResource => !!x);
        resource.dependencies = find(o?.dependencies ?? []);
        for (const [prop, urns] of Object.entries(o?.propertyDependencies ?? {}))
            resource.propertyDependencies[prop] = find(urns);
        const provider = r.provider ? byName.get(nameInUrn(r.provider, true)) : undefined;
        if (provider)
            resource.provider = { type: provider.type, name: provider.name, urn: provider.urn, props: provider.props };
    });
    return resources;
}

/** A stack file's config, as `pulumi config` holds it; secure values get a stand-in. */
export function stackFile(stack: string): Record<string, unknown> | undefined {
    const file = path.join(ROOT, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) return undefined;
    const config = (parse(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> }).config ?? {};
    return Object.fromEntries(
        Object.entries(config).map(([k, v]) => [
            k,
            v && typeof v === "object" && "secure" in v ? "secret-stand-in" : v,
        ]),
    );
}
