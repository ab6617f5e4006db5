/**
 * AWS networking: no security group lets the whole internet in (0.0.0.0/0 or ::/0 ingress). The
 * database is reached from the VPC's own networks and security groups only.
 */
import { OPEN_CIDRS } from "../config/constants";
import { asList, isObject, label, Policy, Props, ResourceValidationPolicy } from "./lib";

export const SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup";
export const SECURITY_GROUP_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule";
export const INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";

export { OPEN_CIDRS };

/** The open CIDRs of one inline ingress block or rule. */
function openCidrs(rule: Props): string[] {
    const cidrs = [...asList(rule.cidrBlocks), ...asList(rule.ipv6CidrBlocks), rule.cidrIpv4, rule.cidrIpv6];
    return cidrs.filter((c): c is string => typeof c === "string" && OPEN_CIDRS.includes(c));
}

function ingressRules(type: string, props: Props): Props[] {
    if (type === SECURITY_GROUP) return asList(props.ingress).filter(isObject);
    if (type === SECURITY_GROUP_RULE) return props.type === "ingress" ? [props] : [];
    if (type === INGRESS_RULE) return [props];
    return [];
}

export const noOpenIngress: ResourceValidationPolicy = {
    name: "network-no-open-ingress",
    description: "No security group allows ingress from 0.0.0.0/0 or ::/0.",
    enforcementLevel: "mandatory",
    severity: "critical",
    validateResource: (args, report) => {
        for (const rule of ingressRules(args.type, args.props)) {
            const open = openCidrs(rule);
            if (open.length > 0) {
                const ports = `${String(rule.fromPort ?? "")}-${String(rule.toPort ?? "")}`;
                report(
                    `${label(args)} opens ports ${ports} to ${open.join(", ")}: list the VPC or office CIDRs ` +
                        "(pgstack:server.allowedCidrs) or source security groups (allowedSecurityGroupIds) instead.",
                );
            }
        }
    },
};

export const networkPolicies: Policy[] = [noOpenIngress];
