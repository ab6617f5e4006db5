/**
 * The pgstack policy pack: `pulumi preview --policy-pack policies` (after `npm ci --prefix policies`).
 * Constructing the PolicyPack starts the gRPC server the Pulumi CLI talks to.
 */
import { PolicyPack } from "@pulumi/policy";
import { PACK_NAME, packArgs } from "./pack";
import { recordStackConfigure } from "./stackConfigure";

// Before the server starts: the stack name and config arrive in the engine's ConfigureStack call.
recordStackConfigure();
new PolicyPack(PACK_NAME, packArgs);
