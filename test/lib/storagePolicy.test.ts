import { awsPartition, bucketAccessPolicy, s3Endpoint } from "../../lib/storagePolicy";
import { r2SecretAccessKey } from "../../components/storage/r2Token";
import { r2Endpoint } from "../../components/storage/r2";

test.each([
    ["eu-west-1", "aws", "https://s3.eu-west-1.amazonaws.com"],
    ["cn-north-1", "aws-cn", "https://s3.cn-north-1.amazonaws.com.cn"],
    ["us-gov-west-1", "aws-us-gov", "https://s3.us-gov-west-1.amazonaws.com"],
])("%s is in partition %s with endpoint %s", (region, partition, endpoint) => {
    expect([awsPartition(region), s3Endpoint(region)]).toEqual([partition, endpoint]);
});

test("ARNs follow the partition", () => {
    const p = bucketAccessPolicy({ partition: "aws-cn", bucket: "b", prefix: "", objectActions: ["s3:GetObject"] });
    expect(p.Statement.flatMap((s) => s.Resource)).toEqual(["arn:aws-cn:s3:::b", "arn:aws-cn:s3:::b/*"]);
});

test("the R2 secret access key is the SHA-256 hex of the token value", () => {
    expect(r2SecretAccessKey("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
});

test.each([
    ["default", "https://acct.r2.cloudflarestorage.com"],
    ["eu", "https://acct.eu.r2.cloudflarestorage.com"],
    ["fedramp", "https://acct.fedramp.r2.cloudflarestorage.com"],
])("the R2 endpoint of jurisdiction %s is %s", (jurisdiction, endpoint) => {
    expect(r2Endpoint("acct", jurisdiction)).toBe(endpoint);
});
