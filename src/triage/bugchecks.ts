/**
 * Common bug-check codes: name, and which parameters locate the culprit (crash-triage.md §3, from the
 * Microsoft bug-check reference pages). Codes with the 0x10000000 bit set are the `_M` variants
 * (same parameters as the base code, name suffixed `_M`).
 */

/** A parameter (0-based index into the four) that holds a code address, and what it means. */
export interface AddressParameter {
  index: 0 | 1 | 2 | 3;
  meaning: string;
}

export interface BugCheckSpec {
  name: string;
  /** Parameters holding a faulting/caller code address, tried in order; may depend on P1 (subtype). */
  addressParameters?: (params: readonly bigint[]) => AddressParameter[];
  /** Parameter holding a pointer to an EXCEPTION_RECORD (read from captured memory). */
  exceptionRecordParameter?: 0 | 1 | 2 | 3;
  /** Parameter holding a pointer to a CONTEXT record (read from captured memory). */
  contextRecordParameter?: 0 | 1 | 2 | 3;
  /** The `_M` variant (code | 0x10000000) exists. */
  hasMVariant?: boolean;
  /** A hint when no code address is involved (where else to look). */
  hint?: string;
}

export const M_VARIANT_BIT = 0x10000000;

const p = (index: 0 | 1 | 2 | 3, meaning: string) => () => [{ index, meaning }];

const TABLE: Record<number, BugCheckSpec> = {
  0x0a: {
    name: "IRQL_NOT_LESS_OR_EQUAL",
    addressParameters: p(3, "P4 (instruction pointer)"),
    hasMVariant: true,
  },
  0x19: { name: "BAD_POOL_HEADER" },
  0x1a: { name: "MEMORY_MANAGEMENT" },
  0x1e: {
    name: "KMODE_EXCEPTION_NOT_HANDLED",
    addressParameters: p(1, "P2 (exception address)"),
    hasMVariant: true,
  },
  0x3b: {
    name: "SYSTEM_SERVICE_EXCEPTION",
    addressParameters: p(1, "P2 (faulting instruction)"),
    contextRecordParameter: 2,
  },
  0x4e: { name: "PFN_LIST_CORRUPT" },
  0x50: {
    name: "PAGE_FAULT_IN_NONPAGED_AREA",
    addressParameters: p(2, "P3 (faulting instruction)"),
    hasMVariant: true,
  },
  0x77: {
    name: "KERNEL_STACK_INPAGE_ERROR",
    hint: "paging I/O failed: check the disk and storage drivers",
  },
  0x7a: {
    name: "KERNEL_DATA_INPAGE_ERROR",
    hint: "paging I/O failed: check the disk and storage drivers",
  },
  0x7b: {
    name: "INACCESSIBLE_BOOT_DEVICE",
    hint: "no code address: check the boot-start storage drivers in the SYSTEM hive and System.evtx",
  },
  0x7e: {
    name: "SYSTEM_THREAD_EXCEPTION_NOT_HANDLED",
    addressParameters: p(1, "P2 (exception address)"),
    exceptionRecordParameter: 2,
    contextRecordParameter: 3,
    hasMVariant: true,
  },
  0x7f: { name: "UNEXPECTED_KERNEL_MODE_TRAP", hasMVariant: true },
  0x8e: {
    name: "KERNEL_MODE_EXCEPTION_NOT_HANDLED",
    addressParameters: p(1, "P2 (exception address)"),
    hasMVariant: true,
  },
  0x9f: {
    name: "DRIVER_POWER_STATE_FAILURE",
    hint: "a driver blocked a power IRP: the stack may name it",
  },
  0xc2: {
    name: "BAD_POOL_CALLER",
    // Subtypes 0x9B/0x9C/0x9D (bad pool tag) carry the caller's address in P4; the others only pool addresses.
    addressParameters: (params) => {
      const sub = params[0];
      return sub === 0x9bn || sub === 0x9cn || sub === 0x9dn
        ? [{ index: 3, meaning: `P4 (caller of subtype 0x${sub.toString(16)})` }]
        : [];
    },
  },
  0xc4: { name: "DRIVER_VERIFIER_DETECTED_VIOLATION" },
  0xc5: {
    name: "DRIVER_CORRUPTED_EXPOOL",
    addressParameters: p(3, "P4 (address that referenced memory)"),
  },
  0xce: {
    name: "DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS",
    addressParameters: () => [
      { index: 0, meaning: "P1 (memory referenced)" },
      { index: 2, meaning: "P3 (address that referenced memory)" },
    ],
  },
  0xd1: {
    name: "DRIVER_IRQL_NOT_LESS_OR_EQUAL",
    addressParameters: p(3, "P4 (address that referenced memory)"),
    hasMVariant: true,
  },
  0xd5: {
    name: "DRIVER_PAGE_FAULT_IN_FREED_SPECIAL_POOL",
    addressParameters: p(2, "P3 (address that referenced memory)"),
  },
  0xd6: {
    name: "DRIVER_PAGE_FAULT_BEYOND_END_OF_ALLOCATION",
    addressParameters: p(2, "P3 (address that referenced memory)"),
  },
  0xe2: {
    name: "MANUALLY_INITIATED_CRASH",
    hint: "the crash was requested (keyboard or NMI), no driver to blame",
  },
  0xed: {
    name: "UNMOUNTABLE_BOOT_VOLUME",
    hint: "no code address: check the file system and the boot volume",
  },
  0xef: {
    name: "CRITICAL_PROCESS_DIED",
    hint: "a critical process exited: check System.evtx and the services",
  },
  0xf4: { name: "CRITICAL_OBJECT_TERMINATION", hint: "a critical process or thread exited" },
  0xfc: { name: "ATTEMPTED_EXECUTE_OF_NOEXECUTE_MEMORY" },
  0x101: { name: "CLOCK_WATCHDOG_TIMEOUT" },
  0x109: { name: "CRITICAL_STRUCTURE_CORRUPTION" },
  0x116: {
    name: "VIDEO_TDR_FAILURE",
    addressParameters: p(1, "P2 (pointer into the responsible driver)"),
  },
  0x124: {
    name: "WHEA_UNCORRECTABLE_ERROR",
    hint: "a hardware error was reported: check the host, not a driver",
  },
  0x133: { name: "DPC_WATCHDOG_VIOLATION", hint: "a DPC or ISR ran too long: the stack names it" },
  0x139: { name: "KERNEL_SECURITY_CHECK_FAILURE", exceptionRecordParameter: 2 },
  0x1d3: { name: "WFP_INVALID_OPERATION" },
  0xdeaddead: {
    name: "MANUALLY_INITIATED_CRASH1",
    hint: "the crash was requested, no driver to blame",
  },
};

export interface ResolvedBugCheck extends BugCheckSpec {
  code: number;
  /** The base code the parameters are looked up by (code without the `_M` bit). */
  baseCode: number;
}

/** Looks a code up; `_M` variants resolve to their base code's parameters with the `_M` name. */
export function lookupBugCheck(code: number): ResolvedBugCheck | null {
  const c = code >>> 0;
  const direct = TABLE[c];
  if (direct) return { ...direct, code: c, baseCode: c };
  const base = (c & ~M_VARIANT_BIT) >>> 0;
  const spec = c !== base ? TABLE[base] : undefined;
  if (spec?.hasMVariant) return { ...spec, name: `${spec.name}_M`, code: c, baseCode: base };
  return null;
}

/** Symbolic name (e.g. SYSTEM_THREAD_EXCEPTION_NOT_HANDLED_M) or null when unknown. */
export function bugCheckName(code: number): string | null {
  return lookupBugCheck(code)?.name ?? null;
}

/** The parameters that carry a code address for this bug check and parameter set. */
export function addressParameters(code: number, params: readonly bigint[]): AddressParameter[] {
  return lookupBugCheck(code)?.addressParameters?.(params) ?? [];
}
