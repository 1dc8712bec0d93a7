import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { openHive } from "./hive";
import { describeWithHives, readHiveFixture, testWithTool } from "./testing/fixtures";
import { xorChecksum } from "./testing/logs";

/**
 * The logs read the plain way, without the reader's code: each HvLE entry's header and page
 * references, in file order. Hashes are not checked here (the reader's own test covers them).
 */
function logPages(log: Buffer): { sequence: number; offset: number; bytes: Buffer }[] {
  const pages: { sequence: number; offset: number; bytes: Buffer }[] = [];
  for (let at = 512; log.toString("latin1", at, at + 4) === "HvLE";) {
    const sequence = log.readUInt32LE(at + 12);
    const count = log.readUInt32LE(at + 20);
    let data = at + 40 + 8 * count;
    for (let i = 0; i < count; i += 1) {
      const offset = log.readUInt32LE(at + 40 + 8 * i);
      const size = log.readUInt32LE(at + 44 + 8 * i);
      pages.push({ sequence, offset, bytes: log.subarray(data, data + size) });
      data += size;
    }
    at += log.readUInt32LE(at + 4);
  }
  return pages;
}

const AD_DRIVER_IMAGE = "\\??\\C:\\Users\\jcloudy\\AppData\\Local\\Temp\\ad_driver.sys";

describeWithHives("transaction log replay: SYSTEM_B with SYSTEM_B.LOG1 and .LOG2", [], () => {
  const primary = readHiveFixture("SYSTEM_B");
  const log1 = readHiveFixture("SYSTEM_B.LOG1");
  const log2 = readHiveFixture("SYSTEM_B.LOG2");
  const replayed = openHive(primary, { logs: [log1, log2], label: "SYSTEM_B" });

  test("the hive is dirty and both logs apply, entries 2107 to 2130", () => {
    expect(replayed.dirty).toBe(true);
    expect(replayed.primaryBaseBlock.primarySequence).toBe(1622);
    expect(replayed.primaryBaseBlock.secondarySequence).toBe(1621);
    expect(replayed.replayed).toBe("both");
    expect(replayed.replay).toEqual({
      format: "new",
      logs: ["log1", "log2"],
      entries: 24,
      pages: 315,
      fromSequence: 2107,
      toSequence: 2130,
    });
    expect(replayed.warnings).toEqual([]);
  });

  test("the replayed image has equal sequence numbers and a valid checksum", () => {
    const image = replayed.image;
    expect(image.readUInt32LE(4)).toBe(2130);
    expect(image.readUInt32LE(8)).toBe(2130);
    expect(image.readUInt32LE(508)).toBe(xorChecksum(image));
    expect(primary.readUInt32LE(4)).toBe(1622); // the caller's buffer is left alone
  });

  test("every logged page, last write winning, is what the replayed image holds", () => {
    const expected = Buffer.from(primary);
    const pages = [...logPages(log1), ...logPages(log2)].sort((a, b) => a.sequence - b.sequence);
    expect(pages.length).toBe(315);
    for (const page of pages) page.bytes.copy(expected, 4096 + page.offset);
    expect(replayed.image.length).toBe(expected.length);
    expect(replayed.image.subarray(4096).equals(expected.subarray(4096))).toBe(true);
    const before = (p: { offset: number; bytes: Buffer }): Buffer =>
      primary.subarray(4096 + p.offset, 4096 + p.offset + p.bytes.length);
    const changed = pages.filter((p) => !before(p).equals(p.bytes));
    expect(changed.length).toBeGreaterThan(100);
  });

  test("a service only the logs hold (ad_driver) appears after replay, not before", () => {
    const before = openHive(primary);
    expect(before.key("ControlSet001\\Services\\ad_driver")).toBeUndefined();
    const key = replayed.key("controlset001\\services\\AD_DRIVER");
    expect(key?.name).toBe("ad_driver");
    expect(key?.lastWritten.toISOString()).toBe("2018-04-06T12:42:31.843Z");
    expect(key?.values().map((v) => [v.name, v.typeName, v.data])).toEqual([
      ["Type", "REG_DWORD", 1],
      ["Start", "REG_DWORD", 3],
      ["ErrorControl", "REG_DWORD", 1],
      ["ImagePath", "REG_EXPAND_SZ", AD_DRIVER_IMAGE],
      ["DisplayName", "REG_SZ", "AccessData Driver"],
    ]);
    // Its key cell lies in a page the logs wrote.
    const cell = key?.offset ?? -1;
    const inPage = [...logPages(log1), ...logPages(log2)].some(
      (p) => cell >= p.offset && cell < p.offset + p.bytes.length,
    );
    expect(inPage).toBe(true);
  });

  testWithTool("hivexget", "hivex reads the replayed image the same way", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "regf-replay-"));
    try {
      const file = path.join(dir, "SYSTEM_B.replayed");
      fs.writeFileSync(file, replayed.image);
      const get = (hive: string, value: string): string =>
        execFileSync("hivexget", [hive, "\\ControlSet001\\Services\\ad_driver", value], {
          encoding: "utf8",
        }).trim();
      expect(get(file, "DisplayName")).toBe("AccessData Driver");
      expect(get(file, "Start")).toBe("3");
      expect(get(file, "ImagePath")).toBe(AD_DRIVER_IMAGE);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("the order the logs are given in does not matter: entries apply by sequence", () => {
    const swapped = openHive(primary, { logs: [log2, log1] });
    expect(swapped.replayed).toBe("both");
    expect(swapped.replay?.logs).toEqual(["log2", "log1"]);
    expect(swapped.image.equals(replayed.image)).toBe(true);
  });

  test("LOG1 alone applies its four entries", () => {
    const hive = openHive(primary, { logs: [{ name: "SYSTEM_B.LOG1", bytes: log1 }] });
    expect(hive.replayed).toBe("log1");
    expect(hive.replay).toMatchObject({ logs: ["SYSTEM_B.LOG1"], entries: 4, toSequence: 2110 });
    expect(hive.image.readUInt32LE(4)).toBe(2110);
  });

  test("a damaged entry stops LOG1 there, and LOG2 no longer continues it", () => {
    const broken = Buffer.from(log1);
    broken[16384 + 4096] ^= 0xff; // inside the data of the second entry (sequence 2108)
    const hive = openHive(primary, { logs: [broken, log2] });
    expect(hive.replayed).toBe("log1");
    expect(hive.replay).toMatchObject({ entries: 1, fromSequence: 2107, toSequence: 2107 });
    expect(hive.warnings).toEqual([
      "transaction log log1: entries end early: entry at 0x4000: data hash (Hash-1) mismatch",
      "transaction log log2 not used: it starts at sequence 2111, not 2108 where log1 ended",
    ]);
  });

  test("logs that are not logs leave the primary as it is, with warnings", () => {
    const hive = openHive(primary, { logs: [Buffer.alloc(8192), primary] });
    expect(hive.replayed).toBe("none");
    expect(hive.image).toBe(primary);
    expect(hive.warnings).toEqual([
      "no transaction log is a regf log (file types: -1, 0)",
      expect.stringMatching(/^hive is dirty \(primary 1622, secondary 1621\) and no transac/),
    ]);
  });

  test("a torn base block (bad checksum) is taken from the log with the latest entries", () => {
    const torn = Buffer.from(primary);
    torn[200] ^= 0xff;
    const hive = openHive(torn, { logs: [log1, log2] });
    expect(hive.dirty).toBe(true);
    expect(hive.replayed).toBe("log2");
    expect(hive.replay).toMatchObject({ entries: 20, fromSequence: 2111, toSequence: 2130 });
    expect(hive.warnings).toEqual([expect.stringMatching(/^base block checksum mismatch/)]);
    expect(hive.image.readUInt32LE(508)).toBe(xorChecksum(hive.image));
    expect(hive.image[200]).toBe(log2[200]);
  });

  test("a clean hive ignores its logs", () => {
    const clean = Buffer.from(primary);
    clean.writeUInt32LE(1622, 8);
    clean.writeUInt32LE(xorChecksum(clean), 508);
    const hive = openHive(clean, { logs: [log1, log2] });
    expect(hive.dirty).toBe(false);
    expect(hive.replayed).toBe("none");
    expect(hive.key("ControlSet001\\Services\\ad_driver")).toBeUndefined();
  });
});
