import { need, ntfsError } from "./bytes";

/** Reparse tags the reader recognises. */
export const ReparseTag = {
  /** Windows Overlay Filter: CompactOS / `compact /exe` compression, or WIMBoot. */
  wof: 0x80000017,
  mountPoint: 0xa0000003,
  symlink: 0xa000000c,
} as const;

/** Compression of a WOF-backed file, as the reader reports it. */
export type WofCompression = "wof-xpress4k" | "wof-lzx" | "wof-xpress8k" | "wof-xpress16k";

/** WOF per-file algorithms (FILE_PROVIDER_COMPRESSION_*) and their chunk sizes. */
export const WOF_ALGORITHMS: readonly { name: WofCompression; chunkSize: number }[] = [
  { name: "wof-xpress4k", chunkSize: 4096 },
  { name: "wof-lzx", chunkSize: 32768 },
  { name: "wof-xpress8k", chunkSize: 8192 },
  { name: "wof-xpress16k", chunkSize: 16384 },
];

/** What a file's $REPARSE_POINT says. */
export interface ReparseInfo {
  tag: number;
  /** For WOF files: "wof-wim" (data in an external WIM) or the per-file algorithm. */
  wof?: WofCompression | "wof-wim";
}

const WOF_PROVIDER_WIM = 1;
const WOF_PROVIDER_FILE = 2;

/**
 * Parses a $REPARSE_POINT value: u32 tag, u16 data length, u16 reserved, data. For the WOF tag
 * the data is the WOF header (u32 version 1, u32 provider) and, for the file provider, its own
 * header (u32 version 1, u32 algorithm: 0 XPRESS 4K, 1 LZX, 2 XPRESS 8K, 3 XPRESS 16K).
 */
export function parseReparsePoint(value: Buffer, where: string): ReparseInfo {
  need(value, 0, 8, `${where} $REPARSE_POINT`);
  const tag = value.readUInt32LE(0);
  if (tag !== ReparseTag.wof) return { tag };
  need(value, 8, 8, `${where} WOF reparse data`);
  const provider = value.readUInt32LE(12);
  if (provider === WOF_PROVIDER_WIM) return { tag, wof: "wof-wim" };
  need(value, 16, 8, `${where} WOF file-provider data`);
  const algorithm = value.readUInt32LE(20);
  if (provider !== WOF_PROVIDER_FILE || algorithm >= WOF_ALGORITHMS.length) {
    throw ntfsError(
      "ntfs-wof-header",
      `${where}: WOF provider ${provider}, algorithm ${algorithm} is not known`,
    );
  }
  return { tag, wof: WOF_ALGORITHMS[algorithm].name };
}
