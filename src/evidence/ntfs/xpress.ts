import { ntfsError } from "./bytes";

/** Largest output one XPRESS Huffman block produces (WOF chunks are at most 16 KiB). */
export const XPRESS_BLOCK_SIZE = 65536;

const SYMBOLS = 512;
const TABLE_BITS = 15;
const INVALID = 0xffff;

/**
 * Builds the canonical Huffman decoding table from the 256-byte header of a block: 512 code
 * lengths of 4 bits (low nibble first), codes assigned in order of (length, symbol). Each of the
 * 2^15 table slots names the symbol whose code prefixes those 15 bits; an over-full code is an
 * error, slots an incomplete code leaves unused stay INVALID.
 */
function decodingTable(input: Buffer, where: string): { table: Uint16Array; lengths: Uint8Array } {
  const lengths = new Uint8Array(SYMBOLS);
  for (let i = 0; i < SYMBOLS / 2; i++) {
    lengths[2 * i] = input[i] & 0x0f;
    lengths[2 * i + 1] = input[i] >> 4;
  }
  const table = new Uint16Array(1 << TABLE_BITS).fill(INVALID);
  let next = 0;
  for (let length = 1; length <= TABLE_BITS; length++) {
    const span = 1 << (TABLE_BITS - length);
    for (let symbol = 0; symbol < SYMBOLS; symbol++) {
      if (lengths[symbol] !== length) continue;
      if (next + span > table.length) {
        throw ntfsError(
          "ntfs-xpress-table",
          `${where}: Huffman code lengths over-subscribe the code`,
        );
      }
      table.fill(symbol, next, next + span);
      next += span;
    }
  }
  return { table, lengths };
}

/**
 * Decompresses one XPRESS Huffman block (MS-XCA "LZ77+Huffman") into `output`, whose length is
 * the block's known uncompressed size. After the code-length table comes a bit stream read as
 * 16-bit little-endian words, most significant bit first, through a 32-bit window; the bytes that
 * extend long match lengths sit between those words in the input. Symbols 0-255 are literals;
 * 256-511 are matches: low 4 bits the length - 3 (15 = read more), high 4 bits the number of
 * offset bits below an implicit leading 1. Every code, length and offset is checked against the
 * input and the output, so a crafted chunk ends in a FormatError.
 */
export function decompressXpressHuffman(input: Buffer, output: Buffer, where: string): void {
  if (input.length < 256 + 4 || output.length > XPRESS_BLOCK_SIZE) {
    throw ntfsError("ntfs-xpress-truncated", `${where}: ${input.length}-byte chunk is too short`);
  }
  const { table, lengths } = decodingTable(input, where);
  // Words past the end read as zero: the encoder's last window may reach past its output.
  const word = (at: number) => (at + 1 < input.length ? input.readUInt16LE(at) : 0);
  let pos = 256;
  let bits = ((word(pos) << 16) | word(pos + 2)) >>> 0;
  pos += 4;
  let extra = 16;
  const consume = (n: number) => {
    bits = (bits << n) >>> 0;
    extra -= n;
    if (extra < 0) {
      bits = (bits + (word(pos) << -extra)) >>> 0;
      pos += 2;
      extra += 16;
    }
  };
  const byte = () => {
    if (pos >= input.length) {
      throw ntfsError("ntfs-xpress-truncated", `${where}: match length runs past the chunk`);
    }
    return input[pos++];
  };
  let out = 0;
  while (out < output.length) {
    const symbol = table[bits >>> (32 - TABLE_BITS)];
    if (symbol === INVALID) {
      throw ntfsError(
        "ntfs-xpress-code",
        `${where}: no Huffman code matches the bits at byte ${pos}`,
      );
    }
    consume(lengths[symbol]);
    if (symbol < 256) {
      output[out++] = symbol;
      continue;
    }
    let length = (symbol - 256) & 0x0f;
    const offsetBits = (symbol - 256) >> 4;
    if (length === 15) {
      length = byte();
      if (length === 255) {
        length = byte() | (byte() << 8);
        if (length < 15) {
          throw ntfsError("ntfs-xpress-length", `${where}: extended match length ${length}`);
        }
        length -= 15;
      }
      length += 15;
    }
    length += 3;
    const offset = (offsetBits === 0 ? 0 : bits >>> (32 - offsetBits)) + (1 << offsetBits);
    consume(offsetBits);
    if (offset > out || out + length > output.length) {
      throw ntfsError(
        "ntfs-xpress-match",
        `${where}: match of ${length} bytes at distance ${offset} from output byte ${out}`,
      );
    }
    for (let i = 0; i < length; i++, out++) output[out] = output[out - offset];
  }
}
