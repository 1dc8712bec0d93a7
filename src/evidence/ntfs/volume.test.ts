import { createCipheriv } from "crypto";
import { bufferSource } from "../disk/byteSource";
import { FileAttribute, NtfsEntry, NtfsVolume, openNtfs } from ".";
import { keptImage, lines, missingTool } from "./testing/oracle";

const missing = missingTool("xz");
if (missing) console.warn(`ntfs kept-image tests skipped: ${missing} is not installed`);
const describeKept = missing ? describe.skip : describe;

/** The AES-128-CTR keystream `make-image.sh` uses as incompressible bytes. */
function noise(iv: string, length: number): Buffer {
  const key = Buffer.from("000102030405060708090a0b0c0d0e0f", "hex");
  const cipher = createCipheriv("aes-128-ctr", key, Buffer.from(iv, "hex"));
  return cipher.update(Buffer.alloc(length));
}

describeKept("NTFS volume built by mkntfs + ntfs-3g (testdata/nested.img.xz)", () => {
  let volume: NtfsVolume;
  beforeAll(async () => {
    volume = await openNtfs(bufferSource(keptImage(), "nested.img"));
  });

  test("boot sector geometry and volume label", () => {
    expect(volume.label).toBe("NESTED");
    expect(volume.serial).toMatch(/^[0-9a-f]{16}$/);
    expect(volume.boot).toMatchObject({
      bytesPerSector: 512,
      clusterSize: 4096,
      mftLcn: 4,
      mftRecordSize: 1024,
      indexRecordSize: 4096,
      totalSectors: 16383,
    });
  });

  test("root lists system files and the test folders in index order", async () => {
    const names = (await volume.list("\\")).map((e) => e.name);
    expect(names).toEqual([
      ...["$AttrDef", "$BadClus", "$Bitmap", "$Boot", "$Extend", "$LogFile", "$MFT", "$MFTMirr"],
      ...["$Secure", "$UpCase", "$Volume", "a", "compressed", "frag", "hardlink-at-root.txt"],
      ...["links", "many", "manylinks", "Program Files", "sparse", "streams", "Windows"],
      "Ünïcödé Ωmega.txt",
    ]);
  });

  test("deep path, case-insensitive with either separator", async () => {
    const deep = await volume.lookup("/A/b/C/d/E/f/G/h/I/j/K/l/DEEP.TXT");
    expect(deep).toMatchObject({ name: "deep.txt", size: 5 });
    expect(deep?.path).toBe("\\a\\b\\c\\d\\e\\f\\g\\h\\i\\j\\k\\l\\deep.txt");
    expect((await volume.readFile(deep!)).toString()).toBe("deep\n");
    const system = await volume.readFile("\\windows\\SYSTEM32\\Config\\system");
    expect(system.equals(lines(3000))).toBe(true);
    expect(await volume.lookup("\\Windows\\System32\\config\\SOFTWARE")).toBeUndefined();
    expect(await volume.lookup("\\a\\deep.txt\\x")).toBeUndefined();
  });

  test("a Unicode name is found through $UpCase (ü→Ü, ω→Ω)", async () => {
    const entry = await volume.lookup("\\üNÏCÖDÉ ωMEGA.TXT");
    expect(entry?.name).toBe("Ünïcödé Ωmega.txt");
    expect((await volume.readFile(entry!)).toString()).toBe("unicode\n");
  });

  test("700 files in one directory: $INDEX_ALLOCATION over several levels", async () => {
    const many = await volume.list("\\many");
    const name = (i: number) =>
      `a-rather-long-file-name-to-fill-index-records-${String(i).padStart(4, "0")}.txt`;
    expect(many.map((e) => e.name)).toEqual(Array.from({ length: 700 }, (_, i) => name(i + 1)));
    for (const i of [1, 2, 350, 511, 699, 700]) {
      const entry = await volume.lookup(`\\MANY\\${name(i).toUpperCase()}`);
      expect(entry?.name).toBe(name(i));
      expect((await volume.readFile(entry!)).toString()).toBe(`${i}\n`);
    }
    expect(await volume.lookup(`\\many\\${name(701)}`)).toBeUndefined();
    expect(await volume.lookup("\\many\\a")).toBeUndefined();
    expect(await volume.lookup("\\many\\zzz")).toBeUndefined();
  });

  test("8.3 short names: listed as shortName, usable in lookups", async () => {
    const [dir] = (await volume.list("\\")).filter((e) => e.name === "Program Files");
    expect(dir).toMatchObject({ shortName: "PROGRA~1", isDirectory: true });
    const files = await volume.list("\\progra~1");
    const names = files.map((e) => [e.name, e.shortName]);
    expect(names).toEqual([["Long File Name.txt", "LONGFI~1.TXT"]]);
    const byShort = await volume.lookup("\\PROGRA~1\\longfi~1.txt");
    expect(byShort?.path).toBe("\\Program Files\\Long File Name.txt");
    expect((await volume.readFile(byShort!)).toString()).toBe("long name\n");
  });

  test("hard links: one MFT record under three names in two directories", async () => {
    const a = await volume.lookup("\\links\\original.txt");
    const b = await volume.lookup("\\links\\second-name.txt");
    const c = await volume.lookup("\\hardlink-at-root.txt");
    expect([b!.mftRef, c!.mftRef]).toEqual([a!.mftRef, a!.mftRef]);
    expect(a).toMatchObject({ linkCount: 3, size: 15 });
    expect(c!.name).toBe("hardlink-at-root.txt");
    expect((await volume.readFile(c!)).toString()).toBe("linked content\n");
  });

  test("41 links overflow the record: $FILE_NAMEs in extension records", async () => {
    const listed = await volume.list("\\manylinks");
    expect(listed).toHaveLength(41);
    expect(new Set(listed.map((e) => e.mftRef)).size).toBe(1);
    const name = "another-name-for-the-same-file-to-overflow-the-record-40.txt";
    const last = await volume.lookup(`\\manylinks\\${name}`);
    expect(last).toMatchObject({ name, linkCount: 41, size: 11 });
    expect((await volume.readFile(last!)).toString()).toBe("many links\n");
  });

  test("alternate data streams are listed and readable", async () => {
    const entry = (await volume.lookup("\\streams\\ads.txt"))!;
    expect(entry.streams).toEqual([
      { name: "big", size: 18893 },
      { name: "Zone.Identifier", size: 24 },
    ]);
    expect((await volume.readFile(entry)).toString()).toBe("main stream\n");
    expect((await volume.readFile(entry, { stream: "Zone.Identifier" })).toString()).toBe(
      "[ZoneTransfer]\nZoneId=3\n",
    );
    expect((await volume.readFile(entry, { stream: "big" })).equals(lines(2000))).toBe(true);
    await expect(volume.readFile(entry, { stream: "nope" })).rejects.toMatchObject({
      code: "ntfs-no-stream",
    });
  });

  test("sparse files read zeros in holes; a runlist split over extension records", async () => {
    const sparse = (await volume.lookup("\\sparse\\sparse.bin"))!;
    expect(sparse.attributes & FileAttribute.sparse).toBe(FileAttribute.sparse);
    const expected = Buffer.alloc(2 * 1024 * 1024);
    lines(100).copy(expected, 0);
    lines(100).copy(expected, 1048576 + 100);
    expect((await volume.readFile(sparse)).equals(expected)).toBe(true);

    const many = (await volume.lookup("\\sparse\\many-runs.bin"))!;
    const want = Buffer.alloc(599 * 4096);
    for (let k = 0; k < 300; k++) {
      want.write(`piece ${String(k).padStart(3, "0")}\n`, k * 8192, "latin1");
    }
    expect(many.size).toBe(want.length);
    expect((await volume.readFile(many)).equals(want)).toBe(true);
  });

  test("LZNT1: compressed, stored and sparse compression units", async () => {
    const text = (await volume.lookup("\\compressed\\text.txt"))!;
    expect(text.compressed).toBe("lznt1");
    expect(text.attributes & FileAttribute.compressed).toBe(FileAttribute.compressed);
    expect((await volume.readFile(text)).equals(lines(30000))).toBe(true);
    const mixed = (await volume.lookup("\\compressed\\mixed.bin"))!;
    const want = Buffer.concat([
      lines(20000).subarray(0, 65536),
      noise("00000000000000000000000000000001", 65536),
      Buffer.alloc(65536),
      lines(20000).subarray(0, 40000),
    ]);
    expect((await volume.readFile(mixed)).equals(want)).toBe(true);
    // Lazy reads across unit boundaries give the same bytes as the whole file.
    const source = await volume.fileSource(mixed);
    expect((await source.read(65530, 70000)).equals(want.subarray(65530, 135530))).toBe(true);
    const tail = await source.read(want.length - 7, 7);
    expect(tail.equals(want.subarray(want.length - 7))).toBe(true);
  });

  test("a file fragmented over many runs reads back in order", async () => {
    const entry = (await volume.lookup("\\frag\\fragmented.txt"))!;
    expect(entry.size).toBeGreaterThan(1_000_000);
    expect((await volume.readFile(entry)).equals(lines(100000).subarray(0, entry.size))).toBe(true);
  });

  test("entries carry times and directory flags", async () => {
    const dir = (await volume.lookup("\\Windows"))!;
    expect(dir).toMatchObject({ isDirectory: true, size: 0 });
    const file = (await volume.lookup("\\links\\original.txt")) as NtfsEntry;
    expect(file.created!.getUTCFullYear()).toBeGreaterThanOrEqual(2024);
    expect(file.modified!.getTime()).toBeGreaterThanOrEqual(file.created!.getTime());
  });

  test("errors name the problem", async () => {
    await expect(volume.readFile("\\nope.txt")).rejects.toMatchObject({ code: "ntfs-not-found" });
    await expect(volume.readFile("\\Windows")).rejects.toMatchObject({ code: "ntfs-is-directory" });
    await expect(volume.list("\\links\\original.txt")).rejects.toMatchObject({
      code: "ntfs-not-directory",
    });
    const small = { maxBytes: 1000 };
    await expect(volume.readFile("\\compressed\\text.txt", small)).rejects.toMatchObject({
      code: "ntfs-file-too-large",
    });
  });

  test("a torn $MFT record 0 is read from $MFTMirr; both torn is a fixup error", async () => {
    const bytes = keptImage();
    // The end of record 0's first stride: its update sequence number no longer matches.
    bytes[4 * 4096 + 510] ^= 0xff;
    const mirrored = await openNtfs(bufferSource(bytes, "torn.img"));
    const system = await mirrored.readFile("\\Windows\\System32\\config\\SYSTEM");
    expect(system.equals(lines(3000))).toBe(true);
    bytes[1023 * 4096 + 510] ^= 0xff;
    await expect(openNtfs(bufferSource(bytes, "torn.img"))).rejects.toMatchObject({
      code: "ntfs-fixup-mismatch",
      message: expect.stringMatching(/^NTFS MFT record 0: stride 0 ends with 0x[0-9a-f]+, update/),
    });
  });
});
