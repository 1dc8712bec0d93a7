/**
 * One 64 KiB chunk: its header checks and its event records. A chunk is trusted only when its
 * signature, header CRC32 (bytes 0–120 and 128–512) and record-data CRC32 (512 up to the free-space
 * offset) all hold; otherwise the whole chunk is skipped with a warning, because its records may be
 * silently damaged (a salvage pass, on request, reads them anyway and marks them unverified).
 * Inside a chunk a record whose BinXML does not parse is skipped alone: the record framing (size
 * and size copy) still says where the next one starts. (A checksum is no defence against crafted
 * bytes, which can carry valid CRCs: the parser's own bounds are.)
 */
import { FormatError } from "../formatError";
import { BinXmlParser, ChunkContext, newChunkContext } from "./binxml";
import { crc32 } from "./crc32";
import { Expander } from "./expand";
import { CHUNK_HEADER_SIZE, CHUNK_SIZE, RECORD_OVERHEAD } from "./limits";
import { EvtxRecord, toRecord } from "./record";
import { filetimeToIso } from "./timeFormat";
import { renderElementXml } from "./xml";

export const CHUNK_SIGNATURE = Buffer.from("ElfChnk\0", "latin1");
const RECORD_SIGNATURE = 0x00002a2a; // "**\0\0"

export interface ChunkOptions {
  /** Names the file in messages. */
  label: string;
  /** Render each record's XML into `xml`. */
  xml: boolean;
  warn: (message: string) => void;
}

const hex = (n: number) => `0x${n.toString(16)}`;

const ZERO_CHUNK = Buffer.alloc(CHUNK_SIZE);

/** True when the slot is all zeros: never written, which is unused space rather than damage. */
export function isUnusedSlot(slot: Buffer): boolean {
  return slot.equals(ZERO_CHUNK.subarray(0, slot.length));
}

export interface ChunkVerdict {
  /** Why the chunk cannot be trusted; undefined when its signature and both CRC32s hold. */
  problem?: string;
  /** Where its records end: the free-space offset when the header holds, else the chunk end. */
  recordsEnd: number;
  /** Full size with its signature: a salvage pass can walk its records by their framing. */
  walkable: boolean;
}

/** Checks a chunk's size, signature, header CRC32, free-space offset and record-data CRC32. */
export function checkChunk(chunk: Buffer, where: string): ChunkVerdict {
  if (chunk.length < CHUNK_SIZE) {
    const problem = `${where}: truncated (${chunk.length} of ${CHUNK_SIZE} bytes)`;
    return { problem, recordsEnd: 0, walkable: false };
  }
  if (!chunk.subarray(0, 8).equals(CHUNK_SIGNATURE)) {
    return { problem: `${where}: no ElfChnk signature`, recordsEnd: 0, walkable: false };
  }
  const broken = (problem: string) => ({ problem, recordsEnd: CHUNK_SIZE, walkable: true });
  const headerCrc = crc32(chunk.subarray(0, 120), chunk.subarray(128, CHUNK_HEADER_SIZE));
  if (headerCrc !== chunk.readUInt32LE(124)) {
    const stored = hex(chunk.readUInt32LE(124));
    return broken(`${where}: header CRC32 ${hex(headerCrc)} != stored ${stored}`);
  }
  const free = chunk.readUInt32LE(48);
  if (free < CHUNK_HEADER_SIZE || free > CHUNK_SIZE) {
    return broken(`${where}: free-space offset ${hex(free)} outside the chunk`);
  }
  const dataCrc = crc32(chunk.subarray(CHUNK_HEADER_SIZE, free));
  if (dataCrc !== chunk.readUInt32LE(52)) {
    const stored = hex(chunk.readUInt32LE(52));
    const problem = `${where}: record data CRC32 ${hex(dataCrc)} != stored ${stored}`;
    return { problem, recordsEnd: free, walkable: true };
  }
  return { recordsEnd: free, walkable: true };
}

/**
 * The records of a chunk up to `recordsEnd`, in chunk order, walking their framing; with
 * `unverified` (a salvage pass over a chunk that failed its checks) each is marked as such.
 */
export function readChunkRecords(
  chunk: Buffer,
  where: string,
  opts: ChunkOptions & { recordsEnd: number; unverified?: boolean },
): EvtxRecord[] {
  const ctx = newChunkContext(chunk, where);
  const free = opts.recordsEnd;
  const records: EvtxRecord[] = [];
  for (let pos = CHUNK_HEADER_SIZE; pos + RECORD_OVERHEAD <= free;) {
    const at = `${where} record at ${hex(pos)}`;
    if (chunk.readUInt32LE(pos) !== RECORD_SIGNATURE) {
      opts.warn(`${at}: no record signature; rest of the chunk skipped`);
      break;
    }
    const size = chunk.readUInt32LE(pos + 4);
    const framed = size >= RECORD_OVERHEAD && size <= free - pos;
    if (!framed || chunk.readUInt32LE(pos + size - 4) !== size) {
      opts.warn(`${at}: record size ${size} invalid or not repeated; rest of the chunk skipped`);
      break;
    }
    try {
      const record = readRecord(chunk, pos, size, ctx, where, opts.xml);
      if (opts.unverified) record.unverified = true;
      records.push(record);
    } catch (e) {
      if (!(e instanceof FormatError)) throw e;
      opts.warn(`${at} skipped: ${e.message}`);
    }
    pos += size;
  }
  return records;
}

function readRecord(
  chunk: Buffer,
  pos: number,
  size: number,
  ctx: ChunkContext,
  where: string,
  xml: boolean,
): EvtxRecord {
  const id = chunk.readBigUInt64LE(pos + 8);
  if (id > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new FormatError("evtx-record-id", `EVTX ${where}: record id ${id} past 2^53`);
  }
  const recordId = Number(id);
  const written = filetimeToIso(chunk.readBigUInt64LE(pos + 16));
  const fragment = new BinXmlParser(ctx, pos + 24, pos + size - 4, false).fragment();
  const nodes = new Expander(ctx).expandRecord(fragment);
  const { record, root } = toRecord(nodes, recordId, written, `${where} record ${recordId}`);
  if (xml) record.xml = renderElementXml(root);
  return record;
}
