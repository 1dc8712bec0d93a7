/**
 * The layout of a 64-bit kernel triage dump: signatures, field offsets of DUMP_HEADER64,
 * TRIAGE_DUMP64 and its tables, entry sizes, and the caps on every count. Offsets are those of
 * /work/shared/reference/crash-triage.md §1.
 */
import type { Machine } from "./minidumpTypes";

export const HEADER_SIZE = 0x2000;
export const TRIAGE_HEADER_SIZE = 0x80;
/** Bytes needed to read the header and the triage header. */
export const MIN_DUMP_SIZE = HEADER_SIZE + TRIAGE_HEADER_SIZE;

export const SIG_PAGE = 0x45474150; // "PAGE"
export const SIG_DU64 = 0x34365544; // "DU64"
export const SIG_DUMP = 0x504d5544; // "DUMP"
export const SIG_MDMP = 0x504d444d; // "MDMP"
export const SIG_TRGD = 0x44475254; // "TRGD"
export const SIG_KDBG = 0x4742444b; // "KDBG"

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

/** Caps on every count and size read from the file, so a hostile one costs at most a linear pass. */
export const LIMITS = {
  drivers: 4096,
  unloadedDrivers: 1024,
  dataBlocks: 65536,
  nameChars: 1024,
  /** Largest triage part we accept (real ones are 0.5–3 MiB). */
  sizeOfDump: 256 * 1024 * 1024,
} as const;

/** What the other dump types are, for the message that rejects them. */
export const DUMP_TYPE_NAMES: Record<number, string> = {
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
