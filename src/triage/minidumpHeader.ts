/**
 * The dump header: signatures, machine, dump type and the triage header's size fields, checked
 * before anything else is read.
 */
import { DumpFormatError, type Machine } from "./minidumpTypes";
import {
  DUMP_TYPE_NAMES,
  DUMP_TYPE_TRIAGE,
  HEADER_SIZE,
  LIMITS,
  MACHINE_ARM64,
  MACHINE_X64,
  MIN_DUMP_SIZE,
  OFF,
  SIG_DU64,
  SIG_DUMP,
  SIG_MDMP,
  SIG_PAGE,
  TRIAGE,
} from "./minidumpLayout";
import { Reader } from "./minidumpReader";

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
