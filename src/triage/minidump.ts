/**
 * Parser of 64-bit Windows kernel small memory dumps ("minidumps": `PAGE` + `DU64`, DumpType 4 =
 * triage dump) for x64 and ARM64. Pure: bytes in, a plain object out. Layout and offsets are those
 * of /work/shared/reference/crash-triage.md §1 (DUMP_HEADER64, TRIAGE_DUMP64, DUMP_DRIVER_ENTRY64,
 * DUMP_STRING, DUMP_UNLOADED_DRIVERS64, data blocks, KDBG).
 *
 * Every read is bounds-checked and every count is capped, so a hostile or damaged file costs at most
 * a linear pass over its bytes. Anything that is not a readable triage dump is rejected with one
 * {@link DumpFormatError} whose `reason` says why.
 */

/** Why a file is not a readable 64-bit kernel triage dump. */
export type DumpFormatReason =
  | "not-a-dump"
  | "user-mode-minidump"
  | "32-bit-dump"
  | "unsupported-dump-type"
  | "unsupported-machine"
  | "truncated"
  | "corrupt";

export class DumpFormatError extends Error {
  constructor(
    readonly reason: DumpFormatReason,
    message: string,
  ) {
    super(message);
    this.name = "DumpFormatError";
  }
}

export type Machine = "x64" | "arm64";

export interface LoadedDriver {
  /** Base file name, e.g. "amdppm.sys". */
  name: string;
  /** Name as stored in the dump, usually an NT path (`\SystemRoot\System32\drivers\amdppm.sys`). */
  path: string;
  base: bigint;
  size: number;
  checksum: number;
  timestamp: number;
}

export interface UnloadedDriver {
  /** At most 12 characters: Windows keeps only that much of an unloaded driver's name. */
  name: string;
  /** The recorded name was longer than the 12 characters kept. */
  nameTruncated: boolean;
  start: bigint;
  /** Exclusive end address. */
  end: bigint;
}

export interface ExceptionRecord {
  code: number;
  flags: number;
  address: bigint;
  /** ExceptionInformation[0..NumberParameters) (at most 15). */
  information: bigint[];
}

export interface ContextRegisters {
  /** Rip (x64) / Pc (ARM64). */
  ip: bigint;
  /** Rsp (x64) / Sp (ARM64). */
  sp: bigint;
}

export interface DataBlock {
  address: bigint;
  fileOffset: number;
  size: number;
}

export interface CapturedStack {
  /** VA of the lowest captured byte (TopOfStack). */
  base: bigint;
  bytes: Uint8Array;
}

export interface KernelMinidump {
  machine: Machine;
  majorVersion: number;
  /** MinorVersion = the OS build number, e.g. 19041. */
  build: number;
  processors: number;
  bugCheck: { code: number; parameters: [bigint, bigint, bigint, bigint] };
  /** SystemTime as FILETIME (100 ns ticks since 1601) or null when absent. */
  systemTime: bigint | null;
  /** Crash time (millisecond precision) or null when absent. */
  crashTime: Date | null;
  dumpType: number;
  miniDumpFields: number;
  /** Registers of the header context record (for 0x7E-family dumps: the faulting context). */
  context: ContextRegisters | null;
  /** The header exception record (usually the KeBugCheckEx breakpoint). */
  exception: ExceptionRecord | null;
  sizeOfDump: number;
  drivers: LoadedDriver[];
  /** Size of one DUMP_DRIVER_ENTRY64 as derived from the file (0x90 on all builds seen). */
  driverEntrySize: number;
  unloadedDrivers: UnloadedDriver[];
  stack: CapturedStack | null;
  dataBlocks: DataBlock[];
  /** KernBase from the debugger data block copy, when present. */
  kdbgKernBase: bigint | null;
  /** Consistency findings that do not prevent triage (one line each). */
  warnings: string[];
  /** The file bytes (the parsed object keeps a view, not a copy). */
  bytes: Uint8Array;
}

// ---------------------------------------------------------------------------------------------
// Layout constants
// ---------------------------------------------------------------------------------------------

export const HEADER_SIZE = 0x2000;
export const TRIAGE_HEADER_SIZE = 0x80;
/** Bytes needed to read the header and the triage header. */
export const MIN_DUMP_SIZE = HEADER_SIZE + TRIAGE_HEADER_SIZE;

export const SIG_PAGE = 0x45474150; // "PAGE"
export const SIG_DU64 = 0x34365544; // "DU64"
const SIG_DUMP = 0x504d5544; // "DUMP"
const SIG_MDMP = 0x504d444d; // "MDMP"
export const SIG_TRGD = 0x44475254; // "TRGD"
const SIG_KDBG = 0x4742444b; // "KDBG"

export const MACHINE_X64 = 0x8664;
export const MACHINE_ARM64 = 0xaa64;
export const DUMP_TYPE_TRIAGE = 4;

export const OFF = {
  majorVersion: 0x8,
  minorVersion: 0xc,
  psLoadedModuleList: 0x20,
  machine: 0x30,
  processors: 0x34,
  bugCheckCode: 0x38,
  bugCheckParameters: 0x40,
  kdDebuggerDataBlock: 0x80,
  contextRecord: 0x348,
  exception: 0xf00,
  dumpType: 0xf98,
  systemTime: 0xfa8,
  miniDumpFields: 0x1038,
} as const;

/** TRIAGE_DUMP64 field offsets, relative to {@link HEADER_SIZE}. */
export const TRIAGE = {
  sizeOfDump: 0x04,
  validOffset: 0x08,
  contextOffset: 0x0c,
  exceptionOffset: 0x10,
  unloadedDriversOffset: 0x18,
  callStackOffset: 0x28,
  sizeOfCallStack: 0x2c,
  driverListOffset: 0x30,
  driverCount: 0x34,
  stringPoolOffset: 0x38,
  stringPoolSize: 0x3c,
  topOfStack: 0x48,
  debuggerDataOffset: 0x70,
  debuggerDataSize: 0x74,
  dataBlocksOffset: 0x78,
  dataBlocksCount: 0x7c,
} as const;

/** DUMP_DRIVER_ENTRY64 field offsets. */
export const DRIVER_ENTRY = {
  nameOffset: 0x00,
  dllBase: 0x38,
  sizeOfImage: 0x48,
  checkSum: 0x80,
  timeDateStamp: 0x88,
} as const;
export const DRIVER_ENTRY_SIZES = [0x90, 0x98, 0xa0, 0xa8] as const;
export const UNLOADED_ENTRY_SIZE = 0x38;
export const DATA_BLOCK_SIZE = 0x10;
export const EXCEPTION_RECORD_SIZE = 0x98;

/** Register offsets inside CONTEXT per machine (x64 CONTEXT, ARM64_NT_CONTEXT). */
export const CONTEXT_LAYOUT: Record<Machine, { ip: number; sp: number; size: number }> = {
  x64: { ip: 0xf8, sp: 0x98, size: 0x4d0 },
  arm64: { ip: 0x108, sp: 0x100, size: 0x390 },
};

const LIMITS = {
  drivers: 4096,
  unloadedDrivers: 1024,
  dataBlocks: 65536,
  nameChars: 1024,
  /** Largest triage part we accept (real ones are 0.5–3 MiB). */
  sizeOfDump: 256 * 1024 * 1024,
} as const;

const DUMP_TYPE_NAMES: Record<number, string> = {
  1: "a full (complete) memory dump",
  2: "a kernel memory dump",
  3: "a header-only dump",
  5: "a bitmap full memory dump",
  6: "a bitmap kernel (live) dump",
  7: "an automatic memory dump",
  8: "a kernel memory dump",
  9: "a kernel and user memory dump",
  10: "a complete memory dump",
};

// ---------------------------------------------------------------------------------------------
// Bounds-checked reads
// ---------------------------------------------------------------------------------------------

class Reader {
  readonly view: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  get length(): number {
    return this.bytes.byteLength;
  }
  /**
   * Throws unless [offset, offset+size) lies inside the file (else "truncated") or, when `limit` is
   * given, inside [0, limit) (else "corrupt": an offset pointing outside the triage part).
   */
  check(offset: number, size: number, what: string, limit?: number): void {
    const end = limit ?? this.length;
    if (Number.isSafeInteger(offset) && offset >= 0 && size >= 0 && offset + size <= end) return;
    const at = `${what} at 0x${offset.toString(16)} (+0x${size.toString(16)})`;
    if (limit === undefined) {
      throw new DumpFormatError(
        "truncated",
        `truncated dump: ${at} lies past the end of the file (${this.length} bytes)`,
      );
    }
    throw new DumpFormatError(
      "corrupt",
      `corrupt dump: ${at} is outside the triage part (0x${limit.toString(16)} bytes)`,
    );
  }
  u16(o: number): number {
    this.check(o, 2, "field");
    return this.view.getUint16(o, true);
  }
  u32(o: number): number {
    this.check(o, 4, "field");
    return this.view.getUint32(o, true);
  }
  u64(o: number): bigint {
    this.check(o, 8, "field");
    return this.view.getBigUint64(o, true);
  }
}

function isAbsent32(v: number): boolean {
  return v === SIG_PAGE;
}

function isAbsent64(v: bigint): boolean {
  return v === 0x4547415045474150n;
}

function basename(ntPath: string): string {
  const i = Math.max(ntPath.lastIndexOf("\\"), ntPath.lastIndexOf("/"));
  return i >= 0 ? ntPath.slice(i + 1) : ntPath;
}

function utf16(bytes: Uint8Array, offset: number, chars: number): string {
  let s = "";
  for (let i = 0; i < chars; i++) {
    const c = bytes[offset + 2 * i] | (bytes[offset + 2 * i + 1] << 8);
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  return s;
}

/** FILETIME (100 ns since 1601-01-01 UTC) → Date, or null when zero, `PAGE` fill or out of range. */
export function fileTimeToDate(ft: bigint): Date | null {
  if (ft === 0n || isAbsent64(ft)) return null;
  const ms = Number(ft / 10000n) - 11644473600000;
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? null : d;
}

// ---------------------------------------------------------------------------------------------
// Header
// ---------------------------------------------------------------------------------------------

export interface DumpHeaderSummary {
  machine: Machine;
  dumpType: number;
  /** TRIAGE_DUMP64.SizeOfDump: the triage part; secondary data may follow it. */
  sizeOfDump: number;
}

function ascii4(r: Reader, o: number): string {
  return Array.from(r.bytes.subarray(o, o + 4), (c) =>
    c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : ".",
  ).join("");
}

/**
 * Checks signatures, machine, dump type and the triage header's size fields. Needs only the first
 * {@link MIN_DUMP_SIZE} bytes, so a caller can reject a multi-GB MEMORY.DMP without reading it.
 */
export function readDumpHeader(bytes: Uint8Array): DumpHeaderSummary {
  const r = new Reader(bytes);
  const magic = "PAGEDU64";
  if (r.length < 8) {
    const prefix = Array.from(bytes, (c) => String.fromCharCode(c)).join("");
    if (r.length > 0 && magic.startsWith(prefix)) {
      throw new DumpFormatError("truncated", `truncated dump: only ${r.length} bytes`);
    }
    throw new DumpFormatError(
      "not-a-dump",
      "not a Windows crash dump (file too short to hold a dump header)",
    );
  }
  const sig = r.u32(0);
  const valid = r.u32(4);
  if (sig === SIG_MDMP) {
    throw new DumpFormatError(
      "user-mode-minidump",
      "user-mode minidump (MDMP), not a kernel crash dump",
    );
  }
  if (sig !== SIG_PAGE) {
    throw new DumpFormatError(
      "not-a-dump",
      `not a Windows crash dump (signature "${ascii4(r, 0)}", expected "PAGE")`,
    );
  }
  if (valid === SIG_DUMP) {
    throw new DumpFormatError(
      "32-bit-dump",
      "32-bit kernel dump (PAGEDUMP); only 64-bit dumps (PAGEDU64) are supported",
    );
  }
  if (valid !== SIG_DU64) {
    throw new DumpFormatError(
      "not-a-dump",
      `not a Windows crash dump (signature "PAGE${ascii4(r, 4)}", expected "PAGEDU64")`,
    );
  }
  if (r.length < MIN_DUMP_SIZE) {
    throw new DumpFormatError(
      "truncated",
      `truncated dump: ${r.length} bytes, the headers alone need ${MIN_DUMP_SIZE}`,
    );
  }
  const machineType = r.u32(OFF.machine);
  const machine: Machine | null =
    machineType === MACHINE_X64 ? "x64" : machineType === MACHINE_ARM64 ? "arm64" : null;
  if (!machine) {
    throw new DumpFormatError(
      "unsupported-machine",
      `unsupported machine type 0x${machineType.toString(16)} (x64 0x8664 and ARM64 0xaa64 are supported)`,
    );
  }
  const dumpType = r.u32(OFF.dumpType);
  if (dumpType !== DUMP_TYPE_TRIAGE) {
    const what = DUMP_TYPE_NAMES[dumpType] ?? `dump type ${dumpType}`;
    throw new DumpFormatError(
      "unsupported-dump-type",
      `${what}, not a small memory dump (minidump, type 4)`,
    );
  }
  const sizeOfDump = r.u32(HEADER_SIZE + TRIAGE.sizeOfDump);
  const validOffset = r.u32(HEADER_SIZE + TRIAGE.validOffset);
  if (sizeOfDump < MIN_DUMP_SIZE + 4 || sizeOfDump > LIMITS.sizeOfDump) {
    throw new DumpFormatError(
      "corrupt",
      `corrupt dump: triage size 0x${sizeOfDump.toString(16)} is implausible`,
    );
  }
  if (validOffset < MIN_DUMP_SIZE || validOffset + 4 > sizeOfDump) {
    throw new DumpFormatError(
      "corrupt",
      `corrupt dump: triage ValidOffset 0x${validOffset.toString(16)} is outside the triage part`,
    );
  }
  return { machine, dumpType, sizeOfDump };
}

// ---------------------------------------------------------------------------------------------
// Sections
// ---------------------------------------------------------------------------------------------

function readContext(
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

interface TriageOffsets {
  driverListOffset: number;
  driverCount: number;
  stringPoolOffset: number;
  stringPoolSize: number;
}

function readDrivers(
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

function readUnloaded(r: Reader, offset: number, limit: number): UnloadedDriver[] {
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

function readDataBlocks(r: Reader, offset: number, count: number, limit: number): DataBlock[] {
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

// ---------------------------------------------------------------------------------------------
// Entry point
// ---------------------------------------------------------------------------------------------

/** Parses a 64-bit kernel triage dump. Throws {@link DumpFormatError} for anything else. */
export function parseMinidump(bytes: Uint8Array): KernelMinidump {
  const { machine, dumpType, sizeOfDump } = readDumpHeader(bytes);
  const r = new Reader(bytes);
  r.check(0, sizeOfDump, "triage part");
  const limit = sizeOfDump;
  const t = (off: number) => r.u32(HEADER_SIZE + off);
  const validOffset = t(TRIAGE.validOffset);
  if (r.u32(validOffset) !== SIG_TRGD) {
    throw new DumpFormatError(
      "corrupt",
      `corrupt dump: no "TRGD" marker at ValidOffset 0x${validOffset.toString(16)}`,
    );
  }
  const warnings: string[] = [];

  const params: bigint[] = [];
  for (let i = 0; i < 4; i++) params.push(r.u64(OFF.bugCheckParameters + 8 * i));
  const systemTime = r.u64(OFF.systemTime);
  const crashTime = fileTimeToDate(systemTime);

  const contextOffset = t(TRIAGE.contextOffset) || OFF.contextRecord;
  const exceptionOffset = t(TRIAGE.exceptionOffset) || OFF.exception;
  const context = readContext(r, contextOffset, machine, limit);
  const exception =
    exceptionOffset + EXCEPTION_RECORD_SIZE <= limit
      ? decodeExceptionRecord(bytes, exceptionOffset)
      : null;

  const { drivers, entrySize } = readDrivers(
    r,
    {
      driverListOffset: t(TRIAGE.driverListOffset),
      driverCount: t(TRIAGE.driverCount),
      stringPoolOffset: t(TRIAGE.stringPoolOffset),
      stringPoolSize: t(TRIAGE.stringPoolSize),
    },
    limit,
  );
  const unloadedDrivers = readUnloaded(r, t(TRIAGE.unloadedDriversOffset), limit);

  let stack: CapturedStack | null = null;
  const stackOffset = t(TRIAGE.callStackOffset);
  const stackSize = t(TRIAGE.sizeOfCallStack);
  if (stackOffset !== 0 && stackSize !== 0) {
    r.check(stackOffset, stackSize, "call stack", limit);
    stack = {
      base: r.u64(HEADER_SIZE + TRIAGE.topOfStack),
      bytes: bytes.subarray(stackOffset, stackOffset + stackSize),
    };
  }

  const dataBlocks = readDataBlocks(
    r,
    t(TRIAGE.dataBlocksOffset),
    t(TRIAGE.dataBlocksCount),
    limit,
  );

  // KDBG sanity: the copy's KernBase must be the first driver (the kernel image), whose range must
  // hold KdDebuggerDataBlock and PsLoadedModuleList.
  let kdbgKernBase: bigint | null = null;
  const kdbgOffset = t(TRIAGE.debuggerDataOffset);
  if (kdbgOffset !== 0 && kdbgOffset + 0x50 <= limit && r.u32(kdbgOffset + 0x10) === SIG_KDBG) {
    kdbgKernBase = r.u64(kdbgOffset + 0x18);
  } else if (kdbgOffset !== 0) {
    warnings.push("the debugger data block copy has no KDBG tag");
  }
  const kernel = drivers[0];
  if (kernel) {
    const end = kernel.base + BigInt(kernel.size);
    if (kdbgKernBase !== null && kdbgKernBase !== kernel.base) {
      warnings.push(
        `KDBG KernBase 0x${kdbgKernBase.toString(16)} differs from the first driver ${kernel.name} at 0x${kernel.base.toString(16)}`,
      );
    }
    for (const [label, va] of [
      ["KdDebuggerDataBlock", r.u64(OFF.kdDebuggerDataBlock)],
      ["PsLoadedModuleList", r.u64(OFF.psLoadedModuleList)],
    ] as const) {
      if (!isAbsent64(va) && va !== 0n && (va < kernel.base || va >= end)) {
        warnings.push(`${label} 0x${va.toString(16)} is outside the kernel image ${kernel.name}`);
      }
    }
  }

  const miniDumpFields = r.u32(OFF.miniDumpFields);
  return {
    machine,
    majorVersion: r.u32(OFF.majorVersion),
    build: r.u32(OFF.minorVersion),
    processors: r.u32(OFF.processors),
    bugCheck: {
      code: r.u32(OFF.bugCheckCode),
      parameters: params as [bigint, bigint, bigint, bigint],
    },
    systemTime: crashTime ? systemTime : null,
    crashTime,
    dumpType,
    miniDumpFields: isAbsent32(miniDumpFields) ? 0 : miniDumpFields,
    context,
    exception,
    sizeOfDump,
    drivers,
    driverEntrySize: entrySize,
    unloadedDrivers,
    stack,
    dataBlocks,
    kdbgKernBase,
    warnings,
    bytes,
  };
}

/**
 * Reads `length` bytes of kernel memory captured in the dump (call stack first, then data blocks);
 * null when the range is not captured in one piece.
 */
export function readCapturedMemory(
  dump: KernelMinidump,
  address: bigint,
  length: number,
): Uint8Array | null {
  const len = BigInt(length);
  const { stack } = dump;
  if (
    stack &&
    address >= stack.base &&
    address + len <= stack.base + BigInt(stack.bytes.byteLength)
  ) {
    const o = Number(address - stack.base);
    return stack.bytes.subarray(o, o + length);
  }
  for (const b of dump.dataBlocks) {
    if (address >= b.address && address + len <= b.address + BigInt(b.size)) {
      const o = b.fileOffset + Number(address - b.address);
      return dump.bytes.subarray(o, o + length);
    }
  }
  return null;
}
