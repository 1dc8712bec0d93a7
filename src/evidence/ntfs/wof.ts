import type { ByteSource } from "../disk/byteSource";
import { ntfsError } from "./bytes";
import { MAX_WOF_TABLE_BYTES } from "./limits";
import { WOF_ALGORITHMS } from "./reparse";
import { decompressXpressHuffman } from "./xpress";

/**
 * A ByteSource over a WOF-compressed file (CompactOS, `compact /exe`). Its unnamed $DATA is
 * sparse; the bytes are in the named stream `WofCompressedData`: a table of the start offsets of
 * chunks 1..n-1 (u32, or u64 when the file exceeds 4 GiB; relative to the table's end), then the
 * chunks, each holding `chunkSize` bytes of the file (the last one fewer). A chunk stored at its
 * full size is raw. XPRESS Huffman chunks are decompressed; LZX is reported by name.
 */
export function wofSource(
  packed: ByteSource,
  algorithm: string,
  size: number,
  label: string,
): ByteSource {
  const spec = WOF_ALGORITHMS.find((a) => a.name === algorithm);
  if (!spec || algorithm === "wof-lzx") {
    throw ntfsError(
      "ntfs-wof-unsupported",
      `${label} is WOF-compressed (${algorithm}); reading it is not supported`,
    );
  }
  const chunkSize = spec.chunkSize;
  const chunks = Math.ceil(size / chunkSize);
  const entrySize = size > 0xffffffff ? 8 : 4;
  const tableBytes = Math.max(0, chunks - 1) * entrySize;
  if (tableBytes > MAX_WOF_TABLE_BYTES || tableBytes > packed.size) {
    throw ntfsError(
      "ntfs-wof-table",
      `${label}: ${chunks} chunks need a ${tableBytes}-byte table, the stream has ${packed.size}`,
    );
  }
  const dataBytes = packed.size - tableBytes;
  let table: Buffer | undefined;
  let cached: { index: number; bytes: Buffer } | undefined;

  const chunkBounds = async (index: number): Promise<[number, number]> => {
    table ??= await packed.read(0, tableBytes);
    const at = (i: number) => {
      if (entrySize === 4) return table!.readUInt32LE(i * 4);
      return table!.readUInt32LE(i * 8 + 4) * 0x100000000 + table!.readUInt32LE(i * 8);
    };
    const start = index === 0 ? 0 : at(index - 1);
    const end = index === chunks - 1 ? dataBytes : at(index);
    if (start > end || end > dataBytes) {
      throw ntfsError(
        "ntfs-wof-table",
        `${label}: chunk ${index} spans [${start}, ${end}) of ${dataBytes}`,
      );
    }
    return [start, end];
  };

  const chunk = async (index: number): Promise<Buffer> => {
    if (cached?.index === index) return cached.bytes;
    const [start, end] = await chunkBounds(index);
    const length = Math.min(chunkSize, size - index * chunkSize);
    if (end - start > length) {
      throw ntfsError(
        "ntfs-wof-table",
        `${label}: chunk ${index} holds ${end - start} bytes for ${length} of output`,
      );
    }
    const stored = await packed.read(tableBytes + start, end - start);
    let bytes = stored;
    if (end - start < length) {
      bytes = Buffer.alloc(length);
      decompressXpressHuffman(stored, bytes, `${label} WOF chunk ${index}`);
    }
    cached = { index, bytes };
    return bytes;
  };

  return {
    size,
    label,
    async read(offset, length) {
      if (offset < 0 || length < 0 || offset + length > size) {
        throw ntfsError(
          "ntfs-read-range",
          `${label}: read ${offset}+${length} past its end (${size} bytes)`,
        );
      }
      const out = Buffer.alloc(length);
      for (let pos = offset; pos < offset + length;) {
        const index = Math.floor(pos / chunkSize);
        const bytes = await chunk(index);
        const within = pos - index * chunkSize;
        const take = Math.min(bytes.length - within, offset + length - pos);
        bytes.copy(out, pos - offset, within, within + take);
        pos += take;
      }
      return out;
    },
  };
}
