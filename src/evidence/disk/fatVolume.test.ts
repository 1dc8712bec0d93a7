import * as fs from "fs";
import * as path from "path";
import { isFormatError } from "../formatError";
import { bufferSource } from "./byteSource";
import type { FatType } from "./fatBoot";
import { openFatVolume, type FatVolume } from "./fatVolume";
import {
  buildFatImage,
  espFiles,
  FRAGMENTED_FILE,
  makeTempDir,
  missingTool,
  run,
  type ImageFile,
} from "./testing/diskImages";

const missing = missingTool("mformat", "mmd", "mcopy", "mdel", "mdir", "mshowfat");
if (missing) console.warn(`FAT reader tests on mtools images skipped: ${missing} is not installed`);
const describeWithTools = missing ? describe.skip : describe;

const VOLUMES: [FatType, number, string[]][] = [
  ["FAT32", 40 * 1024 * 1024, ["-F", "-c", "1"]],
  ["FAT16", 16 * 1024 * 1024, []],
  ["FAT12", 1440 * 1024, ["-f", "1440"]],
];

/** Every path under `dir`, directories with a trailing "/", the way `mdir -/ -b` prints them. */
async function walk(volume: FatVolume, dir = ""): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await volume.listDirectory(dir || "\\")) {
    const full = `${dir}/${entry.name}`;
    out.push(entry.isDirectory ? `${full}/` : full);
    if (entry.isDirectory) out.push(...(await walk(volume, full)));
  }
  return out;
}

describeWithTools("FAT volumes formatted and filled by mtools", () => {
  let dir: string;
  const images: Partial<Record<FatType, { bytes: Buffer; files: ImageFile[]; file: string }>> = {};

  beforeAll(() => {
    dir = makeTempDir("vmr-fat-");
    for (const [type, size, args] of VOLUMES) {
      const file = path.join(dir, `${type}.img`);
      const files = espFiles();
      buildFatImage(dir, file, size, args, files, FRAGMENTED_FILE);
      images[type] = { bytes: fs.readFileSync(file), files: [...files, FRAGMENTED_FILE], file };
    }
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const open = (type: FatType) => openFatVolume(bufferSource(images[type]!.bytes, type));

  test.each(VOLUMES)("%s: type by cluster count; the tree is what mdir lists", async (type) => {
    const volume = await open(type);
    expect(volume.geometry.type).toBe(type);
    const listed = run("mdir", ["-/", "-b", "-i", images[type]!.file, "::"])
      .split("\n")
      .filter(Boolean)
      .map((line) => line.replace(/^::/, ""));
    expect(listed.length).toBeGreaterThan(45);
    expect((await walk(volume)).sort()).toEqual(listed.sort());
  });

  test.each(VOLUMES)("%s: every file reads back byte for byte", async (type) => {
    const volume = await open(type);
    for (const file of images[type]!.files) {
      const same = (await volume.readFile(file.path)).equals(file.bytes);
      expect({ path: file.path, same }).toEqual({ path: file.path, same: true });
    }
  });

  test.each(VOLUMES)("%s: a fragmented file's clusters are what mshowfat prints", async (type) => {
    const volume = await open(type);
    const { dataOffset, clusterSize } = volume.geometry;
    const extents = await volume.fileExtents(FRAGMENTED_FILE.path);
    const runs = extents.map((e) => {
      const first = (e.offset - dataOffset) / clusterSize + 2;
      const last = first + Math.ceil(e.length / clusterSize) - 1;
      return first === last ? `<${first}>` : `<${first}-${last}>`;
    });
    const shown = run("mshowfat", ["-i", images[type]!.file, `::${FRAGMENTED_FILE.path}`]);
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(runs.join(" ")).toBe(shown.replace(/^::\S+\s+/, "").trim());
  });

  test("lookups ignore case and accept 8.3 names and either slash", async () => {
    const volume = await open("FAT32");
    const entry = await volume.stat("\\efi\\a long file name with SPACES.TXT");
    expect(entry).toMatchObject({ name: "A Long File Name With Spaces.txt", isDirectory: false });
    expect(entry!.shortName).toMatch(/^ALONGF~\d\.TXT$/);
    const byShort = await volume.readFile(`/EFI/${entry!.shortName.toLowerCase()}`);
    expect(byShort.toString()).toBe("long name\r\n");
    expect((await volume.stat("/EFI/Ünïcødé ñame.txt"))?.name).toBe("Ünïcødé ñame.txt");
    expect((await volume.listDirectory("/MANY")).length).toBe(40);
    expect(await volume.stat("/EFI/nope.txt")).toBeUndefined();
    expect(await volume.stat("/empty.txt/below")).toBeUndefined();
    const error = await volume.readFile("/EFI/nope.txt").catch((e: unknown) => e);
    expect(isFormatError(error, "fat-not-found")).toBe(true);
    const big = await volume.readFile("/EFI/Boot/bootx64.efi", 1000).catch((e: unknown) => e);
    expect(isFormatError(big, "fat-file-too-large")).toBe(true);
  });

  describe("damaged copies", () => {
    /** A copy of the FAT32 image with the FAT entry of `cluster` (in every FAT) set to `value`. */
    async function withFatEntry(cluster: number, value: number): Promise<FatVolume> {
      const bytes = Buffer.from(images.FAT32!.bytes);
      const boot = bytes.subarray(0, 512);
      const reserved = boot.readUInt16LE(14);
      const fatBytes = boot.readUInt32LE(36) * 512;
      for (let fat = 0; fat < boot[16]; fat++) {
        bytes.writeUInt32LE(value, reserved * 512 + fat * fatBytes + cluster * 4);
      }
      return openFatVolume(bufferSource(bytes, "damaged"));
    }
    async function firstCluster(file: string): Promise<number> {
      return (await (await open("FAT32")).stat(file))!.firstCluster;
    }
    const bootx64 = "/EFI/Boot/bootx64.efi";

    test("a chain that loops back is fat-chain-loop", async () => {
      const first = await firstCluster(bootx64);
      const volume = await withFatEntry(first + 2, first);
      const error = await volume.readFile(bootx64).catch((e: unknown) => e);
      expect(isFormatError(error, "fat-chain-loop")).toBe(true);
      expect((error as Error).message).toBe(`damaged: ${bootx64}: cluster ${first} repeats`);
    });

    test("a chain into a free cluster, past the volume, or too short", async () => {
      const first = await firstCluster(bootx64);
      const free = await (await withFatEntry(first, 0)).readFile(bootx64).catch((e) => e);
      expect(isFormatError(free, "fat-chain-broken")).toBe(true);
      const past = await (await withFatEntry(first, 0x0ffffff0)).readFile(bootx64).catch((e) => e);
      expect(isFormatError(past, "fat-chain-range")).toBe(true);
      const short = await (await withFatEntry(first, 0x0fffffff)).readFile(bootx64).catch((e) => e);
      expect(isFormatError(short, "fat-chain-short")).toBe(true);
    });

    test("an LFN run whose checksum does not match falls back to the 8.3 name", async () => {
      const volume = await open("FAT32");
      const entry = (await volume.stat("/EFI/A Long File Name With Spaces.txt"))!;
      const bytes = Buffer.from(images.FAT32!.bytes);
      // find the 8.3 entry by its 11 name bytes; the LFN entries before it get a wrong checksum
      const [base, ext] = entry.shortName.split(".");
      const at = bytes.indexOf(Buffer.from(base.padEnd(8) + ext, "latin1"));
      expect(at).toBeGreaterThan(0);
      for (let lfn = at - 32; bytes[lfn + 11] === 0x0f; lfn -= 32) bytes[lfn + 13] ^= 0x01;
      const damaged = await openFatVolume(bufferSource(bytes, "lfn"));
      const names = (await damaged.listDirectory("/EFI")).map((e) => e.name);
      expect(names).toContain(entry.shortName);
      expect(names).not.toContain(entry.name);
    });

    test("a boot sector that claims more sectors than the partition is refused", async () => {
      const bytes = Buffer.from(images.FAT32!.bytes);
      bytes.writeUInt32LE(bytes.readUInt32LE(32) * 2, 32);
      const error = await openFatVolume(bufferSource(bytes, "big")).catch((e: unknown) => e);
      expect(isFormatError(error, "fat-volume-size")).toBe(true);
    });
  });
});
