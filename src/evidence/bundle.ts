/**
 * The raw evidence of one broken OS disk, as files: what collect ships from the helper, or what
 * the disk readers take straight from a snapshot or a VHD(X). Every fact the planner uses is read
 * from these bytes by the TypeScript readers, so it can be shown, re-read and checked.
 */

/** One evidence file: its path on the broken disk and its bytes. */
export interface EvidenceFile {
  /** Path on the broken disk, e.g. `\Windows\System32\config\SYSTEM`. */
  path: string;
  bytes: Buffer;
}

/** A file a reader listed without reading it (an incident's files: name, size, last write). */
export interface ListedFile {
  /** Path on the broken disk, e.g. `\Windows\System32\drivers\CrowdStrike\C-00000291-00000000-00000032.sys`. */
  path: string;
  sizeBytes: number | null;
  lastWriteUtc: string | null;
}

/** Where the evidence came from: the helper's collect, a disk image, or a cloud snapshot read directly. */
export type EvidenceRoute = "collect" | "disk-image" | "azure-snapshot" | "aws-snapshot";

export interface EvidenceBundle {
  route: EvidenceRoute;
  /** `Windows\System32\config\SYSTEM`; null when it could not be read (said in `problems`). */
  systemHive: EvidenceFile | null;
  /** `SYSTEM.LOG1`, `SYSTEM.LOG2` (or an old-format `SYSTEM.LOG`) beside it. */
  systemHiveLogs: EvidenceFile[];
  /** `SOFTWARE`, where a fact needs it (OS product name, build, UBR). */
  softwareHive: EvidenceFile | null;
  /** The BCD store: Gen1 `\Boot\BCD` on the system partition, Gen2 `\EFI\Microsoft\Boot\BCD` on the ESP. */
  bcd: EvidenceFile | null;
  /** `Windows\Minidump\*.dmp`. */
  minidumps: EvidenceFile[];
  /** Size of `Windows\MEMORY.DMP` (never its bytes), or null when absent. */
  memoryDumpBytes: number | null;
  /** `Windows\System32\winevt\Logs\System.evtx`. */
  systemEventLog: EvidenceFile | null;
  /** `Windows\INF\setupapi.dev.log`. */
  setupApiLog: EvidenceFile | null;
  /** `Windows\WinSxS\pending.xml`. */
  pendingXml: EvidenceFile | null;
  /** What the disk says about itself: partition style, generation (ESP present), volume. */
  disk: {
    partitionStyle: "MBR" | "GPT" | null;
    generation: 1 | 2 | null;
  };
  /** Files that were looked for and not read, with why (absent, unreadable, over a size cap). */
  problems: string[];
  /** Incident files listed on the disk (CrowdStrike channel files), never read. */
  listedFiles?: ListedFile[];
}
