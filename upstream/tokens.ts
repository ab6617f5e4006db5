/**
 * The type tokens of the upstream providers' resources and functions that this repo names: the
 * program registers them (through @pulumi/postgresql, @pulumi/random and @pulumi/aws), the offline
 * provider serves them under the same tokens, recovery computes their IDs (ids.ts), and the mock
 * harness and the policy pack match on them. Grouped as the SDKs group them, so `POSTGRESQL.Role`
 * is the token of `postgresql.Role` and `AWS.s3.Bucket` that of `aws.s3.Bucket`.
 */

/** @pulumi/postgresql (pulumi-postgresql 3.18, terraform-provider-postgresql v1.27). */
export const POSTGRESQL = {
    Role: "postgresql:index/role:Role",
    Database: "postgresql:index/database:Database",
    Schema: "postgresql:index/schema:Schema",
    Grant: "postgresql:index/grant:Grant",
    DefaultPrivileges: "postgresql:index/defaultPrivileges:DefaultPrivileges",
    /** The deprecated alias of DefaultPrivileges that the SDK still exports. */
    DefaultPrivileg: "postgresql:index/defaultPrivileg:DefaultPrivileg",
    Extension: "postgresql:index/extension:Extension",
    Function: "postgresql:index/function:Function",
    GrantRole: "postgresql:index/grantRole:GrantRole",
    /** The `getSchemas` function (an Invoke, not a resource). */
    getSchemas: "postgresql:index/getSchemas:getSchemas",
} as const;

/** @pulumi/random (pulumi-random 4.21, terraform-provider-random v3.9). */
export const RANDOM = {
    RandomPassword: "random:index/randomPassword:RandomPassword",
    RandomString: "random:index/randomString:RandomString",
} as const;

/** @pulumi/aws 7.x: the S3 and IAM resources of the stack's S3 storage path. */
export const AWS = {
    s3: {
        Bucket: "aws:s3/bucket:Bucket",
        BucketVersioning: "aws:s3/bucketVersioning:BucketVersioning",
        BucketServerSideEncryptionConfiguration:
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        BucketPublicAccessBlock: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        BucketOwnershipControls: "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
        BucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
        BucketLifecycleConfiguration: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        BucketObjectLockConfiguration: "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
    },
    iam: {
        User: "aws:iam/user:User",
        UserPolicy: "aws:iam/userPolicy:UserPolicy",
        AccessKey: "aws:iam/accessKey:AccessKey",
    },
} as const;
