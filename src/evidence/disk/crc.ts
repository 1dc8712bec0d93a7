/**
 * The two CRC-32 variants the containers use, written here so the readers do not depend on the
 * Node version's zlib: GPT checks its header and entry array with the common CRC-32 (reflected
 * polynomial 0xEDB88320, as zlib), VHDX its headers, region tables and log entries with CRC-32C
 * (Castagnoli, reflected 0x82F63B78).
 */

function makeTable(reflectedPolynomial: number): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ reflectedPolynomial : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

const CRC32_TABLE = makeTable(0xedb88320);
const CRC32C_TABLE = makeTable(0x82f63b78);

function update(table: Uint32Array, crc: number, bytes: Uint8Array): number {
  let c = crc;
  for (let i = 0; i < bytes.length; i++) c = table[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return c;
}

/** CRC-32 (ISO-HDLC, zlib's crc32) of `bytes`, as an unsigned 32-bit number. */
export function crc32(bytes: Uint8Array): number {
  return (update(CRC32_TABLE, 0xffffffff, bytes) ^ 0xffffffff) >>> 0;
}

/** CRC-32C (Castagnoli) of `bytes`, as an unsigned 32-bit number. */
export function crc32c(bytes: Uint8Array): number {
  return (update(CRC32C_TABLE, 0xffffffff, bytes) ^ 0xffffffff) >>> 0;
}

/**
 * The CRC of a structure whose own checksum field sits inside it: computed over a copy with the
 * 4 bytes at `fieldOffset` zeroed, the way GPT and VHDX define it.
 */
export function crcWithFieldZeroed(
  algorithm: (bytes: Uint8Array) => number,
  bytes: Buffer,
  fieldOffset: number,
): number {
  const copy = Buffer.from(bytes);
  copy.fill(0, fieldOffset, fieldOffset + 4);
  return algorithm(copy);
}
