import {
  BASE_BLOCK_LOGGED_SIZE,
  BaseBlock,
  FILE_TYPE_NEW_LOG,
  checksumValid,
  describeSequences,
  readBaseBlock,
} from "./baseBlock";
import { hex } from "./errors";
import { MAX_LOG_ENTRIES, MAX_LOG_PAGES_PER_ENTRY } from "./limits";
import { marvin32 } from "./marvin32";

/** One page an HvLE entry writes: `size` bytes at `offset` of the hive bins data. */
export interface LogPage {
  readonly offset: number;
  readonly size: number;
  /** Where the page's bytes start in the log file. */
  readonly dataAt: number;
}

/** One verified log entry of a new-format (Windows 8.1 and later) transaction log. */
export interface LogEntry {
  /** Offset of the entry in the log file. */
  readonly at: number;
  readonly sequence: number;
  readonly hiveBinsDataSize: number;
  readonly flags: number;
  readonly pages: readonly LogPage[];
}

/** A new-format log: its base block, the run of valid entries, and why the run ended. */
export interface NewLog {
  readonly base: BaseBlock;
  readonly entries: readonly LogEntry[];
  /** Why reading stopped before the end of the file, if it did for a reason worth telling. */
  readonly stop?: string;
}

const ENTRY_HEADER_SIZE = 40;
const SECTOR = 512;

/**
 * Reads a new-format log: a valid base block of file type 6 whose sequence numbers agree, then
 * HvLE entries from offset 512. Entries are taken while each one is whole, its two Marvin32
 * hashes match, its page references fit inside it and inside its own hive bins data size, and
 * its sequence number is one more than the previous (the first one's equals the base block's);
 * the first entry that fails ends the run, as it does for Windows. Returns a reason string
 * instead of throwing, since a bad log only means the primary is read as it is.
 */
export function readNewLog(log: Buffer, label: string): NewLog | string {
  let base: BaseBlock;
  try {
    base = readBaseBlock(log, label);
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  if (base.fileType !== FILE_TYPE_NEW_LOG) return `file type ${base.fileType}, not 6 (new format)`;
  if (!checksumValid(base)) return "base block checksum mismatch";
  if (base.primarySequence !== base.secondarySequence) {
    return `base block sequences differ (${describeSequences(base)})`;
  }
  const entries: LogEntry[] = [];
  let at = BASE_BLOCK_LOGGED_SIZE;
  let expected = base.primarySequence;
  while (at + ENTRY_HEADER_SIZE <= log.length) {
    if (log.toString("latin1", at, at + 4) !== "HvLE") return { base, entries };
    if (entries.length >= MAX_LOG_ENTRIES) return { base, entries, stop: "too many log entries" };
    const entry = readEntry(log, at, expected);
    if (typeof entry === "string") return { base, entries, stop: `entry at ${hex(at)}: ${entry}` };
    entries.push(entry.entry);
    at += entry.size;
    expected = (entry.entry.sequence + 1) >>> 0;
  }
  return { base, entries };
}

function readEntry(
  log: Buffer,
  at: number,
  expectedSequence: number,
): { entry: LogEntry; size: number } | string {
  const size = log.readUInt32LE(at + 4);
  if (size < ENTRY_HEADER_SIZE || size % SECTOR !== 0 || at + size > log.length) {
    return `size ${size} is not a whole entry inside the file`;
  }
  const sequence = log.readUInt32LE(at + 12);
  if (sequence !== expectedSequence) {
    return `sequence ${sequence}, expected ${expectedSequence}`;
  }
  const hiveBinsDataSize = log.readUInt32LE(at + 16);
  if (hiveBinsDataSize === 0 || hiveBinsDataSize % 4096 !== 0) {
    return `hive bins data size ${hex(hiveBinsDataSize)} is not a multiple of 4096`;
  }
  if (marvin32(log, undefined, at, at + 32) !== log.readBigUInt64LE(at + 32)) {
    return "header hash (Hash-2) mismatch";
  }
  const dataHash = marvin32(log, undefined, at + ENTRY_HEADER_SIZE, at + size);
  if (dataHash !== log.readBigUInt64LE(at + 24)) {
    return "data hash (Hash-1) mismatch";
  }
  const count = log.readUInt32LE(at + 20);
  if (count > MAX_LOG_PAGES_PER_ENTRY || ENTRY_HEADER_SIZE + count * 8 > size) {
    return `${count} page references do not fit`;
  }
  const pages: LogPage[] = [];
  let dataAt = at + ENTRY_HEADER_SIZE + count * 8;
  for (let i = 0; i < count; i += 1) {
    const offset = log.readUInt32LE(at + ENTRY_HEADER_SIZE + 8 * i);
    const pageSize = log.readUInt32LE(at + ENTRY_HEADER_SIZE + 8 * i + 4);
    if (dataAt + pageSize > at + size || offset + pageSize > hiveBinsDataSize) {
      return `page ${i} (${hex(offset)}+${hex(pageSize)}) lies outside the entry or the hive bins`;
    }
    pages.push({ offset, size: pageSize, dataAt });
    dataAt += pageSize;
  }
  const flags = log.readUInt32LE(at + 8);
  return { entry: { at, sequence, hiveBinsDataSize, flags, pages }, size };
}
