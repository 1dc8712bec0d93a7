import { execFileSync } from "child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "fs";
import { tmpdir } from "os";
import path from "path";
import { openNtfs } from ".";
import { openFileSource } from "./testing/fileSource";
import { FIXTURES, haveFixture, missingTool, ntfscat, tryRun } from "./testing/oracle";

/**
 * A volume laid out like a Windows system disk, written through the ntfs-3g FUSE driver (the only
 * Debian writer that creates directories and LZNT1-compressed files): the real SYSTEM hive and
 * minidump at their Windows paths, and compressed copies of both in a directory marked
 * compressed. Skipped with one line where FUSE mounting is unavailable (no root, no /dev/fuse).
 */
const HIVE = path.join(FIXTURES, "hives", "SYSTEM_WIN7_X86");
const BCD = path.join(FIXTURES, "hives", "BCD");
const DUMP = path.join(FIXTURES, "triage_x64.dmp");

function build(dir: string): string | undefined {
  const image = path.join(dir, "windows.img");
  const mnt = path.join(dir, "mnt");
  mkdirSync(mnt);
  execFileSync("truncate", ["-s", "64M", image]);
  const format = ["-F", "-Q", "-s", "512", "-c", "4096", "-L", "Windows"];
  execFileSync("mkntfs", [...format, image], { stdio: "ignore" });
  if (!tryRun("ntfs-3g", ["-o", "compression", image, mnt])) return undefined;
  try {
    const at = (...parts: string[]) => path.join(mnt, ...parts);
    mkdirSync(at("Windows", "System32", "config"), { recursive: true });
    mkdirSync(at("Windows", "Minidump"));
    mkdirSync(at("Boot"));
    mkdirSync(at("Compressed"));
    // FILE_ATTRIBUTE_COMPRESSED on the directory: ntfs-3g compresses what is created in it.
    const attrib = ["-h", "-n", "system.ntfs_attrib_be", "-v", "0x00000800"];
    execFileSync("setfattr", [...attrib, at("Compressed")]);
    copyFileSync(HIVE, at("Windows", "System32", "config", "SYSTEM"));
    copyFileSync(DUMP, at("Windows", "Minidump", "120626-15484-01.dmp"));
    copyFileSync(BCD, at("Boot", "BCD"));
    copyFileSync(HIVE, at("Compressed", "SYSTEM"));
    copyFileSync(DUMP, at("Compressed", "MEMORY.DMP"));
  } finally {
    execFileSync("umount", [mnt]);
  }
  return image;
}

const missingFixture = [HIVE, BCD, DUMP].find((f) => !haveFixture(path.relative(FIXTURES, f)));
const missing = missingTool("mkntfs", "ntfs-3g", "setfattr", "umount", "ntfscat", "truncate");
const dir = mkdtempSync(path.join(tmpdir(), "ntfs-fuse-"));
let image: string | undefined;
let skip = missingFixture
  ? `shared fixture ${missingFixture} is absent`
  : missing && `${missing} is not installed`;
if (!skip) {
  image = build(dir);
  if (!image) skip = "ntfs-3g cannot mount here (FUSE unavailable)";
}
if (skip) {
  console.warn(`ntfs FUSE-built volume tests skipped: ${skip}`);
  rmSync(dir, { recursive: true, force: true });
}
const describeFuse = skip ? describe.skip : describe;

describeFuse("Windows layout written by ntfs-3g", () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test.each([
    ["\\Windows\\System32\\config\\SYSTEM", HIVE, false],
    ["/windows/system32/CONFIG/system", HIVE, false],
    ["\\Windows\\Minidump\\120626-15484-01.dmp", DUMP, false],
    ["\\BOOT\\bcd", BCD, false],
    ["\\Compressed\\SYSTEM", HIVE, true],
    ["\\Compressed\\memory.dmp", DUMP, true],
  ])("%s reads back byte for byte", async (p, original, compressed) => {
    const source = await openFileSource(image!);
    try {
      const volume = await openNtfs(source);
      const entry = (await volume.lookup(p))!;
      expect(entry.compressed).toBe(compressed ? "lznt1" : undefined);
      const bytes = await volume.readFile(entry);
      expect(bytes.equals(readFileSync(original))).toBe(true);
      expect(bytes.equals(ntfscat(image!, entry.path.replace(/\\/g, "/")))).toBe(true);
    } finally {
      await source.close();
    }
  });

  test("lazy reads of the compressed hive match the original at unit boundaries", async () => {
    const source = await openFileSource(image!);
    try {
      const volume = await openNtfs(source);
      const hive = await volume.fileSource("\\Compressed\\SYSTEM");
      const original = readFileSync(HIVE);
      const reads = [
        [0, 4096],
        [65536 - 100, 200],
        [5 * 65536 + 7, 150_000],
        [original.length - 10, 10],
      ];
      for (const [offset, length] of reads) {
        const bytes = await hive.read(offset, length);
        expect(bytes.equals(original.subarray(offset, offset + length))).toBe(true);
      }
      const listed = (await volume.list("\\Windows")).map((e) => [e.name, e.isDirectory]);
      expect(listed).toEqual([
        ["Minidump", true],
        ["System32", true],
      ]);
    } finally {
      await source.close();
    }
  });
});
