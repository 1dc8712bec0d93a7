/**
 * From the collect script's output to the repair command's parameters, with the same pure layers
 * the Azure rescue uses: triage of the bundled minidumps, the guest-driver check for the EC2
 * instance type the repaired disk will boot on, the rule-based repair planner.
 */
import { parseCollectOutput } from "../../scripts/validate";
import { EmbedError, ssmCommandDocument } from "../../scripts/embed";
import type { RepairOptions, Decision } from "../../planner/repair";
import { decideRescue } from "../../planner/decide";

export interface AwsRepairDecision {
  /** Parameters of the repair document (SendCommand `Parameters`). */
  parameters: Record<string, string[]>;
  /** Non-empty when the guest drivers cannot boot on the instance type: the swap is refused with this text. */
  blockedReason: string;
  decisions: Decision[];
  culprit: string | null;
}

/** Plans the repair from collect.ps1's JSON. Throws ScriptOutputError / PlanError / EmbedError on bad input. */
export function repairFromCollect(collectJson: string, instanceType: string | null, options: RepairOptions = {}): AwsRepairDecision {
  const decided = decideRescue({ collect: parseCollectOutput(collectJson), cloud: "aws", instanceType: instanceType ?? undefined, options, pinDiskNumber: false });
  if (decided.repairParams === null) throw new EmbedError("the repair plan has no actions");
  return {
    parameters: ssmCommandDocument("repair.ps1", decided.repairParams).parameters,
    blockedReason: decided.blocked ? decided.findingsSummary : "",
    decisions: decided.repair.decisions,
    culprit: decided.repair.culprit?.module ?? null,
  };
}
