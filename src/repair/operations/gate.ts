/**
 * The swap gate after the repair: a check that found the returned hives differ from the plan
 * closes it, whatever the operator allowed. No override swaps in a disk whose repair is not the
 * one planned.
 */
import type { SwapGate } from "../decide";
import type { RepairVerification } from "./verify";

export function gateAfterRepairCheck(gate: SwapGate, check: RepairVerification): SwapGate {
  if (check.ok) return gate;
  const listed = check.differences
    .slice(0, 5)
    .map((d) => `${d.where}: ${d.kind}, expected ${d.expected}, found ${d.found}`)
    .join("; ");
  const more = check.differences.length > 5 ? ` (and ${check.differences.length - 5} more)` : "";
  return {
    allowed: false,
    reasons: [
      ...gate.reasons,
      `the check after the repair found the disk differs from the plan: ${listed}${more}; the repaired copy is not swapped in (no setting overrides this)`,
    ],
  };
}
