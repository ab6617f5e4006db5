/**
 * The S3 API of the backup bucket for the scripts (dumps, freshness, the drill's checks): an SDK
 * client from a BackupTarget, trusting a private CA when given, and the few calls they make.
 */
import {
    DeleteObjectCommand,
    ListObjectsV2Command,
    ListObjectsV2CommandOutput,
    PutObjectCommand,
    S3Client,
} from "@aws-sdk/client-s3";
import { createHash } from "crypto";
import * as fs from "fs";
import * as https from "https";
import type { BackupTarget } from "../../lib/backup";

export function s3Client(t: BackupTarget, caPem?: string): S3Client {
    return new S3Client({
        endpoint: t.endpoint,
        region: t.region,
        forcePathStyle: t.forcePathStyle,
        credentials: { accessKeyId: t.accessKeyId, secretAccessKey: t.secretAccessKey },
        // S3-compatible servers (SeaweedFS, MinIO, Ceph) do not all take the SDK's default trailing
        // checksums; send and check checksums only where the API requires them.
        requestChecksumCalculation: "WHEN_REQUIRED",
        responseChecksumValidation: "WHEN_REQUIRED",
        requestHandler: caPem
            ? { httpsAgent: new https.Agent({ ca: caPem, keepAlive: true }), requestTimeout: 60_000 }
            : { requestTimeout: 60_000 },
    });
}

export interface S3Object {
    key: string;
    lastModified: Date;
    size: number;
}

/** Every object under a prefix (paged). */
export async function listObjects(c: S3Client, bucket: string, prefix: string): Promise<S3Object[]> {
    const out: S3Object[] = [];
    let token: string | undefined;
    do {
        const page: ListObjectsV2CommandOutput = await c.send(
            new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
        );
        for (const o of page.Contents ?? []) {
            if (o.Key && o.LastModified) out.push({ key: o.Key, lastModified: o.LastModified, size: o.Size ?? 0 });
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out;
}

/** The most recently written object under a prefix, if any. */
export async function newestObject(c: S3Client, bucket: string, prefix: string): Promise<S3Object | undefined> {
    const all = await listObjects(c, bucket, prefix);
    return all.sort((a, b) => b.lastModified.getTime() - a.lastModified.getTime())[0];
}

/** Base64 MD5 of a file, streamed. */
function md5Base64(file: string): Promise<string> {
    return new Promise((resolve, reject) => {
        const hash = createHash("md5");
        fs.createReadStream(file)
            .on("error", reject)
            .on("data", (chunk) => hash.update(chunk))
            .on("end", () => resolve(hash.digest("base64")));
    });
}

/**
 * Uploads a file (streamed) with metadata. Content-MD5 goes with it: a bucket with Object Lock
 * (the stack's backup bucket) refuses a put without an integrity header, and every S3-compatible
 * server understands this one.
 */
export async function putFile(
    c: S3Client,
    bucket: string,
    key: string,
    file: string,
    metadata: Record<string, string>,
): Promise<void> {
    const md5 = await md5Base64(file);
    await c.send(
        new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: fs.createReadStream(file),
            ContentLength: fs.statSync(file).size,
            ContentMD5: md5,
            ContentType: "application/octet-stream",
            Metadata: metadata,
        }),
    );
}

export async function deleteObject(c: S3Client, bucket: string, key: string): Promise<void> {
    await c.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
}
