import {
    archivePrefix,
    newestBackup,
    newestWal,
    parseStanzaInfo,
    walKeyPrefix,
    walSegmentOfKey,
} from "../../lib/pgbackrestInfo";

// Shape of `pgbackrest --output=json info` (2.45), trimmed to what is read.
const info = JSON.stringify([
    {
        name: "other",
        backup: [{ label: "x", type: "full", timestamp: { start: 1, stop: 2 } }],
        archive: [],
        status: { code: 0, message: "ok" },
    },
    {
        name: "local",
        archive: [
            { id: "15-1", min: "000000010000000000000001", max: "000000010000000000000009" },
            { id: "15-2", min: "00000001000000000000000A", max: "00000002000000000000000C" },
        ],
        backup: [
            {
                label: "20261204-191500F_20261204-191800I",
                type: "incr",
                timestamp: { start: 1796411880, stop: 1796411885 },
                archive: { start: "000000010000000000000008", stop: "000000010000000000000008" },
            },
            {
                label: "20261204-191500F",
                type: "full",
                timestamp: { start: 1796411700, stop: 1796411710 },
                archive: { start: "000000010000000000000004", stop: "000000010000000000000004" },
            },
        ],
        status: { code: 0, message: "ok" },
    },
]);

test("the newest backup is the last to finish, of any type (incr and diff restore too)", () => {
    const s = parseStanzaInfo(info, "local");
    expect(s.backups.map((b) => b.label)).toEqual(["20261204-191500F", "20261204-191500F_20261204-191800I"]);
    expect(newestBackup(s)).toEqual({
        label: "20261204-191500F_20261204-191800I",
        type: "incr",
        stop: new Date(1796411885 * 1000),
        archiveStop: "000000010000000000000008",
    });
});

test("the newest WAL segment is the max of the newest archive id", () => {
    expect(newestWal(parseStanzaInfo(info, "local"))).toEqual({ id: "15-2", segment: "00000002000000000000000C" });
});

test("a stanza without backups or WAL has none, and a missing stanza is an error", () => {
    const empty = JSON.stringify([
        { name: "local", backup: [], archive: [], status: { code: 2, message: "no valid backups" } },
    ]);
    const s = parseStanzaInfo(empty, "local");
    expect([newestBackup(s), newestWal(s), s.statusCode]).toEqual([undefined, undefined, 2]);
    expect(() => parseStanzaInfo(info, "main")).toThrow(/no stanza "main"/);
    expect(() => parseStanzaInfo("P00 ERROR", "local")).toThrow(/not JSON/);
});

test("object keys of the archive: prefix per segment, and the segment of a key", () => {
    expect(archivePrefix("/pgbackrest/", "local")).toBe("pgbackrest/archive/local/");
    expect(walKeyPrefix("pgbackrest", "local", "15-1", "000000010000000000000005")).toBe(
        "pgbackrest/archive/local/15-1/0000000100000000/000000010000000000000005",
    );
    expect(() => walKeyPrefix("pgbackrest", "local", "15-1", "00000001.history")).toThrow(/not a WAL segment/);
    const key =
        "pgbackrest/archive/local/15-1/0000000100000000/000000010000000000000005-0123456789abcdef0123456789abcdef01234567.zst";
    expect(walSegmentOfKey(key)).toBe("000000010000000000000005");
    expect(walSegmentOfKey("pgbackrest/archive/local/archive.info")).toBeUndefined();
    expect(walSegmentOfKey("pgbackrest/archive/local/15-1/00000002.history")).toBeUndefined();
});
