/**
 * A standby helper: a helper VM a platform stack keeps deallocated (it costs only its OS disk) so a
 * rescue starts it instead of creating one. The rescue attaches the OS-disk copy to it, so it must
 * sit where the copy can be attached and where the broken VM's network is: the same subscription,
 * the same availability zone, a subnet of the same virtual network. What the arguments tell is
 * checked here, before anything is created; its region and managed identity are read from Azure by
 * the step that starts it (`src/clouds/azure/standby.ts`).
 */
import { parseArmId } from "../describe/azureVm";
import { PlanError } from "../vocabulary/errors";

/** The facts a rescue needs of a standby helper (the `StandbyHelper` component's outputs). */
export interface AzureStandbyHelper {
  /** ARM id of the helper VM. */
  vmId: string;
  /** The subnet of its NIC. */
  subnetId: string;
  /** Its availability zone; null or "" for a VM without a zone. */
  zone: string | null;
}

/** Where the rescue's plan puts the helper: the broken VM's region, zone and subnet. */
export interface StandbyTarget {
  subscriptionId: string;
  zone: string | null;
  /** The subnet the rescue would give a helper it creates (the VM's primary NIC's, or `subnetId`). */
  subnetId: string;
}

/** The standby helper's resource group and name, from its id. */
export interface StandbyRef {
  vmId: string;
  resourceGroupName: string;
  vmName: string;
  zone: string | null;
}

/** "/subscriptions/…/virtualNetworks/<vnet>" of a subnet id, lower case; null when it is none. */
function networkOf(subnetId: string): string | null {
  const m = /^(.*\/providers\/Microsoft\.Network\/virtualNetworks\/[^/]+)\/subnets\/[^/]+$/i.exec(
    subnetId,
  );
  return m ? m[1].toLowerCase() : null;
}

const zoneOf = (z: string | null | undefined): string | null => (z ? String(z) : null);

/**
 * Checks the standby helper against the rescue's target and returns its resource group and name.
 * Throws one {@link PlanError} line (`standby-helper-misfit`, or `invalid-input` for a malformed
 * id) naming what does not fit.
 */
export function checkStandbyFit(h: AzureStandbyHelper, target: StandbyTarget): StandbyRef {
  const vm = parseArmId(h.vmId, "standbyHelperId");
  if (!/^Microsoft\.Compute$/i.test(vm.provider) || !/^virtualMachines$/i.test(vm.type))
    throw new PlanError(
      "invalid-input",
      `standbyHelperId is not a virtual machine id: ${JSON.stringify(h.vmId)}`,
    );
  const misfit = (why: string) =>
    new PlanError("standby-helper-misfit", `standby helper ${vm.name} ${why}`);
  if (vm.subscriptionId !== target.subscriptionId.toLowerCase())
    throw misfit(
      `is in subscription ${vm.subscriptionId}, the VM in ${target.subscriptionId}: a disk copy attaches only within its subscription`,
    );
  const zone = zoneOf(h.zone);
  const want = zoneOf(target.zone);
  if (zone !== want)
    throw misfit(
      `is in ${zone ? `zone ${zone}` : "no zone"}, the VM in ${want ? `zone ${want}` : "no zone"}: the copy of the VM's disk attaches only to a helper in its zone`,
    );
  const net = networkOf(h.subnetId);
  if (net === null)
    throw new PlanError(
      "invalid-input",
      `standbyHelperSubnetId is not a subnet id: ${JSON.stringify(h.subnetId)}`,
    );
  if (net !== networkOf(target.subnetId))
    throw misfit(
      `is in subnet ${h.subnetId}, outside the VM's virtual network (${target.subnetId}): use a standby helper of that network`,
    );
  return { vmId: h.vmId, resourceGroupName: vm.resourceGroup, vmName: vm.name, zone };
}
