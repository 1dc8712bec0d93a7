/**
 * What triage says about one kernel minidump. This is the shape `vm-rescue triage --json` prints
 * (one object per file) and what the repair planner consumes.
 */
export interface BugCheckInfo {
  /** "0x1000007E" (upper-case hex digits, 0x prefix, no padding beyond the value). */
  code: string;
  /** Symbolic name for known codes, e.g. "SYSTEM_THREAD_EXCEPTION_NOT_HANDLED_M"; null when unknown. */
  name: string | null;
  /** The four parameters as 0x-prefixed hex strings. */
  parameters: [string, string, string, string];
}

export interface CausedBy {
  /** Base file name of the module, e.g. "amdppm.sys". */
  module: string;
  /** Offset inside the module, "0x334c". */
  offset: string;
  /** The resolved virtual address, "0xfffff8048b58334c". */
  address: string;
  /** How the culprit was found, e.g. "bugcheck-parameter", "exception-record", "stack-scan", "context-ip". */
  method: string;
  /** Human-readable evidence lines (which parameter, which stack slot, which modules were skipped). */
  evidence: string[];
}

export interface TriageResult {
  file: string;
  bugCheck: BugCheckInfo | null;
  /** ISO 8601 UTC. */
  crashTime: string | null;
  os: { build: number; machine: "x64" | "arm64" | string } | null;
  causedBy: CausedBy | null;
  /** Number of loaded drivers in the dump. */
  drivers: number | null;
  /** One line when the file is not a valid 64-bit kernel minidump; null otherwise. */
  error: string | null;
}
