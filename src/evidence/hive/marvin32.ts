/**
 * Marvin32, the keyed 64-bit checksum Windows puts on each entry of a new-format registry
 * transaction log (HvLE). Written from the algorithm's published description: two 32-bit lanes
 * start as the two halves of the seed; each little-endian 32-bit word of input is added to the
 * first lane and the lanes are mixed by an add-rotate-xor round; the 0-3 trailing bytes are
 * padded with a 0x80 byte into one last word, added and mixed, and a second mixing round ends
 * it. The result holds the second lane in its high half and the first lane in its low half.
 */

/**
 * The seed the registry uses for log entries. The format notes print it as the bytes
 * 82 EF 4D 88 7A 4E 55 C5; the hashes in real logs (SYSTEM_B.LOG1/LOG2) match only when those
 * bytes are read as one big-endian number, i.e. first lane 0x7a4e55c5, second lane 0x82ef4d88.
 */
export const REGISTRY_LOG_SEED = 0x82ef4d887a4e55c5n;

function rotl(x: number, r: number): number {
  return ((x << r) | (x >>> (32 - r))) >>> 0;
}

/** Marvin32 of `data[start, end)` with a 64-bit `seed`; the 64-bit result as a bigint. */
export function marvin32(
  data: Buffer,
  seed: bigint = REGISTRY_LOG_SEED,
  start = 0,
  end = data.length,
): bigint {
  let lo = Number(seed & 0xffffffffn) >>> 0;
  let hi = Number((seed >> 32n) & 0xffffffffn) >>> 0;
  const mix = (): void => {
    hi = (hi ^ lo) >>> 0;
    lo = rotl(lo, 20);
    lo = (lo + hi) >>> 0;
    hi = rotl(hi, 9);
    hi = (hi ^ lo) >>> 0;
    lo = rotl(lo, 27);
    lo = (lo + hi) >>> 0;
    hi = rotl(hi, 19);
  };
  let i = start;
  for (; i + 4 <= end; i += 4) {
    lo = (lo + data.readUInt32LE(i)) >>> 0;
    mix();
  }
  // The 0-3 bytes left, then the 0x80 pad byte, as one little-endian word.
  let tail = 0x80;
  for (let k = end - 1; k >= i; k -= 1) tail = ((tail << 8) | data[k]) >>> 0;
  lo = (lo + tail) >>> 0;
  mix();
  mix();
  return (BigInt(hi) << 32n) | BigInt(lo);
}
