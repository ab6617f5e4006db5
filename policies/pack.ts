/**
 * Every policy of the pgstack pack, in one list: index.ts serves it, the tests run it.
 * Importing this module has no side effects (index.ts starts the policy server).
 */
import { POLICY_PACK_NAME } from "../config/constants";
import { dockerPolicies } from "./docker";
import { iamPolicies } from "./iam";
import type { Policy } from "./lib";
import { networkPolicies } from "./network";
import { postgresPolicies } from "./postgres";
import { r2Policies } from "./r2";
import { rdsPolicies } from "./rds";
import { s3Policies } from "./s3";
import { stackPolicies } from "./stack";

export const PACK_NAME = POLICY_PACK_NAME;

export const policies: Policy[] = [
    ...rdsPolicies,
    ...s3Policies,
    ...r2Policies,
    ...iamPolicies,
    ...networkPolicies,
    ...postgresPolicies,
    ...dockerPolicies,
    ...stackPolicies,
];

export const packArgs = {
    description:
        "pgstack guardrails: private, encrypted, TLS-only PostgreSQL and storage; least-privilege roles; protected data.",
    displayName: "pgstack",
    enforcementLevel: "mandatory" as const,
    policies,
};
