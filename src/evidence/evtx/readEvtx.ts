/**
 * Reads a Windows XML event log (EVTX) held in memory. The logs worth reading on a VM stuck in a
 * boot loop are exactly the ones Windows never closed: the file header is dirty and its chunk
 * count lags behind the chunks actually written. So the header is used only for its signature and
 * flags, and every 64 KiB slot after it is examined on its own; a damaged chunk costs that chunk's
 * records, never the file.
 */
import { FormatError } from "../formatError";
import { checkChunk, isUnusedSlot, readChunkRecords } from "./chunk";
import { crc32 } from "./crc32";
import { CHUNK_SIZE, FILE_HEADER_SIZE, MAX_WARNINGS } from "./limits";
import { EvtxRecord } from "./record";

export const FILE_SIGNATURE = Buffer.from("ElfFile\0", "latin1");

/** File header flag: the log was not closed cleanly (header not up to date). */
export const FLAG_DIRTY = 0x1;
/** File header flag: the log is full. */
export const FLAG_FULL = 0x2;

export interface ReadEvtxOptions {
  /** Names the file in warnings and errors (default "log"). */
  label?: string;
  /** Also render each record's XML into `record.xml` (off by default: it triples the memory). */
  xml?: boolean;
  /**
   * Also read the records of chunks that fail their checksums but keep their signature, walking
   * the record framing up to the first break (the chunk end when the header itself is damaged).
   * Such records carry `unverified: true`. Off by default: a damaged chunk is skipped whole.
   */
  salvage?: boolean;
}

export interface EvtxReadResult {
  /** Records of every trustworthy chunk, ordered by record id. */
  records: EvtxRecord[];
  /** One line per skipped chunk or record, and header findings. */
  warnings: string[];
  /** The header's dirty flag: Windows did not close the log (typical after a crash). */
  dirty: boolean;
  /** The header's full flag. */
  full: boolean;
  /** Chunk slots that held records (a dirty header's own count is often lower). */
  chunks: number;
}

/** Collects warnings up to MAX_WARNINGS, then counts the rest in one closing line. */
function warningSink(): { warn: (m: string) => void; list: () => string[] } {
  const warnings: string[] = [];
  let dropped = 0;
  return {
    warn: (m) => (warnings.length < MAX_WARNINGS ? warnings.push(m) : dropped++),
    list: () => (dropped ? [...warnings, `${dropped} further warnings not shown`] : warnings),
  };
}

/**
 * Parses an EVTX file. Throws FormatError only when the bytes are not an event log at all (too
 * short for the header, or no `ElfFile` signature); everything past the header degrades to
 * warnings.
 */
export function readEvtx(bytes: Buffer, opts: ReadEvtxOptions = {}): EvtxReadResult {
  const label = opts.label ?? "log";
  if (bytes.length < FILE_HEADER_SIZE) {
    throw new FormatError(
      "evtx-truncated",
      `EVTX ${label}: file header needs ${FILE_HEADER_SIZE} bytes, file has ${bytes.length}`,
    );
  }
  if (!bytes.subarray(0, 8).equals(FILE_SIGNATURE)) {
    throw new FormatError("evtx-bad-signature", `EVTX ${label}: no ElfFile signature at offset 0`);
  }
  const sink = warningSink();
  const storedCrc = bytes.readUInt32LE(124);
  if (crc32(bytes.subarray(0, 120)) !== storedCrc) {
    sink.warn(`${label}: file header CRC32 does not match (header fields not trusted)`);
  }
  const flags = bytes.readUInt32LE(120);
  const headerChunks = bytes.readUInt16LE(42);

  const records: EvtxRecord[] = [];
  let chunks = 0;
  for (let offset = FILE_HEADER_SIZE, index = 0; offset < bytes.length; offset += CHUNK_SIZE) {
    const slot = bytes.subarray(offset, offset + CHUNK_SIZE);
    const where = `${label} chunk ${index++} (file offset 0x${offset.toString(16)})`;
    if (isUnusedSlot(slot)) continue;
    const verdict = checkChunk(slot, where);
    const chunkOpts = { label, xml: opts.xml ?? false, warn: sink.warn, ...verdict };
    if (verdict.problem === undefined) {
      chunks++;
      records.push(...readChunkRecords(slot, where, chunkOpts));
    } else if (opts.salvage && verdict.walkable) {
      const pending: string[] = []; // the chunk's own line first, then its records'
      const warn = (m: string) => pending.push(m);
      const salvaged = readChunkRecords(slot, where, { ...chunkOpts, warn, unverified: true });
      sink.warn(`${verdict.problem}; ${salvaged.length} records read unverified (salvage)`);
      pending.forEach(sink.warn);
      records.push(...salvaged);
    } else {
      sink.warn(`${verdict.problem}; chunk skipped`);
    }
  }
  if (chunks !== headerChunks) {
    sink.warn(`${label}: header counts ${headerChunks} chunks, ${chunks} readable chunks found`);
  }
  records.sort((a, b) => a.recordId - b.recordId);
  return {
    records,
    warnings: sink.list(),
    dirty: (flags & FLAG_DIRTY) !== 0,
    full: (flags & FLAG_FULL) !== 0,
    chunks,
  };
}
