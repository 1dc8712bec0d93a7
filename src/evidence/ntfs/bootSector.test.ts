import { parseBootSector } from "./bootSector";
import { keptImage, missingTool } from "./testing/oracle";

/** Field encodings of the boot sector, on mkntfs's sector with single fields changed. */
const missing = missingTool("xz");
if (missing) console.warn(`ntfs boot sector tests skipped: ${missing} is not installed`);
const describeBoot = missing ? describe.skip : describe;

describeBoot("NTFS boot sector", () => {
  let sector: Buffer;
  beforeAll(() => {
    sector = keptImage().subarray(0, 512);
  });
  const edit = (fn: (b: Buffer) => void) => {
    const copy = Buffer.from(sector);
    fn(copy);
    return copy;
  };

  test("mkntfs's sector", () => {
    expect(parseBootSector(sector)).toMatchObject({
      bytesPerSector: 512,
      clusterSize: 4096,
      clusterCount: 2047,
      mftLcn: 4,
      mftMirrorLcn: 1023,
      mftRecordSize: 1024,
      indexRecordSize: 4096,
    });
  });

  test.each([
    [0x01, 512],
    [0x80, 65536],
    [0xf8, 131072], // 2^(256-248) sectors
    [0xf4, 2097152],
  ])("sectors per cluster byte 0x%s gives %d-byte clusters", (raw, size) => {
    const boot = parseBootSector(
      edit((b) => {
        b[13] = raw;
        b.writeUInt32LE(0, 64); // records given in bytes: independent of the cluster size
        b[64] = 0xf6;
        b[68] = 0xf4;
        b.writeBigUInt64LE(1n, 48);
      }),
    );
    expect(boot.clusterSize).toBe(size);
  });

  test.each([
    [0xf6, 1024],
    [0xf4, 4096],
    [0xf7, 512],
    [0x01, 4096], // one 4 KiB cluster
    [0x02, 8192],
  ])("clusters per record byte 0x%s gives %d bytes", (raw, size) => {
    expect(parseBootSector(edit((b) => (b[64] = raw))).mftRecordSize).toBe(size);
    expect(parseBootSector(edit((b) => (b[68] = raw))).indexRecordSize).toBe(size);
  });

  test.each([
    ["OEM id", (b: Buffer) => b.write("MSDOS5.0", 3, "latin1"), "ntfs-bad-signature"],
    ["55 AA", (b: Buffer) => (b[511] = 0), "ntfs-bad-signature"],
    ["bytes per sector 1000", (b: Buffer) => b.writeUInt16LE(1000, 11), "ntfs-boot-geometry"],
    ["sectors per cluster 3", (b: Buffer) => (b[13] = 3), "ntfs-boot-geometry"],
    ["sectors per cluster 0xf3", (b: Buffer) => (b[13] = 0xf3), "ntfs-boot-geometry"],
    ["record size 0xe0", (b: Buffer) => (b[64] = 0xe0), "ntfs-boot-geometry"],
    ["record size 0", (b: Buffer) => (b[68] = 0), "ntfs-boot-geometry"],
    ["record size 64 clusters", (b: Buffer) => (b[64] = 64), "ntfs-boot-geometry"],
    ["$MFT past the end", (b: Buffer) => b.writeBigUInt64LE(5000n, 48), "ntfs-boot-geometry"],
    ["$MFT LCN 2^60", (b: Buffer) => b.writeBigUInt64LE(1n << 60n, 48), "ntfs-field-range"],
  ])("%s is a FormatError", (_, fn, code) => {
    expect(() => parseBootSector(edit(fn))).toThrow(expect.objectContaining({ code }));
  });
});
