/**
 * The rescue report: what `vm-rescue rescue` prints (Markdown, or JSON with `--json`) and what a
 * pipeline keeps. {@link RescueOutcome} is what the run observed; `buildReport` turns it into a
 * {@link RescueReport}. `schemas/report.schema.json` describes the same JSON (a test keeps them equal).
 */
import type { RepairResult } from "../collect/contract";
import type { TriageResult } from "../triage/types";
import type { DriverFinding } from "../drivers/types";
import type { Culprit, Decision, RepairDecision, UndoStep } from "../repair/types";
import type { ModeledTtr } from "../recoveryTime/azure";
import type { RepairVerification } from "../repair/operations/verify";
import type { CitedFact } from "./facts";

export const REPORT_VERSION = 1 as const;

export type RescueCloud = "azure" | "aws";

/** Which VM was rescued. */
export interface VmIdentity {
  /** Azure: resource group and VM name; AWS: instance id and region. */
  resourceGroup?: string;
  name?: string;
  instanceId?: string;
  region?: string;
  /** ARM id / ARN when known. */
  id?: string;
  /** AWS: the instance type (the guest-driver check is made against it). */
  instanceType?: string;
}

/** One evidence document the report was built from, and whether it could be used. */
export interface EvidenceDocument {
  document: "collect output" | "repair result";
  /** Where it was read from (blob URL, s3:// URL); null when the stack does not say. */
  source: string | null;
  /** read: validated and used; not produced: the step did not run; unreadable / invalid: see message. */
  status: "read" | "not produced" | "unreadable" | "invalid";
  message?: string;
}

/** One line saying what became of an evidence document. */
export function evidenceLine(d: EvidenceDocument): string {
  const where = d.source ? ` (${d.source})` : "";
  switch (d.status) {
    case "read":
      return `${d.document} read${where}`;
    case "not produced":
      return `no ${d.document}: the step did not run or its location is not a stack output`;
    case "unreadable":
      return `the ${d.document} could not be read${where}: ${d.message}`;
    case "invalid":
      return `the ${d.document} is not valid${where}: ${d.message}`;
  }
}

/** One resource step of `pulumi up` / `pulumi destroy` (from the engine events, or modeled). */
export interface TimelineStep {
  /** Logical resource name. */
  name: string;
  type: string;
  /** Engine operation: create, delete, update, replace, same, read, ... */
  op: string;
  status: "succeeded" | "failed";
  /** ISO 8601 UTC. */
  startedAt: string;
  endedAt: string;
  /** Failure message when status is failed. */
  message?: string;
}

/** Kinds of resources the rescue leaves in the cloud on purpose. */
export type KeptKind = "snapshot" | "originalDisk" | "repairedDisk" | "artifacts";

export interface KeptResource {
  kind: KeptKind;
  /** ARM id, snapshot/volume id, or URL. */
  id: string;
}

export interface SwapOutcome {
  /** False with `--no-swap` or `--dry-run`, or when something earlier stopped the run. */
  attempted: boolean;
  /** The repaired disk is now the VM's OS disk. */
  swapped: boolean;
  message?: string;
}

export interface VerifyOutcome {
  /** null when no boot was attempted. */
  booted: boolean | null;
  /** Which boots were verified, in order: "normal", or "safe-mode" then "normal" after the revert. */
  boots?: string[];
  /** What a person must still do (safe mode still set: the commands); the rescue is then not "rescued". */
  leftForPerson?: string[];
  message?: string;
}

/** The repair decision as reported: the planned actions, every reason, the culprit and how to undo. */
export interface ReportDecision {
  actions: { action: string; args?: unknown; reason: string }[];
  reasons: Decision[];
  culprit: Culprit | null;
  undo: UndoStep[];
}

/** The report's view of the planner's full decision. */
export function reportDecision(d: RepairDecision): ReportDecision {
  return {
    actions: d.plan.actions.map((a) => ({ action: a.action, args: a.args, reason: a.reason })),
    reasons: d.decisions.map((x) => ({ action: x.action, reason: x.reason, evidence: x.evidence })),
    culprit: d.culprit,
    undo: d.undo,
  };
}

/**
 * Which route gave the facts the repair was decided from, and what the backup snapshot, read
 * directly while the helper booted, said (one line).
 */
export interface DiagnosisRoute {
  route: "helper" | "snapshot";
  snapshot: string[];
}

/** Everything one rescue run observed. Input of `buildReport`. */
export interface RescueOutcome {
  cloud: RescueCloud;
  vm: VmIdentity;
  stack: string;
  /** "simulated": answers came from the simulated cloud; times are modeled. */
  mode: "live" | "simulated";
  dryRun: boolean;
  startedAt: string;
  endedAt: string;
  timeline: TimelineStep[];
  triage: TriageResult[];
  /** One line per minidump (bug check and culprit), as the stack reports it. */
  triageSummary: string[];
  findings: DriverFinding[];
  decision: ReportDecision | null;
  /** The facts the decision rests on, with where each was read; absent when not read from raw evidence. */
  facts?: CitedFact[];
  repair: RepairResult | null;
  /** Where repair.ps1's full result document is stored. */
  repairResultUrl: string | null;
  /** The returned hives checked against the compiled operations, before the swap; absent when none ran. */
  repairCheck?: RepairVerification | null;
  /** The route of the facts (absent when the stack exports no snapshot diagnosis: AWS). */
  diagnosis?: DiagnosisRoute | null;
  swap: SwapOutcome;
  verify: VerifyOutcome;
  kept: KeptResource[];
  artifactsUrl: string | null;
  /** The helper VM/instance size (priced with the list-price table). */
  helperSize: string | null;
  /** Whether the teardown (`destroy`) removed the helper. null when it was not attempted. */
  helperRemoved: boolean | null;
  /** The standby helper the rescue used instead of creating one, as the teardown left it (absent: none). */
  standbyHelper?: StandbyHelperState;
  /** The Pulumi project folder the stack's workspace lives in (live runs), for the commands shown. */
  projectDir?: string;
  timeToRecovery: ModeledTtr | null;
  /** Things that went wrong, one line each (update or destroy errors, failed run commands). */
  errors: string[];
  warnings: string[];
  /** The documents read back after `up` (absent: no evidence step ran). */
  evidence?: EvidenceDocument[];
}

/** A standby helper after the teardown: its power state and the data disks it still holds. */
export interface StandbyHelperState {
  id: string;
  powerState: string | null;
  dataDiskIds: string[];
}

export type RescueStatus = "rescued" | "prepared" | "failed" | "blocked";

export interface ReportKept extends KeptResource {
  /**
   * The command that deletes it once nobody needs it; null for the disk the VM boots from now (the
   * repaired disk after a swap, else the original), which must not be deleted.
   */
  deleteCommand: string | null;
  /** True for the disk the VM boots from now. */
  inUse: boolean;
}

export interface CostEstimate {
  size: string;
  minutes: number;
  /** List price per hour in USD; null when the size is not in the table. */
  usdPerHour: number | null;
  /** usdPerHour × minutes / 60, rounded to cents; null when the size is not in the table. */
  usd: number | null;
  basis: string;
}

/** What a report carries over from the outcome as it was observed. */
type ObservedFields =
  | "cloud"
  | "vm"
  | "stack"
  | "mode"
  | "dryRun"
  | "startedAt"
  | "endedAt"
  | "timeline"
  | "triage"
  | "triageSummary"
  | "findings"
  | "decision"
  | "facts"
  | "repair"
  | "repairResultUrl"
  | "repairCheck"
  | "diagnosis"
  | "swap"
  | "verify"
  | "artifactsUrl"
  | "helperRemoved"
  | "standbyHelper"
  | "errors"
  | "warnings";

export interface RescueReport extends Pick<RescueOutcome, ObservedFields> {
  reportVersion: typeof REPORT_VERSION;
  status: RescueStatus;
  /** The process exit code this status maps to (0 rescued/prepared, 1 failed, 4 blocked). */
  exitCode: 0 | 1 | 4;
  summary: string;
  durationSeconds: number;
  swapBlocked: boolean;
  kept: ReportKept[];
  cost: CostEstimate | null;
  timeToRecovery: {
    modeledSeconds: number;
    criticalPath: string[];
    assumedPhases: string[];
    anchor: { name: string; seconds: number; ratio: number } | null;
    /** When the diagnosis read from the snapshot was ready, and the helper it does not wait for. */
    diagnosis?: { id: string; readySeconds: number; helperReadySeconds: number | null };
  } | null;
  nextSteps: string[];
  /** The evidence documents read back after `up`: collect output and repair result. */
  evidence: EvidenceDocument[];
}
