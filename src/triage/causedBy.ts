/**
 * "Caused by": which driver a kernel minidump blames, and why. Pure; order of crash-triage.md §2.5:
 *
 *   1. the address a bug-check parameter carries (P2 for 0x7E/0x1E/0x8E/0x3B, P4 for 0xA/0xD1, ...),
 *   2. the exception record / CONTEXT a parameter points to, read from the captured stack or data blocks,
 *   3. a scan of the captured stack for the first address inside a driver that is not a "reporter"
 *      (the kernel image, the HAL, the kernel debugger DLL: they raise the bug check, they rarely cause it),
 *   4. the module of the context instruction pointer.
 *
 * An address inside the kernel never ends the search (WinDbg also walks past kernel frames); when only
 * the kernel shows up, the answer is null with evidence saying so, never a guess.
 */
import type { CausedBy } from "./types";
import { hex, moduleOffset } from "./format";
import { lookupBugCheck } from "./bugchecks";
import type { KernelMinidump, LoadedDriver, UnloadedDriver } from "./minidumpTypes";
import { CONTEXT_LAYOUT, EXCEPTION_RECORD_SIZE } from "./minidumpLayout";
import { decodeContext, decodeExceptionRecord } from "./minidumpSections";
import { readCapturedMemory } from "./minidump";

export interface ResolvedAddress {
  address: bigint;
  module: string;
  base: bigint;
  offset: bigint;
  /** Found in the unloaded-driver list (the driver was gone at crash time). */
  unloaded: boolean;
  /** Windows kept only the first 12 characters of the (unloaded) driver's name. */
  nameTruncated: boolean;
  /** The kernel image, the HAL or the kernel debugger DLL. */
  reporter: boolean;
}

const REPORTER_NAMES = [
  /^nto?s?krnl\w*\.exe$/i,
  /^ntkrpamp\.exe$/i,
  /^hal\w*\.dll$/i,
  /^kd\w*\.dll$/i,
];

/** True for modules that raise bug checks rather than cause them: ntoskrnl*, ntkrnl*, hal*, kd*. */
export function isReporterModule(name: string): boolean {
  return REPORTER_NAMES.some((re) => re.test(name));
}

/** Address → module lookup over the loaded list (binary search), then the unloaded list. */
/**
 * The unloaded drivers by address: their ranges may overlap (an address reused by a later load),
 * and the first entry in list order that holds an address names it. The boundaries of all ranges
 * cut the address space into segments, each answered once at construction, so a lookup is a
 * binary search whatever a crafted list holds (at most LIMITS.unloadedDrivers entries).
 */
/**
 * How much of the captured stack the scan reads: a kernel thread's stack is at most 60 KiB
 * (KERNEL_LARGE_STACK_SIZE, x64 and ARM64), so a longer capture is not a stack and a crafted one
 * cannot make the scan long.
 */
export const MAX_STACK_SCAN_BYTES = 64 * 1024;

class UnloadedIndex {
  private readonly starts: bigint[] = [];
  private readonly owners: (UnloadedDriver | undefined)[] = [];

  constructor(list: readonly UnloadedDriver[]) {
    const valid = list.filter((u) => u.start < u.end);
    const cuts = [...new Set(valid.flatMap((u) => [u.start, u.end]))].sort((a, b) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    for (const start of cuts) {
      this.starts.push(start);
      this.owners.push(valid.find((u) => u.start <= start && start < u.end));
    }
  }

  /** The first unloaded driver in list order whose range holds `address`. */
  find(address: bigint): UnloadedDriver | undefined {
    let lo = 0;
    let hi = this.starts.length - 1;
    let at = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.starts[mid] <= address) {
        at = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return at < 0 ? undefined : this.owners[at];
  }
}

export class ModuleMap {
  private readonly loaded: { driver: LoadedDriver; end: bigint; reporter: boolean }[];
  private readonly unloadedIndex: UnloadedIndex;

  constructor(drivers: readonly LoadedDriver[], unloaded: readonly UnloadedDriver[] = []) {
    this.unloadedIndex = new UnloadedIndex(unloaded);
    // Entries 0 and 1 are the kernel and the HAL whatever their file names.
    this.loaded = drivers
      .map((driver, i) => ({
        driver,
        end: driver.base + BigInt(driver.size),
        reporter: i < 2 || isReporterModule(driver.name),
      }))
      .filter((e) => e.driver.size > 0)
      .sort((a, b) => (a.driver.base < b.driver.base ? -1 : a.driver.base > b.driver.base ? 1 : 0));
  }

  resolve(address: bigint): ResolvedAddress | null {
    let lo = 0;
    let hi = this.loaded.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const e = this.loaded[mid];
      if (address < e.driver.base) hi = mid - 1;
      else if (address >= e.end) lo = mid + 1;
      else
        return {
          address,
          module: e.driver.name,
          base: e.driver.base,
          offset: address - e.driver.base,
          unloaded: false,
          nameTruncated: false,
          reporter: e.reporter,
        };
    }
    const u = this.unloadedIndex.find(address);
    if (u === undefined) return null;
    return {
      address,
      module: u.name,
      base: u.start,
      offset: address - u.start,
      unloaded: true,
      nameTruncated: u.nameTruncated,
      reporter: isReporterModule(u.name),
    };
  }
}

export interface CausedByAnalysis {
  causedBy: CausedBy | null;
  /** BlueScreenView's "Crash Address": the module of the header context's instruction pointer. */
  crashAddress: ResolvedAddress | null;
  /** How the answer was reached; also filled when `causedBy` is null. */
  evidence: string[];
}

function describe(r: ResolvedAddress): string {
  return moduleOffset(r.module, r.offset) + (r.unloaded ? " (an unloaded driver)" : "");
}

/** Decides which driver caused the crash; see the module comment for the order. */
export function findCausedBy(dump: KernelMinidump): CausedByAnalysis {
  const map = new ModuleMap(dump.drivers, dump.unloadedDrivers);
  const evidence: string[] = [];
  const reporters = new Set<string>();
  const params = dump.bugCheck.parameters;
  const spec = lookupBugCheck(dump.bugCheck.code);
  const crashAddress = dump.context ? map.resolve(dump.context.ip) : null;

  const found = (r: ResolvedAddress, method: string, line: string): CausedByAnalysis => {
    evidence.push(line);
    if (r.unloaded)
      evidence.push(
        `${r.module} was no longer loaded at crash time; the address is in its former range`,
      );
    if (r.nameTruncated)
      evidence.push(
        `Windows recorded only the first 12 characters of the unloaded driver's name ("${r.module}")`,
      );
    corroborate(r);
    return {
      causedBy: {
        module: r.module,
        offset: hex(r.offset),
        address: hex(r.address),
        method,
        evidence,
      },
      crashAddress,
      evidence,
    };
  };
  /** Examines one candidate address: the resolved module when it is a driver other than the kernel. */
  const consider = (label: string, address: bigint): ResolvedAddress | null => {
    if (address === 0n) {
      evidence.push(`${label} is 0: no address`);
      return null;
    }
    const r = map.resolve(address);
    if (!r) {
      evidence.push(`${label} ${hex(address)} is not inside any loaded or unloaded driver`);
      return null;
    }
    if (r.reporter) {
      reporters.add(r.module);
      evidence.push(
        `${label} ${hex(address)} is ${describe(r)}, the kernel itself: looking further`,
      );
      return null;
    }
    return r;
  };
  const recordAt = (
    index: number,
    kind: "exception" | "context",
  ): { label: string; ip: bigint } | null => {
    const va = params[index];
    const label = `P${index + 1} (${kind === "exception" ? "exception record" : "context record"} at ${hex(va)})`;
    const size = kind === "exception" ? EXCEPTION_RECORD_SIZE : CONTEXT_LAYOUT[dump.machine].size;
    const bytes = va === 0n ? null : readCapturedMemory(dump, va, size);
    if (!bytes) {
      evidence.push(`${label} is not in the captured memory`);
      return null;
    }
    if (kind === "exception") {
      const rec = decodeExceptionRecord(bytes, 0);
      return rec
        ? { label: `${label}: exception 0x${rec.code.toString(16)} at`, ip: rec.address }
        : null;
    }
    const ctx = decodeContext(bytes, 0, dump.machine);
    return ctx ? { label: `${label}: instruction pointer`, ip: ctx.ip } : null;
  };
  /** Adds a line when the records or the context agree with the chosen module. */
  const corroborate = (chosen: ResolvedAddress): void => {
    if (
      crashAddress &&
      crashAddress.module === chosen.module &&
      crashAddress.address !== chosen.address
    ) {
      evidence.push(
        `the crash address (context instruction pointer) ${describe(crashAddress)} is in the same driver`,
      );
    } else if (crashAddress && crashAddress.address === chosen.address) {
      evidence.push("the context instruction pointer is the same address");
    }
  };

  // 1. The address a bug-check parameter carries.
  for (const ap of spec?.addressParameters?.(params) ?? []) {
    const r = consider(ap.meaning, params[ap.index]);
    if (r)
      return found(r, "bugcheck-parameter", `${ap.meaning} ${hex(r.address)} is ${describe(r)}`);
  }

  // 2. Exception record / context record pointed to by a parameter.
  const records: [number | undefined, "exception" | "context"][] = [
    [spec?.exceptionRecordParameter, "exception"],
    [spec?.contextRecordParameter, "context"],
  ];
  for (const [index, kind] of records) {
    if (index === undefined) continue;
    const rec = recordAt(index, kind);
    const r = rec && consider(rec.label, rec.ip);
    if (rec && r)
      return found(r, `${kind}-record`, `${rec.label} ${hex(r.address)} = ${describe(r)}`);
  }

  // 3. Stack scan, lowest captured address (most recent frames) first.
  if (dump.stack && dump.stack.bytes.byteLength >= 8) {
    const { base, bytes } = dump.stack;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const end = Math.min(bytes.byteLength, MAX_STACK_SCAN_BYTES);
    let skipped = 0;
    for (let o = 0; o + 8 <= end; o += 8) {
      // Only kernel-space values (top bit set) can be code addresses: a cheap test first.
      if (view.getUint32(o + 4, true) < 0x80000000) continue;
      const value = view.getBigUint64(o, true);
      const r = map.resolve(value);
      if (!r) continue;
      if (r.reporter) {
        reporters.add(r.module);
        skipped++;
        continue;
      }
      const slot = `stack slot ${hex(base + BigInt(o))} (TopOfStack+${hex(o)})`;
      const skippedNote = skipped
        ? `, after ${skipped} kernel/HAL/kd address${skipped === 1 ? "" : "es"}`
        : "";
      return found(
        r,
        "stack-scan",
        `${slot} holds ${hex(value)} = ${describe(r)}, the first driver address on the captured stack${skippedNote}`,
      );
    }
    const cut =
      end < bytes.byteLength
        ? ` in the ${MAX_STACK_SCAN_BYTES} bytes scanned (a kernel stack is at most 60 KiB; the rest of the ${bytes.byteLength} captured bytes is not a stack)`
        : "";
    evidence.push(
      `the captured stack (${bytes.byteLength} bytes) holds ${skipped} kernel/HAL/kd addresses and no other driver address${cut}`,
    );
  } else {
    evidence.push("the dump has no captured stack");
  }

  // 4. The module of the context instruction pointer.
  if (dump.context) {
    const r = consider("the context instruction pointer", dump.context.ip);
    if (r)
      return found(
        r,
        "context-ip",
        `the context instruction pointer ${hex(r.address)} is ${describe(r)}`,
      );
  }

  evidence.push(
    reporters.size > 0
      ? `only the kernel (${[...reporters].join(", ")}) appears in the parameters, records and stack: no driver to blame`
      : "no address in the parameters, records, stack or context lies inside a known driver",
  );
  if (spec?.hint) evidence.push(spec.hint);
  return { causedBy: null, crashAddress, evidence };
}
