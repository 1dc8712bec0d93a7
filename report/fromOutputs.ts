/**
 * The part of a {@link RescueOutcome} that the stack outputs tell (triage, findings, decision, swap,
 * boot, kept resources). Pure and tolerant: an output the program does not (yet) export is left
 * empty rather than failing the report.
 */
import type { DriverFinding } from "../drivers/types";
import type { Decision } from "../planner/repair";
import { REPAIR_ACTIONS, type RepairResult } from "../scripts/contract";
import type { TriageResult } from "../triage/types";
import type { KeptResource, RescueOutcome, ReportDecision } from "./types";

export type OutcomeFromOutputs = Pick<
  RescueOutcome,
  "triage" | "triageSummary" | "findings" | "decision" | "repair" | "repairResultUrl" | "swap" | "verify" | "kept" | "artifactsUrl" | "warnings"
>;

const KEPT_KINDS = new Set(["snapshot", "originalDisk", "repairedDisk", "artifacts"]);

function arrayOf<T>(v: unknown, ok: (x: unknown) => boolean): T[] {
  return Array.isArray(v) ? (v.filter(ok) as T[]) : [];
}
const isObject = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);
const isString = (x: unknown): x is string => typeof x === "string";
const str = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);

/** A decision as an object, or as the line "Action: reason" the component exports. */
function asDecision(x: unknown): Decision | null {
  if (isObject(x) && isString(x.action) && isString(x.reason)) return { action: x.action as Decision["action"], reason: x.reason, evidence: arrayOf<string>(x.evidence, isString) };
  if (!isString(x)) return null;
  const m = /^([A-Za-z]+): (.*)$/s.exec(x);
  return m && (REPAIR_ACTIONS as readonly string[]).includes(m[1]) ? { action: m[1] as Decision["action"], reason: m[2], evidence: [] } : { action: "none", reason: x, evidence: [] };
}

function decisionOf(outputs: Record<string, unknown>): ReportDecision | null {
  const d = outputs.decision;
  if (isObject(d) && Array.isArray(d.actions) && Array.isArray(d.reasons)) return d as unknown as ReportDecision;
  const reasons: Decision[] = Array.isArray(d) ? d.map(asDecision).filter((x): x is Decision => x !== null) : [];
  const planned = arrayOf<string>(outputs.repairActions, isString);
  if (reasons.length === 0 && planned.length === 0) return null;
  const actions = planned.map((a) => ({ action: a, reason: reasons.find((r) => r.action === a)?.reason ?? "" }));
  const culprit = isObject(outputs.culprit) ? (outputs.culprit as unknown as ReportDecision["culprit"]) : null;
  return { actions, reasons, culprit, undo: arrayOf(outputs.undo, isObject) };
}

/**
 * Reads the stack outputs. `swapRequested` is false with `--no-swap`/`--dry-run`: then nothing was
 * meant to be swapped.
 */
export function outcomeFromOutputs(outputs: Record<string, unknown>, swapRequested: boolean): OutcomeFromOutputs {
  const swapped = outputs.swapped === true;
  const reasons = arrayOf<string>(outputs.outcome, isString);
  const gate = isObject(outputs.gate) ? outputs.gate : null;
  const gateReasons = gate ? arrayOf<string>(gate.reasons, isString) : [];
  const booted = swapped ? (typeof outputs.booted === "boolean" ? outputs.booted : null) : null;
  const message = (reasons.length > 0 ? reasons : gateReasons).join("; ");
  return {
    triage: arrayOf<TriageResult>(outputs.triage, (x) => isObject(x) && isString(x.file)),
    triageSummary: arrayOf<string>(outputs.triageSummary, isString),
    findings: arrayOf<DriverFinding>(outputs.findings, (x) => isObject(x) && isString(x.component) && isString(x.severity)),
    decision: decisionOf(outputs),
    repair: isObject(outputs.repairResult) && outputs.repairResult.kind === "repairResult" ? (outputs.repairResult as unknown as RepairResult) : null,
    repairResultUrl: str(outputs.repairResultUrl),
    swap: { attempted: swapRequested, swapped, ...(message && !swapped ? { message } : {}) },
    verify: { booted, ...(swapped && message ? { message } : {}) },
    kept: arrayOf<KeptResource>(outputs.keptResources, (x) => isObject(x) && KEPT_KINDS.has(String(x.kind)) && isString(x.id) && x.id !== ""),
    artifactsUrl: str(outputs.artifactsContainerUrl),
    warnings: arrayOf<string>(outputs.warnings, isString),
  };
}
