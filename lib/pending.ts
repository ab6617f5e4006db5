/**
 * After an interrupted `pulumi up`, the state lists "pending creates": resources the engine asked a
 * provider to create and never heard back about. Clearing them (`--clear-pending-creates`) makes the
 * next `up` create them again, which fails for a role or function the server already has ("already
 * exists": the postgresql provider, like upstream, does not adopt). Putting them in the state with
 * their ID lets a refresh read each one: one that exists is kept, one that does not is dropped and
 * created by the next `up` (scripts/lib/engine.ts, recoverInterrupted).
 *
 * The IDs are the ones the postgresql provider derives from a resource's inputs (upstream's formats,
 * reference §1), computed with the offline provider's own functions. RandomPassword has no server
 * side (its ID is the literal `none` and its result only lives in the state): it is cleared.
 */
import { databaseSpec } from "../providers/offline/postgresql/database";
import { defaultPrivilegesId, defaultPrivilegesSpec } from "../providers/offline/postgresql/defaultPrivileges";
import { extensionSpec } from "../providers/offline/postgresql/extension";
import { functionId, functionSpec } from "../providers/offline/postgresql/function";
import { grantId, grantSpec } from "../providers/offline/postgresql/grant";
import { grantRoleId, grantRoleSpec } from "../providers/offline/postgresql/grantRole";
import { roleSpec } from "../providers/offline/postgresql/role";
import { schemaId, schemaSpec } from "../providers/offline/postgresql/schema";
import type { Props } from "../providers/offline/props";

/** One entry of `pending_operations` in `pulumi stack export`. */
export interface PendingOperation {
    type: string;
    resource: { urn: string; type: string; inputs?: Record<string, unknown> };
}

export interface PendingPlan {
    /** [URN, provider ID] pairs. */
    imports: [string, string][];
    /** Pending creates with nothing on the server to find: cleared. */
    clear: string[];
}

const ID_OF: Record<string, (p: Props, providerDb: string) => string> = {
    "postgresql:index/role:Role": (p) => roleSpec(p).name,
    "postgresql:index/database:Database": (p) => databaseSpec(p).name,
    "postgresql:index/schema:Schema": (p, db) => schemaId(schemaSpec(p, db)),
    "postgresql:index/extension:Extension": (p, db) => {
        const e = extensionSpec(p, db);
        return `${e.database}.${e.name}`;
    },
    "postgresql:index/function:Function": (p, db) => functionId(functionSpec(p, db)),
    "postgresql:index/grant:Grant": (p) => grantId(grantSpec(p)),
    "postgresql:index/defaultPrivileges:DefaultPrivileges": (p) => defaultPrivilegesId(defaultPrivilegesSpec(p)),
    "postgresql:index/grantRole:GrantRole": (p) => grantRoleId(grantRoleSpec(p)),
};

/**
 * How to settle the pending creates of a deployment. `providerDb` is the database the postgresql
 * provider connects to, for resources whose own `database` input is empty.
 */
export function planPendingCreates(pending: PendingOperation[], providerDb = "postgres"): PendingPlan {
    const plan: PendingPlan = { imports: [], clear: [] };
    for (const op of pending) {
        if (op.type !== "creating") continue;
        const idOf = ID_OF[op.resource.type];
        const inputs = (op.resource.inputs ?? {}) as Props;
        if (idOf) {
            plan.imports.push([op.resource.urn, idOf(inputs, providerDb)]);
        } else {
            plan.clear.push(op.resource.urn);
        }
    }
    return plan;
}
