import {
  BaseBlock,
  FILE_TYPE_OLD_LOG,
  FILE_TYPE_OLD_LOG_NT2000,
  checksumValid,
  describeSequences,
  readBaseBlock,
} from "./baseBlock";
import { hex } from "./errors";
import { MAX_HIVE_BYTES } from "./limits";

/** An old-format (Windows XP to 8) log: its base block and the 512-byte pages it holds. */
export interface OldLog {
  readonly base: BaseBlock;
  /** Offsets (relative to the hive bins data) of dirty pages, each 512 bytes, with their data. */
  readonly pages: readonly { readonly offset: number; readonly dataAt: number }[];
}

const PAGE = 512;
const MAX_CLUSTERING_FACTOR = 8;

/**
 * Reads an old-format log: a valid base block of file type 1 (or 2, Windows 2000) whose sequence
 * numbers agree, a dirty vector ("DIRT" and one bit per 512-byte page of the hive bins data,
 * least significant bit first) at the second sector, and the dirty pages, one per set bit, from
 * the sector after the vector. Returns a reason string when the log cannot be used.
 */
export function readOldLog(log: Buffer, label: string): OldLog | string {
  let base: BaseBlock;
  try {
    base = readBaseBlock(log, label);
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  if (base.fileType !== FILE_TYPE_OLD_LOG && base.fileType !== FILE_TYPE_OLD_LOG_NT2000) {
    return `file type ${base.fileType}, not 1 or 2 (old format)`;
  }
  if (!checksumValid(base)) return "base block checksum mismatch";
  if (base.primarySequence !== base.secondarySequence) {
    return `base block sequences differ (${describeSequences(base)})`;
  }
  const factor = base.clusteringFactor;
  if (factor < 1 || factor > MAX_CLUSTERING_FACTOR) return `clustering factor ${factor}`;
  const sector = PAGE * factor;
  const size = base.hiveBinsDataSize;
  if (size === 0 || size % 4096 !== 0 || size > MAX_HIVE_BYTES) {
    return `hive bins data size ${hex(size)} is not a usable size`;
  }
  const bitmapBytes = Math.ceil(size / PAGE / 8);
  if (sector + 4 + bitmapBytes > log.length) return "dirty vector runs past the end of the file";
  if (log.toString("latin1", sector, sector + 4) !== "DIRT") {
    return `no dirty vector signature "DIRT" at ${hex(sector)}`;
  }
  const vectorEnd = sector + 4 + bitmapBytes;
  let dataAt = Math.ceil(vectorEnd / sector) * sector;
  const pages: { offset: number; dataAt: number }[] = [];
  for (let byte = 0; byte < bitmapBytes; byte += 1) {
    const bits = log[sector + 4 + byte];
    if (bits === 0) continue;
    for (let bit = 0; bit < 8; bit += 1) {
      if ((bits & (1 << bit)) === 0) continue;
      const offset = (byte * 8 + bit) * PAGE;
      if (offset >= size) break;
      if (dataAt + PAGE > log.length) {
        return `dirty page for ${hex(offset)} lies past the end of the file`;
      }
      pages.push({ offset, dataAt });
      dataAt += PAGE;
    }
  }
  return { base, pages };
}
