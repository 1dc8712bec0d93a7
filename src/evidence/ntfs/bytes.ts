import { FormatError } from "../formatError";

/**
 * Little helpers over Buffer that turn out-of-range reads and 64-bit values past 2^53 into
 * FormatErrors, so parsers never see a RangeError or a silently rounded number.
 */

/** A FormatError whose message starts with "NTFS" (every message of this reader does). */
export function ntfsError(code: string, message: string): FormatError {
  return new FormatError(code, `NTFS ${message}`);
}

/** Throws unless [offset, offset+length) lies inside `buf`. */
export function need(buf: Buffer, offset: number, length: number, what: string): void {
  if (offset < 0 || length < 0 || offset + length > buf.length) {
    throw ntfsError(
      "ntfs-truncated",
      `${what}: ${length} bytes at offset ${offset} run past its ${buf.length}-byte structure`,
    );
  }
}

/** An unsigned 64-bit field that must fit in a JavaScript number (below 2^53). */
export function u64(buf: Buffer, offset: number, what: string): number {
  need(buf, offset, 8, what);
  const high = buf.readUInt32LE(offset + 4);
  if (high > 0x1fffff) {
    throw ntfsError("ntfs-field-range", `${what}: 64-bit value at offset ${offset} is too large`);
  }
  return high * 0x100000000 + buf.readUInt32LE(offset);
}

/** A signed 64-bit field that must fit in a JavaScript number (within ±2^53). */
export function s64(buf: Buffer, offset: number, what: string): number {
  need(buf, offset, 8, what);
  const high = buf.readInt32LE(offset + 4);
  if (high > 0x1fffff || high < -0x200000) {
    throw ntfsError(
      "ntfs-field-range",
      `${what}: 64-bit value at offset ${offset} is out of range`,
    );
  }
  return high * 0x100000000 + buf.readUInt32LE(offset);
}

/** UTF-16LE text of `units` code units at `offset`. */
export function utf16(buf: Buffer, offset: number, units: number, what: string): string {
  need(buf, offset, units * 2, what);
  return buf.toString("utf16le", offset, offset + units * 2);
}

/** Windows FILETIME (100 ns ticks since 1601) as a Date, or undefined when 0 or out of range. */
export function filetime(buf: Buffer, offset: number): Date | undefined {
  // A double holds the ticks to within 2 µs, far below the millisecond a Date keeps.
  const ticks = buf.readUInt32LE(offset + 4) * 0x100000000 + buf.readUInt32LE(offset);
  if (ticks === 0) return undefined;
  const date = new Date(Math.floor(ticks / 10000) - 11_644_473_600_000);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** True when `n` is a power of two. */
export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
}
