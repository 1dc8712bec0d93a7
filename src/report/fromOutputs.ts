/**
 * The part of a {@link RescueOutcome} that the stack outputs tell (triage, findings, decision, swap,
 * boot, kept resources). Pure and tolerant: an output the program does not (yet) export is left
 * empty rather than failing the report.
 */
import type { DriverFinding } from "../drivers/types";
import type { Decision } from "../repair/types";
import type { RepairResult } from "../collect/contract";
import { REPAIR_ACTIONS } from "../vocabulary/repairActions";
import type { TriageResult } from "../triage/types";
import type { KeptResource, RescueOutcome, ReportDecision } from "./types";
import type { StackOutputs } from "../vocabulary/outputs";

export type OutcomeFromOutputs = Pick<
  RescueOutcome,
  | "triage"
  | "triageSummary"
  | "findings"
  | "decision"
  | "repair"
  | "repairResultUrl"
  | "diagnosis"
  | "swap"
  | "verify"
  | "kept"
  | "artifactsUrl"
  | "warnings"
>;

const KEPT_KINDS = new Set(["snapshot", "originalDisk", "repairedDisk", "artifacts"]);

function arrayOf<T>(v: unknown, ok: (x: unknown) => boolean): T[] {
  return Array.isArray(v) ? (v.filter(ok) as T[]) : [];
}
const isObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === "object" && x !== null && !Array.isArray(x);
const isString = (x: unknown): x is string => typeof x === "string";
const str = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);

/** A decision as an object, or as the line "Action: reason" the component exports. */
function asDecision(x: unknown): Decision | null {
  if (isObject(x) && isString(x.action) && isString(x.reason))
    return {
      action: x.action as Decision["action"],
      reason: x.reason,
      evidence: arrayOf<string>(x.evidence, isString),
    };
  if (!isString(x)) return null;
  const m = /^([A-Za-z]+): (.*)$/s.exec(x);
  return m && (REPAIR_ACTIONS as readonly string[]).includes(m[1])
    ? { action: m[1] as Decision["action"], reason: m[2], evidence: [] }
    : { action: "none", reason: x, evidence: [] };
}

function decisionOf(outputs: Record<string, unknown>): ReportDecision | null {
  // Both clouds export `decision` as "Action: reason" lines.
  const d = (outputs as StackOutputs).decision;
  if (isObject(d) && Array.isArray(d.actions) && Array.isArray(d.reasons))
    return d as unknown as ReportDecision;
  const reasons: Decision[] = Array.isArray(d)
    ? d.map(asDecision).filter((x): x is Decision => x !== null)
    : [];
  // Without an action list, the decision lines name the chosen actions (notes are "none").
  const listed = (outputs as StackOutputs).repairActions;
  const planned = Array.isArray(listed)
    ? arrayOf<string>(listed, isString)
    : [...new Set(reasons.filter((r) => r.action !== "none").map((r) => r.action as string))];
  if (reasons.length === 0 && planned.length === 0) return null;
  const actions = planned.map((a) => ({
    action: a,
    reason: reasons.find((r) => r.action === a)?.reason ?? "",
  }));
  const culprit = isObject(outputs.culprit)
    ? (outputs.culprit as unknown as ReportDecision["culprit"])
    : null;
  return { actions, reasons, culprit, undo: arrayOf(outputs.undo, isObject) };
}

/**
 * The kept resources from the ids the stack exports, when it exports no `keptResources` (AWS; the
 * repaired volume is the original in inPlace mode).
 */
function keptFromIds(o: StackOutputs): KeptResource[] {
  const snapshot = str(o.snapshotId);
  const original = str(o.originalDiskId);
  const repaired = str(o.repairDiskId);
  const artifacts = str(o.artifactsLocation);
  const kept: KeptResource[] = [];
  if (snapshot) kept.push({ kind: "snapshot", id: snapshot });
  if (original && original !== repaired) kept.push({ kind: "originalDisk", id: original });
  if (repaired) kept.push({ kind: "repairedDisk", id: repaired });
  if (artifacts) kept.push({ kind: "artifacts", id: artifacts });
  return kept;
}

/** Where the stack says the collect output and the repair result are (Azure blob URLs, AWS s3:// folders). */
export function evidenceSources(outputs: Record<string, unknown>): {
  collectOutput: string | null;
  repairResult: string | null;
} {
  return {
    collectOutput: str((outputs as StackOutputs).collectOutputUrl),
    repairResult: str((outputs as StackOutputs).repairResultUrl),
  };
}

/**
 * The route of the facts and the snapshot's lines: the snapshot when its lines say the repair was
 * decided from it (Azure), else the helper collect's facts whenever the collect triage decided; only
 * without them do the facts come from the snapshot (and only if it was diagnosed).
 */
function diagnosisOf(o: StackOutputs, collectDecided: boolean): OutcomeFromOutputs["diagnosis"] {
  if (!Array.isArray(o.snapshotDiagnosis)) return null;
  const snapshot = arrayOf<string>(o.snapshotDiagnosis, isString);
  const diagnosed = snapshot.some((l) => l.startsWith("diagnosed from the snapshot"));
  // The Azure rescue decides its repair from the snapshot and says so in its lines.
  const decided = snapshot.some((l) => l.startsWith("the repair was decided from the snapshot"));
  return { route: decided || (!collectDecided && diagnosed) ? "snapshot" : "helper", snapshot };
}

/**
 * Reads the stack outputs. `swapRequested` is false with `--no-swap`/`--dry-run`: then nothing was
 * meant to be swapped.
 */
export function outcomeFromOutputs(
  outputs: Record<string, unknown>,
  swapRequested: boolean,
): OutcomeFromOutputs {
  const o = outputs as StackOutputs;
  const swapped = o.swapped === true;
  const reasons = arrayOf<string>(o.outcome, isString);
  const gate = isObject(o.gate) ? o.gate : null;
  const gateReasons = gate ? arrayOf<string>(gate.reasons, isString) : [];
  const booted = swapped ? (typeof o.booted === "boolean" ? o.booted : null) : null;
  const message = (reasons.length > 0 ? reasons : gateReasons).join("; ");
  const boots = arrayOf<string>(o.verifiedBoots, isString);
  const left = arrayOf<string>(o.leftForPerson, isString);
  return {
    triage: arrayOf<TriageResult>(outputs.triage, (x) => isObject(x) && isString(x.file)),
    triageSummary: arrayOf<string>(o.triageSummary, isString),
    findings: arrayOf<DriverFinding>(
      o.findings,
      (x) => isObject(x) && isString(x.component) && isString(x.severity),
    ),
    decision: decisionOf(outputs),
    repair:
      isObject(outputs.repairResult) && outputs.repairResult.kind === "repairResult"
        ? (outputs.repairResult as unknown as RepairResult)
        : null,
    repairResultUrl: str(o.repairResultUrl),
    diagnosis: diagnosisOf(o, decisionOf(outputs) !== null),
    swap: { attempted: swapRequested, swapped, ...(message && !swapped ? { message } : {}) },
    verify: {
      booted,
      ...(swapped && boots.length > 0 ? { boots } : {}),
      ...(swapped && left.length > 0 ? { leftForPerson: left } : {}),
      ...(swapped && message ? { message } : {}),
    },
    kept: Array.isArray(o.keptResources)
      ? arrayOf<KeptResource>(
          o.keptResources,
          (x) => isObject(x) && KEPT_KINDS.has(String(x.kind)) && isString(x.id) && x.id !== "",
        )
      : keptFromIds(o),
    artifactsUrl: str(o.artifactsLocation),
    warnings: arrayOf<string>(o.warnings, isString),
  };
}
