import type { AwsRescueOptions } from "../../topology/awsOptions";

/**
 * Arguments of {@link AwsWindowsRescue}. Plain values only, so the component can be consumed from
 * any Pulumi language through the component plugin.
 */
export interface AwsWindowsRescueArgs {
  /** Id of the broken instance (i-…). */
  instanceId: string;
  /** Region of the instance. Default: the AWS provider's region. */
  region?: string;
  /** Identifies this rescue in names and tags (1-24 lowercase letters, digits, hyphens). Default: the component name. */
  rescueId?: string;
  /** `copy` (default: repair a new volume from the backup snapshot and swap it in) or `inPlace` (repair the original root). */
  mode?: string;
  /** Helper instance type. Default `t3.medium`. */
  helperInstanceType?: string;
  /** `/aws/service/ami-windows-latest/…` parameter of the helper AMI. Default: a Windows Server version different from the instance's. */
  helperAmiParameter?: string;
  /** Subnet of the helper (same AZ as the instance). Default: the instance's subnet. */
  subnetId?: string;
  /** Id of a standby helper instance a platform stack keeps stopped (`AwsStandbyHelper`): the rescue starts it, attaches the volume under repair, and stops it with nothing attached at teardown, instead of launching a helper. It must be in the root volume's availability zone and the instance's VPC, with an SSM instance profile that may write to the rescue's bucket. */
  standbyHelperId?: string;
  /** Subnet of the standby helper (`AwsStandbyHelper.subnetId`); required with `standbyHelperId`. */
  standbyHelperSubnetId?: string;
  /** Availability zone of the standby helper (`AwsStandbyHelper.availabilityZone`); required with `standbyHelperId`. */
  standbyHelperZone?: string;
  /** Windows Server version of the instance (2016, 2019, 2022, …) when its AMI does not tell. */
  windowsVersion?: string;
  /** Confirms the deploying identity may use the root volume's KMS key; required for encrypted roots. */
  kmsGrantConfirmed?: boolean;
  /** Confirms the helper's subnet reaches SSM through a NAT gateway (silences the network warning). */
  natConfirmed?: boolean;
  /** Service names of the VPC's endpoints, for the SSM network check. */
  vpcEndpointServices?: string[];
  /** Swap the repaired volume in as root and verify the boot. Default true; false stops after the repair. */
  swap?: boolean;
  /** Put the volume the swap replaced back as root (after a failed verification). Default false. */
  rollback?: boolean;
  /** Raise it (1, 2, ...) to swap the repaired volume in again after a rollback. Default 0. */
  swapGeneration?: number;
  /** Plan and run the repair script without changing the disk. Default false. */
  dryRun?: boolean;
  /** Force the culprit driver (service name or .sys file) instead of the triage's choice. */
  repairDriver?: string;
  /** repair.ps1 actions to run instead of the automatic choice (e.g. ["DisableDriver","EnableCrashDump"]). */
  actions?: string[];
  /** Swap even when the guest-driver check blocks it. Default false. */
  allowIncompatibleDrivers?: boolean;
  /** The instance type the guest drivers are checked for (e.g. a Nitro type the instance moves to). Default: its current type. */
  targetInstanceType?: string;
  /** The original root volume, when the instance runs on this rescue's copy and the copy has no vm-rescue:copy-of tag. */
  originalRootVolumeId?: string;
  /** Seconds each step may take (stop, detach, SSM command, verification). Default 1800. */
  stepTimeoutSeconds?: number;
  /** Extra tags on every resource the rescue creates. */
  tags?: { [key: string]: string };
}

/** The planner's options from the component's arguments; the rescue id defaults to the component name. */
export function awsRescueOptions(args: AwsWindowsRescueArgs, name: string): AwsRescueOptions {
  return {
    rescueId: args.rescueId ?? name,
    mode: args.mode,
    helperInstanceType: args.helperInstanceType,
    helperAmiParameter: args.helperAmiParameter,
    subnetId: args.subnetId,
    windowsVersion: args.windowsVersion,
    kmsGrantConfirmed: args.kmsGrantConfirmed,
    natConfirmed: args.natConfirmed,
    vpcEndpointServices: args.vpcEndpointServices,
    tags: args.tags,
    swap: args.swap,
    dryRun: args.dryRun,
    rollback: args.rollback,
    driver: args.repairDriver,
    actions: args.actions,
    allowIncompatibleDrivers: args.allowIncompatibleDrivers,
    targetInstanceType: args.targetInstanceType,
    originalRootVolumeId: args.originalRootVolumeId,
  };
}
