/**
 * The contract between the TypeScript side and the PowerShell scripts that run on the helper VM.
 *
 * - `collect.ps1` prints one {@link CollectOutput} document (JSON) describing the offline Windows
 *   volume of the attached copy of the broken OS disk. It decides nothing: it reports facts.
 * - The planner turns those facts into a {@link RepairPlan}; `repair.ps1` executes exactly that plan
 *   and prints one {@link RepairResult} document.
 *
 * The JSON Schemas in `schemas/` describe the same shapes and are what incoming documents are
 * validated against; keep the two in step (a test checks sample documents against both).
 */
import type { RepairActionName } from "../vocabulary/repairActions";

/** Version of the collect/repair document format. Bump on an incompatible change. */
export const CONTRACT_VERSION = 1 as const;

// ---------------------------------------------------------------------------------------------
// Collect output
// ---------------------------------------------------------------------------------------------

/** Where the offline Windows installation was found on the attached disk. */
export interface CollectTarget {
  /** Disk number on the helper (Get-Disk). */
  diskNumber: number;
  /** "SCSI" | "NVMe" | other bus type reported by Get-Disk. */
  busType: string;
  partitionStyle: "MBR" | "GPT";
  /** The disk was offline with OfflineReason=Collision and had to be re-signed / handled. */
  signatureCollision: boolean;
  /** Drive root of the offline Windows volume on the helper, e.g. "F:\\". */
  windowsVolume: string;
  /** Full path of the BCD store used, or null when none was found. */
  bcdStore: string | null;
  /** 1 = BIOS (\\boot\\bcd on the system partition), 2 = UEFI (\\EFI\\Microsoft\\Boot\\BCD on the ESP). */
  generation: 1 | 2 | null;
}

export interface CollectOs {
  productName: string;
  /** CurrentBuildNumber, e.g. 17763, 20348. */
  build: number;
  /** Update build revision (UBR) or null when absent. */
  ubr: number | null;
  /** "Server" | "Client" (InstallationType); null when unknown. */
  installationType: string | null;
  editionId: string | null;
  /** "x64" | "arm64" | "x86". */
  architecture: string;
}

export interface ControlSets {
  /** Value of SYSTEM\Select\Current: the ControlSet00N the machine boots with. */
  current: number;
  default: number | null;
  failed: number | null;
  lastKnownGood: number | null;
}

/** Version information read from the PE version resource of a file on the offline volume. */
export interface FileFacts {
  /** Path on the offline volume, relative to its root, e.g. "Windows\\System32\\drivers\\amdppm.sys". */
  path: string;
  exists: boolean;
  /** FileVersion as "a.b.c.d" (numeric), or null when the file has no version resource. */
  version: string | null;
  company: string | null;
  product: string | null;
  /** Authenticode signer subject, when available; null when unsigned or not checked. */
  signer: string | null;
  /** Last write time (UTC ISO 8601). */
  lastWriteUtc: string | null;
  sizeBytes: number | null;
}

/** One key under SYSTEM\ControlSet00N\Services of the current control set. */
export interface ServiceFacts {
  name: string;
  displayName: string | null;
  imagePath: string | null;
  /** 0 boot, 1 system, 2 automatic, 3 demand, 4 disabled; null when absent. */
  start: number | null;
  /** 1 kernel driver, 2 file-system driver, 0x10/0x20 Win32 service, ... */
  type: number | null;
  errorControl: number | null;
  group: string | null;
  /** Values under Services\<name>\StartOverride (name -> value), or null when the key is absent. */
  startOverride: Record<string, number> | null;
  /** The driver/service binary resolved from ImagePath, or null when it could not be resolved. */
  file: FileFacts | null;
}

/** Upper/lower filters of a device class (Control\Class\{guid}). */
export interface ClassFilterFacts {
  classGuid: string;
  className: string | null;
  upperFilters: string[];
  lowerFilters: string[];
}

/** Guest "integration services" and cloud agents, as found offline. null = not present. */
export interface GuestComponents {
  /** Azure Windows guest agent (WindowsAzureGuestAgent.exe FileVersion, else GuestAgentVersion). */
  azureGuestAgent: { version: string | null; source: string } | null;
  /** SOFTWARE\Microsoft\Virtual Machine\Auto IntegrationServicesVersion. */
  hyperVIntegrationServices: {
    version: string | null;
    hostOsMajor: number | null;
    hostOsMinor: number | null;
  } | null;
  /** SOFTWARE\Amazon\PVDriver Version. */
  awsPvDriver: { version: string | null } | null;
  /** ena.sys file version. */
  awsEna: { version: string | null } | null;
  /** AWSNVMe.sys file version. */
  awsNvme: { version: string | null } | null;
  /** EC2Launch v2, EC2Launch v1 or EC2Config, with version. */
  ec2Launch: { kind: "EC2Launch v2" | "EC2Launch v1" | "EC2Config"; version: string | null } | null;
}

export interface InstalledProgram {
  name: string;
  version: string | null;
  publisher: string | null;
}

export interface MinidumpFacts {
  /** File name in Windows\Minidump, e.g. "022121-10375-01.dmp". */
  name: string;
  sizeBytes: number;
  lastWriteUtc: string;
  /** Base64 of the file, or null when it was over the size cap (then `truncated` is true). */
  base64: string | null;
  truncated: boolean;
}

export interface DumpFacts {
  /** Newest first, capped in count and size by the collect script's parameters. */
  minidumps: MinidumpFacts[];
  /** How many .dmp files Windows\Minidump holds in all. */
  minidumpCount: number;
  memoryDmp: { exists: boolean; sizeBytes: number | null; lastWriteUtc: string | null };
  /** Control\CrashControl of the current control set. */
  crashControl: {
    crashDumpEnabled: number | null;
    autoReboot: number | null;
    dumpFile: string | null;
    minidumpDir: string | null;
    nmiCrashDump: number | null;
  } | null;
}

/** An event from the offline System.evtx. */
export interface EventFacts {
  id: number;
  provider: string;
  timeCreatedUtc: string;
  level: number | null;
  /** Named EventData values (e.g. param1..paramN, BugcheckCode, DriverName). */
  data: Record<string, string>;
}

/**
 * The raw tail of Windows\INF\setupapi.dev.log. collect.ps1 interprets none of it: the sections are
 * parsed by `parseSetupApiLog` (src/collect/setupapi.ts) into {@link DriverInstallFacts}.
 */
export interface SetupApiLogFacts {
  /** Path on the offline volume, relative to its root: "Windows\\INF\\setupapi.dev.log". */
  path: string;
  /** Size of the whole file. */
  sizeBytes: number;
  lastWriteUtc: string | null;
  /** Byte offset in the file where `text` starts (0 = the whole file). */
  offset: number;
  /** True when `text` is only the tail of the file (offset > 0): its first line may be partial. */
  truncated: boolean;
  /** The bytes from `offset` to the end (at most collect.ps1's -MaxSetupApiLogBytes), decoded as UTF-8. */
  text: string;
}

/**
 * Control\TimeZoneInformation of the current control set of the offline SYSTEM hive, as stored: the
 * rules of the guest's clock, which wrote setupapi.dev.log in local time. Minutes; UTC = local + bias.
 */
export interface TimeZoneFacts {
  /** TimeZoneKeyName, e.g. "W. Europe Standard Time". */
  keyName: string | null;
  bias: number | null;
  standardBias: number | null;
  daylightBias: number | null;
  /** SYSTEMTIME of the switch to standard time (16 bytes as 32 hex digits), or null. */
  standardStart: string | null;
  /** SYSTEMTIME of the switch to daylight time (16 bytes as 32 hex digits), or null. */
  daylightStart: string | null;
  /** The bias in effect when Windows last wrote the value. */
  activeTimeBias: number | null;
  /** 1 = automatic daylight saving time is off. */
  dynamicDaylightTimeDisabled: number | null;
}

/** A driver package install section from Windows\INF\setupapi.dev.log (derived in TypeScript, see CollectOutput.driverInstalls). */
export interface DriverInstallFacts {
  /** Section start time as written by setupapi (converted to UTC ISO 8601 when possible). */
  timeUtc: string;
  /** Device or INF the section is about, e.g. "oem12.inf" or a device instance id. */
  subject: string;
  /** Published INF name (oemNN.inf) when the section installed a third-party package. */
  publishedInf: string | null;
  /** Original INF name when known, e.g. "e2xw10x64.inf". */
  originalInf: string | null;
  /** Driver files copied by this section (basenames), when listed. */
  files: string[];
  /** "SUCCESS" | "FAILURE" | null. */
  exitStatus: string | null;
}

export interface BcdFacts {
  /** Identifier of the default loader entry. */
  defaultEntry: string | null;
  /** "minimal" | "network" | "dsrepair" | null when not set. */
  safeboot: string | null;
  safebootAlternateShell: boolean;
  bootStatusPolicy: string | null;
  recoveryEnabled: boolean | null;
  ems: boolean;
  bootEms: boolean;
}

export interface PendingUpdateFacts {
  /** Windows\WinSxS\pending.xml exists. */
  pendingXml: boolean;
  /** Windows\System32\config\RegBack holds non-empty hives (empty by default since Windows 10 1803). */
  regBackPopulated: boolean;
  /** Session Manager PendingFileRenameOperations present. */
  pendingFileRenames: boolean;
}

export interface VolumeFacts {
  fileSystem: string | null;
  sizeBytes: number | null;
  freeBytes: number | null;
  /** fsutil dirty query result. */
  dirty: boolean | null;
}

export interface CollectError {
  /** The collection step that failed, e.g. "events", "bcd". */
  step: string;
  message: string;
}

export interface CollectOutput {
  schemaVersion: typeof CONTRACT_VERSION;
  /** Always "collect". */
  kind: "collect";
  collectedAtUtc: string;
  scriptVersion: string;
  target: CollectTarget;
  os: CollectOs;
  controlSets: ControlSets;
  services: ServiceFacts[];
  classFilters: ClassFilterFacts[];
  guest: GuestComponents;
  installedPrograms: InstalledProgram[];
  dumps: DumpFacts;
  events: EventFacts[];
  /**
   * The tail of setupapi.dev.log, or null when the file is absent. Written by collect.ps1 1.1 and
   * later; absent in documents of collect.ps1 1.0, which carried `driverInstalls` instead.
   */
  setupApiLog?: SetupApiLogFacts | null;
  /** The offline guest's time zone, or null when TimeZoneInformation is absent (collect.ps1 1.1 and later). */
  timeZone?: TimeZoneFacts | null;
  /**
   * Driver package installs, oldest first. Not written by collect.ps1 (since 1.1): `parseCollectOutput`
   * derives them from `setupApiLog` and `timeZone` (src/collect/setupapi.ts), so the planner's input
   * stays the same. A collect.ps1 1.0 document carries them itself.
   */
  driverInstalls: DriverInstallFacts[];
  bcd: BcdFacts | null;
  pendingUpdates: PendingUpdateFacts;
  volume: VolumeFacts;
  /**
   * Optional: subkey names under SYSTEM\ControlSet00N\Enum\ACPI of the current control set
   * (e.g. "VMBus", "MSFT1000", "MSFT1002"). Absent when the collect script does not report them;
   * the driver check then cannot tell whether WS2012/2012 R2 has the MSFT1000 mapping.
   */
  acpiEnum?: string[] | null;
  /**
   * Optional: files under the folders of known incidents (`Windows\System32\drivers\CrowdStrike\`
   * `C-*.sys` channel files), each with its size and last write time, for the playbooks
   * (src/repair/playbooks/). Absent when not collected.
   */
  incidentFiles?: FileFacts[] | null;
  /** Steps that failed without stopping the collection. */
  errors: CollectError[];
}

// ---------------------------------------------------------------------------------------------
// Repair plan and results
// ---------------------------------------------------------------------------------------------

/** Arguments per action. Every string is validated by the planner and again by the script. */
export interface RepairActionArgs {
  DisableDriver: { service: string; force?: boolean };
  QuarantineDriverFile: { path: string };
  /** Offline `dism /Remove-Driver` of a third-party package by its published name (oemNN.inf). */
  RemoveDriverPackage: { publishedInf: string };
  SetSafeBoot: { mode: "minimal" | "network" };
  ClearSafeBoot: Record<string, never>;
  /** The non-Microsoft services to disable, computed by the planner (the script decides nothing). */
  CleanBoot: { services: string[] };
  UndoCleanBoot: Record<string, never>;
  SfcOffline: Record<string, never>;
  DismRestoreHealth: Record<string, never>;
  Chkdsk: Record<string, never>;
  RevertPendingActions: Record<string, never>;
  RestoreLastKnownGood: Record<string, never>;
  EnableEms: Record<string, never>;
  EnableCrashDump: { kind?: "small" | "kernel" | "automatic" };
}

export type RepairAction = {
  [K in RepairActionName]: { action: K; args: RepairActionArgs[K]; reason: string };
}[RepairActionName];

export interface RepairPlan {
  schemaVersion: typeof CONTRACT_VERSION;
  kind: "repairPlan";
  /** When true the script reports what it would do and changes nothing. */
  dryRun: boolean;
  actions: RepairAction[];
}

/** What an action changed, enough to put it back. */
export type UndoRecord =
  | {
      kind: "registry";
      key: string;
      valueName: string;
      previous: { type: string; data: string | number | string[] } | null;
    }
  | { kind: "file"; from: string; to: string }
  | { kind: "bcd"; store: string; entry: string; element: string; previous: string | null }
  | { kind: "note"; text: string };

export interface RepairActionResult {
  action: RepairActionName;
  status: "succeeded" | "failed" | "skipped";
  message: string;
  startedAtUtc: string;
  endedAtUtc: string;
  /** Native tool exit code where one ran (sfc, dism, chkdsk, reg, bcdedit). */
  exitCode: number | null;
  undo: UndoRecord[];
}

export interface RepairResult {
  schemaVersion: typeof CONTRACT_VERSION;
  kind: "repairResult";
  dryRun: boolean;
  results: RepairActionResult[];
  /** Version of repair.ps1 that wrote the document. */
  scriptVersion?: string;
  /**
   * Set when the script could not run the plan at all (no attached Windows disk, hive not
   * loadable...); every action is then reported as skipped. null or absent otherwise.
   */
  error?: string | null;
  /** repair.ps1 1.2 and later: the hives shipped back after the repair for the check before the swap. */
  returned?: {
    name: "SYSTEM" | "SYSTEM.LOG1" | "SYSTEM.LOG2" | "BCD";
    sizeBytes: number | null;
    sha256: string | null;
    uploaded: boolean;
    message: string | null;
  }[];
}
