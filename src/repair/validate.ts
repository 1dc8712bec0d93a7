/**
 * The last check of a plan: every action's arguments are acceptable (repair.ps1 checks them
 * again), each action appears once (per arguments), contradictory pairs are refused and the actions
 * run in {@link ACTION_ORDER}.
 */
import type { RepairAction } from "../collect/contract";
import {
  ACTION_ORDER,
  REPAIR_ACTIONS,
  SERVICE_NAME_PATTERN,
  type RepairActionName,
} from "../vocabulary/repairActions";
import { PlanError } from "../vocabulary/errors";
import { PUBLISHED_INF_PATTERN } from "./evidence";
import type { Proposal } from "./types";

/** A path relative to the volume root, under the Windows folder, without `..`, drive or UNC prefix. */
export function isSafeWindowsPath(path: string): boolean {
  if (!/^windows\\/i.test(path) || path.length > 260) return false;
  const parts = path.split("\\");
  return parts.every(
    (p) => p !== "" && p !== "." && p !== ".." && /^[A-Za-z0-9 _.\-{}()~$#@+,=\[\]]+$/.test(p),
  );
}

/** Throws a PlanError naming the action when an argument is not acceptable. */
export function validateAction(a: RepairAction): void {
  const bad = (why: string): never => {
    throw new PlanError("invalid-argument", `${a.action}: ${why}`);
  };
  if (!(REPAIR_ACTIONS as readonly string[]).includes(a.action)) bad("unknown action");
  if (typeof a.reason !== "string" || a.reason.trim() === "") bad("every action needs a reason");
  switch (a.action) {
    case "DisableDriver":
      if (!SERVICE_NAME_PATTERN.test(a.args.service))
        bad(`service ${JSON.stringify(a.args.service)} is not a valid service name`);
      if (a.args.force !== undefined && typeof a.args.force !== "boolean")
        bad("force must be true or false");
      return;
    case "QuarantineDriverFile":
      if (!isSafeWindowsPath(a.args.path))
        bad(
          `path ${JSON.stringify(a.args.path)} must be relative to the volume root, under Windows\\, without ".."`,
        );
      return;
    case "RemoveDriverPackage":
      if (!PUBLISHED_INF_PATTERN.test(a.args.publishedInf))
        bad(
          `publishedInf ${JSON.stringify(a.args.publishedInf)} must be a published third-party INF name (oemNN.inf)`,
        );
      return;
    case "SetSafeBoot":
      if (a.args.mode !== "minimal" && a.args.mode !== "network")
        bad(`mode ${JSON.stringify(a.args.mode)} must be "minimal" or "network"`);
      return;
    case "CleanBoot":
      if (!Array.isArray(a.args.services) || a.args.services.length === 0)
        bad("services must list at least one service");
      for (const s of a.args.services)
        if (!SERVICE_NAME_PATTERN.test(s))
          bad(`service ${JSON.stringify(s)} is not a valid service name`);
      return;
    case "EnableCrashDump":
      if (a.args.kind !== undefined && !["small", "kernel", "automatic"].includes(a.args.kind))
        bad(`kind ${JSON.stringify(a.args.kind)} must be small, kernel or automatic`);
      return;
    default:
      if (a.args && Object.keys(a.args).length > 0) bad("takes no arguments");
  }
}

/** Actions that may appear several times with different arguments. */
const MULTI_INSTANCE: readonly RepairActionName[] = [
  "DisableDriver",
  "QuarantineDriverFile",
  "RemoveDriverPackage",
];

const CONFLICTS: readonly [RepairActionName, RepairActionName][] = [
  ["SetSafeBoot", "ClearSafeBoot"],
  ["CleanBoot", "UndoCleanBoot"],
];

function keyOf(a: RepairAction): string {
  return MULTI_INSTANCE.includes(a.action)
    ? `${a.action}:${JSON.stringify(a.args).toLowerCase()}`
    : a.action;
}

/**
 * Validates, de-duplicates (the first proposal of an action wins; later ones only add evidence) and
 * orders the proposals by {@link ACTION_ORDER}; refuses contradictory pairs.
 */
export function finalise(proposals: readonly Proposal[]): Proposal[] {
  const byKey = new Map<string, Proposal>();
  for (const p of proposals) {
    validateAction(p.action);
    const key = keyOf(p.action);
    const seen = byKey.get(key);
    if (seen) seen.evidence = [...seen.evidence, `also: ${p.action.reason}`];
    else byKey.set(key, { action: p.action, evidence: [...p.evidence] });
  }
  const names = new Set([...byKey.values()].map((p) => p.action.action));
  for (const [a, b] of CONFLICTS) {
    if (names.has(a) && names.has(b))
      throw new PlanError(
        "conflicting-actions",
        `${a} and ${b} contradict each other; plan one of them`,
      );
  }
  return [...byKey.values()].sort(
    (x, y) => ACTION_ORDER.indexOf(x.action.action) - ACTION_ORDER.indexOf(y.action.action),
  );
}
