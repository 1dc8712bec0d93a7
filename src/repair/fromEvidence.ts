/**
 * The repair decision straight from raw evidence (a disk image, a snapshot read directly, or the
 * files collect shipped): the facts are derived by the evidence readers, then decided exactly as
 * plan-repair decides a collect document, so both routes give the same triage and plan.
 */
import type { EvidenceBundle } from "../evidence/bundle";
import { collectFromEvidence, type EvidenceFacts } from "../evidence/facts";
import type { Cloud } from "../drivers/types";
import { inferCloud } from "../drivers/check";
import { decideRescue, decisionLine, findingLine, triageLine, type RescueDecision } from "./decide";

export interface EvidencePlan {
  /** Where the disk will boot: given, or inferred from the guest components on the disk. */
  cloud: Cloud;
  decision: RescueDecision;
  facts: EvidenceFacts;
  /** One line each: triage, findings, chosen actions with their reasons. */
  lines: string[];
}

export function planFromEvidence(
  bundle: EvidenceBundle,
  opts: { cloud?: Cloud; instanceType?: string; hostBuild?: number } = {},
): EvidencePlan {
  const facts = collectFromEvidence(bundle);
  const cloud =
    opts.cloud ??
    inferCloud(facts.collect, { instanceType: opts.instanceType, hostBuild: opts.hostBuild }) ??
    "hyperv";
  const decision = decideRescue({
    collect: facts.collect,
    cloud,
    instanceType: opts.instanceType,
    hostBuild: opts.hostBuild,
    // Disk numbers are a helper's; a disk read directly has none to pin.
    pinDiskNumber: false,
  });
  const lines = [
    ...decision.triage.map(triageLine),
    ...decision.findings.map(findingLine),
    ...decision.repair.decisions.map(decisionLine),
  ];
  return { cloud, decision, facts, lines };
}
