/**
 * The simulated rescue on a standby helper: the simulated cloud holds a deallocated helper (by
 * default one that fits the VM), the stack settings name it, and after the run the teardown the
 * steps do on `pulumi destroy` runs too, so the outcome shows the helper as the rescue left it.
 */
import type { AzureNicDescription, AzureVmDescription } from "../../describe/azureVm";
import { parseArmId } from "../../describe/azureVm";
import type { RescueOutcome } from "../../report/types";
import { planAzureRescue } from "../../topology/azure";
import { azureRescueOptions } from "../../clouds/azure/args";
import { withStandbyChecked } from "../../clouds/azure/standbyArgs";
import type { AzureWindowsRescueArgs } from "../../clouds/azure/args";
import { azureArgsFromSettings } from "../program";
import { guid, placeholderNic, type SimulatedAzure } from "./azureCloud";
import type { SimulatedStandbyFacts } from "../../clouds/azure/standbyOps";

/** The standby helper of a simulated rescue: true for one that fits the VM, or facts to change. */
export type StandbyChoice =
  | boolean
  | {
      /** Its availability zone ("" for none) instead of the VM's. */
      zone?: string;
      /** Its subnet instead of the VM's. */
      subnetId?: string;
      /** False: it has no system-assigned identity. */
      identity?: boolean;
    };

/** The facts of the standby helper the simulated cloud holds; undefined without one. */
export function standbyFacts(
  choice: StandbyChoice | undefined,
  vm: AzureVmDescription,
  nic?: AzureNicDescription | null,
): SimulatedStandbyFacts | undefined {
  if (!choice) return undefined;
  const fits = simulatedStandbyHelper(vm, nic);
  if (choice === true) return fits;
  return {
    ...fits,
    ...(choice.zone !== undefined ? { zone: choice.zone || null } : {}),
    ...(choice.subnetId !== undefined ? { subnetId: choice.subnetId } : {}),
    ...(choice.identity === false ? { principalId: null } : {}),
  };
}

/**
 * The standby helper's facts and the stack settings that hand it to the rescue, checked first with
 * the planner the component runs: a helper that does not fit the VM is refused before anything runs.
 */
export function withStandby(
  choice: StandbyChoice | undefined,
  base: Record<string, string>,
  stack: string,
  vm: AzureVmDescription,
  nic?: AzureNicDescription | null,
): { standby: SimulatedStandbyFacts | undefined; settings: Record<string, string> } {
  const f = standbyFacts(choice, vm, nic);
  if (!f) return { standby: undefined, settings: base };
  const settings: Record<string, string> = {
    ...base,
    standbyHelperId: f.id,
    standbyHelperSubnetId: f.subnetId,
    ...(f.zone ? { standbyHelperZone: f.zone } : {}),
  };
  const args = azureArgsFromSettings((k) => settings[k], stack);
  const options = azureRescueOptions(args, args.rescueId ?? stack);
  withStandbyChecked(args, planAzureRescue({ vm, nic: describedNic(vm, nic) }, options));
  return { standby: f, settings };
}

/** Runs the teardown and records the standby helper as it was left. */
export async function afterStandbyTeardown(
  outcome: RescueOutcome,
  simulated: SimulatedAzure,
  f: SimulatedStandbyFacts | undefined,
): Promise<RescueOutcome> {
  if (!f) return outcome;
  await simulated.teardown();
  const arm = parseArmId(f.id, "the standby helper's id");
  const vm = simulated.compute.vm(arm.resourceGroup, arm.name);
  return {
    ...outcome,
    standbyHelper: { id: vm.id, powerState: vm.powerState, dataDiskIds: [...vm.dataDiskIds] },
  };
}

/** The VM's primary NIC as the simulated cloud answers it: the given one, else the placeholder. */
export function describedNic(
  vm: AzureVmDescription,
  nic?: AzureNicDescription | null,
): AzureNicDescription {
  if (nic) return nic;
  const arm = parseArmId(vm.id, "the VM's id");
  const nicId = String(vm.networkProfile?.networkInterfaces?.[0]?.id ?? `${arm.name}-nic`);
  return placeholderNic(arm.subscriptionId, arm.resourceGroup, nicId.split("/").pop()!);
}

/**
 * A standby helper that fits the VM: in its resource group, region and zone, in its primary NIC's
 * subnet (or a subnet of the VNet of the placeholder NIC), with a system-assigned identity.
 */
export function simulatedStandbyHelper(
  vm: AzureVmDescription,
  nic?: AzureNicDescription | null,
): SimulatedStandbyFacts {
  const arm = parseArmId(vm.id, "the VM's id");
  const zone = vm.zones && vm.zones.length > 0 ? String(vm.zones[0]) : null;
  const name = `standby-helper-${zone ?? "nozone"}`;
  const described = describedNic(vm, nic);
  const subnetId = String(
    described.ipConfigurations?.find((c) => c.primary)?.subnet?.id ??
      described.ipConfigurations?.[0]?.subnet?.id,
  );
  const id = `/subscriptions/${arm.subscriptionId}/resourceGroups/${arm.resourceGroup}/providers/Microsoft.Compute/virtualMachines/${name}`;
  return {
    id,
    subnetId,
    location: String(vm.location ?? ""),
    zone,
    principalId: guid(`${id}/identity`),
  };
}

/** The standby helper the settings name, as the offline plan's simulated cloud holds it. */
export function plannedStandby(
  args: AzureWindowsRescueArgs,
  location: string,
): SimulatedStandbyFacts | undefined {
  const id = args.standbyHelperId;
  if (!id) return undefined;
  return {
    id,
    subnetId: args.standbyHelperSubnetId ?? "",
    location,
    zone: args.standbyHelperZone || null,
    principalId: guid(`${id}/identity`),
  };
}
