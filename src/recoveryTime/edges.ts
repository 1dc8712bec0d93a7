/**
 * Why each wait of a rescue's step graph exists. Every dependency between two timed steps of a plan
 * must have a recorded reason (the guarantee or the cloud rule that needs it); a few waits are
 * required (the backup snapshot before any write) and a few are rejected (they would only add idle
 * time). `auditEdges` compares a step graph built from a plan with such a table, so adding a wait
 * without a reason fails a test instead of silently lengthening the time to recovery.
 */
import type { Step } from "./model";

/** One recorded wait: the step in role `step` waits for the step in role `waitsFor`. */
export interface EdgeReason {
  /** The role of the waiting step (its id without the rescue's prefix, e.g. "repair"). */
  step: string;
  /** The role it waits for (e.g. "snapshot"). */
  waitsFor: string;
  /** Why the wait is needed: the guarantee it keeps or the cloud rule, with its source. */
  reason: string;
  /** The wait must exist, directly or through other steps (e.g. the snapshot before any write). */
  required?: boolean;
}

/** A wait that must never be in the graph, directly or through other steps. */
export interface RejectedEdge {
  step: string;
  waitsFor: string;
  /** Why it is wrong (e.g. "the broken VM's stop is not needed to read the copy"). */
  why: string;
}

export interface EdgeAudit {
  /** Direct waits between timed steps with no recorded reason. */
  unjustified: { step: string; waitsFor: string }[];
  /** Rejected waits found in the graph (directly or through other steps). */
  rejected: RejectedEdge[];
  /** Required waits the graph lacks. */
  missing: EdgeReason[];
}

/**
 * Audits `steps` against `reasons` and `rejected`. `roleOf` maps a step id to its role (the same
 * names the tables use); steps whose role is null are not audited.
 */
export function auditEdges(
  steps: readonly Step[],
  roleOf: (id: string) => string | null,
  reasons: readonly EdgeReason[],
  rejected: readonly RejectedEdge[] = [],
): EdgeAudit {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const known = new Set(reasons.map((r) => `${r.step}\u0000${r.waitsFor}`));
  const unjustified: EdgeAudit["unjustified"] = [];
  for (const s of steps) {
    const role = roleOf(s.id);
    if (role === null) continue;
    for (const d of s.dependsOn) {
      const dRole = roleOf(d);
      if (dRole === null) continue;
      if (!known.has(`${role}\u0000${dRole}`)) unjustified.push({ step: role, waitsFor: dRole });
    }
  }
  // transitive waits, by role
  const ancestors = new Map<string, Set<string>>();
  const ancestorsOf = (id: string): Set<string> => {
    const cached = ancestors.get(id);
    if (cached) return cached;
    const acc = new Set<string>();
    ancestors.set(id, acc);
    for (const d of byId.get(id)?.dependsOn ?? []) {
      const dRole = roleOf(d);
      if (dRole !== null) acc.add(dRole);
      for (const a of ancestorsOf(d)) acc.add(a);
    }
    return acc;
  };
  const waits = (step: string, waitsFor: string): boolean | null => {
    const ids = steps.filter((s) => roleOf(s.id) === step).map((s) => s.id);
    if (ids.length === 0) return null;
    return ids.some((id) => ancestorsOf(id).has(waitsFor));
  };
  return {
    unjustified,
    rejected: rejected.filter((r) => waits(r.step, r.waitsFor) === true),
    missing: reasons.filter((r) => r.required && waits(r.step, r.waitsFor) === false),
  };
}
