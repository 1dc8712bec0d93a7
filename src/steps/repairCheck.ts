/**
 * The check after the repair as both clouds' RepairCheck kinds declare it and their components
 * report it: the outputs besides the gate, and the component's `repairCheck` summary.
 */
import * as pulumi from "@pulumi/pulumi";
import type { RepairDifference } from "../repair/operations";
import type { RepairCheckSummary } from "../repair/operations/afterRepair";
import type { PropertySpec } from "./contract";
import { listOf, REPAIR_DIFFERENCE } from "./objectTypes";

/** The RepairCheck outputs besides `gate` (each cloud declares its gate). */
export const REPAIR_CHECK_OUTPUTS = {
  ok: { type: "boolean", description: "True when the returned hives match the plan." },
  checked: { type: "number", description: "Values and elements compared." },
  differences: listOf(REPAIR_DIFFERENCE, "Where the returned hives differ from the plan."),
  checkedRaw: {
    type: "boolean",
    description: "True when the returned hives were read and compared.",
  },
  reason: { type: "string", optional: true, description: "Why nothing was checked." },
} satisfies Record<keyof RepairCheckSummary, PropertySpec>;

/** The outputs of a RepairCheck resource the summary reads. */
export interface RepairCheckResourceOutputs {
  readonly ok: pulumi.Output<boolean>;
  readonly checked: pulumi.Output<number>;
  readonly differences: pulumi.Output<RepairDifference[]>;
  readonly checkedRaw: pulumi.Output<boolean>;
  readonly reason: pulumi.Output<string | undefined>;
}

/** The component's `repairCheck` output: the check's result, `reason` only when there is one. */
export function repairCheckSummary(
  check: RepairCheckResourceOutputs,
): pulumi.Output<RepairCheckSummary> {
  return pulumi
    .all([check.ok, check.checked, check.differences, check.checkedRaw, check.reason])
    .apply(([ok, checked, differences, checkedRaw, reason]) => ({
      ok,
      checked,
      differences,
      checkedRaw,
      ...(reason ? { reason } : {}),
    }));
}
