/**
 * From the collect script's output to the repair command's parameters and the swap gate, with the
 * same pure layers the Azure rescue uses: triage of the bundled minidumps, the guest-driver check
 * for the EC2 instance type the repaired disk will boot on, the rule-based repair planner. Nothing
 * here throws for an outcome (a blocking driver finding, nothing to repair): the gate closes and
 * says why, and the outputs carry the findings and decisions.
 */
import { parseCollectOutput } from "../../collect/validate";
import { ssmCommandDocument } from "../../guest/embed";
import { validateRepairParams, type RepairParams } from "../../guest/params.generated";
import type { RepairOptions, Decision } from "../../repair/types";
import {
  decideRescue,
  nothingToRepairWhy,
  decisionLine,
  findingLine,
  swapGate,
  triageLine,
  type SwapGate,
} from "../../repair/decide";
import type { DriverFinding } from "../../drivers/types";

/** Whether the broken instance may be changed (copy: stopped, its root swapped; inPlace: started on the repaired root), and if not, why. */
/** The AWS swap gate is the shared one (src/repair/decide.ts). */
export type AwsSwapGate = SwapGate;

/** The operator's choices that shape the repair and the gate. */
export interface AwsRepairChoice {
  mode?: "copy" | "inPlace";
  driver?: string | null;
  actions?: string[] | null;
  dryRun?: boolean;
  allowIncompatibleDrivers?: boolean;
  /** False: repair but do not swap (copy) / do not start (inPlace). Default true. */
  swap?: boolean;
}

export interface AwsRepairDecision {
  /** Parameters of the repair document (SendCommand `Parameters`). */
  parameters: Record<string, string[]>;
  /** The validated repair.ps1 parameters behind {@link parameters}. */
  repairParams: RepairParams;
  gate: AwsSwapGate;
  /** True when repair.ps1 runs as a dry run (asked for, nothing to repair, or inPlace with a blocked gate). */
  repairIsDryRun: boolean;
  nothingToRepair: boolean;
  decisions: Decision[];
  /** One line per decision: `Action: reason` (notes as `note: …`). */
  decisionLines: string[];
  /** The chosen repair actions in the order repair.ps1 runs them (empty when nothing to repair). */
  repairActions: string[];
  findings: string[];
  triageSummary: string[];
  culprit: string | null;
}

/** The gate from the findings and the operator's choices (pure; `nothingToRepair` closes it too). */
export function awsSwapGate(
  findings: readonly DriverFinding[],
  nothingToRepair: boolean | string,
  choice: AwsRepairChoice & { leftForPerson?: readonly string[] },
  targetInstanceType: string | null,
): AwsSwapGate {
  return swapGate(findings, nothingToRepair, {
    ...choice,
    inPlace: choice.mode === "inPlace",
    target: targetInstanceType,
  });
}

/**
 * Plans the repair from collect.ps1's JSON. `targetInstanceType` is the type the guest drivers are
 * checked for. The collect's disk number is passed to repair.ps1 (the same helper runs both).
 * inPlace: when a driver finding blocks the swap, repair.ps1 runs as a dry run, so the original root
 * is not written for a boot that is refused. Throws ScriptOutputError / PlanError / EmbedError only
 * for bad input (an invalid document, a driver that is not on the disk).
 */
export function repairFromCollect(
  collectJson: string | unknown,
  targetInstanceType: string | null,
  choice: AwsRepairChoice = {},
): AwsRepairDecision {
  const collect = parseCollectOutput(collectJson);
  const options: RepairOptions = {
    driver: choice.driver ?? undefined,
    actions: (choice.actions ?? undefined) as RepairOptions["actions"],
    dryRun: choice.dryRun === true,
  };
  const decided = decideRescue({
    collect,
    cloud: "aws",
    instanceType: targetInstanceType ?? undefined,
    options,
    pinDiskNumber: true,
  });
  const nothingToRepair = decided.nothingToRepair;
  const gate = awsSwapGate(
    decided.findings,
    nothingToRepairWhy(decided),
    { ...choice, leftForPerson: decided.repair.leftForPerson },
    targetInstanceType,
  );
  const blockedByDrivers = decided.blocked && choice.allowIncompatibleDrivers !== true;
  let repairParams: RepairParams = decided.repairParams;
  // inPlace writes the original root: with a blocked swap, repair only as a dry run.
  if (choice.mode === "inPlace" && blockedByDrivers && repairParams.DryRun !== true)
    repairParams = validateRepairParams({ ...repairParams, DryRun: true });
  const decisionLines = decided.repair.decisions.map(decisionLine);
  return {
    parameters: ssmCommandDocument("repair.ps1", repairParams).parameters,
    repairParams,
    gate,
    repairIsDryRun: repairParams.DryRun === true,
    nothingToRepair,
    decisions: decided.repair.decisions,
    decisionLines,
    repairActions: nothingToRepair ? [] : decided.repair.plan.actions.map((a) => a.action),
    findings: decided.findings.map(findingLine),
    triageSummary: decided.triage.map(triageLine),
    culprit: decided.repair.culprit?.module ?? null,
  };
}
