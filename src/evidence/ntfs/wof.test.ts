import { execFileSync } from "child_process";
import fc from "fast-check";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import path from "path";
import { bufferSource } from "../disk/byteSource";
import { isFormatError } from "../formatError";
import { openNtfs } from ".";
import { ReparseTag } from "./reparse";
import { openFileSource } from "./testing/fileSource";
import { FIXTURES, haveFixture, missingTool } from "./testing/oracle";
import { wimResource } from "./testing/wim";
import { wofSource } from "./wof";

/**
 * WOF (CompactOS) files built from independent parts: wimlib-imagex compresses a real file
 * (a WIM resource has WofCompressedData's layout), ntfscp writes the sparse-size main stream,
 * the named stream and a $REPARSE_POINT with tag 0x80000017 into an mkntfs volume. XPRESS must
 * read back byte for byte; LZX must be refused by name.
 */
const SOURCES = ["hives/BCD", "triage_x64.dmp"];
const missingFixture = SOURCES.find((f) => !haveFixture(f));
const missing = missingTool("wimlib-imagex", "mkntfs", "ntfscp", "truncate");
const skip = missingFixture
  ? `shared fixture ${missingFixture} is absent`
  : missing && `${missing} is not installed (Debian packages wimtools, ntfs-3g)`;
if (skip) console.warn(`ntfs WOF tests skipped: ${skip}`);
const describeWof = skip ? describe.skip : describe;

const ALGORITHMS = [
  { name: "wof-xpress4k", number: 0, wim: ["--compress=XPRESS", "--chunk-size=4096"] },
  { name: "wof-lzx", number: 1, wim: ["--compress=LZX", "--chunk-size=32768"] },
  { name: "wof-xpress8k", number: 2, wim: ["--compress=XPRESS", "--chunk-size=8192"] },
  { name: "wof-xpress16k", number: 3, wim: ["--compress=XPRESS", "--chunk-size=16384"] },
];

/** $REPARSE_POINT value: tag, data length 16, WOF v1 file provider, file-info v1, algorithm. */
function wofReparse(algorithm: number): Buffer {
  const b = Buffer.alloc(24);
  b.writeUInt32LE(ReparseTag.wof, 0);
  b.writeUInt16LE(16, 4);
  [1, 2, 1, algorithm].forEach((v, i) => b.writeUInt32LE(v, 8 + 4 * i));
  return b;
}

describeWof("WOF-compressed files", () => {
  let dir: string;
  let image: string;
  const resources = new Map<string, Buffer>();
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "ntfs-wof-"));
    image = path.join(dir, "wof.img");
    execFileSync("truncate", ["-s", "32M", image]);
    execFileSync("mkntfs", ["-F", "-Q", "-L", "Wof", image], { stdio: "ignore" });
    for (const source of SOURCES) {
      const content = readFileSync(path.join(FIXTURES, source));
      const input = path.join(dir, "in");
      rmSync(input, { recursive: true, force: true });
      mkdirSync(input);
      copyFileSync(path.join(FIXTURES, source), path.join(input, "file"));
      const sparse = path.join(dir, "sparse");
      execFileSync("truncate", ["-s", `${content.length}`, sparse]);
      for (const a of ALGORITHMS) {
        const wim = path.join(dir, `${a.name}.wim`);
        execFileSync("wimlib-imagex", ["capture", input, wim, ...a.wim], { stdio: "ignore" });
        const packed = path.join(dir, "packed");
        resources.set(`${source}.${a.name}`, wimResource(wim, content));
        writeFileSync(packed, resources.get(`${source}.${a.name}`)!);
        const reparse = path.join(dir, "reparse");
        writeFileSync(reparse, wofReparse(a.number));
        const target = `${path.basename(source)}.${a.name}`;
        execFileSync("ntfscp", [image, sparse, target], { stdio: "ignore" });
        const stream = ["-N", "WofCompressedData"];
        execFileSync("ntfscp", [...stream, image, packed, target], { stdio: "ignore" });
        execFileSync("ntfscp", ["-a", "0xC0", image, reparse, target], { stdio: "ignore" });
      }
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const cases = SOURCES.flatMap((s) => ALGORITHMS.map((a) => [s, a.name]));
  test.each(cases)("%s as %s", async (source, name) => {
    const content = readFileSync(path.join(FIXTURES, source));
    const src = await openFileSource(image);
    try {
      const volume = await openNtfs(src);
      const entry = (await volume.lookup(`\\${path.basename(source)}.${name}`))!;
      expect(entry).toMatchObject({ compressed: name, reparseTag: 0x80000017 });
      expect(entry.size).toBe(content.length);
      expect(entry.streams.map((s) => s.name)).toEqual(["WofCompressedData"]);
      if (name === "wof-lzx") {
        await expect(volume.readFile(entry)).rejects.toMatchObject({
          code: "ntfs-wof-unsupported",
          message: expect.stringContaining("wof-lzx"),
        });
        return;
      }
      expect((await volume.readFile(entry)).equals(content)).toBe(true);
      const lazy = await volume.fileSource(entry);
      const [offset, length] = [content.length > 20000 ? 12345 : 100, 9000];
      const piece = await lazy.read(offset, length);
      expect(piece.equals(content.subarray(offset, offset + length))).toBe(true);
    } finally {
      await src.close();
    }
  });

  test("corrupted XPRESS chunks give FormatErrors, never wrong sizes or hangs", async () => {
    const content = readFileSync(path.join(FIXTURES, SOURCES[0]));
    const packed = resources.get(`${SOURCES[0]}.wof-xpress4k`)!;
    const flip = fc.record({ at: fc.nat(packed.length - 1), value: fc.nat(255) });
    await fc.assert(
      fc.asyncProperty(fc.array(flip, { minLength: 1, maxLength: 6 }), async (flips) => {
        const bytes = Buffer.from(packed);
        for (const f of flips) bytes[f.at] = f.value;
        const packedSource = bufferSource(bytes, "packed");
        const source = wofSource(packedSource, "wof-xpress4k", content.length, "t");
        try {
          expect((await source.read(0, content.length)).length).toBe(content.length);
        } catch (e) {
          if (!isFormatError(e)) throw e;
        }
      }),
      { numRuns: Number(process.env.VMR_FUZZ_RUNS ?? 100) },
    );
  });
});
