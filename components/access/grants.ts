/**
 * Turns the access model's grants (lib/accessModel.ts) into @pulumi/postgresql resources: a Grant for
 * what exists now, DefaultPrivileges for what the owner creates later. Role, schema and database names
 * are swapped for the Outputs of the resources that create them, so each grant waits for its role and
 * schema.
 */
import * as postgresql from "@pulumi/postgresql";
import * as pulumi from "@pulumi/pulumi";
import type { WantedGrant } from "../../lib/accessModel";

/** Names the stack creates, by name: a grant naming one of them waits for its resource. */
export type NameRefs = Record<string, pulumi.Input<string>>;

export interface GrantResourcesArgs {
    /** Resource name of each grant. */
    nameOf: (g: WantedGrant) => string;
    roles?: NameRefs;
    schemas?: NameRefs;
    databases?: NameRefs;
    provider: postgresql.Provider;
    parent: pulumi.Resource;
    /** What the first grant waits for. */
    after?: pulumi.Resource[];
    /**
     * Apply the grants one after the other (default): PostgreSQL updates one catalog row for grants on
     * one schema or default-ACL entry, and concurrent updates fail with "tuple concurrently updated".
     */
    chained?: boolean;
}

/** Creates the grants in order; returns them (the last one is what further grants chain after). */
export function grantResources(grants: WantedGrant[], a: GrantResourcesArgs): pulumi.Resource[] {
    const created: pulumi.Resource[] = [];
    const ref = (refs: NameRefs | undefined, n: string): pulumi.Input<string> => refs?.[n] ?? n;
    for (const g of grants) {
        const opts: pulumi.CustomResourceOptions = {
            parent: a.parent,
            provider: a.provider,
            dependsOn: (a.chained ?? true) && created.length > 0 ? [created[created.length - 1]] : (a.after ?? []),
        };
        const common = {
            database: ref(a.databases, g.database),
            ...(g.schema !== undefined ? { schema: ref(a.schemas, g.schema) } : {}),
            role: ref(a.roles, g.role),
            objectType: g.objectType,
            privileges: g.privileges,
        };
        created.push(
            g.kind === "grant"
                ? new postgresql.Grant(a.nameOf(g), common, opts)
                : new postgresql.DefaultPrivileges(
                      a.nameOf(g),
                      { ...common, owner: ref(a.roles, g.owner ?? "") },
                      opts,
                  ),
        );
    }
    return created;
}
