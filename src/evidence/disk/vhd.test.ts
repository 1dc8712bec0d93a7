import * as fs from "fs";
import * as path from "path";
import { isFormatError } from "../formatError";
import { bufferSource } from "./byteSource";
import { openDiskImageSource } from "./diskImage";
import { convertImage, makeTempDir, missingTool, patternBytes } from "./testing/diskImages";

const missing = missingTool("qemu-img");
if (missing) console.warn(`VHD tests on qemu-written images skipped: ${missing} is not installed`);
const describeWithTools = missing ? describe.skip : describe;

const MiB = 1024 * 1024;

/** Re-seals a 512-byte footer (or a 1024-byte dynamic header) after an edit: VHD's checksum. */
function reseal(bytes: Buffer, at: number, length: number, checksumAt: number): void {
  bytes.writeUInt32BE(0, at + checksumAt);
  let sum = 0;
  for (let i = 0; i < length; i++) sum += bytes[at + i];
  bytes.writeUInt32BE(~sum >>> 0, at + checksumAt);
}

describeWithTools("VHD files written by qemu", () => {
  let dir: string;
  let raw: Buffer;
  let fixed: Buffer;
  let dynamic: Buffer;
  beforeAll(() => {
    dir = makeTempDir("vmr-vhd-");
    const rawFile = path.join(dir, "disk.raw");
    // data in the first and third 2 MiB block, a hole in the second and fourth
    raw = Buffer.alloc(8 * MiB);
    patternBytes(MiB + 1000, "vhd").copy(raw, 100);
    patternBytes(3000, "vhd2").copy(raw, 5 * MiB - 1500);
    fs.writeFileSync(rawFile, raw);
    fixed = fs.readFileSync(convertImage(rawFile, path.join(dir, "fixed.vhd"), "vhd-fixed"));
    dynamic = fs.readFileSync(convertImage(rawFile, path.join(dir, "dynamic.vhd"), "vhd-dynamic"));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const open = (bytes: Buffer, label = "t.vhd") => openDiskImageSource(bufferSource(bytes, label));
  const failure = (bytes: Buffer) =>
    open(bytes).then(
      () => undefined,
      (e: unknown) => e,
    );

  test("both read back as the raw disk; the dynamic file is sparse", async () => {
    for (const [bytes, format] of [
      [fixed, "vhd-fixed"],
      [dynamic, "vhd-dynamic"],
    ] as const) {
      const image = await open(bytes);
      expect(image.format).toBe(format);
      expect((await image.source.read(0, raw.length)).equals(raw)).toBe(true);
    }
    expect(dynamic.length).toBeLessThan(6 * MiB);
  });

  test("a dynamic VHD whose end footer is damaged is read through its copy at 0", async () => {
    const copy = Buffer.from(dynamic);
    copy.fill(0, copy.length - 512);
    const image = await open(copy);
    expect(image.format).toBe("vhd-dynamic");
    expect((await image.source.read(0, raw.length)).equals(raw)).toBe(true);
  });

  test("a truncated dynamic VHD fails on the block that is gone, not before", async () => {
    const cut = dynamic.subarray(0, dynamic.length - 512 - MiB);
    const image = await open(cut);
    expect((await image.source.read(0, MiB)).equals(raw.subarray(0, MiB))).toBe(true);
    const error = await image.source.read(4 * MiB, 2 * MiB).catch((e: unknown) => e);
    expect(isFormatError(error, "vhd-block-offset")).toBe(true);
    expect((error as Error).message).toMatch(/^t\.vhd \(VHD\): BAT entry 2 \(sector \d+\) points/);
  });

  test("a clear bit in a block's sector bitmap reads that sector as zeros", async () => {
    const copy = Buffer.from(dynamic);
    const header = Number(copy.readBigUInt64BE(16));
    const bat = Number(copy.readBigUInt64BE(header + 16));
    const block0 = copy.readUInt32BE(bat) * 512;
    copy[block0] &= 0x7f; // sector 0 of block 0
    const image = await open(copy);
    const bytes = await image.source.read(0, 1024);
    expect(bytes.subarray(0, 512).every((b) => b === 0)).toBe(true);
    expect(bytes.subarray(512).equals(raw.subarray(512, 1024))).toBe(true);
  });

  test("checksums, cookies and disk types are checked", async () => {
    const badSum = Buffer.from(fixed);
    badSum[badSum.length - 512 + 40] ^= 1;
    expect(isFormatError(await failure(badSum), "vhd-footer-checksum")).toBe(true);

    const differencing = Buffer.from(dynamic);
    for (const at of [0, differencing.length - 512]) {
      differencing.writeUInt32BE(4, at + 60);
      reseal(differencing, at, 512, 64);
    }
    const error = await failure(differencing);
    expect(isFormatError(error, "vhd-differencing")).toBe(true);
    expect((error as Error).message).toMatch(/^t\.vhd: VHD footer at \d+: differencing disk/);

    const sparse = Buffer.from(dynamic);
    const header = Number(sparse.readBigUInt64BE(16));
    sparse.write("cxspars!", header, "latin1");
    expect(isFormatError(await failure(sparse), "vhd-dynamic-header-cookie")).toBe(true);

    const blockSize = Buffer.from(dynamic);
    blockSize.writeUInt32BE(3 * MiB, header + 32);
    reseal(blockSize, header, 1024, 36);
    expect(isFormatError(await failure(blockSize), "vhd-block-size")).toBe(true);

    const big = Buffer.from(fixed);
    big.writeBigUInt64BE(BigInt(16 * MiB), big.length - 512 + 48);
    reseal(big, big.length - 512, 512, 64);
    expect(isFormatError(await failure(big), "vhd-truncated")).toBe(true);
  });
});
