/**
 * A least-privilege S3 credential: an IAM user whose only permission is one inline policy (built by
 * lib/storagePolicy.ts), and its access key. The secret key leaves only as a secret Output.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { PolicyDocument } from "../../lib/storagePolicy";
import type { StorageCredential } from "./types";

export interface S3CredentialArgs {
    /** The user's single inline policy. */
    policy: pulumi.Input<PolicyDocument>;
    purpose: string;
    /**
     * IAM path `/pgstack/` and a purpose tag on the user. Off for S3-compatible servers that keep
     * neither (SeaweedFS answers GetUser with path `/` and no tags, which would show as drift forever).
     */
    pathAndTags: boolean;
}

export class S3Credential extends pulumi.ComponentResource implements StorageCredential {
    public readonly accessKeyId: pulumi.Output<string>;
    public readonly secretAccessKey: pulumi.Output<string>;

    constructor(name: string, args: S3CredentialArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pgstack:storage:S3Credential", name, {}, opts);
        const user = new aws.iam.User(
            `${name}-user`,
            args.pathAndTags ? { path: "/pgstack/", tags: { "pgstack:purpose": args.purpose } } : {},
            { parent: this },
        );
        const policy = new aws.iam.UserPolicy(
            `${name}-policy`,
            { user: user.name, policy: pulumi.output(args.policy).apply((p) => JSON.stringify(p)) },
            { parent: this },
        );
        const key = new aws.iam.AccessKey(`${name}-key`, { user: user.name }, { parent: this, dependsOn: [policy] });
        this.accessKeyId = key.id;
        this.secretAccessKey = pulumi.secret(key.secret);
        this.registerOutputs({ accessKeyId: this.accessKeyId, secretAccessKey: this.secretAccessKey });
    }
}
