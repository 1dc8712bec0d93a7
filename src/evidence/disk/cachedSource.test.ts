import fc from "fast-check";
import { isFormatError } from "../formatError";
import { bufferSource, type ByteSource } from "./byteSource";
import { cachedSource } from "./cachedSource";
import { patternBytes } from "./testing/diskImages";

/** A source that records every read it serves. */
function countingSource(bytes: Buffer): ByteSource & { reads: [number, number][] } {
  const inner = bufferSource(bytes, "counted");
  const reads: [number, number][] = [];
  return {
    size: inner.size,
    label: inner.label,
    reads,
    read(offset, length) {
      reads.push([offset, length]);
      return inner.read(offset, length);
    },
  };
}

describe("cachedSource", () => {
  const bytes = patternBytes(10_000, "cache");

  test("fetches each aligned block once and serves repeats from memory", async () => {
    const base = countingSource(bytes);
    const cache = cachedSource(base, { blockSize: 1024, maxBlocks: 8 });
    expect((await cache.read(100, 50)).equals(bytes.subarray(100, 150))).toBe(true);
    expect((await cache.read(900, 200)).equals(bytes.subarray(900, 1100))).toBe(true);
    expect((await cache.read(0, 1024)).equals(bytes.subarray(0, 1024))).toBe(true);
    expect(base.reads).toEqual([
      [0, 1024],
      [1024, 1024],
    ]);
    expect(cache.cacheStats).toEqual({ hits: 2, misses: 2 });
  });

  test("consecutive missing blocks are fetched by one read, the last block is short", async () => {
    const base = countingSource(bytes);
    const cache = cachedSource(base, { blockSize: 1024, maxBlocks: 16 });
    const tail = await cache.read(7000, 3000);
    expect(tail.equals(bytes.subarray(7000))).toBe(true);
    expect(base.reads).toEqual([[6144, 10_000 - 6144]]);
  });

  test("least recently used block is evicted first", async () => {
    const base = countingSource(bytes);
    const cache = cachedSource(base, { blockSize: 1000, maxBlocks: 2 });
    await cache.read(0, 1); // block 0
    await cache.read(1000, 1); // block 1
    await cache.read(0, 1); // touch 0
    await cache.read(2000, 1); // block 2 evicts 1
    await cache.read(0, 1); // still cached
    await cache.read(1000, 1); // fetched again
    expect(base.reads.map(([o]) => o)).toEqual([0, 1000, 2000, 1000]);
  });

  test("concurrent reads of one block share one fetch; a failed fetch is retried", async () => {
    let calls = 0;
    const flaky: ByteSource = {
      size: bytes.length,
      label: "flaky",
      read(offset, length) {
        calls++;
        if (calls === 1) return Promise.reject(new Error("transient"));
        return Promise.resolve(Buffer.from(bytes.subarray(offset, offset + length)));
      },
    };
    const cache = cachedSource(flaky, { blockSize: 4096, maxBlocks: 4 });
    const results = await Promise.allSettled([cache.read(0, 10), cache.read(5, 10)]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    expect(calls).toBe(1);
    expect((await cache.read(5, 10)).equals(bytes.subarray(5, 15))).toBe(true);
    expect(calls).toBe(2);
  });

  test("out-of-range reads and bad options are FormatErrors", async () => {
    const cache = cachedSource(bufferSource(bytes, "b"), { blockSize: 512, maxBlocks: 2 });
    const error = await cache.read(9_999, 2).catch((e: unknown) => e);
    expect(isFormatError(error, "read-out-of-range")).toBe(true);
    expect(() => cachedSource(cache, { blockSize: 1024 * 1024, maxBlocks: 4096 })).toThrow(
      expect.objectContaining({ code: "cache-options" }),
    );
  });

  test("any sequence of reads returns the same bytes as the source", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(bytes.length), fc.nat(3000)), { minLength: 1, maxLength: 20 }),
        fc.integer({ min: 1, max: 4096 }),
        fc.integer({ min: 1, max: 6 }),
        async (reads, blockSize, maxBlocks) => {
          const cache = cachedSource(bufferSource(bytes, "p"), { blockSize, maxBlocks });
          for (const [offset, want] of reads) {
            const length = Math.min(want, bytes.length - offset);
            const got = await cache.read(offset, length);
            expect(got.equals(bytes.subarray(offset, offset + length))).toBe(true);
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});
