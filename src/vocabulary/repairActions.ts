/**
 * The repair actions: the names `repair.ps1` knows, the order they run in, and the pattern of the
 * service names they take. Shared by the topology planners (which check the operator's choices
 * before anything is created), the collect/repair contract, the repair planner and the report.
 */

/** Every action `repair.ps1` knows. The planner decides which ones run; the script only executes. */
export const REPAIR_ACTIONS = [
  "DisableDriver",
  "QuarantineDriverFile",
  "RemoveDriverPackage",
  "SetSafeBoot",
  "ClearSafeBoot",
  "CleanBoot",
  "UndoCleanBoot",
  "SfcOffline",
  "DismRestoreHealth",
  "Chkdsk",
  "RevertPendingActions",
  "RestoreLastKnownGood",
  "EnableEms",
  "EnableCrashDump",
] as const;
export type RepairActionName = (typeof REPAIR_ACTIONS)[number];

/**
 * The order actions run in. File-system repair comes first so everything after it writes to a
 * consistent volume; pending servicing is reverted before DISM is used again; the culprit is
 * disabled before its file is moved and its package removed; DISM repairs the component store
 * before SFC uses it as its source; boot configuration (crash dump, EMS, safe mode) comes last so a
 * failure earlier leaves the boot path untouched.
 */
export const ACTION_ORDER: readonly RepairActionName[] = [
  "Chkdsk",
  "RevertPendingActions",
  "RestoreLastKnownGood",
  "DisableDriver",
  "QuarantineDriverFile",
  "RemoveDriverPackage",
  "CleanBoot",
  "UndoCleanBoot",
  "DismRestoreHealth",
  "SfcOffline",
  "EnableCrashDump",
  "EnableEms",
  "ClearSafeBoot",
  "SetSafeBoot",
];

/** A Windows service name (or the file name of its binary) as an action or option takes it. */
export const SERVICE_NAME_PATTERN = /^[A-Za-z0-9_.\-]{1,64}$/;
