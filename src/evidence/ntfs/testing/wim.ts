import { createHash } from "crypto";
import { readFileSync } from "fs";

/**
 * Pulls one file's compressed resource out of a WIM written by wimlib-imagex (tests only). A
 * non-solid WIM resource has the same layout as WOF's `WofCompressedData` stream (a chunk table,
 * then XPRESS or LZX chunks), so an independent encoder yields WOF test data.
 *
 * WIM header: the blob table's resource header is at offset 0x30 (7-byte size, 1-byte flags,
 * u64 offset, u64 original size); the blob table holds 50-byte entries: that resource header,
 * u16 part number, u32 reference count, SHA-1 of the content.
 */
export function wimResource(wimPath: string, content: Buffer): Buffer {
  const wim = readFileSync(wimPath);
  if (wim.toString("latin1", 0, 8) !== "MSWIM\0\0\0") throw new Error(`${wimPath}: not a WIM`);
  const header = (at: number) => ({
    size: wim.readUIntLE(at, 6) + wim[at + 6] * 2 ** 48,
    flags: wim[at + 7],
    offset: Number(wim.readBigUInt64LE(at + 8)),
    original: Number(wim.readBigUInt64LE(at + 16)),
  });
  const blobTable = header(0x30);
  const sha1 = createHash("sha1").update(content).digest("hex");
  for (let at = blobTable.offset; at + 50 <= blobTable.offset + blobTable.size; at += 50) {
    if (wim.toString("hex", at + 30, at + 50) !== sha1) continue;
    const blob = header(at);
    const plain = (blob.flags & 0x04) !== 0 && (blob.flags & 0x10) === 0;
    if (!plain || blob.original !== content.length) {
      throw new Error(`${wimPath}: blob ${sha1} is not a plain compressed resource`);
    }
    return wim.subarray(blob.offset, blob.offset + blob.size);
  }
  throw new Error(`${wimPath}: no blob with SHA-1 ${sha1}`);
}
