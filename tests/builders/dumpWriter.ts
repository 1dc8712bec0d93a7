/**
 * Writes synthetic 64-bit kernel triage dumps to the layout of crash-triage.md §1 (the same layout
 * the parser reads and a real Windows 10 dump was checked against). Deterministic: the same options
 * give the same bytes. Used by the tests and by examples/make-sample-dump.ts.
 */
import type { Machine } from "../../src/triage/minidumpTypes";
import {
  CONTEXT_LAYOUT,
  DATA_BLOCK_SIZE,
  DRIVER_ENTRY,
  EXCEPTION_RECORD_SIZE,
  HEADER_SIZE,
  MACHINE_ARM64,
  MACHINE_X64,
  OFF,
  SIG_PAGE,
  SIG_TRGD,
  TRIAGE,
  TRIAGE_HEADER_SIZE,
  UNLOADED_ENTRY_SIZE,
} from "../../src/triage/minidumpLayout";

export interface DriverSpec {
  /** Base name ("cxnetmon.sys") or full NT path; a base name is stored as \SystemRoot\System32\drivers\<name>. */
  name: string;
  base: bigint;
  size: number;
  checksum?: number;
  timestamp?: number;
}

export interface UnloadedSpec {
  name: string;
  start: bigint;
  end: bigint;
}

export interface ExceptionSpec {
  code: number;
  address: bigint;
  flags?: number;
  information?: bigint[];
}

export interface DumpSpec {
  machine?: Machine | number;
  /** Signature words, for rejection tests: defaults "PAGE" / "DU64". */
  signature?: string;
  validDump?: string;
  /** Defaults to 4 (triage). */
  dumpType?: number;
  majorVersion?: number;
  build?: number;
  processors?: number;
  bugCheck: number;
  parameters: [bigint, bigint, bigint, bigint];
  /** ISO time, written as FILETIME. */
  crashTime?: string;
  /** Loaded modules in load order: the kernel image first, then hal.dll, kd.dll... */
  drivers: DriverSpec[];
  unloaded?: UnloadedSpec[];
  /** Captured stack: VA of its lowest byte and its contents. */
  stack?: { top: bigint; bytes: Uint8Array };
  /** Header CONTEXT registers. */
  context?: { ip: bigint; sp: bigint };
  /** Header exception record (by default the KeBugCheckEx breakpoint is not written). */
  exception?: ExceptionSpec;
  /** Extra kernel memory ranges. */
  dataBlocks?: { address: bigint; bytes: Uint8Array }[];
  /** Driver entry size (default 0x90). */
  driverEntrySize?: number;
  /** Write the KDBG copy (default true; KernBase = first driver's base). */
  kdbg?: boolean;
  /** Bytes appended after the triage part (secondary data). */
  trailer?: Uint8Array;
}

const KDBG_SIZE = 0x380;

class Out {
  private buf = new Uint8Array(0x10000);
  private view = new DataView(this.buf.buffer);
  length = 0;
  private ensure(end: number): void {
    if (end <= this.buf.length) return;
    let n = this.buf.length;
    while (n < end) n *= 2;
    const next = new Uint8Array(n);
    next.set(this.buf);
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  /** Reserves `size` bytes (8-aligned start) and returns their offset. */
  alloc(size: number): number {
    const at = (this.length + 7) & ~7;
    this.ensure(at + size);
    this.length = at + size;
    return at;
  }
  u16(o: number, v: number): void {
    this.view.setUint16(o, v, true);
  }
  u32(o: number, v: number): void {
    this.view.setUint32(o, v >>> 0, true);
  }
  u64(o: number, v: bigint): void {
    this.view.setBigUint64(o, BigInt.asUintN(64, v), true);
  }
  bytes(o: number, b: Uint8Array): void {
    this.buf.set(b, o);
  }
  utf16(o: number, s: string): void {
    for (let i = 0; i < s.length; i++) this.u16(o + 2 * i, s.charCodeAt(i));
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

function sig(s: string): number {
  return (
    s.charCodeAt(0) | (s.charCodeAt(1) << 8) | (s.charCodeAt(2) << 16) | (s.charCodeAt(3) << 24)
  );
}

function dateToFileTime(iso: string): bigint {
  return (BigInt(Date.parse(iso)) + 11644473600000n) * 10000n;
}

/** An EXCEPTION_RECORD64 as it sits in kernel memory (e.g. on the stack at P3 of 0x7E). */
export function exceptionRecordBytes(e: ExceptionSpec): Uint8Array {
  const b = new Uint8Array(EXCEPTION_RECORD_SIZE);
  const v = new DataView(b.buffer);
  v.setUint32(0, e.code >>> 0, true);
  v.setUint32(4, e.flags ?? 0, true);
  v.setBigUint64(0x10, e.address, true);
  const info = (e.information ?? []).slice(0, 15);
  v.setUint32(0x18, info.length, true);
  info.forEach((x, i) => v.setBigUint64(0x20 + 8 * i, BigInt.asUintN(64, x), true));
  return b;
}

/** A CONTEXT record with only the instruction and stack pointers set. */
export function contextRecordBytes(machine: Machine, regs: { ip: bigint; sp: bigint }): Uint8Array {
  const layout = CONTEXT_LAYOUT[machine];
  const b = new Uint8Array(layout.size);
  const v = new DataView(b.buffer);
  v.setUint32(machine === "x64" ? 0x30 : 0, machine === "x64" ? 0x10001f : 0x40001f, true); // ContextFlags
  v.setBigUint64(layout.ip, regs.ip, true);
  v.setBigUint64(layout.sp, regs.sp, true);
  return b;
}

/** Builds stack contents: `size` zero bytes with qwords and blobs placed at byte offsets. */
export function buildStack(
  size: number,
  items: ({ offset: number; qword: bigint } | { offset: number; bytes: Uint8Array })[],
): Uint8Array {
  const b = new Uint8Array(size);
  const v = new DataView(b.buffer);
  for (const it of items) {
    if ("qword" in it) v.setBigUint64(it.offset, BigInt.asUintN(64, it.qword), true);
    else b.set(it.bytes, it.offset);
  }
  return b;
}

/** Writes a kernel triage dump per `spec`. */
export function writeDump(spec: DumpSpec): Uint8Array {
  const machineName: Machine =
    spec.machine === "arm64" || spec.machine === MACHINE_ARM64 ? "arm64" : "x64";
  const machineType =
    typeof spec.machine === "number"
      ? spec.machine
      : machineName === "arm64"
        ? MACHINE_ARM64
        : MACHINE_X64;
  const out = new Out();
  out.alloc(HEADER_SIZE + TRIAGE_HEADER_SIZE);
  // Unused header bytes hold the "PAGE" pattern, as in real dumps.
  for (let o = 0; o < HEADER_SIZE; o += 4) out.u32(o, SIG_PAGE);
  out.u32(0, sig(spec.signature ?? "PAGE"));
  out.u32(4, sig(spec.validDump ?? "DU64"));
  out.u32(OFF.majorVersion, spec.majorVersion ?? 15);
  out.u32(OFF.minorVersion, spec.build ?? 19041);
  const kernel = spec.drivers[0];
  out.u64(OFF.psLoadedModuleList, kernel ? kernel.base + 0x200000n : 0n);
  out.u32(OFF.machine, machineType);
  out.u32(OFF.processors, spec.processors ?? 2);
  out.u32(OFF.bugCheckCode, spec.bugCheck);
  spec.parameters.forEach((p, i) => out.u64(OFF.bugCheckParameters + 8 * i, p));
  out.u64(OFF.kdDebuggerDataBlock, kernel ? kernel.base + 0x100000n : 0n);
  const ctx = contextRecordBytes(machineName, spec.context ?? { ip: 0n, sp: 0n });
  out.bytes(OFF.contextRecord, ctx);
  out.bytes(
    OFF.exception,
    exceptionRecordBytes(spec.exception ?? { code: 0x80000003, address: 0n, flags: 1 }),
  );
  out.u32(OFF.dumpType, spec.dumpType ?? 4);
  out.u64(OFF.systemTime, spec.crashTime ? dateToFileTime(spec.crashTime) : 0n);
  const T = (field: number, v: number) => out.u32(HEADER_SIZE + field, v);
  for (let o = HEADER_SIZE; o < HEADER_SIZE + TRIAGE_HEADER_SIZE; o += 4) out.u32(o, 0);
  T(TRIAGE.contextOffset, OFF.contextRecord);
  T(TRIAGE.exceptionOffset, OFF.exception);

  // Unloaded drivers: u64 count + entries.
  const unloaded = spec.unloaded ?? [];
  const unl = out.alloc(8 + unloaded.length * UNLOADED_ENTRY_SIZE);
  out.u64(unl, BigInt(unloaded.length));
  unloaded.forEach((u, i) => {
    const e = unl + 8 + i * UNLOADED_ENTRY_SIZE;
    // Name.Length/MaximumLength give the full name; DriverName keeps its first 12 characters.
    out.u16(e, u.name.length * 2);
    out.u16(e + 2, u.name.length * 2);
    out.utf16(e + 0x10, u.name.slice(0, 12));
    out.u64(e + 0x28, u.start);
    out.u64(e + 0x30, u.end);
  });
  T(TRIAGE.unloadedDriversOffset, unl);

  if (spec.stack) {
    const at = out.alloc(spec.stack.bytes.byteLength);
    out.bytes(at, spec.stack.bytes);
    T(TRIAGE.callStackOffset, at);
    T(TRIAGE.sizeOfCallStack, spec.stack.bytes.byteLength);
    out.u64(HEADER_SIZE + TRIAGE.topOfStack, spec.stack.top);
  }

  if (spec.kdbg ?? true) {
    const at = out.alloc(KDBG_SIZE);
    out.u32(at + 0x10, sig("KDBG"));
    out.u32(at + 0x14, KDBG_SIZE);
    out.u64(at + 0x18, kernel ? kernel.base : 0n);
    out.u64(at + 0x48, kernel ? kernel.base + 0x200000n : 0n);
    T(TRIAGE.debuggerDataOffset, at);
    T(TRIAGE.debuggerDataSize, KDBG_SIZE);
  }

  // Driver list directly followed by the string pool (so the stride shows in the gap).
  const stride = spec.driverEntrySize ?? 0x90;
  const list = out.alloc(stride * spec.drivers.length);
  const pool = out.length;
  spec.drivers.forEach((d, i) => {
    const e = list + i * stride;
    const path = d.name.includes("\\") ? d.name : `\\SystemRoot\\System32\\drivers\\${d.name}`;
    const s = out.alloc(4 + path.length * 2 + 2);
    out.u32(s, path.length);
    out.utf16(s + 4, path);
    out.u32(e + DRIVER_ENTRY.nameOffset, s);
    out.u64(e + DRIVER_ENTRY.dllBase, d.base);
    out.u32(e + DRIVER_ENTRY.sizeOfImage, d.size);
    out.u32(e + DRIVER_ENTRY.checkSum, d.checksum ?? 0);
    out.u32(e + DRIVER_ENTRY.timeDateStamp, d.timestamp ?? 0);
  });
  out.alloc(0);
  T(TRIAGE.driverListOffset, list);
  T(TRIAGE.driverCount, spec.drivers.length);
  T(TRIAGE.stringPoolOffset, pool);
  T(TRIAGE.stringPoolSize, out.length - pool);

  const blocks = spec.dataBlocks ?? [];
  if (blocks.length > 0) {
    const table = out.alloc(blocks.length * DATA_BLOCK_SIZE);
    blocks.forEach((b, i) => {
      const at = out.alloc(b.bytes.byteLength);
      out.bytes(at, b.bytes);
      out.u64(table + i * DATA_BLOCK_SIZE, b.address);
      out.u32(table + i * DATA_BLOCK_SIZE + 8, at);
      out.u32(table + i * DATA_BLOCK_SIZE + 12, b.bytes.byteLength);
    });
    T(TRIAGE.dataBlocksOffset, table);
    T(TRIAGE.dataBlocksCount, blocks.length);
  }

  const valid = out.alloc(4);
  out.u32(valid, SIG_TRGD);
  T(TRIAGE.sizeOfDump, out.length);
  T(TRIAGE.validOffset, valid);
  // MiniDumpFields: BASIC_INFO | DEBUGGER_DATA | DATA_BLOCKS, as written by Windows.
  out.u32(OFF.miniDumpFields, 0xcff);
  if (spec.trailer) out.bytes(out.alloc(spec.trailer.byteLength), spec.trailer);
  return out.result();
}
