/**
 * `aws:iam/accessKey:AccessKey` (terraform-provider-aws `internal/service/iam/access_key.go`): ID = the
 * access key ID; the secret and the SES SMTP password (derived from it and the provider's region) are stored
 * as secrets from the create response and never read again; Read drops the key when ListAccessKeys no longer
 * has it; status changes are UpdateAccessKey; Delete is DeleteAccessKey. `pgpKey` is not implemented.
 */
import {
    CreateAccessKeyCommand,
    DeleteAccessKeyCommand,
    ListAccessKeysCommand,
    UpdateAccessKeyCommand,
} from "@aws-sdk/client-iam";
import { createHmac } from "crypto";
import { Props, str } from "../props";
import type { ResourceDef } from "../resource";
import { AwsContext, isCode } from "./context";
import { AWS } from "../../../upstream/tokens";

const GONE = ["NoSuchEntity", "NoSuchEntityException"];

/** SES SMTP password (version 4) of a secret access key in a region (upstream's HMAC chain). */
export function sesSmtpPasswordV4(secret: string, region: string): string {
    let sig: Buffer = Buffer.from(`AWS4${secret}`, "utf8");
    for (const part of ["11111111", region, "ses", "aws4_request", "SendRawEmail"]) {
        sig = createHmac("sha256", sig).update(part, "utf8").digest();
    }
    return Buffer.concat([Buffer.from([0x04]), sig]).toString("base64");
}

const isoSeconds = (d: Date | undefined) => (d ? d.toISOString().replace(/\.\d{3}Z$/, "Z") : null);

async function find(ctx: AwsContext, user: string, id: string) {
    try {
        let marker: string | undefined;
        do {
            const r = await ctx.iam().send(new ListAccessKeysCommand({ UserName: user, Marker: marker }));
            const k = (r.AccessKeyMetadata ?? []).find((m) => m.AccessKeyId === id);
            if (k) return k;
            marker = r.IsTruncated ? r.Marker : undefined;
        } while (marker);
        return undefined;
    } catch (e) {
        if (isCode(e, GONE)) return undefined;
        throw e;
    }
}

export const iamAccessKey: ResourceDef<AwsContext> = {
    token: AWS.iam.AccessKey,
    props: {
        user: { kind: "string", required: true, forceNew: true },
        pgpKey: { kind: "string", forceNew: true, unsupported: "PGP encryption of the secret is not implemented" },
        status: { kind: "string", default: "Active", oneOf: ["Active", "Inactive", "Expired"] },
    },
    computedOutputs: [
        "createDate",
        "secret",
        "sesSmtpPasswordV4",
        "encryptedSecret",
        "encryptedSesSmtpPasswordV4",
        "keyFingerprint",
    ],
    secretOutputs: ["secret", "sesSmtpPasswordV4"],
    async create(ctx, inputs) {
        const user = str(inputs, "user") as string;
        const r = await ctx.iam().send(new CreateAccessKeyCommand({ UserName: user }));
        const k = r.AccessKey;
        if (!k?.AccessKeyId || !k.SecretAccessKey) throw new Error(`creating IAM Access Key (${user}): empty response`);
        const status = str(inputs, "status") ?? "Active";
        if (status === "Inactive") {
            await ctx
                .iam()
                .send(new UpdateAccessKeyCommand({ UserName: user, AccessKeyId: k.AccessKeyId, Status: "Inactive" }));
        }
        return {
            id: k.AccessKeyId,
            outputs: {
                user,
                status,
                createDate: isoSeconds(k.CreateDate),
                secret: k.SecretAccessKey,
                sesSmtpPasswordV4: sesSmtpPasswordV4(k.SecretAccessKey, ctx.config.region),
                encryptedSecret: null,
                encryptedSesSmtpPasswordV4: null,
                keyFingerprint: null,
            },
        };
    },
    async read(ctx, id, state) {
        const user = str(state, "user");
        if (!user) throw new Error(`IAM Access Key (${id}): the user is not known (import is not implemented)`);
        const k = await find(ctx, user, id);
        if (!k) return null;
        const out: Props = {
            ...state,
            user,
            status: k.Status ?? "",
            createDate: isoSeconds(k.CreateDate) ?? state.createDate ?? null,
        };
        return { id, outputs: out };
    },
    async update(ctx, id, olds, news) {
        const user = str(news, "user") as string;
        const status = str(news, "status") ?? "Active";
        if (status !== str(olds, "status")) {
            await ctx
                .iam()
                .send(new UpdateAccessKeyCommand({ UserName: user, AccessKeyId: id, Status: status as never }));
        }
        const k = await find(ctx, user, id);
        if (!k) throw new Error(`IAM Access Key (${id}) not found after update`);
        return { id, outputs: { ...olds, user, status: k.Status ?? status } };
    },
    async delete(ctx, id, state) {
        try {
            await ctx.iam().send(new DeleteAccessKeyCommand({ UserName: str(state, "user"), AccessKeyId: id }));
        } catch (e) {
            if (!isCode(e, GONE)) throw e;
        }
    },
};
