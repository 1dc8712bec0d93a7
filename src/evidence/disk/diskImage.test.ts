import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { sliceSource } from "./byteSource";
import { openDiskImage, openDiskImageSource, type OpenDiskImage } from "./diskImage";
import { ebsSnapshotSource } from "./ebsSnapshotSource";
import { openFatVolume } from "./fatVolume";
import { httpRangeSource } from "./httpRangeSource";
import { findEfiSystemPartition, findWindowsPartition, readPartitions } from "./partitions";
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
import { FakeEbs } from "./testing/fakeEbs";
import { startRangeServer, type RangeServer } from "./testing/rangeServer";

const missing = missingTool("sgdisk", "mformat", "mmd", "mcopy", "mdel", "qemu-img", "dd");
if (missing) console.warn(`disk image container tests skipped: ${missing} is not installed`);
const describeWithTools = missing ? describe.skip : describe;

const MiB = 1024 * 1024;
const CONTAINERS: ContainerKind[] = ["vhd-fixed", "vhd-dynamic", "vhdx-fixed", "vhdx-dynamic"];
const SNAPSHOT = "snap-0feedface0000001";

describeWithTools("disk images written by sgdisk, mtools, mkntfs and qemu-img", () => {
  let dir: string;
  let disk: GptDisk;
  let raw: Buffer;
  let server: RangeServer;
  const files: Record<string, string> = {};

  beforeAll(async () => {
    dir = makeTempDir("vmr-disk-");
    disk = await buildGptDisk(dir);
    raw = fs.readFileSync(disk.raw);
    files.raw = disk.raw;
    for (const kind of CONTAINERS) {
      files[kind] = convertImage(disk.raw, path.join(dir, `disk.${kind}`), kind);
    }
    // an Azure-style export: the fixed VHD behind a SAS URL
    server = await startRangeServer(fs.readFileSync(files["vhd-fixed"]), "/disk.vhd?sig=x");
  });
  afterAll(async () => {
    await server?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Every way the same disk reaches the readers, with the container format it should show. */
  const OPENERS: [string, string, () => Promise<OpenDiskImage>][] = [
    ["raw file", "raw", () => openDiskImage(files.raw)],
    ["fixed VHD file", "vhd-fixed", () => openDiskImage(files["vhd-fixed"])],
    ["dynamic VHD file", "vhd-dynamic", () => openDiskImage(files["vhd-dynamic"])],
    ["fixed VHDX file", "vhdx", () => openDiskImage(files["vhdx-fixed"])],
    ["dynamic VHDX file", "vhdx", () => openDiskImage(files["vhdx-dynamic"])],
    [
      "fixed VHD over HTTP ranges",
      "vhd-fixed",
      async () => {
        const http = await httpRangeSource(server.url, { blockSize: 256 * 1024 });
        const image = await openDiskImageSource(http);
        return { ...image, close: async () => http.close() };
      },
    ],
    [
      "raw disk over EBS direct blocks",
      "raw",
      async () => {
        const ebs = await ebsSnapshotSource(FakeEbs.fromDisk(SNAPSHOT, raw), SNAPSHOT);
        // the snapshot's volume is 1 GiB; the disk is its first 64 MiB
        const source = sliceSource(ebs, 0, raw.length, ebs.label);
        return { source, format: "raw", close: async () => undefined };
      },
    ],
  ];

  test.each(OPENERS)("%s: container by content, bytes as raw", async (name, format, open) => {
    const image = await open();
    try {
      expect(image.format).toBe(format);
      expect(image.source.size).toBe(64 * MiB);
      // odd-sized reads that straddle VHD (2 MiB) and VHDX (32 MiB) block boundaries; the remote
      // sources (tested on their own) are compared on the first 10 MiB and the last
      const step = 3 * MiB + 4096 + 512;
      const remote = / over /.test(name);
      for (let at = 0; at < raw.length; at += step) {
        if (remote && at > 10 * MiB && at + step < raw.length) continue;
        const length = Math.min(step, raw.length - at);
        const bytes = await image.source.read(at, length);
        expect(bytes.equals(raw.subarray(at, at + length))).toBe(true);
      }
    } finally {
      await image.close();
    }
  });

  test.each(OPENERS)("%s: GPT, ESP and every ESP file byte for byte", async (_, __, open) => {
    const image = await open();
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
        const same = (await volume.readFile(file.path)).equals(file.bytes);
        expect({ path: file.path, same }).toEqual({ path: file.path, same: true });
      }
      if (disk.ntfsPart) {
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

  const hasBcd = fs.existsSync(BCD_FIXTURE);
  if (!hasBcd) console.warn(`BCD-on-ESP test skipped: no ${BCD_FIXTURE}`);
  (hasBcd ? test : test.skip)("the real BCD reads back from a dynamic VHDX's ESP", async () => {
    const image = await openDiskImage(files["vhdx-dynamic"]);
    try {
      const table = await readPartitions(image.source);
      const esp = findEfiSystemPartition(table)!;
      const volume = await openFatVolume(sliceSource(image.source, esp.start, esp.length, "ESP"));
      const bcd = await volume.readFile("\\efi\\microsoft\\boot\\bcd");
      expect(bcd.length).toBe(32768);
      const md5 = crypto.createHash("md5").update(bcd).digest("hex");
      expect(md5).toBe("2b50f3d6d6c974ebc3fd0a07b29793ad");
      expect(bcd.toString("latin1", 0, 4)).toBe("regf");
    } finally {
      await image.close();
    }
  });

  test("over HTTP each 256 KiB block is fetched once, with few requests", async () => {
    const http = await httpRangeSource(server.url, { blockSize: 256 * 1024 });
    try {
      const image = await openDiskImageSource(http);
      const table = await readPartitions(image.source);
      const esp = findEfiSystemPartition(table)!;
      const volume = await openFatVolume(sliceSource(image.source, esp.start, esp.length, "ESP"));
      await volume.readFile("/EFI/Boot/bootx64.efi");
      await volume.readFile("/EFI/Boot/bootx64.efi");
      expect(http.stats.requests).toBeLessThan(12);
      expect(http.stats.retries).toBe(0);
    } finally {
      http.close();
    }
  });

  test("qemu-img agrees on the virtual size of each container", () => {
    for (const kind of CONTAINERS) {
      const format = kind.startsWith("vhdx") ? "vhdx" : "vpc";
      const json = run("qemu-img", ["info", "--output=json", "-f", format, files[kind]]);
      expect(JSON.parse(json)["virtual-size"]).toBe(64 * MiB);
    }
  });
});
