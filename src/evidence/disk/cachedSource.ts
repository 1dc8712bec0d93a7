import { FormatError } from "../formatError";
import { assertReadRange, type ByteSource } from "./byteSource";

/** Upper bound on blockSize × maxBlocks, so a cache can never be configured to hold the disk. */
export const CACHE_MAX_BYTES = 1024 * 1024 * 1024;
/** How many consecutive missing blocks one read of the underlying source may fetch at most. */
export const CACHE_DEFAULT_MAX_RUN_BLOCKS = 16;

export interface CacheOptions {
  /** Size of the aligned blocks the cache fetches and keeps (e.g. 1 MiB over HTTP). */
  blockSize: number;
  /** How many blocks are kept; the least recently used is dropped first. */
  maxBlocks: number;
  /** Consecutive missing blocks fetched by one underlying read (default 16). */
  maxRunBlocks?: number;
}

export interface CacheStats {
  hits: number;
  misses: number;
}

export interface CachedByteSource extends ByteSource {
  readonly cacheStats: CacheStats;
}

/**
 * Reads `source` in aligned blocks and keeps the most recently used ones, so that the many small
 * reads of the readers above (a boot sector, a FAT entry, one MFT record after another) become one
 * fetch per block. Remote sources pay per request; this is what keeps that count low. Concurrent
 * reads of the same block share one fetch; a failed fetch is not cached.
 */
export function cachedSource(source: ByteSource, options: CacheOptions): CachedByteSource {
  const { blockSize, maxBlocks } = options;
  const maxRun = options.maxRunBlocks ?? CACHE_DEFAULT_MAX_RUN_BLOCKS;
  if (
    !Number.isSafeInteger(blockSize) ||
    blockSize <= 0 ||
    !Number.isSafeInteger(maxBlocks) ||
    maxBlocks <= 0 ||
    !Number.isSafeInteger(maxRun) ||
    maxRun <= 0 ||
    blockSize * maxBlocks > CACHE_MAX_BYTES
  ) {
    throw new FormatError(
      "cache-options",
      `cache over ${source.label}: block size ${blockSize} × ${maxBlocks} blocks is not allowed`,
    );
  }
  const blocks = new Map<number, Promise<Buffer>>();
  const stats: CacheStats = { hits: 0, misses: 0 };

  function remember(index: number, block: Promise<Buffer>): void {
    blocks.set(index, block);
    while (blocks.size > maxBlocks) {
      const oldest = blocks.keys().next().value as number;
      blocks.delete(oldest);
    }
    block.catch(() => {
      if (blocks.get(index) === block) blocks.delete(index);
    });
  }

  /** One underlying read for blocks [first, first+count), split into per-block views. */
  function fetchRun(first: number, count: number): Promise<Buffer>[] {
    const start = first * blockSize;
    const end = Math.min(source.size, (first + count) * blockSize);
    const run = source.read(start, end - start);
    const views: Promise<Buffer>[] = [];
    for (let i = 0; i < count; i++) {
      const from = i * blockSize;
      const to = Math.min(end - start, from + blockSize);
      const view = run.then((bytes) => bytes.subarray(from, to));
      remember(first + i, view);
      views.push(view);
    }
    return views;
  }

  return {
    size: source.size,
    label: source.label,
    cacheStats: stats,
    async read(offset, length) {
      assertReadRange(source.label, source.size, offset, length);
      if (length === 0) return Buffer.alloc(0);
      const first = Math.floor(offset / blockSize);
      const last = Math.floor((offset + length - 1) / blockSize);
      const wanted: Promise<Buffer>[] = [];
      let index = first;
      while (index <= last) {
        const cached = blocks.get(index);
        if (cached) {
          stats.hits++;
          blocks.delete(index);
          blocks.set(index, cached);
          wanted.push(cached);
          index++;
          continue;
        }
        let count = 1;
        while (count < maxRun && index + count <= last && !blocks.has(index + count)) count++;
        stats.misses += count;
        wanted.push(...fetchRun(index, count));
        index += count;
      }
      const parts = await Promise.all(wanted);
      const out = Buffer.alloc(length);
      let written = 0;
      for (let i = 0; i < parts.length; i++) {
        const blockStart = (first + i) * blockSize;
        const from = Math.max(offset, blockStart) - blockStart;
        const to = Math.min(offset + length, blockStart + parts[i].length) - blockStart;
        parts[i].copy(out, written, from, to);
        written += to - from;
      }
      if (written !== length) {
        throw new FormatError(
          "cache-short-block",
          `${source.label}: blocks returned ${written} bytes for a read of ${length}`,
        );
      }
      return out;
    },
  };
}
