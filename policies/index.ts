/**
 * The pgstack policy pack: `pulumi preview --policy-pack policies` (after `npm ci --prefix policies`).
 * Constructing the PolicyPack starts the gRPC server the Pulumi CLI talks to.
 */
import { PolicyPack } from "@pulumi/policy";
import { PACK_NAME, packArgs } from "./pack";

new PolicyPack(PACK_NAME, packArgs);
