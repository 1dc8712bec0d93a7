import fc from "fast-check";
import * as fs from "fs";
import * as path from "path";
import { isFormatError } from "../formatError";
import { bufferSource, sliceSource, type ByteSource } from "./byteSource";
import { crc32, crc32c, crcWithFieldZeroed } from "./crc";
import { openDiskImageSource } from "./diskImage";
import { openFatVolume, type FatVolume } from "./fatVolume";
import { findEfiSystemPartition, findNtfsPartitions, readPartitions } from "./partitions";
import {
  buildFatImage,
  convertImage,
  makeTempDir,
  missingTool,
  patternBytes,
  emptyFile,
  place,
  runAsync,
  type ContainerKind,
} from "./testing/diskImages";

/**
 * Damaged and truncated images (byte flips in headers, BATs, GPT, FAT structures) must end in a
 * FormatError or a result, never another exception, a hang or a huge allocation. Runs per image
 * default to a quick pass; VMR_FUZZ_RUNS raises them.
 */
const RUNS = Number(process.env.VMR_FUZZ_RUNS ?? 40);
const RUN_TIMEOUT_MS = 5000;
const MiB = 1024 * 1024;

const missing = missingTool("sgdisk", "mformat", "mmd", "mcopy", "mdel", "qemu-img", "dd");
if (missing) console.warn(`damaged-image tests skipped: ${missing} is not installed`);
const describeWithTools = missing ? describe.skip : describe;

/** Lists and reads everything on the volume, as bounded as the readers themselves. */
async function readEverything(volume: FatVolume, dir = "", depth = 0): Promise<void> {
  if (depth > 4) return;
  const entries = (await volume.listDirectory(dir || "\\")).slice(0, 100);
  for (const entry of entries) {
    const full = `${dir}\\${entry.name}`;
    if (entry.isDirectory) await readEverything(volume, full, depth + 1);
    else await volume.readFile(full, MiB);
  }
}

/** The path a rescue takes through a disk: container, partitions, ESP, its files. */
async function exercise(file: ByteSource): Promise<void> {
  const { source } = await openDiskImageSource(file);
  for (const at of [0, Math.floor(source.size / 2), Math.max(0, source.size - 70_000)]) {
    await source.read(at, Math.min(65_536, source.size - at));
  }
  const table = await readPartitions(source);
  await findNtfsPartitions(source, table);
  const esp = findEfiSystemPartition(table);
  if (!esp) return;
  await readEverything(await openFatVolume(sliceSource(source, esp.start, esp.length, "ESP")));
}

/** Runs `exercise` with a deadline; resolves with the error (or undefined), never hangs. */
async function outcome(file: ByteSource): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise((_, reject) => {
    const hung = () => reject(new Error(`no answer within ${RUN_TIMEOUT_MS} ms`));
    timer = setTimeout(hung, RUN_TIMEOUT_MS);
  });
  try {
    await Promise.race([exercise(file), deadline]);
    return undefined;
  } catch (e) {
    return e;
  } finally {
    clearTimeout(timer);
  }
}

type Edit = { offset: number; kind: "xor" | "zero32" | "max32"; value: number };

const editArbitrary = fc.record({
  offset: fc.nat(),
  kind: fc.constantFrom<Edit["kind"]>("xor", "xor", "zero32", "max32"),
  value: fc.integer({ min: 1, max: 255 }),
});

const editsArbitrary = (most: number) => fc.array(editArbitrary, { minLength: 1, maxLength: most });

/** Applies the edits inside one range, in place; returns a function that undoes them. */
function applyEdits(bytes: Buffer, [start, end]: [number, number], edits: Edit[]): () => void {
  const saved: [number, Buffer][] = [];
  for (const edit of edits) {
    let at = Math.min(bytes.length - 4, start + (edit.offset % Math.max(1, end - start)));
    if (edit.kind !== "xor") at &= ~3;
    saved.push([at, Buffer.from(bytes.subarray(at, at + 4))]);
    if (edit.kind === "xor") bytes[at] ^= edit.value;
    else bytes.writeUInt32LE(edit.kind === "zero32" ? 0 : 0xffffffff, at);
  }
  return () => {
    for (const [at, old] of saved.reverse()) old.copy(bytes, at);
  };
}

/**
 * Recomputes the primary GPT's entry-array and header CRCs (when its fields still fit) and wipes
 * the backup header, so that the edited primary is what gets read.
 */
function sealGpt(bytes: Buffer): void {
  bytes.fill(0, bytes.length - 512);
  const header = bytes.subarray(512, 1024);
  const size = header.readUInt32LE(12);
  const arrayBytes = header.readUInt32LE(80) * header.readUInt32LE(84);
  if (arrayBytes <= 64 * 1024) {
    header.writeUInt32LE(crc32(bytes.subarray(1024, 1024 + arrayBytes)), 88);
  }
  if (size >= 92 && size <= 512) {
    header.writeUInt32LE(crcWithFieldZeroed(crc32, header.subarray(0, size), 16), 16);
  }
}

/** Recomputes the checksums of the VHD footer copy at 0 and of the dynamic header at 512. */
function sealVhd(bytes: Buffer): void {
  const seal = (at: number, length: number, field: number) => {
    bytes.writeUInt32BE(0, at + field);
    let sum = 0;
    for (let i = 0; i < length; i++) sum += bytes[at + i];
    bytes.writeUInt32BE(~sum >>> 0, at + field);
  };
  seal(0, 512, 64);
  seal(512, 1024, 36);
  bytes.fill(0, bytes.length - 512); // the end footer gone: the edited copy at 0 is used
}

/** Recomputes the CRC-32C of both VHDX headers and both region tables. */
function sealVhdx(bytes: Buffer): void {
  for (const [at, length] of [
    [64 * 1024, 4096],
    [128 * 1024, 4096],
    [192 * 1024, 64 * 1024],
    [256 * 1024, 64 * 1024],
  ]) {
    const block = bytes.subarray(at, at + length);
    block.writeUInt32LE(crcWithFieldZeroed(crc32c, block, 4), 4);
  }
}

describeWithTools("damaged images end in FormatError, in bounded time", () => {
  let dir: string;
  const images: Record<string, Buffer> = {};

  beforeAll(async () => {
    dir = makeTempDir("vmr-fuzz-");
    const raw = emptyFile(path.join(dir, "small.img"), 8 * MiB);
    const layout = ["-o", "-n", "1:2048:+5M", "-t", "1:EF00", "-n", "2:0:0", "-t", "2:0700"];
    const table = runAsync("sgdisk", [...layout, raw]);
    const esp = path.join(dir, "esp.img");
    buildFatImage(
      dir,
      esp,
      5 * MiB,
      [],
      [
        { path: "/EFI/Microsoft/Boot/BCD", bytes: patternBytes(20_000, "bcd") },
        { path: "/EFI/A long file name.txt", bytes: Buffer.from("x") },
        { path: "/big.bin", bytes: patternBytes(300_000, "big") },
      ],
    );
    await table;
    place(esp, raw, 2048);
    images.raw = fs.readFileSync(raw);
    const kinds: ContainerKind[] = ["vhd-fixed", "vhd-dynamic", "vhdx-fixed", "vhdx-dynamic"];
    for (const kind of kinds) {
      images[kind] = fs.readFileSync(convertImage(raw, path.join(dir, `small.${kind}`), kind));
    }
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Where the structures are: the first 64 KiB, the last 64 KiB, every MiB's first 4 KiB. */
  function structureRanges(bytes: Buffer): [number, number][] {
    const ranges: [number, number][] = [
      [0, 64 * 1024],
      [bytes.length - 64 * 1024, bytes.length],
      [MiB, MiB + 64 * 1024], // the ESP's boot sector, FATs and root directory on the raw disk
    ];
    for (let m = MiB; m < bytes.length; m += MiB) {
      ranges.push([m, m + 4096], [m + 64 * 1024, m + 64 * 1024 + 512]);
    }
    return ranges.filter(([s, e]) => s >= 0 && e <= bytes.length);
  }

  test.each(["raw", "vhd-fixed", "vhd-dynamic", "vhdx-fixed", "vhdx-dynamic"])(
    "%s: byte flips in its structures",
    async (name) => {
      const bytes = images[name];
      expect(await outcome(bufferSource(bytes, name))).toBeUndefined(); // intact: reads fine
      const ranges = structureRanges(bytes);
      await fc.assert(
        fc.asyncProperty(fc.nat(), editsArbitrary(6), async (range, edits) => {
          const undo = applyEdits(bytes, ranges[range % ranges.length], edits);
          try {
            const error = await outcome(bufferSource(bytes, name));
            if (error !== undefined && !isFormatError(error)) throw error;
            if (error) expect((error as Error).message).not.toContain("\n");
          } finally {
            undo();
          }
        }),
        { numRuns: RUNS },
      );
      expect(await outcome(bufferSource(bytes, name))).toBeUndefined(); // all edits undone
    },
  );

  /**
   * Edits to checksummed headers, then the checksums recomputed: a crafted disk passes its CRCs,
   * so the field checks behind them (ranges, counts, sizes) must hold on their own.
   */
  const SEALED: [string, [number, number][], (bytes: Buffer) => void][] = [
    [
      "raw",
      [
        [512, 512 + 92],
        [1024, 1024 + 256],
      ],
      sealGpt,
    ],
    [
      "vhd-dynamic",
      [
        [0, 100],
        [512, 512 + 48],
      ],
      sealVhd,
    ],
    [
      "vhdx-dynamic",
      [
        [64 * 1024, 64 * 1024 + 80],
        [192 * 1024, 192 * 1024 + 80],
      ],
      sealVhdx,
    ],
  ];
  test.each(SEALED)("%s: edits behind recomputed checksums", async (name, ranges, seal) => {
    const bytes = images[name];
    await fc.assert(
      fc.asyncProperty(fc.nat(), editsArbitrary(4), async (range, edits) => {
        const before = Buffer.from(bytes.subarray(0, 320 * 1024));
        const end = Buffer.from(bytes.subarray(bytes.length - 512));
        const undo = applyEdits(bytes, ranges[range % ranges.length], edits);
        seal(bytes);
        try {
          const error = await outcome(bufferSource(bytes, name));
          if (error !== undefined && !isFormatError(error)) throw error;
        } finally {
          undo();
          before.copy(bytes, 0);
          end.copy(bytes, bytes.length - 512);
        }
      }),
      { numRuns: RUNS },
    );
  });

  test.each(["raw", "vhd-dynamic", "vhdx-dynamic"])("%s: truncated anywhere", async (name) => {
    const bytes = images[name];
    await fc.assert(
      fc.asyncProperty(fc.nat(bytes.length - 1), async (cut) => {
        const error = await outcome(bufferSource(bytes.subarray(0, cut), name));
        if (error !== undefined && !isFormatError(error)) throw error;
      }),
      { numRuns: Math.ceil(RUNS / 2) },
    );
  });
});
