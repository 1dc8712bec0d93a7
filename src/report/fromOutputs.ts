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

export type OutcomeFromOutputs = Pick<
  RescueOutcome,
  | "triage"
  | "triageSummary"
  | "findings"
  | "decision"
  | "repair"
  | "repairResultUrl"
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
  // Azure exports `decision`, AWS `repairDecisions`: both "Action: reason" lines.
  const d = outputs.decision ?? outputs.repairDecisions;
  if (isObject(d) && Array.isArray(d.actions) && Array.isArray(d.reasons))
    return d as unknown as ReportDecision;
  const reasons: Decision[] = Array.isArray(d)
    ? d.map(asDecision).filter((x): x is Decision => x !== null)
    : [];
  // AWS exports no action list: its decision lines name the chosen actions (notes are "none").
  const planned = Array.isArray(outputs.repairActions)
    ? arrayOf<string>(outputs.repairActions, isString)
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

/** AWS: the kept resources from the ids the stack exports (the repaired volume is the original in inPlace mode). */
function awsKept(outputs: Record<string, unknown>): KeptResource[] {
  const snapshot = str(outputs.snapshotId);
  const original = str(outputs.originalRootVolumeId);
  const repaired = str(outputs.repairVolumeId);
  const bucket = str(outputs.artifactsBucket);
  const kept: KeptResource[] = [];
  if (snapshot) kept.push({ kind: "snapshot", id: snapshot });
  if (original && original !== repaired) kept.push({ kind: "originalDisk", id: original });
  if (repaired) kept.push({ kind: "repairedDisk", id: repaired });
  if (bucket) kept.push({ kind: "artifacts", id: `s3://${bucket}/` });
  return kept;
}

/** Where the stack says the collect output and the repair result are (Azure blob URLs, AWS s3:// folders). */
export function evidenceSources(outputs: Record<string, unknown>): {
  collectOutput: string | null;
  repairResult: string | null;
} {
  return {
    collectOutput: str(outputs.collectOutputUrl),
    repairResult: str(outputs.repairResultUrl),
  };
}

/**
 * Reads the stack outputs. `swapRequested` is false with `--no-swap`/`--dry-run`: then nothing was
 * meant to be swapped.
 */
export function outcomeFromOutputs(
  outputs: Record<string, unknown>,
  swapRequested: boolean,
): OutcomeFromOutputs {
  const swapped = outputs.swapped === true;
  const reasons = arrayOf<string>(outputs.outcome, isString);
  const gate = isObject(outputs.gate) ? outputs.gate : null;
  const gateReasons = gate ? arrayOf<string>(gate.reasons, isString) : [];
  const booted = swapped ? (typeof outputs.booted === "boolean" ? outputs.booted : null) : null;
  const message = (reasons.length > 0 ? reasons : gateReasons).join("; ");
  return {
    triage: arrayOf<TriageResult>(outputs.triage, (x) => isObject(x) && isString(x.file)),
    triageSummary: arrayOf<string>(outputs.triageSummary, isString),
    findings: arrayOf<DriverFinding>(
      outputs.findings,
      (x) => isObject(x) && isString(x.component) && isString(x.severity),
    ),
    decision: decisionOf(outputs),
    repair:
      isObject(outputs.repairResult) && outputs.repairResult.kind === "repairResult"
        ? (outputs.repairResult as unknown as RepairResult)
        : null,
    repairResultUrl: str(outputs.repairResultUrl),
    swap: { attempted: swapRequested, swapped, ...(message && !swapped ? { message } : {}) },
    verify: { booted, ...(swapped && message ? { message } : {}) },
    kept: Array.isArray(outputs.keptResources)
      ? arrayOf<KeptResource>(
          outputs.keptResources,
          (x) => isObject(x) && KEPT_KINDS.has(String(x.kind)) && isString(x.id) && x.id !== "",
        )
      : awsKept(outputs),
    artifactsUrl:
      str(outputs.artifactsContainerUrl) ??
      (str(outputs.artifactsBucket) ? `s3://${outputs.artifactsBucket}/` : null),
    warnings: arrayOf<string>(outputs.warnings, isString),
  };
}
