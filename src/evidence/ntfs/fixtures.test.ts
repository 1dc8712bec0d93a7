import { execFileSync } from "child_process";
import { mkdtempSync, readFileSync, rmSync } from "fs";
import { tmpdir } from "os";
import path from "path";
import { openNtfs } from ".";
import { openFileSource } from "./testing/fileSource";
import { FIXTURES, haveFixture, missingTool, ntfscat } from "./testing/oracle";

/**
 * Real evidence files (a Windows 7 SYSTEM hive, a BCD store, a kernel minidump) copied by
 * ntfscp into volumes that mkntfs formats with different geometries, then read back byte for
 * byte against the source file and against ntfscat.
 */
const FILES = ["hives/SYSTEM_WIN7_X86", "hives/BCD", "triage_x64.dmp"];
const missingFixture = FILES.find((f) => !haveFixture(f));
const missing = missingTool("mkntfs", "ntfscp", "ntfscat", "truncate");
const skip = missingFixture
  ? `shared fixture ${missingFixture} is absent`
  : missing && `${missing} is not installed`;
if (skip) console.warn(`ntfs fixture-volume tests skipped: ${skip}`);
const describeBuilt = skip ? describe.skip : describe;

/** mkntfs geometries: default, small clusters, 4 KiB sectors and records, 128 KiB clusters. */
const GEOMETRIES = [
  { sector: 512, cluster: 4096, record: 1024, index: 4096 },
  { sector: 512, cluster: 1024, record: 1024, index: 4096 },
  { sector: 4096, cluster: 4096, record: 4096, index: 4096 },
  { sector: 512, cluster: 131072, record: 1024, index: 4096 },
];

describeBuilt("evidence fixtures in mkntfs volumes", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "ntfs-fixtures-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test.each(GEOMETRIES)("sector $sector, cluster $cluster", async (g) => {
    const image = path.join(dir, `v${g.sector}-${g.cluster}.img`);
    execFileSync("truncate", ["-s", "48M", image]);
    const format = ["-F", "-Q", "-s", `${g.sector}`, "-c", `${g.cluster}`, "-L", "Evidence"];
    execFileSync("mkntfs", [...format, image], { stdio: "ignore" });
    const targets = ["SYSTEM", "BCD", "MEMORY.DMP"];
    FILES.forEach((f, i) => {
      execFileSync("ntfscp", [image, path.join(FIXTURES, f), targets[i]], { stdio: "ignore" });
    });
    // Enough long names that the root index spills into $INDEX_ALLOCATION (whose VCNs count
    // 512-byte blocks when index records are smaller than a cluster).
    const copies = Array.from({ length: 30 }, (_, i) => `Boot configuration data copy ${100 + i}`);
    for (const name of copies) {
      execFileSync("ntfscp", [image, path.join(FIXTURES, FILES[1]), name], { stdio: "ignore" });
    }

    const source = await openFileSource(image);
    try {
      const volume = await openNtfs(source);
      expect(volume.label).toBe("Evidence");
      expect(volume.boot).toMatchObject({
        bytesPerSector: g.sector,
        clusterSize: g.cluster,
        mftRecordSize: g.record,
        indexRecordSize: g.index,
      });
      for (let i = 0; i < FILES.length; i++) {
        const original = readFileSync(path.join(FIXTURES, FILES[i]));
        const entry = await volume.lookup(`\\${targets[i].toLowerCase()}`);
        expect(entry).toMatchObject({ name: targets[i], size: original.length });
        expect(entry?.isDirectory).toBe(false);
        const read = await volume.readFile(entry!);
        expect(read.equals(original)).toBe(true);
        expect(read.equals(ntfscat(image, targets[i]))).toBe(true);
      }
      const root = await volume.list("\\");
      const listed = root.filter((e) => e.name.startsWith("Boot configuration"));
      expect(listed.map((e) => e.name)).toEqual(copies);
      const bcd = readFileSync(path.join(FIXTURES, FILES[1]));
      expect((await volume.readFile(`/BOOT CONFIGURATION DATA COPY 129`)).equals(bcd)).toBe(true);
      // Lazy reads of a large file: the hive's header and a bin deep inside it.
      const hive = await volume.fileSource("\\SYSTEM");
      const original = readFileSync(path.join(FIXTURES, FILES[0]));
      expect((await hive.read(0, 4)).toString("latin1")).toBe("regf");
      const middle = await hive.read(7_000_000, 12_345);
      expect(middle.equals(original.subarray(7_000_000, 7_012_345))).toBe(true);
      const dump = await volume.fileSource("\\memory.dmp");
      expect((await dump.read(0, 8)).toString("latin1")).toBe("PAGEDU64");
    } finally {
      await source.close();
    }
  });
});
