import * as fs from "fs";
import * as path from "path";
import { isFormatError } from "../formatError";
import { bufferSource } from "./byteSource";
import { openFileSource } from "./fileSource";
import {
  findEfiSystemPartition,
  findNtfsPartitions,
  findWindowsPartition,
  readPartitions,
  type Partition,
  type PartitionTable,
} from "./partitions";
import { GPT_TYPE } from "./partitionTypes";
import {
  buildGptDisk,
  emptyFile,
  GPT_LAYOUT,
  makeTempDir,
  missingTool,
  place,
  run,
  runAsync,
  type GptDisk,
} from "./testing/diskImages";

const missing = missingTool("sgdisk", "gdisk", "mformat", "mmd", "mcopy", "mdel", "dd");
if (missing) console.warn(`partition table tests on sgdisk/gdisk images skipped: no ${missing}`);
const describeWithTools = missing ? describe.skip : describe;

interface SgdiskRow {
  number: number;
  start: number;
  end: number;
  code: string;
}

/** The partition rows `sgdisk -p` prints (it converts an MBR, logicals included, in memory). */
function sgdiskRows(image: string): SgdiskRow[] {
  return run("sgdisk", ["-p", image])
    .split("\n")
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(\d+)\s+\S+ \S+\s+([0-9A-F]{4})/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ number: +m[1], start: +m[2], end: +m[3], code: m[4] }));
}

/** `sgdisk -i n`: the type GUID, unique GUID and name of one GPT partition. */
function sgdiskInfo(image: string, n: number): { type: string; guid: string; name: string } {
  const out = run("sgdisk", ["-i", `${n}`, image]);
  return {
    type: /Partition GUID code: (\S+)/.exec(out)![1],
    guid: /Partition unique GUID: (\S+)/.exec(out)![1],
    name: /Partition name: '(.*)'/.exec(out)![1],
  };
}

async function tableOf(image: string): Promise<PartitionTable> {
  const file = await openFileSource(image);
  try {
    return await readPartitions(file.source);
  } finally {
    await file.close();
  }
}

const MBR_CODES: Record<string, string> = { EF00: "0xEF", "0700": "0x07", "8300": "0x83" };

/** [number, first LBA, last LBA, MBR type] from our table and from sgdisk's rows. */
const asRow = (p: Partition) => [p.index, p.start / 512, (p.start + p.length) / 512 - 1, p.type];
const sgdiskMbrRow = (r: SgdiskRow) => [r.number, r.start, r.end, MBR_CODES[r.code]];

describeWithTools("partition tables written by sgdisk and gdisk", () => {
  let dir: string;
  let disk: GptDisk;
  let mbr: string;
  let logical: string;
  beforeAll(async () => {
    dir = makeTempDir("vmr-parts-");
    // sgdisk and gdisk each sleep a second after writing: make the three disks side by side
    mbr = emptyFile(path.join(dir, "mbr.img"), 64 * 1024 * 1024);
    const mbrDone = runAsync("sgdisk", [...GPT_LAYOUT, "-m", "1:2", mbr]);
    logical = emptyFile(path.join(dir, "logical.img"), 32 * 1024 * 1024);
    // one gdisk session: six GPT partitions, then its recovery menu converts them to MBR with
    // 2-6 as logicals (gdisk makes the extended partition and its EBR chain) and writes
    const types = ["0700", "8300", "8300", "8300", "0700", "8300"];
    const create = types.map((t, i) => `n\n${i + 1}\n${2048 + i * 8192}\n+2M\n${t}\n`).join("");
    const convert = "r\ng\nl\n2\nl\n3\nl\n4\nl\n5\nl\n6\nw\nY\n";
    const logicalDone = runAsync("gdisk", [logical], create + convert);
    disk = await buildGptDisk(dir);
    await Promise.all([mbrDone, logicalDone]);
    if (disk.ntfsPart) place(disk.ntfsPart, mbr, disk.dataStartLba);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("GPT: every entry, GUID and name as sgdisk reports them", async () => {
    const table = await tableOf(disk.raw);
    const rows = sgdiskRows(disk.raw);
    expect(rows).toHaveLength(2);
    expect(table).toMatchObject({ scheme: "gpt", sectorSize: 512, gptHeader: "primary" });
    const diskGuid = /Disk identifier \(GUID\): (\S+)/.exec(run("sgdisk", ["-p", disk.raw]))![1];
    expect(table.diskGuid).toBe(diskGuid);
    expect(
      table.partitions.map((p) => [p.index, p.start / 512, (p.start + p.length) / 512 - 1]),
    ).toEqual(rows.map((r) => [r.number, r.start, r.end]));
    for (const p of table.partitions) {
      const info = sgdiskInfo(disk.raw, p.index);
      expect({ type: p.type, guid: p.guid, name: p.name }).toEqual(info);
    }
    expect(table.partitions[0]).toMatchObject({
      type: GPT_TYPE.efiSystem,
      typeName: "EFI system partition",
      name: "EFI system partition",
    });
    expect(table.partitions[1].typeName).toBe("Microsoft basic data");
    expect(findEfiSystemPartition(table)?.index).toBe(1);
  });

  test("GPT: a damaged primary header or entry array falls back to the backup", async () => {
    const good = await tableOf(disk.raw);
    for (const [name, offset] of [
      ["header", 512 + 20],
      ["entries", 1024 + 5],
    ] as const) {
      const copy = path.join(dir, `damaged-${name}.img`);
      fs.copyFileSync(disk.raw, copy);
      const fd = fs.openSync(copy, "r+");
      fs.writeSync(fd, Buffer.from([0xa5]), 0, 1, offset);
      fs.closeSync(fd);
      const table = await tableOf(copy);
      expect(table.gptHeader).toBe("backup");
      expect(table.partitions).toEqual(good.partitions);
      // sgdisk agrees the primary is broken and reads the same partitions from the backup
      const starts = good.partitions.map((p) => p.start / 512);
      expect(sgdiskRows(copy).map((r) => r.start)).toEqual(starts);
    }
  });

  test("GPT: both headers damaged is one FormatError naming both", async () => {
    const bytes = fs.readFileSync(disk.raw);
    bytes[512 + 20] ^= 0xff;
    bytes[bytes.length - 512 + 20] ^= 0xff;
    const error = await readPartitions(bufferSource(bytes, "both")).catch((e: unknown) => e);
    expect(isFormatError(error, "gpt-no-valid-header")).toBe(true);
    expect((error as Error).message).toMatch(
      /^both: GPT primary header at LBA 1: CRC mismatch; backup: GPT backup header/,
    );
    expect((error as Error).message).not.toContain("\n");
  });

  test("MBR from sgdisk -m: types 0xEF and 0x07 where sgdisk reads them", async () => {
    const table = await tableOf(mbr);
    expect(table.scheme).toBe("mbr");
    const rows = sgdiskRows(mbr);
    expect(table.partitions.map(asRow)).toEqual(rows.map(sgdiskMbrRow));
    const esp = findEfiSystemPartition(table);
    expect(esp).toMatchObject({ index: 1, typeName: "EFI system partition" });
    if (disk.ntfsPart) {
      const file = await openFileSource(mbr);
      try {
        const windows = await findWindowsPartition(file.source, table);
        expect(windows).toMatchObject({ index: 2, type: "0x07" });
      } finally {
        await file.close();
      }
    }
  });

  test("MBR with an extended partition from gdisk: logicals 5.. in chain order", async () => {
    const table = await tableOf(logical);
    const rows = sgdiskRows(logical);
    expect(rows.map((r) => r.number)).toEqual([1, 5, 6, 7, 8, 9]);
    expect(table.partitions.map(asRow)).toEqual(rows.map(sgdiskMbrRow));
  });

  test("NTFS candidates: only basic data whose boot sector says NTFS", async () => {
    const file = await openFileSource(disk.raw);
    try {
      const table = await readPartitions(file.source);
      const ntfs = await findNtfsPartitions(file.source, table);
      expect(ntfs.map((p) => p.index)).toEqual(disk.ntfsPart ? [2] : []);
    } finally {
      await file.close();
    }
  });
});

describe("crafted MBRs", () => {
  /** A 1 MiB disk with the given 16-byte entries in the MBR (and optional EBRs). */
  function disk(entries: [number, number, number][]): Buffer {
    const bytes = Buffer.alloc(1024 * 1024);
    const sector = (lba: number, list: [number, number, number][]) => {
      list.forEach(([type, first, count], i) => {
        const e = lba * 512 + 446 + i * 16;
        bytes[e + 4] = type;
        bytes.writeUInt32LE(first, e + 8);
        bytes.writeUInt32LE(count, e + 12);
      });
      bytes[lba * 512 + 510] = 0x55;
      bytes[lba * 512 + 511] = 0xaa;
    };
    sector(0, entries);
    return bytes;
  }
  function ebr(list: [number, number, number][]): Buffer {
    const bytes = Buffer.alloc(512);
    list.forEach(([type, first, count], i) => {
      bytes[446 + i * 16 + 4] = type;
      bytes.writeUInt32LE(first, 446 + i * 16 + 8);
      bytes.writeUInt32LE(count, 446 + i * 16 + 12);
    });
    bytes[510] = 0x55;
    bytes[511] = 0xaa;
    return bytes;
  }

  test("an EBR chain that points back to itself is a loop", async () => {
    // extended partition at LBA 100; EBR 100 -> EBR 300 -> EBR 101 -> EBR 300 again
    const bytes = disk([[0x0f, 100, 1900]]);
    ebr([
      [0x07, 10, 10],
      [0x05, 200, 50],
    ]).copy(bytes, 100 * 512);
    ebr([
      [0x07, 10, 10],
      [0x05, 1, 50],
    ]).copy(bytes, 300 * 512);
    ebr([
      [0x07, 10, 10],
      [0x05, 200, 50],
    ]).copy(bytes, 101 * 512);
    const error = await readPartitions(bufferSource(bytes, "loop")).catch((e: unknown) => e);
    expect(isFormatError(error, "mbr-ebr-loop")).toBe(true);
    expect((error as Error).message).toBe("loop: EBR at LBA 300 is reached twice (a loop)");
  });

  test("a partition past the end of the disk, a missing signature", async () => {
    const past = disk([[0x07, 2048, 4096]]);
    const e1 = await readPartitions(bufferSource(past, "past")).catch((e: unknown) => e);
    expect(isFormatError(e1, "mbr-partition-range")).toBe(true);
    const unsigned = Buffer.alloc(4096);
    const e2 = await readPartitions(bufferSource(unsigned, "blank")).catch((e: unknown) => e);
    expect(isFormatError(e2, "mbr-signature")).toBe(true);
  });

  test("BitLocker instead of NTFS is refused with its own code", async () => {
    const bytes = disk([[0x07, 100, 100]]);
    bytes.write("-FVE-FS-", 100 * 512 + 3, "latin1");
    const source = bufferSource(bytes, "bl");
    const table = await readPartitions(source);
    expect(table.diskSignature).toBe(0);
    const error = await findWindowsPartition(source, table).catch((e: unknown) => e);
    expect(isFormatError(error, "disk-bitlocker")).toBe(true);
  });
});
