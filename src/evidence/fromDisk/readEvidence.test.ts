import * as fs from "fs";
import * as path from "path";
import { bufferSource, type ByteSource } from "../disk";
import { buildGptDisk, makeTempDir, missingTool } from "../disk/testing/diskImages";
import { isFormatError } from "../formatError";
import { keptImage, lines, missingTool as missingNtfsTool } from "../ntfs/testing/oracle";
import { countingSource, printable, readEvidenceFromDisk, resolveCaps } from ".";

describe("countingSource", () => {
  const bytes = Buffer.from("0123456789abcdef");

  test("counts reads and bytes; a failure below is kept", async () => {
    const failing: ByteSource = {
      size: 16,
      label: "flaky",
      read: (offset, length) =>
        offset >= 8
          ? Promise.reject(new Error("gone"))
          : bufferSource(bytes, "b").read(offset, length),
    };
    const counted = countingSource(failing);
    expect((await counted.read(2, 3)).toString()).toBe("234");
    await expect(counted.read(8, 2)).rejects.toThrow("gone");
    expect(counted.counters).toEqual({ reads: 2, bytes: 5 });
    expect(counted.failure?.message).toBe("gone");
  });

  test("refuses a read past its byte budget, and records it as the failure", async () => {
    const counted = countingSource(bufferSource(bytes, "b"), 10);
    await counted.read(0, 8);
    const error = await counted.read(8, 4).catch((e: unknown) => e);
    expect(isFormatError(error, "disk-read-budget")).toBe(true);
    expect(counted.failure).toBe(error);
  });

  test("an out-of-range offset is the caller's error, not the source's", async () => {
    const counted = countingSource(bufferSource(bytes, "b"));
    await expect(counted.read(10, 10)).rejects.toThrow(/outside the source/);
    expect(counted.failure).toBeUndefined();
  });
});

test("resolveCaps keeps defaults and refuses nonsense", () => {
  expect(resolveCaps({ minidumpCount: 2 }).minidumpCount).toBe(2);
  expect(resolveCaps().setupApiLogTailBytes).toBe(4 * 1024 * 1024);
  expect(() => resolveCaps({ bcdBytes: -1 })).toThrow(/bcdBytes/);
});

test("printable escapes what could break or reorder a line", () => {
  expect(printable("a\nb\u202ec\x1b[2Jd\u2028e")).toBe("a\\x0ab\\u202ec\\x1b[2Jd\\u2028e");
  expect(printable("\\Windows\\Minidump\\Ünïcødé.dmp")).toBe("\\Windows\\Minidump\\Ünïcødé.dmp");
});

describe("disks that are not Windows disks", () => {
  test.each([
    ["an empty source", Buffer.alloc(0), /no first sector/],
    ["zeros", Buffer.alloc(64 * 1024), /55 AA/],
    ["text", Buffer.from("this is not a disk image\n".repeat(2000)), /55 AA/],
  ])("%s is a FormatError", async (_name, bytes, message) => {
    const error = await readEvidenceFromDisk(bufferSource(bytes, "junk"), {
      route: "disk-image",
    }).catch((e: unknown) => e);
    expect(isFormatError(error)).toBe(true);
    expect((error as Error).message).toMatch(message);
  });

  const gptTool = missingTool("sgdisk", "mformat", "mcopy", "mmd", "mkntfs");
  (gptTool ? test.skip : test)("a GPT disk whose NTFS holds no \\Windows is refused", async () => {
    const dir = makeTempDir("no-windows-");
    try {
      const disk = await buildGptDisk(dir);
      const source = bufferSource(fs.readFileSync(disk.raw), path.basename(disk.raw));
      const error = await readEvidenceFromDisk(source, { route: "disk-image" }).catch(
        (e: unknown) => e,
      );
      expect(isFormatError(error, "disk-no-windows")).toBe(true);
      expect((error as Error).message).toBe(
        "disk.img: no Windows volume (1 NTFS volume looked at, none holds \\Windows)",
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
  if (gptTool) console.warn(`GPT no-Windows test skipped: ${gptTool} is not installed`);
});

const xz = missingNtfsTool("xz");
if (xz) console.warn(`whole-disk NTFS test skipped: ${xz} is not installed`);
(xz ? test.skip : test)("a disk that is one NTFS volume (no partition table) is read", async () => {
  // the NTFS tests' kept volume (mkntfs + ntfs-3g): its SYSTEM is 3000 lines of text
  const source = bufferSource(keptImage(), "nested.img");
  const bundle = await readEvidenceFromDisk(source, { route: "disk-image" });
  expect(bundle.disk).toEqual({ partitionStyle: null, generation: null });
  expect(bundle.layout).toMatchObject({ partitions: [], windowsPartition: 0, bcdPartition: null });
  expect(bundle.systemHive?.bytes.equals(lines(3000))).toBe(true);
  expect(bundle.bcd).toBeNull();
  expect(bundle.problems).toContain("\\Boot\\BCD: absent (looked on the whole-disk volume)");
  expect(bundle.problems).toContain("\\Windows\\Minidump: absent (no minidumps)");
  expect(bundle.stats.diskReads).toBeGreaterThan(0);
});
