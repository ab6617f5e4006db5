/**
 * Backup freshness (a backup nobody checks is not a backup: this is what an alert reads): how old
 * the newest base backup, archived WAL segment and logical dump in the bucket are, judged against
 * thresholds, and the same facts as a Prometheus textfile-collector file. Pure: `npm run backup -- freshness` gathers the times.
 */

export const ARTIFACT_KINDS = ["base", "wal", "dump"] as const;
export type ArtifactKind = (typeof ARTIFACT_KINDS)[number];

/** Maximum ages in seconds. */
export type Thresholds = Record<ArtifactKind, number>;

/**
 * Defaults for a nightly schedule (a base backup and a dump a day, `schedule`): a day plus two hours
 * of slack. WAL gets the same: an idle server writes no new segment, but every base backup archives
 * one, so a day-old newest segment still means archiving works; a busier server can set it lower.
 */
export const DEFAULT_THRESHOLDS: Thresholds = { base: 26 * 3600, wal: 26 * 3600, dump: 26 * 3600 };

/** Flag and environment names of the thresholds. */
export const THRESHOLD_KEYS: Record<ArtifactKind, { flag: string; env: string }> = {
    base: { flag: "--max-base-age", env: "PGSTACK_BACKUP_MAX_BASE_AGE" },
    wal: { flag: "--max-wal-age", env: "PGSTACK_BACKUP_MAX_WAL_AGE" },
    dump: { flag: "--max-dump-age", env: "PGSTACK_BACKUP_MAX_DUMP_AGE" },
};

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** "90s", "15m", "26h", "2d" or a bare number of seconds; `key` names the setting in the error. */
export function parseDuration(text: string, key: string): number {
    const m = /^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$/.exec(text);
    if (!m) throw new Error(`${key}: "${text}" is not a duration (e.g. 90s, 15m, 26h, 2d)`);
    const seconds = Number(m[1]) * UNIT_SECONDS[m[2] || "s"];
    if (!(seconds > 0)) throw new Error(`${key}: the duration must be more than zero`);
    return seconds;
}

/** Thresholds from flags (`--max-base-age=26h` or `--max-base-age 26h`), then env, then defaults. */
export function thresholdsFrom(flags: string[], env: Record<string, string | undefined>): Thresholds {
    const out = { ...DEFAULT_THRESHOLDS };
    for (const kind of ARTIFACT_KINDS) {
        const { flag, env: name } = THRESHOLD_KEYS[kind];
        let value = env[name];
        let key = name;
        flags.forEach((f, i) => {
            if (f === flag) {
                value = flags[i + 1];
                key = flag;
                if (value === undefined) throw new Error(`${flag}: needs a duration`);
            } else if (f.startsWith(`${flag}=`)) {
                value = f.slice(flag.length + 1);
                key = flag;
            }
        });
        if (value !== undefined && value !== "") out[kind] = parseDuration(value, key);
    }
    return out;
}

export interface ArtifactFreshness {
    kind: ArtifactKind;
    /** When the newest one was written; absent when there is none. */
    newest?: Date;
    /** Its age in seconds at evaluation time (absent when there is none). */
    ageSeconds?: number;
    maxAgeSeconds: number;
    ok: boolean;
    /** One line for the operator. */
    message: string;
}

export interface FreshnessReport {
    at: Date;
    items: ArtifactFreshness[];
    ok: boolean;
}

function human(seconds: number): string {
    if (seconds < 120) return `${Math.round(seconds)}s`;
    if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
    if (seconds < 172800) return `${(seconds / 3600).toFixed(1)}h`;
    return `${(seconds / 86400).toFixed(1)}d`;
}

const NAMES: Record<ArtifactKind, string> = {
    base: "base backup",
    wal: "archived WAL segment",
    dump: "logical dump",
};

/**
 * Judges the newest time of each kind: fresh when it exists and is at most its threshold old. A time
 * in the future (clock skew between the store and this host) counts as age 0.
 */
export function evaluateFreshness(
    newest: Partial<Record<ArtifactKind, Date>>,
    thresholds: Thresholds,
    at: Date,
): FreshnessReport {
    const items = ARTIFACT_KINDS.map((kind): ArtifactFreshness => {
        const t = newest[kind];
        const maxAgeSeconds = thresholds[kind];
        if (!t) {
            return { kind, maxAgeSeconds, ok: false, message: `STALE ${NAMES[kind]}: none in the bucket` };
        }
        const ageSeconds = Math.max(0, (at.getTime() - t.getTime()) / 1000);
        const ok = ageSeconds <= maxAgeSeconds;
        const message =
            `${ok ? "ok" : "STALE"} ${NAMES[kind]}: newest ${t.toISOString()}, ${human(ageSeconds)} old ` +
            `(${ok ? "within" : "past"} ${human(maxAgeSeconds)})`;
        return { kind, newest: t, ageSeconds, maxAgeSeconds, ok, message };
    });
    return { at, items, ok: items.every((i) => i.ok) };
}

function labelValue(v: string): string {
    return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

/**
 * The report as a node_exporter textfile-collector file. `up` is 0 when the bucket could not be
 * read (then no ages are known). Alert on `pgstack_backup_stale == 1` or `pgstack_backup_up == 0`.
 */
export function prometheusTextfile(
    report: FreshnessReport | undefined,
    labels: Record<string, string>,
    at: Date,
): string {
    const base = Object.entries(labels).map(([k, v]) => `${k}="${labelValue(v)}"`);
    const l = (extra: Record<string, string> = {}) =>
        `{${[...base, ...Object.entries(extra).map(([k, v]) => `${k}="${labelValue(v)}"`)].join(",")}}`;
    const lines = [
        "# HELP pgstack_backup_up Whether the backup bucket could be read by the freshness check.",
        "# TYPE pgstack_backup_up gauge",
        `pgstack_backup_up${l()} ${report ? 1 : 0}`,
        "# HELP pgstack_backup_check_timestamp_seconds When the freshness check ran.",
        "# TYPE pgstack_backup_check_timestamp_seconds gauge",
        `pgstack_backup_check_timestamp_seconds${l()} ${Math.floor(at.getTime() / 1000)}`,
    ];
    if (report) {
        lines.push(
            "# HELP pgstack_backup_newest_timestamp_seconds When the newest artifact of a kind was written (0: none).",
            "# TYPE pgstack_backup_newest_timestamp_seconds gauge",
            ...report.items.map(
                (i) =>
                    `pgstack_backup_newest_timestamp_seconds${l({ kind: i.kind })} ${i.newest ? Math.floor(i.newest.getTime() / 1000) : 0}`,
            ),
            "# HELP pgstack_backup_age_seconds Age of the newest artifact of a kind (+Inf: none).",
            "# TYPE pgstack_backup_age_seconds gauge",
            ...report.items.map(
                (i) =>
                    `pgstack_backup_age_seconds${l({ kind: i.kind })} ${i.ageSeconds === undefined ? "+Inf" : Math.round(i.ageSeconds)}`,
            ),
            "# HELP pgstack_backup_max_age_seconds The threshold the check applied.",
            "# TYPE pgstack_backup_max_age_seconds gauge",
            ...report.items.map((i) => `pgstack_backup_max_age_seconds${l({ kind: i.kind })} ${i.maxAgeSeconds}`),
            "# HELP pgstack_backup_stale 1 when the newest artifact of a kind is missing or older than its threshold.",
            "# TYPE pgstack_backup_stale gauge",
            ...report.items.map((i) => `pgstack_backup_stale${l({ kind: i.kind })} ${i.ok ? 0 : 1}`),
        );
    }
    return `${lines.join("\n")}\n`;
}
