import * as fs from "fs";
import * as path from "path";
import { openDiskImage, type DiskImageFormat } from "./diskImage";
import { openFatVolume } from "./fatVolume";
import { findEfiSystemPartition, findWindowsPartition, readPartitions } from "./partitions";
import { sliceSource } from "./byteSource";
import {
  BCD_FIXTURE,
  buildGptDisk,
  convertImage,
  makeTempDir,
  missingTool,
  run,
  type ContainerKind,
  type GptDisk,
} from "./testing/diskImages";

const missing = missingTool("sgdisk", "mformat", "mmd", "mcopy", "mdel", "qemu-img", "dd");
if (missing) console.warn(`disk image container tests skipped: ${missing} is not installed`);
const describeWithTools = missing ? describe.skip : describe;

const MiB = 1024 * 1024;
const CONTAINERS: [ContainerKind, DiskImageFormat][] = [
  ["vhd-fixed", "vhd-fixed"],
  ["vhd-dynamic", "vhd-dynamic"],
  ["vhdx-fixed", "vhdx"],
  ["vhdx-dynamic", "vhdx"],
];

describeWithTools("disk images written by sgdisk, mtools, mkntfs and qemu-img", () => {
  let dir: string;
  let disk: GptDisk;
  let raw: Buffer;
  const files: Record<string, string> = {};

  beforeAll(() => {
    dir = makeTempDir("vmr-disk-");
    disk = buildGptDisk(dir);
    raw = fs.readFileSync(disk.raw);
    files.raw = disk.raw;
    for (const [kind] of CONTAINERS) {
      files[kind] = convertImage(disk.raw, path.join(dir, `disk.${kind}`), kind);
    }
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const all: [string, DiskImageFormat][] = [["raw", "raw"], ...CONTAINERS];

  test.each(all)("%s: detected by content, every virtual byte equals raw", async (kind, format) => {
    const image = await openDiskImage(files[kind]);
    try {
      expect(image.format).toBe(format);
      expect(image.source.size).toBe(64 * MiB);
      // odd-sized reads that straddle VHD (2 MiB) and VHDX (32 MiB) block boundaries
      const step = 3 * MiB + 4096 + 512;
      for (let at = 0; at < raw.length; at += step) {
        const length = Math.min(step, raw.length - at);
        const bytes = await image.source.read(at, length);
        expect(bytes.equals(raw.subarray(at, at + length))).toBe(true);
      }
    } finally {
      await image.close();
    }
  });

  test.each(all)("%s: GPT, ESP and every ESP file byte for byte", async (kind) => {
    const image = await openDiskImage(files[kind]);
    try {
      const table = await readPartitions(image.source);
      expect(table.scheme).toBe("gpt");
      const esp = findEfiSystemPartition(table);
      expect(esp).toMatchObject({
        index: 1,
        start: disk.espStartLba * 512,
        length: disk.espSectors * 512,
      });
      const volume = await openFatVolume(sliceSource(image.source, esp!.start, esp!.length, "ESP"));
      expect(volume.geometry.type).toBe("FAT32");
      for (const file of disk.files) {
        const bytes = await volume.readFile(file.path);
        const same = bytes.equals(file.bytes);
        expect({ path: file.path, same }).toEqual({ path: file.path, same: true });
      }
      if (disk.hasNtfs) {
        expect(await findWindowsPartition(image.source, table)).toMatchObject({
          index: 2,
          start: disk.dataStartLba * 512,
          typeName: "Microsoft basic data",
        });
      }
    } finally {
      await image.close();
    }
  });

  const bcdTest = fs.existsSync(BCD_FIXTURE) ? test : test.skip;
  if (!fs.existsSync(BCD_FIXTURE)) console.warn(`BCD-on-ESP test skipped: no ${BCD_FIXTURE}`);
  bcdTest("the real BCD reads back from \\EFI\\Microsoft\\Boot\\BCD (dynamic VHDX)", async () => {
    const image = await openDiskImage(files["vhdx-dynamic"]);
    try {
      const table = await readPartitions(image.source);
      const esp = findEfiSystemPartition(table)!;
      const volume = await openFatVolume(sliceSource(image.source, esp.start, esp.length, "ESP"));
      const bcd = await volume.readFile("\\efi\\microsoft\\boot\\bcd");
      expect(bcd.length).toBe(32768);
      expect(require("crypto").createHash("md5").update(bcd).digest("hex")).toBe(
        "2b50f3d6d6c974ebc3fd0a07b29793ad",
      );
      expect(bcd.toString("latin1", 0, 4)).toBe("regf");
    } finally {
      await image.close();
    }
  });

  test("qemu-img agrees on the virtual size of each container", () => {
    for (const [kind] of CONTAINERS) {
      const format = kind.startsWith("vhdx") ? "vhdx" : "vpc";
      const json = run("qemu-img", ["info", "--output=json", "-f", format, files[kind]]);
      const info = JSON.parse(json);
      expect(info["virtual-size"]).toBe(64 * MiB);
    }
  });
});
