/**
 * The standby helper a rescue was given (`standbyHelperId`, `standbyHelperSubnetId`,
 * `standbyHelperZone`): its resource group and name from the id, and its fit checked against the
 * rescue's plan (`src/topology/standby.ts`) where the plan is made, so a misfit refuses the plan.
 */
import type { AzureRescuePlan } from "../../topology/azure";
import { checkStandbyFit, type StandbyRef } from "../../topology/standby";
import { parseArmId } from "../../describe/azureVm";
import { PlanError } from "../../vocabulary/errors";
import type { AzureWindowsRescueArgs } from "./args";

/**
 * The standby helper's resource group and name; undefined when the rescue creates its own helper.
 * Throws one line when the standby arguments are incomplete (before anything is registered).
 */
export function standbyOf(args: AzureWindowsRescueArgs): StandbyRef | undefined {
  const given = [args.standbyHelperSubnetId, args.standbyHelperZone].some((x) => x !== undefined);
  if (!args.standbyHelperId && given)
    throw new PlanError(
      "invalid-input",
      "standbyHelperSubnetId and standbyHelperZone describe a standby helper: give its standbyHelperId too",
    );
  if (!args.standbyHelperId) return undefined;
  if (!args.standbyHelperSubnetId)
    throw new PlanError(
      "invalid-input",
      "standbyHelperId needs standbyHelperSubnetId (the StandbyHelper component's subnetId output)",
    );
  const vm = parseArmId(args.standbyHelperId, "standbyHelperId");
  return {
    vmId: args.standbyHelperId,
    resourceGroupName: vm.resourceGroup,
    vmName: vm.name,
    zone: args.standbyHelperZone || null,
  };
}

/** The plan, after the standby helper (if any) was checked against it: a misfit throws. */
export function withStandbyChecked(
  args: AzureWindowsRescueArgs,
  plan: AzureRescuePlan,
): AzureRescuePlan {
  if (args.standbyHelperId)
    checkStandbyFit(
      {
        vmId: args.standbyHelperId,
        subnetId: args.standbyHelperSubnetId ?? "",
        zone: args.standbyHelperZone ?? null,
      },
      { subscriptionId: plan.subscriptionId, zone: plan.zone, subnetId: plan.network.subnetId },
    );
  return plan;
}
