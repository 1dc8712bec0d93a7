import { ntfsError } from "./bytes";

/** Uncompressed bytes one LZNT1 chunk stands for. */
export const LZNT1_CHUNK_SIZE = 4096;

/**
 * Decompresses an LZNT1 buffer (one NTFS compression unit) into `output`, which the caller sizes
 * to the unit and fills with zeros first. The stream is a sequence of chunks, each a 16-bit header
 * (bits 0-11: stored size - 3, bits 12-14: signature 3, bit 15: compressed) and up to 4 KiB of
 * output; chunk i always starts at output offset 4096 * i, so a short chunk leaves zeros behind.
 * A header of 0 or the end of `input` ends the stream.
 *
 * Inside a compressed chunk a flag byte announces eight items, least significant bit first:
 * 0 = one literal byte, 1 = a 16-bit back-reference whose split between offset and length
 * depends on how far into the chunk the output is (4 offset bits up to 16 bytes, one more bit per
 * doubling, up to 12). Every length and offset is checked, so crafted input cannot write outside
 * the chunk or read before its start.
 *
 * Returns the number of chunks decoded. `where` names the unit for messages.
 */
export function decompressLznt1(input: Buffer, output: Buffer, where: string): number {
  let inPos = 0;
  let chunk = 0;
  while (inPos + 2 <= input.length) {
    const header = input.readUInt16LE(inPos);
    if (header === 0) break;
    const stored = (header & 0x0fff) + 1;
    const dataStart = inPos + 2;
    const dataEnd = dataStart + stored;
    if (dataEnd > input.length) {
      throw ntfsError(
        "ntfs-lznt1-truncated",
        `${where}: chunk ${chunk} runs past the compressed data`,
      );
    }
    const outStart = chunk * LZNT1_CHUNK_SIZE;
    if (outStart >= output.length) {
      throw ntfsError("ntfs-lznt1-overflow", `${where}: chunk ${chunk} lies past the unit's end`);
    }
    const outLimit = Math.min(outStart + LZNT1_CHUNK_SIZE, output.length);
    if (header & 0x8000) {
      const chunkWhere = `${where} chunk ${chunk}`;
      decompressChunk(input, dataStart, dataEnd, output, outStart, outLimit, chunkWhere);
    } else {
      if (stored > outLimit - outStart) {
        throw ntfsError(
          "ntfs-lznt1-overflow",
          `${where}: stored chunk ${chunk} is ${stored} bytes`,
        );
      }
      input.copy(output, outStart, dataStart, dataEnd);
    }
    inPos = dataEnd;
    chunk++;
  }
  return chunk;
}

function decompressChunk(
  input: Buffer,
  start: number,
  end: number,
  output: Buffer,
  outStart: number,
  outLimit: number,
  where: string,
): void {
  let inPos = start;
  let out = outStart;
  while (inPos < end) {
    const flags = input[inPos++];
    for (let bit = 0; bit < 8 && inPos < end; bit++) {
      if ((flags & (1 << bit)) === 0) {
        if (out >= outLimit) throw overflow(where, out - outStart);
        output[out++] = input[inPos++];
        continue;
      }
      if (inPos + 2 > end) {
        throw ntfsError("ntfs-lznt1-truncated", `${where}: back-reference cut at byte ${inPos}`);
      }
      const token = input.readUInt16LE(inPos);
      inPos += 2;
      const position = out - outStart;
      let offsetBits = 4;
      while (position - 1 >= 1 << offsetBits) offsetBits++;
      const lengthBits = 16 - offsetBits;
      const length = (token & ((1 << lengthBits) - 1)) + 3;
      const distance = (token >>> lengthBits) + 1;
      if (distance > position) {
        throw ntfsError(
          "ntfs-lznt1-offset",
          `${where}: back-reference ${distance} bytes before output position ${position}`,
        );
      }
      if (out + length > outLimit) throw overflow(where, position + length);
      // Byte by byte on purpose: an overlapping copy repeats the bytes it has just written.
      for (let i = 0; i < length; i++, out++) output[out] = output[out - distance];
    }
  }
}

function overflow(where: string, position: number) {
  return ntfsError("ntfs-lznt1-overflow", `${where}: output reaches ${position} bytes, past 4096`);
}
