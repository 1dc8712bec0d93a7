/**
 * How to put each planned action back: the repair result's undo records where repair.ps1 keeps
 * them, the opposite action for boot configuration, or the snapshot when nothing else can.
 */
import type { CollectOutput, RepairAction } from "../collect/contract";
import { findService } from "../drivers/bootCritical";

/** How to put one action back. */
export function undoFor(a: RepairAction, collect: CollectOutput): string {
  const set = `ControlSet00${collect.controlSets.current}`;
  const store = collect.target.bcdStore ?? "the BCD store";
  switch (a.action) {
    case "DisableDriver": {
      const s = findService(collect.services, a.args.service);
      return `Set ${set}\\Services\\${a.args.service}\\Start back to ${s?.start ?? "its recorded value"} (the repair result's registry undo record)`;
    }
    case "QuarantineDriverFile":
      return `Move the quarantined copy back to ${a.args.path} (the repair result's file undo record)`;
    case "RemoveDriverPackage": {
      const i = collect.driverInstalls.find(
        (d) => d.publishedInf?.toLowerCase() === a.args.publishedInf.toLowerCase(),
      );
      return `Not reversible offline: reinstall the vendor's package${i?.originalInf ? ` (${i.originalInf})` : ""}, or return to the snapshot`;
    }
    case "SetSafeBoot":
      return `ClearSafeBoot: bcdedit /store ${store} /deletevalue {default} safeboot`;
    case "ClearSafeBoot":
      return `SetSafeBoot with mode ${collect.bcd?.safeboot ?? "minimal"}`;
    case "CleanBoot":
      return `UndoCleanBoot: restore the Start values of ${a.args.services.join(", ")} from the undo records`;
    case "UndoCleanBoot":
      return "CleanBoot again with the same services";
    case "EnableCrashDump": {
      const cc = collect.dumps.crashControl;
      return cc === null
        ? "Delete the CrashControl values written (registry undo records)"
        : `Set CrashControl\\CrashDumpEnabled back to ${cc.crashDumpEnabled ?? "absent"} (registry undo records)`;
    }
    case "EnableEms":
      return `bcdedit /store ${store} /ems {default} off`;
    case "RestoreLastKnownGood":
      return `Set SYSTEM\\Select\\Current back to ${collect.controlSets.current} (registry undo record)`;
    case "RevertPendingActions":
      return "Not reversible: install the update again once the VM boots";
    case "Chkdsk":
    case "SfcOffline":
    case "DismRestoreHealth":
      return "Not reversible: return to the snapshot taken before the repair";
  }
}
