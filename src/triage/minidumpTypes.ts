/**
 * What the minidump parser returns: the parsed 64-bit kernel triage dump, and the one error it
 * throws for a file that is not one.
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
