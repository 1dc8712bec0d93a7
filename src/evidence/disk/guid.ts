/**
 * GUIDs as GPT and VHDX store them: 16 bytes, the first three fields little-endian and the last
 * eight as-is, written out in the usual upper-case 8-4-4-4-12 form so they compare as strings.
 */
export function guidAt(bytes: Buffer, offset: number): string {
  const hex = (from: number, to: number) => bytes.subarray(from, to).toString("hex");
  const le = (from: number, to: number) => Buffer.from(bytes.subarray(from, to)).reverse();
  const o = offset;
  return [
    le(o, o + 4).toString("hex"),
    le(o + 4, o + 6).toString("hex"),
    le(o + 6, o + 8).toString("hex"),
    hex(o + 8, o + 10),
    hex(o + 10, o + 16),
  ]
    .join("-")
    .toUpperCase();
}

/** True when the 16 bytes at `offset` are all zero (an unused GPT entry, an empty VHDX log). */
export function isZeroGuid(bytes: Buffer, offset: number): boolean {
  for (let i = 0; i < 16; i++) if (bytes[offset + i] !== 0) return false;
  return true;
}
