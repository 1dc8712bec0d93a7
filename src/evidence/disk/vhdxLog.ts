import { FormatError } from "../formatError";
import { u64le, roundUp } from "./bytes";
import { assertReadRange, type ByteSource } from "./byteSource";
import { crcWithFieldZeroed, crc32c } from "./crc";

/** Log entries, descriptors' targets and data sectors are all in 4 KiB units. */
export const VHDX_LOG_SECTOR = 4096;
/** Largest log read into memory (Hyper-V and qemu write 1 MiB logs). */
export const VHDX_MAX_LOG_BYTES = 64 * 1024 * 1024;
/** Bytes checksummed while looking for log entries: a crafted log cannot make scans quadratic. */
export const VHDX_LOG_CHECKSUM_BUDGET = 256 * 1024 * 1024;
/** A replayed log may grow the file (LastFileOffset), but not past this. */
export const VHDX_MAX_REPLAYED_FILE_SIZE = 2 * 64 * 1024 ** 4;
/** Descriptors applied from one log (each read of the replayed file looks at all of them). */
export const VHDX_MAX_LOG_DESCRIPTORS = 4096;

export interface VhdxLogLocation {
  logGuid: Buffer;
  logOffset: number;
  logLength: number;
}

type Descriptor =
  | { kind: "zero"; fileOffset: number; length: number }
  | { kind: "data"; fileOffset: number; leading: Buffer; trailing: Buffer; sectorAt: number };

interface LogEntry {
  position: number;
  length: number;
  tail: number;
  sequence: bigint;
  flushedFileOffset: number;
  lastFileOffset: number;
  descriptors: Descriptor[];
}

export interface ReplayedLog {
  /** The file as it reads after the log's active sequence is applied (the file itself if none). */
  source: ByteSource;
  /** How many log entries were applied (0: the log held nothing to replay). */
  entriesReplayed: number;
}

/**
 * Applies a VHDX log in memory. A log with a non-zero LogGuid may hold metadata writes (BAT,
 * metadata region) that never reached their place before the host stopped; MS-VHDX says they
 * must be replayed before anything else is read. The evidence file is opened read-only, so the
 * replay is an overlay over the file's reads instead of a write.
 */
export async function replayVhdxLog(
  file: ByteSource,
  location: VhdxLogLocation,
  label: string,
): Promise<ReplayedLog> {
  const { logOffset, logLength } = location;
  const where = `${label}: VHDX log at ${logOffset}`;
  // like qemu: a log GUID without a log length leaves nothing that could be replayed
  if (logLength === 0) return { source: file, entriesReplayed: 0 };
  if (
    logOffset % (1024 * 1024) !== 0 ||
    logOffset < 1024 * 1024 ||
    logLength % (1024 * 1024) !== 0 ||
    logLength > VHDX_MAX_LOG_BYTES ||
    logOffset + logLength > file.size
  ) {
    throw new FormatError(
      "vhdx-log-location",
      `${where}: log of ${logLength} bytes is misplaced or too large (limit ${VHDX_MAX_LOG_BYTES})`,
    );
  }
  const log = await file.read(logOffset, logLength);
  const active = findActiveSequence(log, location.logGuid, where);
  if (active.length === 0) return { source: file, entriesReplayed: 0 };
  const head = active[active.length - 1];
  if (file.size < head.flushedFileOffset) {
    throw new FormatError(
      "vhdx-log-flushed-offset",
      `${where}: file of ${file.size} bytes is shorter than the log's flushed size` +
        ` ${head.flushedFileOffset}: data was lost`,
    );
  }
  if (head.lastFileOffset > VHDX_MAX_REPLAYED_FILE_SIZE) {
    throw new FormatError("vhdx-log-last-offset", `${where}: last file offset past the limit`);
  }
  const descriptorCount = active.reduce((n, e) => n + e.descriptors.length, 0);
  if (descriptorCount > VHDX_MAX_LOG_DESCRIPTORS) {
    throw new FormatError(
      "vhdx-log-descriptors",
      `${where}: ${descriptorCount} descriptors to replay (limit ${VHDX_MAX_LOG_DESCRIPTORS})`,
    );
  }
  const overlay = new Overlay();
  for (const entry of active) for (const d of entry.descriptors) overlay.apply(d, log);
  const size = Math.max(file.size, head.lastFileOffset);
  const replayedLabel = `${file.label} (log replayed)`;
  return {
    entriesReplayed: active.length,
    source: {
      size,
      label: replayedLabel,
      async read(offset, length) {
        assertReadRange(replayedLabel, size, offset, length);
        const out = Buffer.alloc(length);
        const baseEnd = Math.min(offset + length, file.size);
        if (offset < baseEnd) (await file.read(offset, baseEnd - offset)).copy(out, 0);
        overlay.applyTo(out, offset);
        return out;
      },
    },
  };
}

/** The log's writes, in replay order: a later zero range removes earlier data sectors in it. */
class Overlay {
  private readonly sectors = new Map<number, Buffer>();
  private readonly zeroRanges: { start: number; end: number }[] = [];

  /** A data sector is its descriptor's 8 leading bytes, the sector's 4084 and 4 trailing. */
  apply(d: Descriptor, log: Buffer): void {
    if (d.kind === "data") {
      const sector = circular(log, d.sectorAt, VHDX_LOG_SECTOR);
      const bytes = Buffer.concat([d.leading, sector.subarray(8, 4092), d.trailing]);
      this.sectors.set(d.fileOffset / VHDX_LOG_SECTOR, bytes);
      return;
    }
    const end = d.fileOffset + d.length;
    this.zeroRanges.push({ start: d.fileOffset, end });
    for (const index of [...this.sectors.keys()]) {
      const at = index * VHDX_LOG_SECTOR;
      if (at >= d.fileOffset && at < end) this.sectors.delete(index);
    }
  }

  applyTo(out: Buffer, offset: number): void {
    const end = offset + out.length;
    for (const r of this.zeroRanges) {
      if (r.end > offset && r.start < end) {
        out.fill(0, Math.max(r.start, offset) - offset, Math.min(r.end, end) - offset);
      }
    }
    for (const [index, bytes] of this.sectors) {
      const at = index * VHDX_LOG_SECTOR;
      if (at + VHDX_LOG_SECTOR <= offset || at >= end) continue;
      const from = Math.max(at, offset);
      bytes.copy(out, from - offset, from - at, Math.min(at + VHDX_LOG_SECTOR, end) - at);
    }
  }
}

/**
 * The active sequence (MS-VHDX §2.3.3): among runs of valid, consecutive entries whose last
 * entry's Tail points back into the run, the one ending at the highest sequence number; returned
 * from tail to head. Empty when no entry belongs to this log (its GUID) or none is valid.
 */
function findActiveSequence(log: Buffer, logGuid: Buffer, where: string): LogEntry[] {
  const parsed = new Map<number, LogEntry | null>();
  const budget = { left: VHDX_LOG_CHECKSUM_BUDGET };
  const entryAt = (position: number): LogEntry | null => {
    let entry = parsed.get(position);
    if (entry === undefined) {
      entry = parseEntry(log, position, logGuid, budget, where);
      parsed.set(position, entry);
    }
    return entry;
  };
  for (let position = 0; position < log.length;) {
    const entry = entryAt(position);
    position += entry ? entry.length : VHDX_LOG_SECTOR;
  }
  const heads = [...parsed.values()].filter((e): e is LogEntry => e !== null);
  heads.sort((a, b) => (a.sequence > b.sequence ? -1 : a.sequence < b.sequence ? 1 : 0));
  const maxSteps = log.length / VHDX_LOG_SECTOR;
  for (const head of heads) {
    const run: LogEntry[] = [];
    let position = head.tail;
    for (let step = 0; step < maxSteps; step++) {
      const entry = entryAt(position);
      if (!entry) break;
      if (run.length > 0 && entry.sequence !== run[run.length - 1].sequence + 1n) break;
      run.push(entry);
      if (entry === head) return run;
      position = (position + entry.length) % log.length;
    }
  }
  return [];
}

/** `length` bytes of the circular log from `position`, wrapping past its end. */
function circular(log: Buffer, position: number, length: number): Buffer {
  if (position + length <= log.length) return log.subarray(position, position + length);
  const first = log.subarray(position);
  return Buffer.concat([first, log.subarray(0, length - first.length)]);
}

/** One entry if every check passes (signature, GUID, sizes, CRC-32C, sequences), else null. */
function parseEntry(
  log: Buffer,
  position: number,
  logGuid: Buffer,
  budget: { left: number },
  where: string,
): LogEntry | null {
  const header = log.subarray(position, position + 64);
  if (header.toString("latin1", 0, 4) !== "loge") return null;
  const length = header.readUInt32LE(8);
  const tail = header.readUInt32LE(12);
  const count = header.readUInt32LE(24);
  if (!header.subarray(32, 48).equals(logGuid)) return null;
  if (length === 0 || length % VHDX_LOG_SECTOR !== 0 || length > log.length) return null;
  if (tail % VHDX_LOG_SECTOR !== 0 || tail >= log.length) return null;
  if (64 + count * 32 > length) return null;
  const descriptorArea = roundUp(64 + count * 32, VHDX_LOG_SECTOR);
  budget.left -= length;
  if (budget.left < 0) {
    throw new FormatError("vhdx-log-scan-budget", `${where}: too many candidate log entries`);
  }
  const bytes = circular(log, position, length);
  if (crcWithFieldZeroed(crc32c, bytes, 4) !== bytes.readUInt32LE(4)) return null;
  const sequence = bytes.readBigUInt64LE(16);
  const descriptors: Descriptor[] = [];
  let dataSector = descriptorArea;
  for (let i = 0; i < count; i++) {
    const d = bytes.subarray(64 + i * 32, 96 + i * 32);
    const kind = d.toString("latin1", 0, 4);
    const fileOffset = u64le(d, 16);
    if (d.readBigUInt64LE(24) !== sequence || fileOffset % VHDX_LOG_SECTOR !== 0) return null;
    if (kind === "zero") {
      const zeroLength = u64le(d, 8);
      if (zeroLength % VHDX_LOG_SECTOR !== 0) return null;
      if (fileOffset + zeroLength > VHDX_MAX_REPLAYED_FILE_SIZE) return null;
      descriptors.push({ kind: "zero", fileOffset, length: zeroLength });
    } else if (kind === "desc") {
      if (dataSector + VHDX_LOG_SECTOR > length) return null;
      const sector = bytes.subarray(dataSector, dataSector + VHDX_LOG_SECTOR);
      const sectorAt = (position + dataSector) % log.length;
      dataSector += VHDX_LOG_SECTOR;
      const high = BigInt(sector.readUInt32LE(4));
      const low = BigInt(sector.readUInt32LE(4092));
      if (sector.toString("latin1", 0, 4) !== "data" || ((high << 32n) | low) !== sequence) {
        return null;
      }
      if (fileOffset + VHDX_LOG_SECTOR > VHDX_MAX_REPLAYED_FILE_SIZE) return null;
      const leading = Buffer.from(d.subarray(8, 16));
      const trailing = Buffer.from(d.subarray(4, 8));
      descriptors.push({ kind: "data", fileOffset, leading, trailing, sectorAt });
    } else {
      return null;
    }
  }
  if (dataSector !== length) return null;
  return {
    position,
    length,
    tail,
    sequence,
    flushedFileOffset: u64le(bytes, 48),
    lastFileOffset: u64le(bytes, 56),
    descriptors,
  };
}
