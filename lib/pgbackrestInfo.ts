/**
 * Reading `pgbackrest info --output=json` (pgBackRest 2.x) and the repository layout in the bucket:
 * the newest base backup, the newest archived WAL segment and the object key it is stored under.
 * Pure, so the freshness check and the drill read them the same way.
 */

interface InfoBackup {
    label?: string;
    type?: string;
    timestamp?: { start?: number; stop?: number };
    archive?: { start?: string | null; stop?: string | null };
}
interface InfoArchive {
    id?: string;
    min?: string | null;
    max?: string | null;
}
interface InfoStanza {
    name?: string;
    backup?: InfoBackup[];
    archive?: InfoArchive[];
    status?: { code?: number; message?: string };
}

export interface BackupSummary {
    label: string;
    type: string;
    /** When the backup finished (the earliest time a restore from it can target). */
    stop: Date;
    /** Last WAL segment the backup needs to be consistent. */
    archiveStop?: string;
}

export interface StanzaInfo {
    /** Backups, oldest first. */
    backups: BackupSummary[];
    /** Per archive id (e.g. "15-1"): the newest archived segment. */
    archives: { id: string; max: string }[];
    /** pgBackRest's status: 0 ok, 2 no valid backups, 1 missing stanza path, … */
    statusCode: number;
    statusMessage: string;
}

const WAL_NAME = /^[0-9A-F]{24}$/;

/** The stanza's backups and archive ranges from `pgbackrest info --output=json`. */
export function parseStanzaInfo(json: string, stanza: string): StanzaInfo {
    let parsed: unknown;
    try {
        parsed = JSON.parse(json);
    } catch {
        throw new Error("pgbackrest info: the output is not JSON");
    }
    if (!Array.isArray(parsed)) throw new Error("pgbackrest info: expected a list of stanzas");
    const s = (parsed as InfoStanza[]).find((x) => x.name === stanza);
    if (!s) throw new Error(`pgbackrest info: no stanza "${stanza}" in the repository`);
    const backups = (s.backup ?? [])
        .filter((b) => typeof b.timestamp?.stop === "number")
        .map((b): BackupSummary => ({
            label: String(b.label ?? ""),
            type: String(b.type ?? ""),
            stop: new Date((b.timestamp?.stop as number) * 1000),
            ...(b.archive?.stop ? { archiveStop: b.archive.stop } : {}),
        }))
        .sort((a, b) => a.stop.getTime() - b.stop.getTime());
    const archives = (s.archive ?? [])
        .filter((a): a is { id: string; max: string } => typeof a.id === "string" && WAL_NAME.test(a.max ?? ""))
        .map((a) => ({ id: a.id, max: a.max }));
    return {
        backups,
        archives,
        statusCode: s.status?.code ?? -1,
        statusMessage: s.status?.message ?? "",
    };
}

/** The newest backup (any type: full, diff and incr all restore). */
export function newestBackup(info: StanzaInfo): BackupSummary | undefined {
    return info.backups[info.backups.length - 1];
}

/** The newest archived segment across archive ids (the highest id is the current cluster). */
export function newestWal(info: StanzaInfo): { id: string; segment: string } | undefined {
    const byId = [...info.archives].sort((a, b) => a.id.localeCompare(b.id, "en", { numeric: true }));
    const last = byId[byId.length - 1];
    return last ? { id: last.id, segment: last.max } : undefined;
}

/** Key prefix of the archive of one stanza in the bucket: `<repo path>/archive/<stanza>/`. */
export function archivePrefix(repoPath: string, stanza: string): string {
    return `${repoPath.replace(/^\/+|\/+$/g, "")}/archive/${stanza}/`;
}

/**
 * Key prefix of one archived segment: pgBackRest stores `000000010000000000000005` as
 * `<archive prefix><id>/0000000100000000/000000010000000000000005-<sha1>.<ext>`.
 */
export function walKeyPrefix(repoPath: string, stanza: string, archiveId: string, segment: string): string {
    if (!WAL_NAME.test(segment)) throw new Error(`"${segment}" is not a WAL segment name`);
    return `${archivePrefix(repoPath, stanza)}${archiveId}/${segment.slice(0, 16)}/${segment}`;
}

/** The segment name of an archive object key, if it is one (not archive.info, not a .history file). */
export function walSegmentOfKey(key: string): string | undefined {
    const m = /\/([0-9A-F]{24})-[0-9a-f]{40}(\.[a-z0-9]+)?$/.exec(key);
    return m?.[1];
}
