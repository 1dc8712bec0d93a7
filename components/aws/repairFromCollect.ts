/**
 * From the collect script's output to the repair command's parameters, with the same pure layers
 * the Azure rescue uses: triage of the bundled minidumps, the guest-driver check for the EC2
 * instance type the repaired disk will boot on, the rule-based repair planner.
 */
import { parseCollectOutput } from "../../scripts/validate";
import { repairParamsFromPlan, ssmCommandDocument } from "../../scripts/embed";
import { inspectDump } from "../../triage";
import { blocksSwap, checkGuestDrivers, summarizeFindings } from "../../drivers/check";
import { planRepair, type RepairOptions, type Decision } from "../../planner/repair";

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
  const collect = parseCollectOutput(collectJson);
  const triage = collect.dumps.minidumps
    .filter((m) => typeof m.base64 === "string" && m.base64.length > 0)
    .map((m) => inspectDump(Buffer.from(m.base64 as string, "base64"), m.name).result);
  const findings = checkGuestDrivers(collect, { cloud: "aws", instanceType: instanceType ?? undefined });
  const decision = planRepair({ collect, triage, findings, options });
  const params = repairParamsFromPlan(decision.plan, { protectedServices: decision.protectedServices });
  return {
    parameters: ssmCommandDocument("repair.ps1", params).parameters,
    blockedReason: blocksSwap(findings) ? summarizeFindings(findings) : "",
    decisions: decision.decisions,
    culprit: decision.culprit?.module ?? null,
  };
}
