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

export interface AccessRolesArgs {
    names: { service: string; app: string; readonly?: string; connectGroup: string };
    rotation: { seed: string; service?: string; app?: string; readonly?: string };
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

        const login = (key: string, roleName: string, ownSeed: string | undefined, groups: pulumi.Input<string>[]) => {
            const pw = rotatingPassword(`${name}-${key}-password`, rotationKeepers(r.seed, ownSeed), { parent: this });
            const role = new postgresql.Role(
                `${name}-${key}-role`,
                { ...LEAST_PRIVILEGE, name: roleName, login: true, password: pw.result, roles: groups },
                { parent: this, provider },
            );
            return { role, password: pulumi.secret(pw.result) };
        };

        // The service role owns the database, so CONNECT is its own; the others connect through the group.
        this.service = login("service", args.names.service, r.service, []);
        this.app = login("app", args.names.app, r.app, [this.connectGroup.name]);
        if (args.names.readonly) {
            this.readonly = login("readonly", args.names.readonly, r.readonly, [this.connectGroup.name]);
        }

        this.registerOutputs({
            service: this.service.role.name,
            app: this.app.role.name,
            readonly: this.readonly?.role.name,
            connectGroup: this.connectGroup.name,
        });
    }
}
