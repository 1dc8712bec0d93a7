import type { Cloud } from "../drivers/types";
/**
 * The repair planner's shapes: what it is given ({@link PlanInput}, {@link RepairOptions}), what it
 * returns ({@link RepairDecision}) and what its steps pass each other (the dump selection, the
 * culprit, the proposals of each rule and the {@link PlanContext} the rules read).
 */
import type { CollectOutput, RepairAction, RepairPlan, ServiceFacts } from "../collect/contract";
import type { RepairActionName } from "../vocabulary/repairActions";
import type { TriageResult } from "../triage/types";
import type { DriverFinding } from "../drivers/types";
import type { RegistryEdit } from "./playbooks/registry";

export interface RepairOptions {
  /** Force the culprit: a service name (or the file name of its binary) from the inventory. */
  driver?: string;
  /** Replace the automatic choice of actions; each is still checked against its preconditions. */
  actions?: RepairActionName[];
  dryRun?: boolean;
  safeBootMode?: "minimal" | "network";
  /** The controller the disk will boot on, when known (a SCSI→NVMe move matches the stornvme playbook). */
  diskController?: "scsi" | "nvme";
  /** true: always; false: never; absent: on in every repair when crash dumps are off. */
  enableCrashDump?: boolean;
  /** true: always; false: never; absent: on in every repair when EMS is off. */
  enableEms?: boolean;
  /**
   * Also remove the culprit's third-party driver package (offline `dism /Remove-Driver`). Off by
   * default: removal cannot be undone offline, while DisableDriver and QuarantineDriverFile can; the
   * plan names the package in its reasons instead. (Without a way to disable the driver — a
   * boot-critical or Microsoft culprit — the recent package is removed anyway.)
   */
  removeDriverPackage?: boolean;
}

export interface Decision {
  action: RepairActionName | "none";
  reason: string;
  evidence: string[];
}

export interface Culprit {
  module: string;
  service: string | null;
  thirdParty: boolean;
  bootCritical: boolean;
}

export interface UndoStep {
  action: RepairActionName;
  how: string;
}

export interface RepairDecision {
  plan: RepairPlan;
  decisions: Decision[];
  culprit: Culprit | null;
  /** The services a clean boot disables (computed whether or not CleanBoot is planned). */
  cleanBootServices: string[];
  /** Boot-critical services present on the disk: `repair.ps1` refuses to disable them unless forced. */
  protectedServices: string[];
  /** How to put each planned action back, last action first. */
  undo: UndoStep[];
  /** The known-incident playbooks the evidence matched (src/repair/playbooks/). */
  playbooks: PlaybookSummary[];
  /** What the plan leaves for a person (a playbook's manual steps, safe mode on AWS): each closes the swap gate. */
  leftForPerson: string[];
}

export interface PlaybookSummary {
  id: string;
  title: string;
  /** Where the prescribed fix is documented (the shared reference documents). */
  source: string;
  evidence: string[];
  /** Steps of the fix left for a person, with the exact commands. */
  manual: string[];
  /** Services the fix leaves enabled. */
  keep: string[];
  /** The fix's registry edits no repair action expresses, as data (below the SYSTEM hive's root). */
  registry: RegistryEdit[];
}

export interface PlanInput {
  collect: CollectOutput;
  triage: TriageResult[];
  findings: DriverFinding[];
  options: RepairOptions;
  /** Where the repaired disk boots: on AWS safe mode is never planned (its boot check cannot verify or revert it). */
  cloud?: Cloud;
}

/** A proposed action and the facts it rests on. */
export interface Proposal {
  action: RepairAction;
  evidence: string[];
}

export interface RuleOutcome {
  proposals: Proposal[];
  notes: Decision[];
}

/** The dump the plan is based on, and what the other dumps say. */
export interface DumpSelection {
  /** The most recent readable dump, or null when there is none. */
  primary: TriageResult | null;
  /** Readable dumps, most recent first. */
  valid: TriageResult[];
  notes: Decision[];
}

/** The culprit as the rules see it: its services, origin and the evidence for both. */
export interface CulpritFacts {
  module: string;
  services: ServiceFacts[];
  thirdParty: boolean;
  bootCritical: boolean;
  /** Forced by the operator (`driver=`), not found by triage. */
  forced: boolean;
  evidence: string[];
}

/** Everything the rules and the action builders read. */
export interface PlanContext {
  collect: CollectOutput;
  options: RepairOptions;
  selection: DumpSelection;
  culprit: CulpritFacts | null;
  protectedServices: string[];
  cleanBootServices: string[];
  /** Notes the builders add as they go (a service name skipped, a package not corroborated). */
  notes: Decision[];
}
