/**
 * The evidence step after `pulumi up`: reads the documents the scripts left in the artifacts
 * container / bucket (collect output, repair result) through an {@link ArtifactReader}, validates
 * them, triages the minidumps and re-runs the guest-driver check and the repair planner locally
 * (`decideRescue`, the function the stacks run), and puts the full results into the outcome. Reading is the only effect; {@link evidenceFromDocuments}
 * and {@link applyEvidence} are pure. A document that cannot be read or is invalid becomes one line
 * in `evidence[]`, never an exception.
 */
import type { CollectOutput, RepairAction, RepairResult } from "../collect/contract";
import { parseCollectOutput, parseRepairResult } from "../collect/validate";
import { triageLine } from "../repair/decide";
import { checkGuestDrivers } from "../drivers/check";
import type { DriverFinding } from "../drivers/types";
import { decideRescue, triageCollectedDumps, type RescueDecision } from "../repair/decide";
import type { RepairOptions } from "../repair/types";
import type { TriageResult } from "../triage/types";
import type { OutcomeFromOutputs } from "./fromOutputs";
import type { RepairVerification } from "../repair/operations";
import { citedFacts, type CitedFact } from "./facts";
import { checkShippedRepair, manifestOf, readShipped, type ArtifactReader } from "./rawEvidence";
import {
  reportDecision,
  type EvidenceDocument,
  type ReportDecision,
  type RescueCloud,
} from "./types";
export { evidenceLine } from "./types";

export type { ArtifactReader } from "./rawEvidence";

/** Where the stack says the documents are (null: the step did not run or the stack does not export it). */
export interface EvidenceSources {
  collectOutput: string | null;
  repairResult: string | null;
  /** The artifacts location the shipped files sit under (src/collect/layout.ts); null: not known. */
  filesBase?: string | null;
}

export interface EvidenceRequest {
  cloud: RescueCloud;
  /** AWS: the instance type the repaired disk boots on (the driver check is made against it). */
  instanceType?: string | null;
  /** The operator's repair choices, as given to the stack (so the local plan is the stack's plan). */
  choice?: Pick<RepairOptions, "driver" | "actions" | "dryRun">;
  /** The actions the stack ran; when the local plan differs, the stack's decision is kept. */
  stackActions?: readonly string[] | null;
}

/** A document as fetched: its text, or why it could not be fetched. */
export type Fetched = { text: string } | { error: string } | null;

export interface Evidence {
  triage: TriageResult[];
  triageSummary: string[];
  findings: DriverFinding[];
  /** The planner's full decision on the collected facts (reasons with evidence, culprit, undo). */
  decision: ReportDecision | null;
  repair: RepairResult | null;
  documents: EvidenceDocument[];
  warnings: string[];
  /** The facts the decision rests on, with where each was read (raw evidence only). */
  facts?: CitedFact[];
  /** The repaired hives checked against the plan's operations (when the repair shipped them). */
  repairCheck?: RepairVerification | null;
}

function firstLineOf(e: unknown): string {
  return (
    (e instanceof Error ? e.message : String(e))
      .split("\n")
      .find((l) => l.trim() !== "")
      ?.trim() ?? "unknown error"
  );
}

function validated<T>(
  document: EvidenceDocument["document"],
  source: string | null,
  fetched: Fetched,
  parse: (text: string) => T,
): { value: T | null; doc: EvidenceDocument } {
  if (source === null || fetched === null)
    return { value: null, doc: { document, source, status: "not produced" } };
  if ("error" in fetched)
    return { value: null, doc: { document, source, status: "unreadable", message: fetched.error } };
  try {
    return { value: parse(fetched.text), doc: { document, source, status: "read" } };
  } catch (e) {
    return { value: null, doc: { document, source, status: "invalid", message: firstLineOf(e) } };
  }
}

/** The stack's decision re-made locally (`decideRescue`); kept only when it plans what the stack ran. */
function localDecision(
  collect: CollectOutput,
  req: EvidenceRequest,
): {
  triage: TriageResult[];
  findings: DriverFinding[];
  decision: ReportDecision | null;
  warning: string | null;
} {
  let decided: RescueDecision;
  try {
    decided = decideRescue({
      collect,
      cloud: req.cloud,
      instanceType: req.instanceType ?? undefined,
      options: { ...req.choice } as RepairOptions,
    });
  } catch (e) {
    const triage = triageCollectedDumps(collect);
    const findings = checkGuestDrivers(collect, {
      cloud: req.cloud,
      instanceType: req.instanceType ?? undefined,
    });
    return {
      triage,
      findings,
      decision: null,
      warning: `the repair could not be re-planned locally: ${firstLineOf(e)}`,
    };
  }
  const { triage, findings } = decided;
  const local = decided.repair.plan.actions.map((a) => a.action as string);
  const stack = req.stackActions ?? null;
  if (stack !== null && stack.length > 0 && local.join(",") !== stack.join(",")) {
    return {
      triage,
      findings,
      decision: null,
      warning: `the local re-plan (${local.join(", ") || "no action"}) differs from the actions the stack ran (${stack.join(", ")}); the report shows the stack's decision`,
    };
  }
  return { triage, findings, decision: reportDecision(decided.repair), warning: null };
}

/** The evidence from the fetched documents. Pure. */
export function evidenceFromDocuments(
  sources: EvidenceSources,
  fetched: { collectOutput: Fetched; repairResult: Fetched },
  req: EvidenceRequest,
): Evidence {
  const collect = validated(
    "collect output",
    sources.collectOutput,
    fetched.collectOutput,
    parseCollectOutput,
  );
  const repair = validated(
    "repair result",
    sources.repairResult,
    fetched.repairResult,
    parseRepairResult,
  );
  const documents = [collect.doc, repair.doc];
  const warnings: string[] = [];
  const ev: Evidence = {
    triage: [],
    triageSummary: [],
    findings: [],
    decision: null,
    repair: repair.value,
    documents,
    warnings,
  };
  if (collect.value) {
    const local = localDecision(collect.value, req);
    Object.assign(ev, {
      triage: local.triage,
      triageSummary: local.triage.map(triageLine),
      findings: local.findings,
      decision: local.decision,
    });
    if (local.warning) warnings.push(local.warning);
  }
  return ev;
}

async function fetch(reader: ArtifactReader, source: string | null): Promise<Fetched> {
  if (source === null) return null;
  try {
    return { text: await reader.read(source) };
  } catch (e) {
    const status =
      (e as { statusCode?: number; $metadata?: { httpStatusCode?: number } }).statusCode ??
      (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    return { error: `${status ? `HTTP ${status}: ` : ""}${firstLineOf(e)}` };
  }
}

/**
 * Reads both documents (in parallel) and derives the evidence. A collect manifest (collect.ps1 2.x)
 * brings its files: they are read by the TypeScript readers, the facts are cited, and the hives
 * the repair shipped back are checked against the plan. Never throws for a bad document.
 */
export async function readEvidence(
  reader: ArtifactReader,
  sources: EvidenceSources,
  req: EvidenceRequest,
): Promise<Evidence> {
  const [collectOutput, repairResult] = await Promise.all([
    fetch(reader, sources.collectOutput),
    fetch(reader, sources.repairResult),
  ]);
  const text = collectOutput !== null && "text" in collectOutput ? collectOutput.text : null;
  let manifest = null;
  try {
    manifest = text === null ? null : manifestOf(text);
  } catch (e) {
    return evidenceFromDocuments(
      sources,
      { collectOutput: { error: firstLineOf(e) }, repairResult },
      req,
    );
  }
  const base = sources.filesBase ?? null;
  if (manifest === null || base === null) {
    return evidenceFromDocuments(sources, { collectOutput, repairResult }, req);
  }
  const raw = await readShipped(reader, base, manifest);
  const ev = evidenceFromDocuments(
    sources,
    { collectOutput: { text: JSON.stringify(raw.facts.collect) }, repairResult },
    req,
  );
  ev.warnings.push(...raw.facts.problems.map((p) => `evidence: ${p}`));
  // The report's actions are the planner's own (reportDecision copies them).
  const actions = (ev.decision?.actions ?? []) as readonly RepairAction[];
  ev.facts = citedFacts(
    { culprit: ev.decision?.culprit ?? null, actions },
    raw.facts.collect,
    raw.facts.citations,
  );
  const checked = await checkShippedRepair(reader, base, raw, actions, ev.repair);
  ev.repairCheck = checked.check;
  if (checked.warning) ev.warnings.push(checked.warning);
  return ev;
}

/**
 * The outcome with the evidence in it: the full triage, findings and repair results replace the
 * stack's summary lines; the local decision (with evidence and undo) replaces the stack's
 * "Action: reason" lines when it plans the same actions. Pure.
 */
export function applyEvidence<
  T extends Pick<
    OutcomeFromOutputs,
    "triage" | "triageSummary" | "findings" | "decision" | "repair" | "warnings"
  >,
>(
  o: T,
  ev: Evidence,
): T & {
  evidence: EvidenceDocument[];
  facts?: CitedFact[];
  repairCheck?: RepairVerification | null;
} {
  return {
    ...o,
    triage: ev.triage.length > 0 ? ev.triage : o.triage,
    triageSummary: ev.triageSummary.length > 0 ? ev.triageSummary : o.triageSummary,
    findings: ev.documents[0].status === "read" ? ev.findings : o.findings,
    decision: ev.decision ?? o.decision,
    repair: ev.repair ?? o.repair,
    warnings: [...o.warnings, ...ev.warnings],
    evidence: ev.documents,
    ...(ev.facts ? { facts: ev.facts } : {}),
    ...(ev.repairCheck !== undefined ? { repairCheck: ev.repairCheck } : {}),
  };
}
