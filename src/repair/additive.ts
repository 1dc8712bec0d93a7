/**
 * Additive settings: switched on in every repair so the next incident leaves evidence — the serial
 * console (EMS, for the cloud's serial console and SAC) and a crash dump. Both are reversible (the
 * undo records put the previous values back) and reported like any action. They come on their own
 * only with a repair: a disk with nothing to repair is not swapped for them. The operator turns
 * either off with `enableEms: false` / `enableCrashDump: false`.
 */
import type { RepairActionName } from "../vocabulary/repairActions";
import { act, proposal } from "./proposals";
import type { Decision, PlanContext, Proposal } from "./types";

/** The additive actions: not repairs in themselves. */
export const ADDITIVE: readonly RepairActionName[] = ["EnableCrashDump", "EnableEms"];

/** The additive settings for a plan that already holds `chosen`. */
export function additiveSettings(
  ctx: PlanContext,
  chosen: readonly Proposal[],
): { proposals: Proposal[]; notes: Decision[] } {
  const o = ctx.options;
  const repairs = chosen.some((p) => !ADDITIVE.includes(p.action.action));
  const proposals: Proposal[] = [];
  const notes: Decision[] = [];
  const cc = ctx.collect.dumps.crashControl;
  const dumpOff = cc === null || cc.crashDumpEnabled === null || cc.crashDumpEnabled === 0;
  const dumpWhy = [
    cc === null
      ? "Control\\CrashControl is absent"
      : `CrashControl\\CrashDumpEnabled=${cc.crashDumpEnabled ?? "absent"}`,
  ];
  if (o.enableCrashDump === true)
    proposals.push(
      proposal(
        act("EnableCrashDump", { kind: "kernel" }, "Requested by the operator (enableCrashDump)"),
        dumpWhy,
      ),
    );
  else if (dumpOff && o.enableCrashDump !== false && (repairs || o.actions === undefined))
    proposals.push(
      proposal(
        act(
          "EnableCrashDump",
          { kind: "kernel" },
          "Additive setting: crash dumps are disabled, so the next crash would leave nothing to triage; enable a kernel memory dump (reversible: the undo records restore CrashControl)",
        ),
        dumpWhy,
      ),
    );
  const store = ctx.collect.target.bcdStore;
  const emsOn = ctx.collect.bcd?.ems === true;
  if (o.enableEms === true && emsOn)
    notes.push({
      action: "none",
      reason: "EMS is already on for the default boot entry",
      evidence: [],
    });
  else if (o.enableEms === true || (repairs && o.enableEms !== false && !emsOn && store)) {
    const why =
      o.enableEms === true
        ? "Requested by the operator (enableEms): serial console on the default boot entry"
        : "Additive setting: serial console (EMS) on the default boot entry, so the next boot can be watched and reached (reversible: bcdedit /ems {default} off)";
    proposals.push(proposal(act("EnableEms", {}, why), [`BCD store ${store ?? "(none)"}`]));
  }
  return { proposals, notes };
}
