/**
 * Where the evidence lies on a Windows disk and how much of it the disk reader takes. The disk is
 * hostile input and may sit behind a slow, metered link (an HTTP range source, EBS direct), so
 * every file is read up to a cap and the reads of the whole diagnosis have a budget.
 */

const MiB = 1024 * 1024;

export interface EvidenceCaps {
  /** `SYSTEM`, and each of its transaction logs. */
  systemHiveBytes: number;
  hiveLogBytes: number;
  /** `SOFTWARE`; 0 leaves it unread. */
  softwareHiveBytes: number;
  bcdBytes: number;
  /** How many minidumps are read (the newest first) and the largest one read. */
  minidumpCount: number;
  minidumpBytes: number;
  systemEventLogBytes: number;
  /** Only the end of `setupapi.dev.log` is read: its newest installs are what matter. */
  setupApiLogTailBytes: number;
  pendingXmlBytes: number;
  /** Bytes the readers may ask of the disk in all, cache hits below them included. */
  diskReadBytes: number;
}

/** Caps far above what a healthy Windows writes, far below what would exhaust memory or a link. */
export const DEFAULT_EVIDENCE_CAPS: Readonly<EvidenceCaps> = {
  systemHiveBytes: 256 * MiB,
  hiveLogBytes: 64 * MiB,
  softwareHiveBytes: 256 * MiB,
  bcdBytes: 16 * MiB,
  minidumpCount: 8,
  minidumpBytes: 32 * MiB,
  systemEventLogBytes: 128 * MiB,
  setupApiLogTailBytes: 4 * MiB,
  pendingXmlBytes: 64 * MiB,
  diskReadBytes: 4096 * MiB,
};

/** The caps in force: the defaults with the caller's overrides, each checked. */
export function resolveCaps(overrides: Partial<EvidenceCaps> = {}): EvidenceCaps {
  const caps = { ...DEFAULT_EVIDENCE_CAPS, ...overrides };
  for (const [name, value] of Object.entries(caps)) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`evidence cap ${name} must be a non-negative integer, not ${value}`);
    }
  }
  return caps;
}

/** Paths on the Windows volume (case-insensitive on NTFS). */
export const WINDOWS_PATHS = {
  windows: "\\Windows",
  systemHive: "\\Windows\\System32\\config\\SYSTEM",
  softwareHive: "\\Windows\\System32\\config\\SOFTWARE",
  minidumpDir: "\\Windows\\Minidump",
  memoryDump: "\\Windows\\MEMORY.DMP",
  systemEventLog: "\\Windows\\System32\\winevt\\Logs\\System.evtx",
  setupApiLog: "\\Windows\\INF\\setupapi.dev.log",
  pendingXml: "\\Windows\\WinSxS\\pending.xml",
  /** Gen1: on the system partition ("System Reserved"), or on the Windows volume itself. */
  biosBcd: "\\Boot\\BCD",
} as const;

/** Gen2: the BCD store on the EFI system partition (FAT). */
export const ESP_BCD_PATH = "\\EFI\\Microsoft\\Boot\\BCD";

/** New-format transaction logs first (in replay order), the old single `.LOG` only without them. */
export const SYSTEM_LOG_SUFFIXES = [".LOG1", ".LOG2"] as const;
export const SYSTEM_OLD_LOG_SUFFIX = ".LOG";
