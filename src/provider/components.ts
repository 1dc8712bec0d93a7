/**
 * The inputs and outputs of the two rescue components as the schema declares them: the one
 * source `schema.json` is generated from (with the step kinds' PropertySpecs). A test holds the
 * keys and types against `AzureWindowsRescueArgs`, `AwsWindowsRescueArgs` and the output
 * interfaces of `src/vocabulary/outputs.ts`. Every input accepts an Output (none is `plain`):
 * construct waits for the values before it plans the rescue.
 */
import { COMPONENT_TYPES, PACKAGE_NAME } from "../vocabulary/tokens";
import { REPAIR_CHECK, SWAP_GATE } from "../steps/objectTypes";
import { objectTypeJson, typeToken } from "./types";

export type SchemaType =
  | { type: "string" | "number" | "integer" | "boolean" }
  | { type: "array"; items: SchemaType }
  | { type: "object"; additionalProperties: SchemaType }
  | { $ref: string };

export type ComponentProperty = SchemaType & { description: string; optional?: boolean };

export interface ComponentSpec {
  token: string;
  description: string;
  inputs: Record<string, ComponentProperty>;
  outputs: Record<string, ComponentProperty>;
}

export const SWAP_GATE_TYPE = typeToken(SWAP_GATE);
export const KEPT_RESOURCE_TYPE = `${PACKAGE_NAME}:index:KeptResource`;
export const REPAIR_CHECK_TYPE = typeToken(REPAIR_CHECK);

const S = { type: "string" } as const;
const B = { type: "boolean" } as const;
const strings = { type: "array", items: S } as const;
const str = (description: string, optional = true): ComponentProperty => ({
  ...S,
  description,
  optional,
});
const bool = (description: string): ComponentProperty => ({ ...B, description, optional: true });
const list = (description: string, optional = true): ComponentProperty => ({
  ...strings,
  description,
  optional,
});
const tags: ComponentProperty = {
  type: "object",
  additionalProperties: S,
  description: "Extra tags on every resource the rescue creates.",
  optional: true,
};
const rescueId = str(
  "Identifies this rescue in names and tags (1-24 lowercase letters, digits, hyphens). Default: the component name.",
);

/** The object types the components' outputs use (the gate is the steps' own `SwapGate`). */
export const OBJECT_TYPES: Record<string, Record<string, unknown> & { properties: object }> = {
  [SWAP_GATE_TYPE]: objectTypeJson(SWAP_GATE, {}) as { properties: object },
  [KEPT_RESOURCE_TYPE]: {
    type: "object",
    description: "A resource that outlives `pulumi destroy`.",
    properties: {
      kind: { type: "string", description: "snapshot, originalDisk, repairedDisk or artifacts." },
      id: { type: "string", description: "The resource's id, or the artifacts' location." },
    },
    required: ["kind", "id"],
  },
  [REPAIR_CHECK_TYPE]: objectTypeJson(REPAIR_CHECK, {}) as { properties: object },
};

/** The outputs both components export (src/vocabulary/outputs.ts `RescueOutputs`). */
const commonOutputs: Record<string, ComponentProperty> = {
  snapshotId: str(
    "Id of the backup snapshot of the original OS disk or root volume (kept).",
    false,
  ),
  repairDiskId: str("Id of the disk the helper repairs (kept).", false),
  originalDiskId: str(
    "Id of the original OS disk or root volume: never deleted, what a rollback puts back.",
    false,
  ),
  helperId: str("Id of the helper VM or instance (removed on destroy).", false),
  artifactsLocation: str(
    "Where the artifacts are kept (blob container URL, the rescue's s3:// prefix); shipped files under collect/ and repaired/.",
    false,
  ),
  collectOutputUrl: str("The collect script's JSON output (blob URL, SSM output folder).", false),
  collectStatus: str("The collect command's final state as the cloud reports it.", false),
  repairResultUrl: str("The repair script's result document (blob URL, SSM output folder).", false),
  repairStatus: str("The repair command's final state as the cloud reports it.", false),
  warnings: list("Things the planner wants a person to know.", false),
  triageSummary: list("One line per minidump: bug check and culprit.", false),
  findings: list("One line per guest-driver finding (blocking ones first).", false),
  decision: list("The repair decision: every chosen action with its reason, then notes.", false),
  repairActions: list("The repair actions repair.ps1 runs, in order.", false),
  gate: {
    $ref: `#/types/${SWAP_GATE_TYPE}`,
    description: "Whether the swap may happen, and every reason why not.",
  },
  swapped: {
    ...B,
    description: "True once the repaired disk is the VM's OS disk / the instance's root.",
  },
  booted: {
    ...B,
    description: "True when the VM came up after the swap (false when no swap ran).",
  },
  repairCheck: {
    $ref: `#/types/${REPAIR_CHECK_TYPE}`,
    description:
      "The check of the hives the repair returned against the plan, before the swap; any difference closed the gate.",
  },
};

export const AZURE_COMPONENT: ComponentSpec = {
  token: COMPONENT_TYPES.azure,
  description:
    "Rescues a Windows Azure VM stuck in a BSOD boot loop: snapshot, copy, helper VM, collect, triage, repair, swap, boot verification. The original OS disk is never written to or deleted.",
  inputs: {
    resourceGroupName: str("Resource group of the broken VM.", false),
    vmName: str("Name of the broken VM.", false),
    rescueId,
    helperVmSize: str("Size of the helper VM. Default `Standard_D2s_v5`."),
    helperImageSku: str("Marketplace SKU of the helper, overriding the automatic choice."),
    helperOsDiskSku: str("Storage type of the helper's own OS disk. Default `StandardSSD_LRS`."),
    helperResourceGroupName: str(
      "Resource group for the helper VM, its NIC and NSG and the artifacts. Default: the VM's group.",
    ),
    copyDiskSku: str(
      "Storage type of the OS-disk copy. Default: the same as the original OS disk.",
    ),
    hyperVGeneration: str("Hyper-V generation (`V1` or `V2`) when Azure does not report it."),
    subnetId: str("Subnet of the helper's NIC. Default: the subnet of the VM's primary NIC."),
    adminUsername: str("Admin user of the helper VM. Default `rescueadmin`."),
    tags,
    driver: str("Force the culprit: a service name or driver file name on the disk."),
    actions: list("Repair actions to run instead of the automatic choice (e.g. `DisableDriver`)."),
    dryRun: bool("Run repair.ps1 as a dry run: it reports what it would do and changes nothing."),
    swap: bool("Swap the repaired copy in as the VM's OS disk when the gate allows. Default true."),
    allowIncompatibleDrivers: bool(
      "Swap even when the guest-driver check blocks it. Default false.",
    ),
    rollback: bool(
      "Put the original OS disk back (after a failed boot verification). Default false.",
    ),
    swapGeneration: {
      type: "integer",
      optional: true,
      description: "Raise it to swap the repaired copy in again after a rollback. Default 0.",
    },
    verifyTimeoutMinutes: {
      type: "number",
      optional: true,
      description: "How long the boot verification waits for the swapped VM. Default 20.",
    },
    operatorPrincipalType: str(
      "Principal type of the identity running `pulumi up` (`User`, `ServicePrincipal`). Default `User`.",
    ),
    originalOsDiskId: str(
      "ARM id of the VM's original OS disk, when the repaired copy has no `vm-rescue:copy-of` tag.",
    ),
    standbyHelperId: str(
      "ARM id of a standby helper VM (`StandbyHelper.helperId`): started with the copy attached instead of creating a helper, left deallocated with nothing attached.",
    ),
    standbyHelperSubnetId: str(
      "Subnet of the standby helper (`StandbyHelper.subnetId`); required with `standbyHelperId`.",
    ),
    standbyHelperZone: str("Availability zone of the standby helper (`StandbyHelper.zone`)."),
  },
  outputs: {
    ...commonOutputs,
    outcome: list("What the swap, the boot verification and the rollback report.", false),
    verifiedBoots: list(
      "The boots verified after the swap, in order: normal, or safe-mode then normal once safe mode was reverted.",
      false,
    ),
    leftForPerson: list(
      "What a person must still do after the boot verification (safe mode not reverted), with the commands.",
      false,
    ),
    rollbackOffered: {
      ...B,
      description:
        "True when the boot verification failed and `rollback=true` would put the original disk back.",
    },
    keptResources: {
      type: "array",
      items: { $ref: `#/types/${KEPT_RESOURCE_TYPE}` },
      description: "What outlives `pulumi destroy`.",
    },
    alreadySwapped: {
      ...B,
      description: "True when the run found the VM already on the repaired copy.",
    },
    snapshotDiagnosis: list(
      "The diagnosis read straight from the backup snapshot while the helper booted (one line).",
      false,
    ),
  },
};

export const AWS_COMPONENT: ComponentSpec = {
  token: COMPONENT_TYPES.aws,
  description:
    "Rescues a Windows EC2 instance stuck in a BSOD boot loop: backup snapshot, repair volume, helper instance, SSM collect and repair, root-volume swap, boot verification.",
  inputs: {
    instanceId: str("Id of the broken instance (i-…).", false),
    region: str("Region of the instance. Default: the provider's region."),
    rescueId,
    mode: str("`copy` (default: repair a new volume from the backup snapshot) or `inPlace`."),
    helperInstanceType: str("Helper instance type. Default `t3.medium`."),
    helperAmiParameter: str("`/aws/service/ami-windows-latest/…` parameter of the helper AMI."),
    subnetId: str(
      "Subnet of the helper (same AZ as the instance). Default: the instance's subnet.",
    ),
    windowsVersion: str("Windows Server version of the instance when its AMI does not tell."),
    kmsGrantConfirmed: bool("Confirms the deploying identity may use the root volume's KMS key."),
    natConfirmed: bool("Confirms the helper's subnet reaches SSM through a NAT gateway."),
    vpcEndpointServices: list("Service names of the VPC's endpoints, for the SSM network check."),
    swap: bool("Swap the repaired volume in as root and verify the boot. Default true."),
    rollback: bool("Put the volume the swap replaced back as root. Default false."),
    swapGeneration: {
      type: "integer",
      optional: true,
      description: "Raise it to swap the repaired volume in again after a rollback. Default 0.",
    },
    dryRun: bool("Plan and run the repair script without changing the disk. Default false."),
    repairDriver: str("Force the culprit driver (service name or .sys file)."),
    actions: list("repair.ps1 actions to run instead of the automatic choice."),
    allowIncompatibleDrivers: bool(
      "Swap even when the guest-driver check blocks it. Default false.",
    ),
    targetInstanceType: str(
      "The instance type the guest drivers are checked for. Default: its current type.",
    ),
    originalRootVolumeId: str(
      "The original root volume, when the copy has no `vm-rescue:copy-of` tag.",
    ),
    standbyHelperId: str(
      "Instance id of a standby helper (`AwsStandbyHelper.helperId`): started instead of launching a helper, left stopped with nothing attached besides its root.",
    ),
    standbyHelperSubnetId: str(
      "Subnet of the standby helper (`AwsStandbyHelper.subnetId`); required with `standbyHelperId`.",
    ),
    standbyHelperZone: str(
      "Availability zone of the standby helper (`AwsStandbyHelper.availabilityZone`); required with `standbyHelperId`.",
    ),
    stepTimeoutSeconds: {
      type: "number",
      optional: true,
      description: "Seconds each step may take. Default 1800.",
    },
    tags,
  },
  outputs: {
    ...commonOutputs,
    mode: str("`copy` or `inPlace`.", false),
    instanceType: str("The broken instance's type.", false),
    targetInstanceType: str("The type the guest-driver check is made against.", false),
    backupState: str("The backup snapshot's state once waited for (`completed`).", false),
    backupCompletedAt: str("ISO time the backup snapshot completed.", false),
  },
};

/** A standby helper a platform stack keeps for Azure rescues (`src/clouds/azure/standbyHelper.ts`). */
export const STANDBY_HELPER_COMPONENT: ComponentSpec = {
  token: COMPONENT_TYPES.standbyHelper,
  description:
    "A helper VM kept deallocated for Azure rescues (no public IP, an NSG without inbound rules, a system-assigned identity); a rescue given its outputs starts it instead of creating a helper and leaves it deallocated with nothing attached.",
  inputs: {
    resourceGroupName: str("Resource group of the helper VM, its NIC and NSG.", false),
    location: str("Region of the helper.", false),
    subnetId: str("Subnet of its NIC, in the virtual network of the VMs it rescues.", false),
    zone: str("Availability zone; leave it out for VMs without a zone."),
    vmName: str("Name of the VM. Default: the component name."),
    vmSize: str("Size of the VM. Default `Standard_D2s_v5`."),
    imageSku: str(
      "`MicrosoftWindowsServer:WindowsServer` SKU. Default `2022-datacenter-smalldisk-g2`.",
    ),
    osDiskSku: str("Storage type of its OS disk. Default `StandardSSD_LRS`."),
    adminUsername: str("Admin user. Default `rescueadmin`."),
    tags: { ...tags, description: "Extra tags on its resources." },
  },
  outputs: {
    helperId: str("ARM id of the helper VM (a rescue's `standbyHelperId`).", false),
    subnetId: str("Subnet of its NIC (a rescue's `standbyHelperSubnetId`).", false),
    zone: str('Its availability zone, "" for none (a rescue\'s `standbyHelperZone`).', false),
    location: str("Its region.", false),
    principalId: str("The principal of its system-assigned identity.", false),
    powerState: str("Its power state once created: deallocated.", false),
  },
};

/** A standby helper a platform stack keeps for AWS rescues (`src/clouds/aws/standbyHelper.ts`). */
export const AWS_STANDBY_HELPER_COMPONENT: ComponentSpec = {
  token: COMPONENT_TYPES.awsStandbyHelper,
  description:
    "A Windows helper instance kept stopped for AWS rescues (no public IP, a security group without inbound rules, an SSM instance profile); a rescue given its outputs starts it instead of launching a helper and leaves it stopped with nothing attached.",
  inputs: {
    subnetId: str("Subnet of the helper, in the VPC of the instances it rescues.", false),
    availabilityZone: str("The subnet's availability zone.", false),
    region: str("Region. Default: the provider's region."),
    instanceType: str("Instance type. Default `t3.medium`."),
    amiParameter: str(
      "`/aws/service/ami-windows-latest/…` parameter of its AMI. Default Windows Server 2022.",
    ),
    instanceName: str("Its Name tag. Default: the component name."),
    tags: { ...tags, description: "Extra tags on its resources." },
  },
  outputs: {
    helperId: str("Its instance id (a rescue's `standbyHelperId`).", false),
    subnetId: str("Its subnet (a rescue's `standbyHelperSubnetId`).", false),
    availabilityZone: str("Its availability zone (a rescue's `standbyHelperZone`).", false),
    instanceProfileName: str("Its instance profile.", false),
    state: str("Its state once created: stopped.", false),
  },
};

export const COMPONENTS: readonly ComponentSpec[] = [
  AZURE_COMPONENT,
  AWS_COMPONENT,
  STANDBY_HELPER_COMPONENT,
  AWS_STANDBY_HELPER_COMPONENT,
];
