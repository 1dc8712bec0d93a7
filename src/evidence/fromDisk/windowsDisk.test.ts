import * as fs from "fs";
import { openDiskImage } from "../disk";
import { makeTempDir } from "../disk/testing/diskImages";
import { isFormatError } from "../formatError";
import { readEvidenceFromDisk, type DiskEvidence } from ".";
import {
  buildWindowsDisks,
  DUMP_FIXTURE,
  DUMP_NAME,
  EVTX_FIXTURE,
  JUNK_DUMP_NAME,
  setupApiText,
  SYSTEM_HIVE_FIXTURE,
  truncatedCopy,
  windowsDiskSkipReason,
  type WindowsDisks,
} from "./testing/windowsDisk";

/**
 * The disk reader on Windows disks written by mkntfs/ntfs-3g, mtools, sgdisk/sfdisk and qemu-img:
 * every evidence file comes back byte for byte from its Windows path, absent files are problem
 * lines, and a disk cut short is a FormatError. Skipped with one line where a tool or FUSE is
 * unavailable.
 */
const dir = makeTempDir("from-disk-");
let disks: WindowsDisks | undefined;
let skip = windowsDiskSkipReason();
if (!skip) {
  const built = buildWindowsDisks(dir);
  if (typeof built === "string") skip = built;
  else disks = built;
}
if (skip) {
  console.warn(`disk-evidence tests on built Windows disks skipped: ${skip}`);
  fs.rmSync(dir, { recursive: true, force: true });
}
const describeDisks = skip ? describe.skip : describe;

async function readImage(file: string, caps = {}): Promise<DiskEvidence> {
  const image = await openDiskImage(file);
  try {
    return await readEvidenceFromDisk(image.source, { route: "disk-image", caps });
  } finally {
    await image.close();
  }
}

describeDisks("evidence read from built Windows disks", () => {
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test.each([
    ["Gen2 VHDX", () => disks!.gen2Vhdx],
    ["Gen2 raw", () => disks!.gen2Raw],
  ])("%s: hive, dump, event log and the ESP's BCD", async (_name, file) => {
    const bundle = await readImage(file());
    expect(bundle.disk).toEqual({ partitionStyle: "GPT", generation: 2 });
    expect(bundle.layout.windowsPartition).toBe(2);
    expect(bundle.layout.bcdPartition).toBe(1);
    expect(bundle.layout.volumeLabel).toBe("Windows");
    expect(bundle.systemHive?.path).toBe("\\Windows\\System32\\config\\SYSTEM");
    expect(bundle.systemHive?.bytes.equals(fs.readFileSync(SYSTEM_HIVE_FIXTURE))).toBe(true);
    expect(bundle.systemHiveLogs).toEqual([]);
    expect(bundle.bcd?.path).toBe("\\EFI\\Microsoft\\Boot\\BCD");
    expect(bundle.bcd?.bytes.length).toBe(32768);
    expect(bundle.minidumps.map((d) => d.path)).toEqual([
      `\\Windows\\Minidump\\${DUMP_NAME}`,
      `\\Windows\\Minidump\\${JUNK_DUMP_NAME}`,
    ]);
    expect(bundle.minidumps[0].bytes.equals(fs.readFileSync(DUMP_FIXTURE))).toBe(true);
    expect(bundle.systemEventLog?.bytes.equals(fs.readFileSync(EVTX_FIXTURE))).toBe(true);
    expect(bundle.setupApiLog?.bytes.equals(setupApiText())).toBe(true);
    expect(bundle.memoryDumpBytes).toBeNull();
    expect(bundle.softwareHive).toBeNull();
    expect(bundle.pendingXml).toBeNull();
    expect(bundle.problems).toEqual([
      "\\Windows\\System32\\config\\SYSTEM.LOG1, .LOG2 and .LOG: absent (no transaction logs)",
      "\\Windows\\System32\\config\\SOFTWARE: absent",
      "\\Windows\\MEMORY.DMP: absent (no complete or kernel memory dump)",
      "\\Windows\\WinSxS\\pending.xml: absent",
    ]);
    expect(bundle.stats.diskBytes).toBeGreaterThan(15_000_000);
    expect(bundle.stats.requests).toBeNull();
  });

  test("Gen1 MBR: \\Boot\\BCD from the active System Reserved partition", async () => {
    const bundle = await readImage(disks!.gen1Raw);
    expect(bundle.disk).toEqual({ partitionStyle: "MBR", generation: 1 });
    expect(bundle.layout.windowsPartition).toBe(2);
    expect(bundle.layout.bcdPartition).toBe(1);
    expect(bundle.bcd?.path).toBe("\\Boot\\BCD");
    expect(bundle.bcd?.bytes.length).toBe(32768);
    expect(bundle.systemHive?.bytes.length).toBe(fs.statSync(SYSTEM_HIVE_FIXTURE).size);
  });

  test("caps: one minidump, a short setupapi tail, no SOFTWARE", async () => {
    const bundle = await readImage(disks!.gen2Vhdx, {
      minidumpCount: 1,
      setupApiLogTailBytes: 1000,
      softwareHiveBytes: 0,
      systemEventLogBytes: 1000,
    });
    expect(bundle.minidumps.map((d) => d.path)).toEqual([`\\Windows\\Minidump\\${DUMP_NAME}`]);
    const tail = bundle.setupApiLog!.bytes.toString("latin1");
    expect(tail.startsWith("line ")).toBe(true);
    expect(tail.endsWith(`line 20000\r\n`)).toBe(true);
    expect(bundle.setupApiLog!.bytes.length).toBeLessThanOrEqual(1000);
    expect(bundle.systemEventLog).toBeNull();
    expect(bundle.problems).toEqual(
      expect.arrayContaining([
        "\\Windows\\Minidump: 1 older minidump not read (cap 1)",
        "\\Windows\\System32\\config\\SOFTWARE: not read (turned off)",
        expect.stringMatching(
          /^\\Windows\\INF\\setupapi\.dev\.log: read in part: its last \d+ bytes of/,
        ),
        expect.stringMatching(
          /^\\Windows\\System32\\winevt\\Logs\\System\.evtx: not read: 1\.1 MiB, over the cap of 1000 bytes$/,
        ),
      ]),
    );
  });

  test("a read budget smaller than the hive stops the diagnosis", async () => {
    await expect(readImage(disks!.gen2Raw, { diskReadBytes: 4 * 1024 * 1024 })).rejects.toThrow(
      /disk-read-budget|would pass the budget/,
    );
  });

  test.each([
    ["raw cut at half", () => truncatedCopy(disks!.gen2Raw, 0.5, "half.raw")],
    ["VHDX cut at half", () => truncatedCopy(disks!.gen2Vhdx, 0.5, "half.vhdx")],
  ])("%s is a FormatError", async (_name, file) => {
    const error = await readImage(file()).catch((e: unknown) => e);
    expect(isFormatError(error)).toBe(true);
    expect((error as Error).message).not.toMatch(/\n/);
  });

  test("a damaged MFT record of \\Windows\\Minidump is a problem line, not a failure", async () => {
    const copy = truncatedCopy(disks!.gen2Raw, 1, "damaged.raw");
    const image = fs.readFileSync(copy);
    const name = Buffer.from("Minidump", "utf16le");
    // the folder's own record: the name sits in a resident $FILE_NAME (type 0x30) whose value
    // starts 0x18 bytes into the attribute and holds the name at 0x42 (the parent's resident
    // index holds the same name, but inside an index entry)
    const ownName = (record: Buffer, at: number) =>
      at >= 0x5a && record.readUInt32LE(at - 0x42 - 0x18) === 0x30;
    let damaged = 0;
    for (let at = 0; at < image.length; at += 1024) {
      const record = image.subarray(at, at + 1024);
      if (record.toString("latin1", 0, 4) === "FILE" && ownName(record, record.indexOf(name))) {
        record.write("BAAD", 0, "latin1");
        damaged++;
      }
    }
    expect(damaged).toBe(1);
    fs.writeFileSync(copy, image);
    const bundle = await readImage(copy);
    expect(bundle.minidumps).toEqual([]);
    expect(bundle.problems).toContainEqual(
      expect.stringMatching(/^\\Windows\\Minidump: unreadable: /),
    );
    expect(bundle.systemHive?.bytes.length).toBe(fs.statSync(SYSTEM_HIVE_FIXTURE).size);
    expect(bundle.bcd).not.toBeNull();
  });
});
