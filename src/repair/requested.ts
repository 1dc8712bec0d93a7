/**
 * The operator's `actions=`: each named action is built as asked, still checked against its
 * preconditions (a refused one fails the plan rather than being dropped).
 */
import type { RepairActionName } from "../vocabulary/repairActions";
import {
  act,
  buildCleanBoot,
  buildDisable,
  buildQuarantine,
  buildRequestedRemove,
  buildSetSafeBoot,
  fail,
  proposal,
} from "./proposals";
import type { PlanContext, Proposal } from "./types";

/** The proposals for one action the operator named. */
export function buildRequested(name: RepairActionName, ctx: PlanContext): Proposal[] {
  const why = `requested by the operator (actions=${name})`;
  const c = ctx.collect;
  switch (name) {
    case "DisableDriver":
      return buildDisable(ctx, why);
    case "QuarantineDriverFile":
      return buildQuarantine(ctx, why);
    case "RemoveDriverPackage":
      return buildRequestedRemove(ctx, why);
    case "SetSafeBoot":
      return buildSetSafeBoot(ctx, why);
    case "ClearSafeBoot":
      if (!c.target.bcdStore) fail(name, "no BCD store was found on the disk");
      if (!c.bcd?.safeboot) fail(name, "the default boot entry has no safeboot value to clear");
      return [
        proposal(
          act(name, {}, `${why}: delete safeboot=${c.bcd.safeboot} from the default boot entry`),
          [],
        ),
      ];
    case "CleanBoot":
      return buildCleanBoot(ctx, why);
    case "UndoCleanBoot":
      return [
        proposal(
          act(
            name,
            {},
            `${why}: re-enable the services a previous clean boot disabled, from its undo records`,
          ),
          [],
        ),
      ];
    case "SfcOffline":
    case "DismRestoreHealth":
      return [proposal(act(name, {}, why), [])];
    case "Chkdsk":
      if ((c.volume.fileSystem ?? "").toUpperCase() === "REFS")
        fail(name, "the Windows volume is ReFS, which chkdsk does not repair");
      return [
        proposal(
          act(name, {}, `${why}${c.volume.dirty ? " (the volume is marked dirty)" : ""}`),
          [],
        ),
      ];
    case "RevertPendingActions":
      if (!c.pendingUpdates.pendingXml)
        fail(
          name,
          c.pendingUpdates.pendingFileRenames
            ? "no WinSxS\\pending.xml: DISM reverts the component store's pending actions, not the PendingFileRenameOperations other installers leave"
            : "nothing is pending: no WinSxS\\pending.xml",
        );
      return [proposal(act(name, {}, why), [])];
    case "RestoreLastKnownGood": {
      const { current, lastKnownGood } = c.controlSets;
      if (lastKnownGood === null || lastKnownGood === current)
        fail(
          name,
          `there is no last-known-good control set different from the current one (ControlSet00${current})`,
        );
      return [
        proposal(
          act(
            name,
            {},
            `${why}: boot ControlSet00${lastKnownGood} instead of ControlSet00${current}`,
          ),
          [],
        ),
      ];
    }
    case "EnableEms":
      if (!c.target.bcdStore) fail(name, "no BCD store was found on the disk");
      return [
        proposal(act(name, {}, `${why}: serial console (EMS) on the default boot entry`), []),
      ];
    case "EnableCrashDump":
      return [proposal(act(name, { kind: "kernel" }, why), [])];
  }
}
