/**
 * The collect manifest: what collect.ps1 2.x shipped from the offline disk. The script reads no
 * registry value; it copies the raw files (hives and their logs, the BCD store, minidumps, the
 * System event log, setupapi.dev.log, pending.xml), hashes them and uploads each under a name from
 * a fixed set. The TypeScript side downloads them, checks each against its size and SHA-256 here,
 * and reads them with its own readers (src/evidence/). `schemas/collect-manifest.schema.json` is the
 * shape; {@link parseCollectManifest} (src/collect/validate.ts) validates it.
 */

/** The names a shipped file can have: never a name read from the disk. */
export const SHIPPED_FILE_NAMES = [
  "SYSTEM",
  "SYSTEM.LOG1",
  "SYSTEM.LOG2",
  "SYSTEM.LOG",
  "SOFTWARE",
  "SOFTWARE.LOG1",
  "SOFTWARE.LOG2",
  "SOFTWARE.LOG",
  "BCD",
  "System.evtx",
  "setupapi.dev.log",
  "pending.xml",
] as const;

/** The most minidumps collect ships (`-MaxMinidumps`), named minidump-01.dmp … newest first. */
export const MAX_SHIPPED_MINIDUMPS = 20;

/** The name of the n-th newest minidump (1-based). */
export function minidumpName(n: number): string {
  return `minidump-${String(n).padStart(2, "0")}.dmp`;
}

/** The newest minidumps the rescues' collect ships (its `-MaxMinidumps`). */
export const COLLECT_MAX_MINIDUMPS = 5;

/** The hives repair.ps1 ships back for the check before the swap (the SYSTEM hive with its logs). */
export const REPAIRED_NAMES = ["SYSTEM", "SYSTEM.LOG1", "SYSTEM.LOG2", "BCD"] as const;

/** Every name an upload URL may be made for: the files and the manifest itself. */
export function uploadNames(maxMinidumps: number): string[] {
  const dumps = Array.from({ length: Math.min(maxMinidumps, MAX_SHIPPED_MINIDUMPS) }, (_, i) =>
    minidumpName(i + 1),
  );
  return [...SHIPPED_FILE_NAMES, ...dumps, "manifest.json"];
}

export interface ShippedFile {
  /** One of {@link SHIPPED_FILE_NAMES} or `minidump-NN.dmp`. */
  name: string;
  /** Where it was on the offline volume (relative to its root; for the BCD the full path). Disk text. */
  sourcePath: string;
  sizeBytes: number;
  lastWriteUtc: string;
  /** Lowercase hex of the staged copy; null when the file was not copied. */
  sha256: string | null;
  uploaded: boolean;
  /** Why it was not copied or not uploaded (over the size cap, no URL), else null. */
  skipped: string | null;
}

/** Version facts of a guest binary asked for by path (`-FileFactPaths`), as Windows reports them. */
export interface BinaryFacts {
  /** The path asked for (a folder may end in `*`). */
  path: string;
  /** The path found (volume-relative), or null. */
  foundPath: string | null;
  exists: boolean;
  version: string | null;
  company: string | null;
  product: string | null;
  signer: string | null;
  lastWriteUtc: string | null;
  sizeBytes: number | null;
}

export interface CollectManifest {
  schemaVersion: 2;
  kind: "collect-manifest";
  collectedAtUtc: string;
  scriptVersion: string;
  target: {
    diskNumber: number;
    busType: string;
    partitionStyle: "MBR" | "GPT" | "RAW" | "";
    signatureCollision: boolean;
    windowsVolume: string;
    bcdStore: string | null;
    generation: 1 | 2 | null;
  };
  files: ShippedFile[];
  memoryDump: { exists: boolean; sizeBytes: number | null; lastWriteUtc: string | null };
  binaries: BinaryFacts[];
  /** collect.ps1 2.1: the helper's Windows build and DISM version (the image phase needs a helper not older than the image). */
  helper?: { osBuild: number; osVersion: string; dismVersion: string | null } | null;
  /** The CrowdStrike channel files the folder lists (`C-*.sys`), newest first; never read. */
  listedFiles?: ListedFileFacts[];
  /** collect.ps1 2.2: `fsutil dirty query` on the Windows volume, raw (read by {@link volumeDirtyOf}); null when it could not run. */
  dirtyQuery?: { exitCode: number; output: string } | null;
  errors: { step: string; message: string }[];
}

/** A file collect listed without reading it: volume-relative path (disk text), size, last write. */
export interface ListedFileFacts {
  path: string;
  sizeBytes: number;
  lastWriteUtc: string;
}

/**
 * The guest binaries whose versions the driver check needs (collect's `-FileFactPaths`): the
 * Azure guest agent (in its versioned folder), the AWS ENA and NVMe drivers, EC2Launch v2 and
 * EC2Config. Volume-relative; a folder ending in `*` matches the newest folder with that prefix.
 */
export const GUEST_BINARY_PATHS = {
  azureGuestAgent: "WindowsAzure\\GuestAgent*\\WindowsAzureGuestAgent.exe",
  awsEna: "Windows\\System32\\drivers\\ena.sys",
  awsNvme: "Windows\\System32\\drivers\\AWSNVMe.sys",
  ec2LaunchV2: "Program Files\\Amazon\\EC2Launch\\EC2Launch.exe",
  ec2Config: "Program Files\\Amazon\\Ec2ConfigService\\Ec2Config.exe",
} as const;
