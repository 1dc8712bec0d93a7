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
import { DumpFormatError, type CapturedStack, type KernelMinidump } from "./minidumpTypes";
import {
  EXCEPTION_RECORD_SIZE,
  HEADER_SIZE,
  OFF,
  SIG_KDBG,
  SIG_TRGD,
  TRIAGE,
} from "./minidumpLayout";
import { fileTimeToDate, isAbsent32, isAbsent64, Reader } from "./minidumpReader";
import { readDumpHeader } from "./minidumpHeader";
import {
  decodeExceptionRecord,
  readContext,
  readDataBlocks,
  readDrivers,
  readUnloaded,
} from "./minidumpSections";

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
