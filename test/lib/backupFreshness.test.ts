import {
    DEFAULT_THRESHOLDS,
    evaluateFreshness,
    parseDuration,
    prometheusTextfile,
    thresholdsFrom,
} from "../../lib/backupFreshness";

const at = new Date("2026-12-04T12:00:00Z");
const ago = (seconds: number) => new Date(at.getTime() - seconds * 1000);

test("durations take s, m, h, d or bare seconds; anything else names the setting", () => {
    expect([parseDuration("90s", "k"), parseDuration("15m", "k"), parseDuration("26h", "k")]).toEqual([90, 900, 93600]);
    expect([parseDuration("2d", "k"), parseDuration("30", "k"), parseDuration("1.5h", "k")]).toEqual([
        172800, 30, 5400,
    ]);
    expect(() => parseDuration("a day", "--max-base-age")).toThrow(/--max-base-age: "a day" is not a duration/);
    expect(() => parseDuration("0m", "PGSTACK_BACKUP_MAX_WAL_AGE")).toThrow(/PGSTACK_BACKUP_MAX_WAL_AGE/);
});

test("thresholds: a flag wins over the environment, which wins over the nightly defaults", () => {
    expect(thresholdsFrom([], {})).toEqual(DEFAULT_THRESHOLDS);
    expect(DEFAULT_THRESHOLDS).toEqual({ base: 93600, wal: 93600, dump: 93600 });
    expect(
        thresholdsFrom(["--max-base-age=2h", "--max-dump-age", "3d"], {
            PGSTACK_BACKUP_MAX_BASE_AGE: "1h",
            PGSTACK_BACKUP_MAX_WAL_AGE: "10m",
        }),
    ).toEqual({ base: 7200, wal: 600, dump: 259200 });
    expect(() => thresholdsFrom(["--max-wal-age"], {})).toThrow(/--max-wal-age: needs a duration/);
});

test("fresh when every kind exists and is at most its threshold old", () => {
    const r = evaluateFreshness({ base: ago(3600), wal: ago(60), dump: ago(93600) }, DEFAULT_THRESHOLDS, at);
    expect(r.ok).toBe(true);
    expect(r.items.map((i) => [i.kind, i.ok, i.ageSeconds])).toEqual([
        ["base", true, 3600],
        ["wal", true, 60],
        ["dump", true, 93600],
    ]);
    expect(r.items[0].message).toBe("ok base backup: newest 2026-12-04T11:00:00.000Z, 60m old (within 26.0h)");
});

test("stale when backups stop: one artifact past its threshold fails the whole check", () => {
    const r = evaluateFreshness({ base: ago(93601), wal: ago(60), dump: ago(60) }, DEFAULT_THRESHOLDS, at);
    expect(r.ok).toBe(false);
    expect(r.items.filter((i) => !i.ok).map((i) => i.message)).toEqual([
        "STALE base backup: newest 2026-12-03T09:59:59.000Z, 26.0h old (past 26.0h)",
    ]);
});

test("stale when an artifact is missing altogether", () => {
    const r = evaluateFreshness({ base: ago(1), wal: ago(1) }, DEFAULT_THRESHOLDS, at);
    expect(r.ok).toBe(false);
    expect(r.items[2]).toMatchObject({ kind: "dump", ok: false, message: "STALE logical dump: none in the bucket" });
});

test("a time ahead of this host's clock counts as age 0, not as stale", () => {
    const r = evaluateFreshness({ base: ago(-30), wal: ago(0), dump: ago(0) }, DEFAULT_THRESHOLDS, at);
    expect(r.ok).toBe(true);
    expect(r.items[0].ageSeconds).toBe(0);
});

test("the Prometheus textfile has age, threshold and a stale flag per kind, and up", () => {
    const r = evaluateFreshness({ base: ago(100), wal: ago(200000) }, DEFAULT_THRESHOLDS, at);
    const text = prometheusTextfile(r, { stanza: "local", bucket: 'b"x' }, at);
    const samples = text.split("\n").filter((l) => l && !l.startsWith("#"));
    expect(samples).toEqual([
        'pgstack_backup_up{stanza="local",bucket="b\\"x"} 1',
        'pgstack_backup_check_timestamp_seconds{stanza="local",bucket="b\\"x"} 1796385600',
        'pgstack_backup_newest_timestamp_seconds{stanza="local",bucket="b\\"x",kind="base"} 1796385500',
        'pgstack_backup_newest_timestamp_seconds{stanza="local",bucket="b\\"x",kind="wal"} 1796185600',
        'pgstack_backup_newest_timestamp_seconds{stanza="local",bucket="b\\"x",kind="dump"} 0',
        'pgstack_backup_age_seconds{stanza="local",bucket="b\\"x",kind="base"} 100',
        'pgstack_backup_age_seconds{stanza="local",bucket="b\\"x",kind="wal"} 200000',
        'pgstack_backup_age_seconds{stanza="local",bucket="b\\"x",kind="dump"} +Inf',
        'pgstack_backup_max_age_seconds{stanza="local",bucket="b\\"x",kind="base"} 93600',
        'pgstack_backup_max_age_seconds{stanza="local",bucket="b\\"x",kind="wal"} 93600',
        'pgstack_backup_max_age_seconds{stanza="local",bucket="b\\"x",kind="dump"} 93600',
        'pgstack_backup_stale{stanza="local",bucket="b\\"x",kind="base"} 0',
        'pgstack_backup_stale{stanza="local",bucket="b\\"x",kind="wal"} 1',
        'pgstack_backup_stale{stanza="local",bucket="b\\"x",kind="dump"} 1',
    ]);
    expect(text).toMatch(/# TYPE pgstack_backup_stale gauge\n/);
});

test("an unreadable bucket is up 0 with no ages (an alert of its own)", () => {
    const text = prometheusTextfile(undefined, { stanza: "local" }, at);
    expect(text.split("\n").filter((l) => l && !l.startsWith("#"))).toEqual([
        'pgstack_backup_up{stanza="local"} 0',
        'pgstack_backup_check_timestamp_seconds{stanza="local"} 1796385600',
    ]);
});
