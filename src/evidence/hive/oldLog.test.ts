import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { openHive } from "./hive";
import { describeWithHives, hiveFixture } from "./testing/fixtures";
import { dirtyCopy, oldFormatLog, xorChecksum } from "./testing/logs";

/**
 * No real old-format (.LOG, dirty vector) log is among the fixtures, so the test makes the write
 * Windows would have logged: hivex adds a key to a copy of the real BCD hive, and the log holds
 * the 512-byte pages where that copy differs from the original, as the format describes them.
 * The primary is the original with its primary sequence number bumped (a write that started and
 * never finished).
 */
const TITLE = "old-format (.LOG) replay on a real hive changed by hivex";

describeWithHives(TITLE, ["hivexregedit"], () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "regf-oldlog-"));
  const original = fs.readFileSync(hiveFixture("BCD"));
  const modifiedFile = path.join(dir, "BCD.modified");
  fs.writeFileSync(modifiedFile, original);
  const regFile = path.join(dir, "add.reg");
  fs.writeFileSync(
    regFile,
    'Windows Registry Editor Version 5.00\n\n[\\VmRescueTest]\n"Marker"=dword:0000002a\n',
  );
  execFileSync("hivexregedit", ["--merge", modifiedFile, regFile]);
  const modified = fs.readFileSync(modifiedFile);
  fs.rmSync(dir, { recursive: true, force: true });

  const dirty = dirtyCopy(original);
  const { log, pages } = oldFormatLog(original, modified);

  test("the primary alone is dirty and lacks the key", () => {
    const hive = openHive(dirty);
    expect(hive.dirty).toBe(true);
    expect(hive.replayed).toBe("none");
    expect(hive.key("VmRescueTest")).toBeUndefined();
  });

  test("the log's dirty pages bring the primary to what hivex wrote", () => {
    const hive = openHive(dirty, { logs: [{ name: "BCD.LOG", bytes: log }] });
    expect(hive.replayed).toBe("log1");
    expect(hive.replay).toEqual({
      format: "old",
      logs: ["BCD.LOG"],
      entries: 1,
      pages,
      fromSequence: 34,
      toSequence: 35,
    });
    expect(pages).toBeGreaterThan(1);
    expect(hive.warnings).toEqual([]);
    expect(hive.image.subarray(4096).equals(modified.subarray(4096))).toBe(true);
    expect(hive.image.readUInt32LE(8)).toBe(35);
    expect(hive.key("vmrescuetest")?.value("MARKER")?.data).toBe(42);
  });

  test("a log whose last-written time differs from the hive's is not applied", () => {
    const stale = Buffer.from(log);
    stale.writeBigUInt64LE(stale.readBigUInt64LE(12) + 1n, 12);
    stale.writeUInt32LE(xorChecksum(stale), 508);
    const hive = openHive(dirty, { logs: [stale] });
    expect(hive.replayed).toBe("none");
    expect(hive.warnings[0]).toBe(
      "transaction log log1 not used: its last-written time differs from the hive's",
    );
  });

  test("a log cut short inside its dirty pages is not applied", () => {
    const hive = openHive(dirty, { logs: [log.subarray(0, log.length - 512)] });
    expect(hive.replayed).toBe("none");
    expect(hive.warnings[0]).toMatch(/^transaction log log1 not used: dirty page for 0x[0-9a-f]+ /);
  });
});
