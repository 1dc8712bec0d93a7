/**
 * The sections of the triage part: the context and exception records, the loaded-driver list with
 * its string pool, the unloaded drivers and the data-block table. Each is read within the triage
 * part and its counts are capped.
 */
import {
  DumpFormatError,
  type ContextRegisters,
  type DataBlock,
  type ExceptionRecord,
  type LoadedDriver,
  type Machine,
  type UnloadedDriver,
} from "./minidumpTypes";
import {
  CONTEXT_LAYOUT,
  DATA_BLOCK_SIZE,
  DRIVER_ENTRY,
  DRIVER_ENTRY_SIZES,
  EXCEPTION_RECORD_SIZE,
  LIMITS,
  UNLOADED_ENTRY_SIZE,
} from "./minidumpLayout";
import { basename, Reader, utf16 } from "./minidumpReader";

/** The registers of the context record at `offset`, or null when there is none inside the triage part. */
export function readContext(
  r: Reader,
  offset: number,
  machine: Machine,
  limit: number,
): ContextRegisters | null {
  const layout = CONTEXT_LAYOUT[machine];
  if (offset === 0 || offset + layout.size > limit) return null;
  return { ip: r.u64(offset + layout.ip), sp: r.u64(offset + layout.sp) };
}

/** Decodes an EXCEPTION_RECORD64 from `bytes` at `offset` (bounds-checked; null when it does not fit). */
export function decodeExceptionRecord(bytes: Uint8Array, offset: number): ExceptionRecord | null {
  if (offset < 0 || offset + EXCEPTION_RECORD_SIZE > bytes.byteLength) return null;
  const v = new DataView(bytes.buffer, bytes.byteOffset + offset, EXCEPTION_RECORD_SIZE);
  const count = Math.min(v.getUint32(0x18, true), 15);
  const information: bigint[] = [];
  for (let i = 0; i < count; i++) information.push(v.getBigUint64(0x20 + 8 * i, true));
  return {
    code: v.getUint32(0, true),
    flags: v.getUint32(4, true),
    address: v.getBigUint64(0x10, true),
    information,
  };
}

/** Decodes the IP/SP of a CONTEXT record from `bytes` at `offset` (null when it does not fit). */
export function decodeContext(
  bytes: Uint8Array,
  offset: number,
  machine: Machine,
): ContextRegisters | null {
  const layout = CONTEXT_LAYOUT[machine];
  if (offset < 0 || offset + layout.size > bytes.byteLength) return null;
  const v = new DataView(bytes.buffer, bytes.byteOffset + offset, layout.size);
  return { ip: v.getBigUint64(layout.ip, true), sp: v.getBigUint64(layout.sp, true) };
}

function readDumpString(
  r: Reader,
  offset: number,
  poolStart: number,
  poolEnd: number,
): string | null {
  if (offset < poolStart || offset + 4 > poolEnd) return null;
  const chars = r.u32(offset);
  if (chars === 0 || chars > LIMITS.nameChars || offset + 4 + chars * 2 > poolEnd) return null;
  return utf16(r.bytes, offset + 4, chars);
}

/** Where the triage header puts the driver list and its string pool. */
export interface TriageOffsets {
  driverListOffset: number;
  driverCount: number;
  stringPoolOffset: number;
  stringPoolSize: number;
}

/** The loaded-driver list, and the entry size with which every name lies in the string pool. */
export function readDrivers(
  r: Reader,
  t: TriageOffsets,
  limit: number,
): { drivers: LoadedDriver[]; entrySize: number } {
  const { driverListOffset: list, driverCount: count } = t;
  if (list === 0 || count === 0) return { drivers: [], entrySize: DRIVER_ENTRY_SIZES[0] };
  if (count > LIMITS.drivers) {
    throw new DumpFormatError(
      "corrupt",
      `corrupt dump: driver count ${count} exceeds ${LIMITS.drivers}`,
    );
  }
  const poolStart = t.stringPoolOffset;
  const poolEnd = poolStart + t.stringPoolSize;
  r.check(poolStart, t.stringPoolSize, "string pool", limit);

  // The stride is not recorded: prefer the one the list/pool gap implies, then the known sizes, and
  // keep the first with which every entry's name lies in the string pool.
  const gap = poolStart - list;
  const candidates: number[] = [...DRIVER_ENTRY_SIZES];
  if (gap > 0 && gap % count === 0 && candidates.includes(gap / count)) {
    candidates.splice(candidates.indexOf(gap / count), 1);
    candidates.unshift(gap / count);
  }
  for (const stride of candidates) {
    if (list + stride * count > limit) continue;
    const drivers: LoadedDriver[] = [];
    for (let i = 0; i < count; i++) {
      const e = list + i * stride;
      const path = readDumpString(r, r.u32(e + DRIVER_ENTRY.nameOffset), poolStart, poolEnd);
      if (path === null) break;
      drivers.push({
        name: basename(path),
        path,
        base: r.u64(e + DRIVER_ENTRY.dllBase),
        size: r.u32(e + DRIVER_ENTRY.sizeOfImage),
        checksum: r.u32(e + DRIVER_ENTRY.checkSum),
        timestamp: r.u32(e + DRIVER_ENTRY.timeDateStamp),
      });
    }
    if (drivers.length === count) return { drivers, entrySize: stride };
  }
  r.check(list, DRIVER_ENTRY_SIZES[0] * count, "driver list", limit);
  throw new DumpFormatError(
    "corrupt",
    "corrupt dump: the driver list does not point into the string pool with any known entry size",
  );
}

/** The unloaded-driver list (names cut to the 12 characters Windows keeps). */
export function readUnloaded(r: Reader, offset: number, limit: number): UnloadedDriver[] {
  if (offset === 0) return [];
  r.check(offset, 8, "unloaded-driver list", limit);
  const count = r.u64(offset);
  if (count > BigInt(LIMITS.unloadedDrivers)) {
    throw new DumpFormatError(
      "corrupt",
      `corrupt dump: unloaded-driver count ${count} exceeds ${LIMITS.unloadedDrivers}`,
    );
  }
  const n = Number(count);
  r.check(offset + 8, n * UNLOADED_ENTRY_SIZE, "unloaded-driver list", limit);
  const out: UnloadedDriver[] = [];
  for (let i = 0; i < n; i++) {
    const e = offset + 8 + i * UNLOADED_ENTRY_SIZE;
    const recorded = r.u16(e) >>> 1;
    out.push({
      name: utf16(r.bytes, e + 0x10, Math.min(recorded, 12)),
      nameTruncated: recorded > 12,
      start: r.u64(e + 0x28),
      end: r.u64(e + 0x30),
    });
  }
  return out;
}

/** The data-block table: kernel memory captured beyond the call stack. */
export function readDataBlocks(
  r: Reader,
  offset: number,
  count: number,
  limit: number,
): DataBlock[] {
  if (offset === 0 || count === 0) return [];
  if (count > LIMITS.dataBlocks) {
    throw new DumpFormatError(
      "corrupt",
      `corrupt dump: data-block count ${count} exceeds ${LIMITS.dataBlocks}`,
    );
  }
  r.check(offset, count * DATA_BLOCK_SIZE, "data-block table", limit);
  const out: DataBlock[] = [];
  for (let i = 0; i < count; i++) {
    const e = offset + i * DATA_BLOCK_SIZE;
    const block = { address: r.u64(e), fileOffset: r.u32(e + 8), size: r.u32(e + 12) };
    r.check(block.fileOffset, block.size, `data block ${i}`, limit);
    out.push(block);
  }
  return out;
}
