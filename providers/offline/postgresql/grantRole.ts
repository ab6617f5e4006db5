/**
 * `postgresql:index/grantRole:GrantRole` (resource_postgresql_grant_role.go).
 * Non-authoritative membership; every input replaces (there is no Update).
 * ID = `<role>_<grantRole>_<withAdminOption>`.
 */
import { Props } from "../props";
import { ResourceDef } from "../resource";
import { qi } from "./client";
import { grantRoleId, GrantRoleKey, grantRoleKey } from "../../../upstream/ids";
import { POSTGRESQL } from "../../../upstream/tokens";
import { PgContext, withContext } from "./context";

/** Every input of a GrantRole is part of its ID (upstream/ids.ts). */
export type GrantRoleSpec = GrantRoleKey;
export const grantRoleSpec = (p: Props): GrantRoleSpec => grantRoleKey(p);

export function createGrantRoleSql(g: GrantRoleSpec): string[] {
    return [
        `REVOKE ${qi(g.grantRole)} FROM ${qi(g.role)}`,
        `GRANT ${qi(g.grantRole)} TO ${qi(g.role)}${g.withAdminOption ? " WITH ADMIN OPTION" : ""}`,
    ];
}

export function revokeGrantRoleSql(g: GrantRoleSpec): string {
    return `REVOKE ${qi(g.grantRole)} FROM ${qi(g.role)}`;
}

async function readGrantRole(ctx: PgContext, state: Props) {
    const g = grantRoleSpec(state);
    return withContext(
        `could not read grant role ${grantRoleId(g)}`,
        ctx.client.run(undefined, async (q) => {
            const rows = await q.query(
                "SELECT pg_get_userbyid(member) AS role, pg_get_userbyid(roleid) AS grant_role, admin_option FROM pg_auth_members " +
                    "WHERE pg_get_userbyid(member) = $1 AND pg_get_userbyid(roleid) = $2",
                [g.role, g.grantRole],
            );
            if (rows.length === 0) return null;
            const r = rows[0];
            const outputs: Props = {
                ...state,
                role: String(r.role),
                grantRole: String(r.grant_role),
                withAdminOption: r.admin_option === true,
            };
            return { id: grantRoleId(g), outputs };
        }),
    );
}

export const grantRole: ResourceDef<PgContext> = {
    token: POSTGRESQL.GrantRole,
    props: {
        role: { kind: "string", required: true, forceNew: true },
        grantRole: { kind: "string", required: true, forceNew: true },
        withAdminOption: { kind: "bool", default: false, forceNew: true },
    },
    async create(ctx, inputs) {
        const g = grantRoleSpec(inputs);
        await withContext(
            `could not create grant role ${grantRoleId(g)}`,
            ctx.client.tx(undefined, async (q) => {
                for (const s of createGrantRoleSql(g)) await q.query(s);
            }),
        );
        const r = await readGrantRole(ctx, inputs);
        if (!r) throw new Error(`grant role ${grantRoleId(g)} not found after create`);
        return r;
    },
    async read(ctx, _id, state) {
        return readGrantRole(ctx, state);
    },
    async update() {
        throw new Error("GrantRole has no in-place update: every input replaces it");
    },
    async delete(ctx, _id, state) {
        const g = grantRoleSpec(state);
        await withContext(
            `could not delete grant role ${grantRoleId(g)}`,
            ctx.client.tx(undefined, (q) => q.query(revokeGrantRoleSql(g))),
        );
    },
};
