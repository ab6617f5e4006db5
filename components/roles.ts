/**
 * The stack's cluster-wide roles: the service (migration/owner) role, the app role (DML only), the
 * optional read-only role, and a NOLOGIN group that carries CONNECT on the database.
 * None of them is ever superuser, createrole, createdb, replication or bypassrls.
 */
import * as postgresql from "@pulumi/postgresql";
import * as pulumi from "@pulumi/pulumi";
import { rotatingPassword, rotationKeepers } from "./passwords";

/** Role attributes every role the stack creates carries: least privilege, stated explicitly. */
export const LEAST_PRIVILEGE: Readonly<postgresql.RoleArgs> = {
    superuser: false,
    createDatabase: false,
    createRole: false,
    replication: false,
    bypassRowLevelSecurity: false,
    inherit: true,
};

/**
 * Session limits of the roles applications and tenants log in as (review S7): a transaction left
 * open cannot hold locks and a pooled connection forever. Migrations (the service role) are exempt.
 */
export const SESSION_LIMITS: Readonly<postgresql.RoleArgs> = {
    idleInTransactionSessionTimeout: 300_000,
};

export interface AccessRolesArgs {
    names: { service: string; app: string; readonly?: string; connectGroup: string };
    rotation: { seed: string; service?: string; app?: string; readonly?: string };
    /** search_path of the stack's login roles: the app schemas, so nothing resolves through `public` (S9). */
    searchPath: string[];
    /** Whether the database is kept when the stack lets go of it: then so is the service role that owns it. */
    retainOnDelete: boolean;
    provider: postgresql.Provider;
}

export interface LoginRole {
    role: postgresql.Role;
    /** Secret. */
    password: pulumi.Output<string>;
}

export class AccessRoles extends pulumi.ComponentResource {
    public readonly service: LoginRole;
    public readonly app: LoginRole;
    public readonly readonly?: LoginRole;
    public readonly connectGroup: postgresql.Role;

    constructor(name: string, args: AccessRolesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pgstack:access:AccessRoles", name, {}, opts);
        const provider = args.provider;
        const r = args.rotation;

        this.connectGroup = new postgresql.Role(
            `${name}-connect-group`,
            { ...LEAST_PRIVILEGE, name: args.names.connectGroup, login: false },
            { parent: this, provider },
        );

        const login = (
            key: string,
            roleName: string,
            ownSeed: string | undefined,
            groups: pulumi.Input<string>[],
            extra: Partial<postgresql.RoleArgs> = {},
            ropts: pulumi.CustomResourceOptions = {},
        ) => {
            const pw = rotatingPassword(`${name}-${key}-password`, rotationKeepers(r.seed, ownSeed), { parent: this });
            const role = new postgresql.Role(
                `${name}-${key}-role`,
                {
                    ...LEAST_PRIVILEGE,
                    name: roleName,
                    login: true,
                    password: pw.result,
                    roles: groups,
                    searchPaths: args.searchPath,
                    ...extra,
                },
                { parent: this, provider, ...ropts },
            );
            return { role, password: pulumi.secret(pw.result) };
        };

        // The service role owns the database, so CONNECT is its own; the others connect through the group.
        // It owns every object migrations create, so it goes when the data goes, not before (review D4:
        // DROP ROLE of an owner fails, and REASSIGN OWNED would hand the data to whoever runs the destroy).
        this.service = login("service", args.names.service, r.service, [], {}, { retainOnDelete: args.retainOnDelete });
        this.app = login("app", args.names.app, r.app, [this.connectGroup.name], SESSION_LIMITS);
        if (args.names.readonly) {
            this.readonly = login(
                "readonly",
                args.names.readonly,
                r.readonly,
                [this.connectGroup.name],
                SESSION_LIMITS,
            );
        }

        this.registerOutputs({
            service: this.service.role.name,
            app: this.app.role.name,
            readonly: this.readonly?.role.name,
            connectGroup: this.connectGroup.name,
        });
    }
}
