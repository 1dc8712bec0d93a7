import { execFileSync } from "child_process";
import { existsSync, mkdtempSync, rmSync } from "fs";
import { tmpdir } from "os";
import path from "path";
import { NtfsEntry, openNtfs } from ".";
import { openFileSource } from "./testing/fileSource";
import { missingTool, ntfscat, ntfsls } from "./testing/oracle";

/**
 * Debian's forensics-samples-ntfs: a partitioned disk image with an NTFS volume that a third
 * party filled (and then deleted the folders ending in "2"). Read with this reader, it must
 * list and read exactly what ntfsls / ntfscat show. CI installs the package; elsewhere the test
 * skips with one line.
 */
const SAMPLE = "/usr/share/forensics-samples/fs.ntfs.xz";
const missing = !existsSync(SAMPLE)
  ? "package forensics-samples-ntfs is not installed"
  : missingTool("xz", "ntfsls", "ntfscat") && "xz/ntfsls/ntfscat are not installed";
if (missing) console.warn(`ntfs forensics-samples test skipped: ${missing}`);
const describeSample = missing ? describe.skip : describe;

describeSample("forensics-samples-ntfs (fs.ntfs)", () => {
  let dir: string;
  let partition: string;

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "ntfs-sample-"));
    const disk = path.join(dir, "fs.ntfs");
    execFileSync("sh", ["-c", 'xz -dc "$1" > "$2"', "sh", SAMPLE, disk]);
    // The volume is the MBR's first partition; ntfsls and ntfscat want the volume alone.
    partition = path.join(dir, "part.ntfs");
    execFileSync("dd", [`if=${disk}`, `of=${partition}`, "bs=1M", "skip=1"], { stdio: "ignore" });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("the MBR's partition reads like ntfsls and ntfscat show it", async () => {
    const whole = await openFileSource(path.join(dir, "fs.ntfs"));
    const mbr = await whole.read(0, 512);
    await whole.close();
    expect(mbr[450]).toBe(0x07); // partition type NTFS
    const startLba = mbr.readUInt32LE(454);
    expect(startLba).toBe(2048);
    const sectors = mbr.readUInt32LE(458);
    const source = await openFileSource(path.join(dir, "fs.ntfs"), startLba * 512, sectors * 512);
    try {
      const volume = await openNtfs(source);
      const root = (await volume.list("\\")).filter((e) => e.mftRef >= 16).map((e) => e.name);
      // The folders whose names end in "2" were deleted before the image was taken.
      expect(root).toEqual(["audio1", "movie1", "pic1", "text1"]);
      const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : 1);
      const files: NtfsEntry[] = [];
      for (const d of ["\\", ...root.map((n) => `\\${n}`)]) {
        const ours = await volume.list(d);
        const listed = ours.map((e) => ({ record: e.mftRef, size: e.size, name: e.name }));
        expect(listed.sort(byName)).toEqual(ntfsls(partition, d.replace(/\\/g, "/")).sort(byName));
        if (d !== "\\") files.push(...ours);
      }
      expect(files).toHaveLength(18);
      expect((await volume.lookup("\\MOVIE1\\vid_20191220_170832.MP4"))?.size).toBe(2942343);
      for (const f of files) {
        const bytes = await volume.readFile(f);
        const same = bytes.equals(ntfscat(partition, f.path.replace(/\\/g, "/")));
        expect({ path: f.path, same }).toEqual({ path: f.path, same: true });
      }
      const jpeg = await volume.readFile("\\pic1\\empty.jpg");
      expect(jpeg.subarray(0, 3).toString("hex")).toBe("ffd8ff");
    } finally {
      await source.close();
    }
  });
});
