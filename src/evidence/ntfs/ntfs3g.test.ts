import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import path from "path";
import { bufferSource } from "../disk/byteSource";
import { NtfsEntry, NtfsVolume, openNtfs } from ".";
import { keptImage, missingTool, ntfscat, ntfsls } from "./testing/oracle";

/** The kept volume read by this reader and by ntfs-3g's ntfsls/ntfscat must agree. */
const missing = missingTool("xz", "ntfsls", "ntfscat");
if (missing) console.warn(`ntfs ntfs-3g comparison skipped: ${missing} is not installed`);
const describeTools = missing ? describe.skip : describe;

describeTools("kept volume against ntfsls / ntfscat", () => {
  let dir: string;
  let image: string;
  let volume: NtfsVolume;
  const directories: NtfsEntry[] = [];
  const files: NtfsEntry[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "ntfs-kept-"));
    image = path.join(dir, "nested.img");
    const bytes = keptImage();
    writeFileSync(image, bytes);
    volume = await openNtfs(bufferSource(bytes, "nested.img"));
    const seen = new Set<number>();
    const walk = async (entry: NtfsEntry): Promise<void> => {
      directories.push(entry);
      for (const child of await volume.list(entry)) {
        if (child.mftRef < 16) continue; // metadata files: listed, not walked
        if (child.isDirectory && !seen.has(child.mftRef)) {
          seen.add(child.mftRef);
          await walk(child);
        } else if (!child.isDirectory) files.push(child);
      }
    };
    await walk(await volume.root());
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("every directory lists the same names, records and sizes as ntfsls", async () => {
    expect(directories.length).toBe(24);
    // ntfsls walks index blocks in VCN order, this reader walks the tree in key order.
    const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : 1);
    for (const d of directories) {
      const listed = await volume.list(d);
      const ours = listed.map((e) => ({ record: e.mftRef, size: e.size, name: e.name }));
      expect(ours.sort(byName)).toEqual(ntfsls(image, d.path.replace(/\\/g, "/")).sort(byName));
    }
  });

  test("file contents equal ntfscat's, alternate streams included", async () => {
    // Every file except most of the 700 + fillers (one process each would take too long).
    const sample = files.filter(
      (f, i) => !/\\(many|frag)\\/.test(f.path) || i % 97 === 0 || /fragmented/.test(f.path),
    );
    expect(sample.length).toBeGreaterThan(20);
    for (const f of sample) {
      const oracle = ntfscat(image, f.path.replace(/\\/g, "/"));
      const equal = (await volume.readFile(f)).equals(oracle);
      expect({ path: f.path, equal }).toEqual({ path: f.path, equal: true });
      for (const s of f.streams) {
        const ads = ntfscat(image, f.path.replace(/\\/g, "/"), s.name);
        expect((await volume.readFile(f, { stream: s.name })).equals(ads)).toBe(true);
      }
    }
  });
});
