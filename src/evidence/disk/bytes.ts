/**
 * Little helpers for the 64-bit fields of the on-disk structures: offsets and sizes are read as
 * JavaScript numbers. Values past 2^53 lose precision, but every such value is far beyond any
 * source's size and is rejected by the range checks that follow each read.
 */
export function u64le(bytes: Buffer, offset: number): number {
  return bytes.readUInt32LE(offset + 4) * 0x100000000 + bytes.readUInt32LE(offset);
}

export function u64be(bytes: Buffer, offset: number): number {
  return bytes.readUInt32BE(offset) * 0x100000000 + bytes.readUInt32BE(offset + 4);
}

/** True for 1, 2, 4, 8, …: block and cluster sizes must be powers of two. */
export function isPowerOfTwo(n: number): boolean {
  return Number.isSafeInteger(n) && n > 0 && 2 ** Math.round(Math.log2(n)) === n;
}

/** `n` rounded up to a multiple of `unit`. */
export function roundUp(n: number, unit: number): number {
  return Math.ceil(n / unit) * unit;
}
