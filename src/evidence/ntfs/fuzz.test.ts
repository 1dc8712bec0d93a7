import fc from "fast-check";
import type { ByteSource } from "../disk/byteSource";
import { bufferSource } from "../disk/byteSource";
import { isFormatError } from "../formatError";
import { NtfsEntry, openNtfs } from ".";
import { keptImage, missingTool } from "./testing/oracle";

/**
 * Mutation test: random byte, word and quad overwrites in the kept volume's metadata (boot
 * sector, the MFT records of system files and test files, INDX records) must only ever give a
 * FormatError or correct-looking results, and each run must finish within a time bound. Runs
 * default to a few dozen; VMR_FUZZ_RUNS raises them.
 */
const RUNS = Number(process.env.VMR_FUZZ_RUNS ?? 20);
const RUN_TIME_LIMIT_MS = 5000;

const missing = missingTool("xz");
if (missing) console.warn(`ntfs mutation test skipped: ${missing} is not installed`);
const describeFuzz = missing ? describe.skip : describe;

interface Region {
  start: number;
  length: number;
}

/** A source over `base` with some bytes replaced, copying only what is read. */
function patched(base: Buffer, patches: Map<number, number>): ByteSource {
  const inner = bufferSource(base, "mutated.img");
  return {
    size: base.length,
    label: "mutated.img",
    async read(offset, length) {
      const bytes = await inner.read(offset, length);
      for (const [at, value] of patches) {
        if (at >= offset && at < offset + length) bytes[at - offset] = value;
      }
      return bytes;
    },
  };
}

/** Everything a caller does with a volume, bounded: walk, look up, read (small files). */
async function exercise(source: ByteSource): Promise<void> {
  const attempt = async (op: () => Promise<unknown>) => {
    try {
      await op();
    } catch (e) {
      if (!isFormatError(e)) throw e;
      if (e.message.includes("\n")) throw new Error(`multi-line message: ${e.message}`);
    }
  };
  const volume = await openNtfs(source);
  const queue: NtfsEntry[] = [await volume.root()];
  const seen = new Set<number>([queue[0].mftRef]);
  let reads = 0;
  for (let listed = 0; queue.length > 0 && listed < 40; listed++) {
    const dir = queue.shift()!;
    await attempt(async () => {
      for (const entry of await volume.list(dir)) {
        if (entry.isDirectory && !seen.has(entry.mftRef) && entry.name !== "frag") {
          seen.add(entry.mftRef);
          queue.push(entry);
        } else if (!entry.isDirectory && reads++ < 60) {
          await attempt(() => volume.readFile(entry, { maxBytes: 1 << 20 }));
          for (const s of entry.streams) {
            await attempt(() => volume.readFile(entry, { maxBytes: 1 << 20, stream: s.name }));
          }
        }
      }
    });
  }
  const paths = [
    "\\Windows\\System32\\config\\SYSTEM",
    "\\many\\A-RATHER-LONG-FILE-NAME-TO-FILL-INDEX-RECORDS-0350.TXT",
    "\\PROGRA~1\\LONGFI~1.TXT",
  ];
  for (const p of paths) {
    await attempt(async () => {
      const entry = await volume.lookup(p);
      if (entry && !entry.isDirectory) await volume.readFile(entry, { maxBytes: 1 << 20 });
    });
  }
}

function withTimeLimit<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`run exceeded ${ms} ms (hang?)`)), ms);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

describeFuzz("mutated NTFS metadata", () => {
  let image: Buffer;
  let regions: Region[];

  beforeAll(async () => {
    image = keptImage();
    // Records the walk touches (metadata files, directories, the files outside \many and \frag).
    const volume = await openNtfs(bufferSource(image, "nested.img"));
    const wanted = new Set<number>(Array.from({ length: 16 }, (_, i) => i));
    const walk = async (dir: NtfsEntry): Promise<void> => {
      for (const e of await volume.list(dir)) {
        if (e.mftRef < 16 || (wanted.has(e.mftRef) && e.isDirectory)) continue;
        if (/\\(many|frag)\\/.test(e.path) && !/0350|fragmented/.test(e.path)) continue;
        wanted.add(e.mftRef);
        if (e.isDirectory) await walk(e);
      }
    };
    await walk(await volume.root());
    regions = [{ start: 0, length: 512 }];
    for (let at = 0; at + 1024 <= image.length; at += 1024) {
      const sig = image.toString("latin1", at, at + 4);
      if (sig === "FILE" && wanted.has(image.readUInt32LE(at + 44))) {
        regions.push({ start: at, length: 1024 });
      }
      if (sig === "INDX" && at % 4096 === 0) regions.push({ start: at, length: 4096 });
    }
    expect(regions.length).toBeGreaterThan(60);
  });

  test("gives only FormatErrors, one line each, in bounded time", async () => {
    const special = fc.constantFrom(0, 1, 0x7f, 0x80, 0xff, 0xffff, 0x7fffffff, 0xffffffff);
    const mutation = fc.record({
      region: fc.nat(),
      offset: fc.nat(),
      width: fc.constantFrom(1, 2, 4, 8),
      value: fc.oneof(fc.nat(0xffffffff), special),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 4 }), async (mutations) => {
        const patches = new Map<number, number>();
        for (const m of mutations) {
          const region = regions[m.region % regions.length];
          const at = region.start + (m.offset % region.length);
          for (let i = 0; i < m.width && at + i < region.start + region.length; i++) {
            patches.set(at + i, i < 4 ? (m.value >>> (8 * i)) & 0xff : m.value > 0xffff ? 0xff : 0);
          }
        }
        try {
          await withTimeLimit(exercise(patched(image, patches)), RUN_TIME_LIMIT_MS);
        } catch (e) {
          if (!isFormatError(e)) throw e;
        }
      }),
      { numRuns: RUNS },
    );
  });
});
