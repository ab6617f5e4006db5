import { SECRET_STORAGE_ENV, STORAGE_ENV_NAMES } from "../../../components/storage/objectStorage";
import { baseConfig, ProgramRun, runProgram } from "../../harness";
import { r2Storage, s3Storage } from "./fixtures";

let s3: ProgramRun;
let r2: ProgramRun;
beforeAll(async () => {
    s3 = await runProgram(baseConfig({ storage: s3Storage() }));
    r2 = await runProgram(baseConfig({ storage: r2Storage() }));
    expect([s3.error, r2.error]).toEqual([undefined, undefined]);
});

/** The storage outputs a run exports (those with a value), and which of them are secret. */
const storageOutputs = (run: ProgramRun) =>
    Object.fromEntries(
        Object.entries(run.outputs)
            .filter(
                ([k, v]) => (STORAGE_ENV_NAMES as readonly string[]).includes(k) && typeof v === "string" && v !== "",
            )
            .map(([k]) => [k, run.secret[k]]),
    );

test("S3 and R2 export the same twelve output names, with the same two secret", () => {
    const expected = Object.fromEntries(STORAGE_ENV_NAMES.map((n) => [n, SECRET_STORAGE_ENV.includes(n)]));
    expect({ s3: storageOutputs(s3), r2: storageOutputs(r2) }).toEqual({ s3: expected, r2: expected });
});

test("the backup environment names the backup bucket and the WAL-G prefix in it", () => {
    expect([r2.outputs.BACKUP_S3_BUCKET, r2.outputs.WALG_S3_PREFIX, r2.outputs.RAW_STORAGE_BUCKET]).toEqual([
        "acme-pgstack-test-backups",
        "s3://acme-pgstack-test-backups/walg",
        "acme-pgstack-test-raw",
    ]);
});

test("the app and backup credentials are different credentials", () => {
    expect([s3, r2].map((r) => r.outputs.OBJECT_STORAGE_ACCESS_KEY_ID !== r.outputs.BACKUP_AWS_ACCESS_KEY_ID)).toEqual([
        true,
        true,
    ]);
});

test("the storage tree is one component with the provider's below it", () => {
    const components = (run: ProgramRun) =>
        run.mocks.resources.filter((r) => r.type.startsWith("pgstack:storage:")).map((r) => `${r.type} ${r.name}`);
    expect({ s3: components(s3), r2: components(r2) }).toEqual({
        s3: [
            "pgstack:storage:ObjectStorage pgstack-storage",
            "pgstack:storage:S3Storage pgstack-storage-s3",
            "pgstack:storage:S3Bucket pgstack-storage-s3-raw",
            "pgstack:storage:S3Bucket pgstack-storage-s3-backups",
            "pgstack:storage:S3Credential pgstack-storage-s3-app",
            "pgstack:storage:S3Credential pgstack-storage-s3-backup",
        ],
        r2: [
            "pgstack:storage:ObjectStorage pgstack-storage",
            "pgstack:storage:R2Storage pgstack-storage-r2",
            "pgstack:storage:R2Bucket pgstack-storage-r2-raw",
            "pgstack:storage:R2Bucket pgstack-storage-r2-backups",
            "pgstack:storage:R2Token pgstack-storage-r2-app",
            "pgstack:storage:R2Token pgstack-storage-r2-backup",
        ],
    });
});
