import { assertReadRange, type ByteSource } from "../disk/byteSource";
import { FormatError } from "../formatError";

export interface ReadCounters {
  /** `read` calls that reached the source, and the bytes they asked for. */
  reads: number;
  bytes: number;
}

/**
 * A ByteSource that counts what is read through it, refuses reads past a byte budget, and keeps
 * the first failure of the source below it. The disk reader puts one over the whole disk: a read
 * that got past the partition and volume bounds checks above and still failed means the image
 * itself is truncated, damaged or unreachable, which ends the diagnosis instead of becoming a
 * per-file problem.
 */
export interface CountingSource extends ByteSource {
  readonly counters: Readonly<ReadCounters>;
  /** The first error of a read of the source below (or of the budget), if any. */
  readonly failure: Error | undefined;
}

export function countingSource(
  base: ByteSource,
  maxBytes = Number.POSITIVE_INFINITY,
): CountingSource {
  const counters: ReadCounters = { reads: 0, bytes: 0 };
  let failure: Error | undefined;
  const fail = (e: unknown): never => {
    const error = e instanceof Error ? e : new Error(String(e));
    failure ??= error;
    throw error;
  };
  return {
    size: base.size,
    label: base.label,
    counters,
    get failure() {
      return failure;
    },
    async read(offset, length) {
      assertReadRange(base.label, base.size, offset, length);
      if (counters.bytes + length > maxBytes) {
        fail(
          new FormatError(
            "disk-read-budget",
            `${base.label}: reading ${length} more bytes would pass the budget of ${maxBytes}`,
          ),
        );
      }
      counters.reads++;
      counters.bytes += length;
      try {
        return await base.read(offset, length);
      } catch (e) {
        return fail(e);
      }
    },
  };
}
