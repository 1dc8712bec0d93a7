/**
 * Known-incident playbooks, matched from the evidence before the general rules: each names its
 * source in the shared reference documents, proposes its prescribed fix and lists the services the fix leaves
 * alone. The invariants judge a playbook's proposals like any other.
 */
import type { CollectOutput } from "../../collect/contract";
import type { TriageResult } from "../../triage/types";
import type { Decision } from "../types";
import type { DriverFinding } from "../../drivers/types";
import type { RepairOptions } from "../types";
import { matchCrowdStrike, type PlaybookMatch } from "./crowdstrike";
import { matchAcpiMsft1000, matchStornvme } from "./platform";

export type { PlaybookMatch } from "./crowdstrike";
export type { RegistryEdit } from "./registry";

/** Whether the disk will boot on an NVMe controller, and how that is known. */
function nvmeTarget(
  options: RepairOptions,
  findings: readonly DriverFinding[],
): { nvme: boolean; why: string } {
  if (options.diskController === "nvme")
    return { nvme: true, why: "the disk will boot on an NVMe controller (diskController=nvme)" };
  const f = findings.find((x) => x.component === "aws.nvme");
  return f
    ? { nvme: true, why: `the instance type presents its volumes as NVMe (${f.component})` }
    : { nvme: false, why: "" };
}

/** Every playbook the evidence matches. */
export function matchPlaybooks(
  collect: CollectOutput,
  dumps: readonly TriageResult[],
  findings: readonly DriverFinding[] = [],
  options: RepairOptions = {},
): PlaybookMatch[] {
  return [
    matchCrowdStrike(collect, dumps),
    matchStornvme(collect, nvmeTarget(options, findings)),
    matchAcpiMsft1000(collect, findings),
  ].filter((m): m is PlaybookMatch => m !== null);
}

/** The notes a matched playbook adds to the plan: what matched, its source, what is left for a person. */
export function playbookNotes(m: PlaybookMatch): Decision[] {
  return [
    {
      action: "none",
      reason: `Playbook ${m.id}: ${m.title}; source: ${m.source}${m.keep.length > 0 ? `; left enabled: ${m.keep.join(", ")}` : ""}`,
      evidence: m.evidence,
    },
    ...m.manual.map((step) => ({
      action: "none" as const,
      reason: `Playbook ${m.id}, left for a person: ${step}`,
      evidence: [],
    })),
  ];
}
