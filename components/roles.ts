/**
 * The stack's cluster-wide roles: the service (migration/owner) role, the app role (DML only), the
 * optional read-only role, and a NOLOGIN group that carries CONNECT on the database for tenants and
 * the read-only role. None of them is ever superuser, createrole, createdb, replication or bypassrls.
 *
 * Three steps: the constructor creates the service role (it must exist before the database it
 * owns); `createConnectGroup` the group, through the provider on the app database once it exists;
 * `createLogins` the app and read-only roles once the tenant roles exist (the app role's memberships
 * name them).
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
    names: { service: string; app: string; readonly?: string; connectGroup: string; tenantsGroup: string };
    rotation: { seed: string; service?: string; app?: string; readonly?: string };
    /** search_path of the stack's login roles: the app schemas, so nothing resolves through `public` (S9). */
    searchPath: string[];
    /** Whether the database is kept when the stack lets go of it: then so is the service role that owns it. */
    retainOnDelete: boolean;
    /** The admin provider (maintenance database): the roles that must exist before the database. */
    provider: postgresql.Provider;
}

export interface LoginArgs {
    /**
     * The provider connected to the app database: a role is dropped there (REASSIGN OWNED / DROP OWNED
     * run in the provider's database only), so what it owns or was granted in the app database does
     * not block its removal (review D4).
     */
    provider: postgresql.Provider;
    /** Tenant roles the app role may `SET ROLE` to (tenant access modes setrole and both). */
    appMemberOf: pulumi.Input<string>[];
}

export interface LoginRole {
    role: postgresql.Role;
    /** Secret. */
    password: pulumi.Output<string>;
}

export class AccessRoles extends pulumi.ComponentResource {
    public readonly service: LoginRole;
    /** Set by createConnectGroup. */
    public connectGroup!: postgresql.Role;
    /** Set by createTenantsGroup. */
    public tenantsGroup!: postgresql.Role;
    /** Set by createLogins. */
    public app!: LoginRole;
    public readonly?: LoginRole;
    private readonly args: AccessRolesArgs;
    private readonly baseName: string;

    constructor(name: string, args: AccessRolesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pgstack:access:AccessRoles", name, {}, opts);
        this.args = args;
        this.baseName = name;

        // The service role owns the database, so CONNECT is its own. It owns every object migrations
        // create, so it goes when the data goes, not before (review D4: DROP ROLE of an owner fails,
        // and REASSIGN OWNED would hand the data to whoever runs the destroy).
        this.service = this.login("service", args.names.service, args.rotation.service, {
            provider: args.provider,
            retainOnDelete: args.retainOnDelete,
        });
    }

    /**
     * The NOLOGIN group tenants (and the read-only role) get CONNECT and the RLS guard through. Made
     * through the provider on the app database, like the login roles (LoginArgs.provider): what
     * migrations grant it there (a shared table) does not block its removal.
     */
    createConnectGroup(provider: postgresql.Provider): postgresql.Role {
        this.connectGroup = new postgresql.Role(
            `${this.baseName}-connect-group`,
            { ...LEAST_PRIVILEGE, name: this.args.names.connectGroup, login: false },
            { parent: this, provider },
        );
        return this.connectGroup;
    }

    /**
     * The NOLOGIN group every tenant role is a member of (and inherits from): USAGE on the app schemas,
     * and DML on each shared table `enable_tenant_rls` guards, so a tenant (logged in, or the app role
     * after SET ROLE) works on shared tables with row-level security as the boundary. Made through the
     * provider on the app database, like the connect group.
     */
    createTenantsGroup(provider: postgresql.Provider): postgresql.Role {
        this.tenantsGroup = new postgresql.Role(
            `${this.baseName}-tenants-group`,
            { ...LEAST_PRIVILEGE, name: this.args.names.tenantsGroup, login: false },
            { parent: this, provider },
        );
        return this.tenantsGroup;
    }

    /**
     * The app role: NOINHERIT, so it holds only its own grants. A member of the tenant roles it may
     * `SET ROLE` to, it gets none of their rights until it does (PostgreSQL 15: the role attribute;
     * 16+: new grants default to INHERIT FALSE from it, SET TRUE). Its CONNECT is granted to it
     * directly (AppDatabase), not through the group, which it would not inherit.
     * The read-only role: a member of the connect group (CONNECT and the RLS guard through it).
     */
    createLogins(a: LoginArgs): void {
        const n = this.args.names;
        this.app = this.login(
            "app",
            n.app,
            this.args.rotation.app,
            { provider: a.provider },
            { ...SESSION_LIMITS, inherit: false, roles: a.appMemberOf },
        );
        if (n.readonly) {
            this.readonly = this.login(
                "readonly",
                n.readonly,
                this.args.rotation.readonly,
                { provider: a.provider },
                { ...SESSION_LIMITS, roles: [this.connectGroup.name] },
            );
        }
        this.registerOutputs({
            service: this.service.role.name,
            app: this.app.role.name,
            readonly: this.readonly?.role.name,
            connectGroup: this.connectGroup.name,
            tenantsGroup: this.tenantsGroup?.name,
        });
    }

    private login(
        key: string,
        roleName: string,
        ownSeed: string | undefined,
        opts: pulumi.CustomResourceOptions,
        extra: Partial<postgresql.RoleArgs> = {},
    ): LoginRole {
        const name = this.baseName;
        const pw = rotatingPassword(`${name}-${key}-password`, rotationKeepers(this.args.rotation.seed, ownSeed), {
            parent: this,
        });
        const role = new postgresql.Role(
            `${name}-${key}-role`,
            {
                ...LEAST_PRIVILEGE,
                name: roleName,
                login: true,
                password: pw.result,
                roles: [],
                searchPaths: this.args.searchPath,
                ...extra,
            },
            { parent: this, ...opts },
        );
        return { role, password: pulumi.secret(pw.result) };
    }
}
