/**
 * From the collect script's facts to the repair: triage of the minidumps it brought back, the
 * guest-driver check for where the disk will boot, the repair plan and repair.ps1's validated
 * parameters. One pure function for every path — the Azure triage resource, the AWS chain and the
 * by-hand / on-premises Hyper-V path (`vm-rescue plan-repair`) — so they cannot drift apart.
 */
import type { CollectOutput } from "../scripts/contract";
import { repairParamsFromPlan } from "../scripts/embed";
import type { RepairParams } from "../scripts/params.generated";
import { triageDump } from "../triage";
import type { TriageResult } from "../triage/types";
import { blocksSwap, checkGuestDrivers, summarizeFindings } from "../drivers/check";
import type { Cloud, DriverFinding } from "../drivers/types";
import { planRepair, type RepairDecision, type RepairOptions } from "./repair";

export interface RescueDecisionInput {
  collect: CollectOutput;
  /** Where the repaired disk will boot. */
  cloud: Cloud;
  /** AWS: the instance type the disk boots on (Nitro/Xen rules). */
  instanceType?: string;
  /** On-premises Hyper-V: the host's Windows build. */
  hostBuild?: number;
  options?: RepairOptions;
  /** Where repair.ps1 writes its full result on the helper. */
  outputPath?: string;
  /** Pass the collect's disk number to repair.ps1 (the same helper, the same disk). Default true. */
  pinDiskNumber?: boolean;
}

export interface RescueDecision {
  /** One result per minidump the collect listed (newest first). */
  triage: TriageResult[];
  findings: DriverFinding[];
  /** True when a finding blocks the swap. */
  blocked: boolean;
  /** One line about the findings (empty when there are none). */
  findingsSummary: string;
  repair: RepairDecision;
  /** repair.ps1's parameters, validated against its param() block; null when the plan has no action. */
  repairParams: RepairParams | null;
}

/** Triage of the dumps a collect output carries; a dump over the collect size cap is reported, not parsed. */
export function triageCollectedDumps(doc: CollectOutput): TriageResult[] {
  return doc.dumps.minidumps.map((m) =>
    m.base64 === null
      ? { file: m.name, bugCheck: null, crashTime: null, os: null, causedBy: null, drivers: null, error: `not collected (${m.sizeBytes} bytes, over the collect size cap)` }
      : triageDump(Buffer.from(m.base64, "base64"), m.name),
  );
}

/** Decides the repair from the collected facts. Throws PlanError / EmbedError for impossible choices. */
export function decideRescue(input: RescueDecisionInput): RescueDecision {
  const { collect } = input;
  const triage = triageCollectedDumps(collect);
  const findings = checkGuestDrivers(collect, { cloud: input.cloud, instanceType: input.instanceType, hostBuild: input.hostBuild });
  const repair = planRepair({ collect, triage, findings, options: input.options ?? {} });
  const repairParams =
    repair.plan.actions.length === 0
      ? null
      : repairParamsFromPlan(repair.plan, {
          protectedServices: repair.protectedServices,
          diskNumber: input.pinDiskNumber === false ? undefined : collect.target.diskNumber,
          outputPath: input.outputPath,
        });
  return {
    triage,
    findings,
    blocked: blocksSwap(findings),
    findingsSummary: findings.length > 0 ? summarizeFindings(findings) : "",
    repair,
    repairParams,
  };
}
