import type { AzureRescueOptions } from "../../topology/azureOptions";

/**
 * Arguments of {@link AzureWindowsRescue}. Plain values only (no unions, no functions), so the
 * component can be consumed from any Pulumi language through the component plugin.
 */
export interface AzureWindowsRescueArgs {
  /** Resource group of the broken VM. */
  resourceGroupName: string;
  /** Name of the broken VM. */
  vmName: string;
  /** Identifies this rescue in names and tags (1-24 lowercase letters, digits, hyphens). Default: the component name. */
  rescueId?: string;
  /** Size of the helper VM. Default `Standard_D2s_v5`. */
  helperVmSize?: string;
  /** Marketplace SKU (`MicrosoftWindowsServer:WindowsServer`) of the helper, overriding the automatic choice of a Windows version different from the broken VM's. */
  helperImageSku?: string;
  /** Storage type of the helper's own OS disk. Default `StandardSSD_LRS`. */
  helperOsDiskSku?: string;
  /** Resource group for the helper VM, its NIC and NSG and the artifacts storage. Default: the VM's group. */
  helperResourceGroupName?: string;
  /** Storage type of the OS-disk copy. Default: the same as the original OS disk. */
  copyDiskSku?: string;
  /** Hyper-V generation ("V1" or "V2") when Azure does not report it. */
  hyperVGeneration?: string;
  /** Subnet of the helper's NIC. Default: the subnet of the broken VM's primary NIC. */
  subnetId?: string;
  /** Admin user of the helper VM. Default `rescueadmin`. */
  adminUsername?: string;
  /** Extra tags on every resource the rescue creates. */
  tags?: { [key: string]: string };
  /** Force the culprit: a service name or driver file name on the disk. Default: the triage decides. */
  driver?: string;
  /** Repair actions to run instead of the automatic choice (names as in repair.ps1, e.g. "DisableDriver"). */
  actions?: string[];
  /** Run repair.ps1 as a dry run: it reports what it would do and changes nothing; nothing is swapped. */
  dryRun?: boolean;
  /** Swap the repaired copy in as the VM's OS disk when the gate allows. Default true. */
  swap?: boolean;
  /** Swap even when the guest-driver check blocks it. Default false. */
  allowIncompatibleDrivers?: boolean;
  /** Put the original OS disk back (after a failed boot verification). Default false. */
  rollback?: boolean;
  /** Raise it (1, 2, ...) to swap the repaired copy in again after a rollback; a rolled-back swap is never redone otherwise. Default 0. */
  swapGeneration?: number;
  /** How long the boot verification waits for the swapped VM. Default 20. */
  verifyTimeoutMinutes?: number;
  /** Principal type of the identity running `pulumi up` ("User", or "ServicePrincipal" in CI), for its temporary read access to the artifacts. Default "User". */
  operatorPrincipalType?: string;
  /** ARM id of a standby helper VM a platform stack keeps deallocated (`StandbyHelper`): the rescue starts it with the copy attached instead of creating a helper, and leaves it deallocated with nothing attached. It must be in the VM's region, zone and virtual network and have a system-assigned identity. */
  standbyHelperId?: string;
  /** Subnet of the standby helper's NIC (`StandbyHelper.subnetId`); required with `standbyHelperId`. */
  standbyHelperSubnetId?: string;
  /** Availability zone of the standby helper (`StandbyHelper.zone`); leave it out for a helper without a zone. */
  standbyHelperZone?: string;
  /** ARM id of the VM's original OS disk. Normally read from the VM (after the swap: from the repaired copy's `vm-rescue:copy-of` tag); set it when the copy has no such tag. */
  originalOsDiskId?: string;
}

/** The planner's options from the component's arguments; the rescue id defaults to the component name. */
export function azureRescueOptions(args: AzureWindowsRescueArgs, name: string): AzureRescueOptions {
  return {
    rescueId: args.rescueId ?? name,
    helperVmSize: args.helperVmSize,
    helperImageSku: args.helperImageSku,
    helperOsDiskSku: args.helperOsDiskSku,
    helperResourceGroupName: args.helperResourceGroupName,
    copyDiskSku: args.copyDiskSku,
    hyperVGeneration: args.hyperVGeneration,
    subnetId: args.subnetId,
    adminUsername: args.adminUsername,
    tags: args.tags,
    originalOsDiskId: args.originalOsDiskId,
    driver: args.driver,
    actions: args.actions,
    dryRun: args.dryRun,
    swap: args.swap,
    allowIncompatibleDrivers: args.allowIncompatibleDrivers,
    rollback: args.rollback,
    verifyTimeoutMinutes: args.verifyTimeoutMinutes,
    operatorPrincipalType: args.operatorPrincipalType,
  };
}
