/**
 * Known-incident playbooks, matched from the evidence before the general rules: each names its
 * source in the shared reference documents, proposes its prescribed fix and lists the services the fix leaves
 * alone. The invariants judge a playbook's proposals like any other.
 */
import type { CollectOutput } from "../../collect/contract";
import type { TriageResult } from "../../triage/types";
import type { Decision } from "../types";
import { matchCrowdStrike, type PlaybookMatch } from "./crowdstrike";

export type { PlaybookMatch } from "./crowdstrike";

/** Every playbook the evidence matches. */
export function matchPlaybooks(
  collect: CollectOutput,
  dumps: readonly TriageResult[],
): PlaybookMatch[] {
  return [matchCrowdStrike(collect, dumps)].filter((m): m is PlaybookMatch => m !== null);
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
