/**
 * The stack's roles, as the access model wants them (lib/accessModel.ts): the connect and tenants
 * groups, one role per tenant, the app role and the optional read-only role, each with its
 * memberships; a generated password for those that log in. The service role is created with the
 * database it owns (database.ts).
 *
 * They are created through the provider connected to the app database: a role is dropped there
 * (REASSIGN OWNED / DROP OWNED run in the provider's database only), so what it owns or was granted in
 * the app database does not block its removal.
 */
import * as postgresql from "@pulumi/postgresql";
import * as pulumi from "@pulumi/pulumi";
import type { WantedRole } from "../../lib/accessModel";
import { rotatingPassword, rotationKeepers } from "../passwords";
import type { NameRefs } from "./grants";

/** A role the stack created, and its password when it logs in (secret). */
export interface StackRole {
    role: postgresql.Role;
    name: pulumi.Output<string>;
    password?: pulumi.Output<string>;
}

/** Rotation seeds: the global one, and each role's own by role key. */
export interface PasswordSeeds {
    global: string;
    own: Record<string, string | undefined>;
}

/**
 * One role, its password if it gets one (`<name>-<key>-password`, keepers: the global seed and its
 * own), and the Role resource `<name>-<key>-role`. Memberships name roles through `refs`.
 */
export function createRole(
    name: string,
    r: WantedRole,
    a: {
        seeds: PasswordSeeds;
        refs: NameRefs;
        provider: postgresql.Provider;
        parent: pulumi.Resource;
        /** Whether the stack keeps its data when it lets go of it: then so is a role that owns data. */
        retainData?: boolean;
    },
): StackRole {
    const pw = r.password
        ? rotatingPassword(`${name}-${r.key}-password`, rotationKeepers(a.seeds.global, a.seeds.own[r.key]), {
              parent: a.parent,
          })
        : undefined;
    const role = new postgresql.Role(
        `${name}-${r.key}-role`,
        {
            name: r.name,
            login: r.login,
            superuser: r.superuser,
            createDatabase: r.createDatabase,
            createRole: r.createRole,
            replication: r.replication,
            bypassRowLevelSecurity: r.bypassRowLevelSecurity,
            inherit: r.inherit,
            password: pw?.result,
            // A group carries rights for its members and is a member of nothing.
            ...(r.kind === "group"
                ? {}
                : { roles: r.memberOf.map((m) => a.refs[m] ?? m), searchPaths: r.searchPath ?? [] }),
            idleInTransactionSessionTimeout: r.idleInTransactionSessionTimeout,
            connectionLimit: r.connectionLimit,
        },
        {
            parent: a.parent,
            provider: a.provider,
            retainOnDelete: r.keepOnDelete ? (a.retainData ?? false) : undefined,
        },
    );
    return { role, name: role.name, password: pw && pulumi.secret(pw.result) };
}

export interface AccessRolesArgs {
    /** The roles, in the model's order: a role after the roles it is a member of. */
    roles: WantedRole[];
    seeds: PasswordSeeds;
    /** The provider connected to the app database. */
    provider: postgresql.Provider;
}

export class AccessRoles extends pulumi.ComponentResource {
    /** By role key (connect-group, tenants-group, tenant-<id>, app, readonly). */
    public readonly byKey: Record<string, StackRole> = {};
    /** Role name to the Output of its resource, for grants that name these roles. */
    public readonly refs: NameRefs = {};

    constructor(name: string, args: AccessRolesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pgstack:access:AccessRoles", name, {}, opts);
        for (const r of args.roles) {
            const created = createRole(name, r, {
                seeds: args.seeds,
                refs: this.refs,
                provider: args.provider,
                parent: this,
            });
            this.byKey[r.key] = created;
            this.refs[r.name] = created.name;
        }
        this.registerOutputs(Object.fromEntries(Object.entries(this.byKey).map(([k, r]) => [k, r.name])));
    }

    /** The role of `key`; throws if the model wanted none. */
    get(key: string): StackRole {
        const r = this.byKey[key];
        if (!r) throw new Error(`internal: no role ${key}`);
        return r;
    }
}
