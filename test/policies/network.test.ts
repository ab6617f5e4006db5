import { noOpenIngress } from "../../policies/network";
import { resourceArgs, validateResource } from "./harness";

const sg = (ingress: Record<string, unknown>[]) =>
    resourceArgs(
        "aws:ec2/securityGroup:SecurityGroup",
        { vpcId: "vpc-1", ingress, egress: [] },
        { name: "pgstack-server-sg" },
    );

describe("network-no-open-ingress", () => {
    test("passes ingress from a source security group and a VPC CIDR", async () => {
        const ingress = [
            { protocol: "tcp", fromPort: 5432, toPort: 5432, securityGroups: ["sg-1"] },
            { protocol: "tcp", fromPort: 5432, toPort: 5432, cidrBlocks: ["10.0.0.0/16"] },
        ];
        expect(await validateResource(noOpenIngress, sg(ingress))).toEqual([]);
    });
    test("fails 5432 open to 0.0.0.0/0", async () => {
        const [v] = await validateResource(
            noOpenIngress,
            sg([{ protocol: "tcp", fromPort: 5432, toPort: 5432, cidrBlocks: ["0.0.0.0/0"] }]),
        );
        expect(v.message).toMatch(/"pgstack-server-sg" opens ports 5432-5432 to 0.0.0.0\/0.*allowedCidrs/);
    });
    test("fails a separate ingress rule open to ::/0", async () => {
        const args = resourceArgs("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", {
            cidrIpv6: "::/0",
            fromPort: 5432,
            toPort: 5432,
        });
        expect(await validateResource(noOpenIngress, args)).toHaveLength(1);
    });
    test("ignores egress rules", async () => {
        const args = resourceArgs("aws:ec2/securityGroupRule:SecurityGroupRule", {
            type: "egress",
            cidrBlocks: ["0.0.0.0/0"],
        });
        expect(await validateResource(noOpenIngress, args)).toEqual([]);
    });
});
