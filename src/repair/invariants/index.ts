/**
 * The invariants applied to every plan before it is compiled (see check.ts). An operator's choice
 * that breaks one is refused with one line naming it (a {@link PlanError} `invariant-violated`, exit
 * 2 on the command line); an automatic proposal that breaks one is left out and the plan says why.
 */
import type { RepairAction } from "../../collect/contract";
import { PlanError } from "../../vocabulary/errors";
import type { Decision, Proposal } from "../types";
import { violationLine, violationsOf, type InvariantFacts, type Violation } from "./check";

export { INVARIANTS, violationsOf, violationLine } from "./check";
export type { InvariantName, Violation, InvariantFacts } from "./check";
export { bootFileOf, canonicalPath, canonicalServiceName } from "./paths";
export { corroboratePackage, corroborated, describeCorroboration } from "./corroboration";
export { corroborateServicing, servicingCorroborated } from "./servicing";

/** Throws the refusal of the first violation. */
export function refuse(v: Violation): never {
  throw new PlanError("invariant-violated", violationLine(v));
}

/** CleanBoot keeps the services that break nothing; every other action is kept or left out whole. */
function keepable(
  a: RepairAction,
  facts: InvariantFacts,
): { action: RepairAction | null; violations: Violation[] } {
  if (a.action !== "CleanBoot") {
    const violations = violationsOf(a, facts);
    return { action: violations.length === 0 ? a : null, violations };
  }
  const violations: Violation[] = [];
  const services = a.args.services.filter((s) => {
    const v = violationsOf({ ...a, args: { services: [s] } }, facts);
    violations.push(...v);
    return v.length === 0;
  });
  return {
    action: services.length > 0 ? { ...a, args: { services } } : null,
    violations,
  };
}

/**
 * The proposals that keep every invariant. `strict` (the operator chose): the first violation is
 * refused. Otherwise the breaking proposals are left out, each with a note.
 */
export function applyInvariants(
  proposals: readonly Proposal[],
  facts: InvariantFacts,
  strict: boolean | ((p: Proposal) => boolean),
): { kept: Proposal[]; notes: Decision[]; dropped: number } {
  const kept: Proposal[] = [];
  const notes: Decision[] = [];
  let dropped = 0;
  for (const p of proposals) {
    const { action, violations } = keepable(p.action, facts);
    if (violations.length > 0 && (typeof strict === "function" ? strict(p) : strict))
      refuse(violations[0]);
    if (action) kept.push({ ...p, action });
    else dropped += 1;
    for (const v of violations)
      notes.push({
        action: "none",
        reason: `Not planned: ${violationLine(v)}`,
        evidence: p.evidence,
      });
  }
  return { kept, notes, dropped };
}
