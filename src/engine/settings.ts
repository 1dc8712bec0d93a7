/**
 * The stack settings of the rescue program (`pulumi config set vm-rescue:<key>`): one list, which
 * Pulumi.yaml and the README's table are generated from (`generatedDocs.ts`) and `program.ts` reads.
 */
import { PACKAGE_NAME } from "../vocabulary/tokens";

/** The project name, i.e. the config namespace (`vm-rescue:vmName`). */
export const PROJECT = PACKAGE_NAME;

/** One stack setting. Pulumi.yaml declares the same list (a test keeps them equal). */
export interface Setting {
  key: string;
  type: "string" | "integer" | "boolean" | "array";
  description: string;
  /** Default as Pulumi.yaml writes it; absent when the setting is required or computed. */
  default?: string | number | boolean;
  clouds: ("azure" | "aws")[];
}

export const SETTINGS: Setting[] = [
  {
    key: "cloud",
    type: "string",
    default: "azure",
    clouds: ["azure", "aws"],
    description: "Where the broken VM runs: azure or aws.",
  },
  {
    key: "rescueId",
    type: "string",
    clouds: ["azure", "aws"],
    description:
      "Identifies this rescue in resource names and tags (1-24 lowercase letters, digits, hyphens). Default: the stack name.",
  },
  {
    key: "resourceGroup",
    type: "string",
    clouds: ["azure"],
    description: "Resource group of the broken VM (required on Azure).",
  },
  {
    key: "vmName",
    type: "string",
    clouds: ["azure"],
    description: "Name of the broken VM (required on Azure).",
  },
  {
    key: "helperVmSize",
    type: "string",
    default: "Standard_D2s_v5",
    clouds: ["azure"],
    description: "Size of the helper VM.",
  },
  {
    key: "helperImageSku",
    type: "string",
    clouds: ["azure"],
    description:
      "MicrosoftWindowsServer:WindowsServer SKU of the helper. Default: a Windows Server version different from the broken VM's (2022, else 2025), smalldisk, Gen2.",
  },
  {
    key: "helperOsDiskSku",
    type: "string",
    default: "StandardSSD_LRS",
    clouds: ["azure"],
    description: "Storage type of the helper's own OS disk.",
  },
  {
    key: "helperResourceGroup",
    type: "string",
    clouds: ["azure"],
    description:
      "Resource group for the helper VM, its NIC/NSG and the artifacts storage. Default: the VM's group.",
  },
  {
    key: "copyDiskSku",
    type: "string",
    clouds: ["azure"],
    description: "Storage type of the OS-disk copy. Default: the original disk's.",
  },
  {
    key: "hyperVGeneration",
    type: "string",
    clouds: ["azure"],
    description: "V1 or V2, when Azure does not report the VM's generation.",
  },
  {
    key: "subnetId",
    type: "string",
    clouds: ["azure", "aws"],
    description:
      "Subnet for the helper's NIC. Default: the subnet of the broken VM's primary NIC (on AWS: the instance's subnet; it must be in the same availability zone).",
  },
  {
    key: "adminUsername",
    type: "string",
    default: "rescueadmin",
    clouds: ["azure"],
    description: "Admin user of the helper VM (its password is generated and kept secret).",
  },
  {
    key: "instanceId",
    type: "string",
    clouds: ["aws"],
    description: "Id of the broken EC2 instance, i-… (required on AWS).",
  },
  {
    key: "region",
    type: "string",
    clouds: ["aws"],
    description: "Region of the instance. Default: the AWS provider's region (aws:region).",
  },
  {
    key: "mode",
    type: "string",
    default: "copy",
    clouds: ["aws"],
    description:
      "copy: repair a new volume made from the backup snapshot and swap it in (the original root is kept); inPlace: stop, detach and repair the original root volume.",
  },
  {
    key: "helperInstanceType",
    type: "string",
    default: "t3.medium",
    clouds: ["aws"],
    description: "Instance type of the helper.",
  },
  {
    key: "helperAmiParameter",
    type: "string",
    clouds: ["aws"],
    description:
      "SSM public parameter of the helper AMI (/aws/service/ami-windows-latest/…). Default: a Windows Server version different from the instance's.",
  },
  {
    key: "windowsVersion",
    type: "string",
    clouds: ["aws"],
    description:
      "Windows Server version of the instance (2016, 2019, 2022, 2025) when its AMI does not tell.",
  },
  {
    key: "kmsGrantConfirmed",
    type: "boolean",
    clouds: ["aws"],
    description:
      "Confirms the deploying identity may use the encrypted root volume's KMS key (kms:CreateGrant, Decrypt, ReEncrypt*, GenerateDataKeyWithoutPlaintext, DescribeKey); required for encrypted roots.",
  },
  {
    key: "natConfirmed",
    type: "boolean",
    clouds: ["aws"],
    description:
      "Confirms the helper's subnet reaches SSM through a NAT gateway (otherwise it needs the ssm, ec2messages, ssmmessages and s3 VPC endpoints).",
  },
  {
    key: "swap",
    type: "boolean",
    default: true,
    clouds: ["azure", "aws"],
    description:
      "Swap the repaired disk in (Azure: as the VM's OS disk; AWS: as root volume) and verify the boot; false stops after the repair.",
  },
  {
    key: "rollback",
    type: "boolean",
    default: false,
    clouds: ["azure", "aws"],
    description:
      "Put the replaced OS disk back (Azure and AWS copy: the original disk/volume; AWS inPlace: a volume from the backup snapshot).",
  },
  {
    key: "swapGeneration",
    type: "integer",
    default: 0,
    clouds: ["azure", "aws"],
    description:
      "Raise it (1, 2, ...) to swap the repaired copy in again after a rollback; a rolled-back swap is never redone otherwise.",
  },
  {
    key: "driver",
    type: "string",
    clouds: ["azure", "aws"],
    description:
      "Force the culprit driver (service name or .sys file name on the disk) instead of the triage's choice.",
  },
  {
    key: "dryRun",
    type: "boolean",
    default: false,
    clouds: ["azure", "aws"],
    description:
      "Run the repair script as a dry run: it reports what it would do and changes nothing; nothing is swapped.",
  },
  {
    key: "actions",
    type: "array",
    clouds: ["azure", "aws"],
    description:
      'Repair actions to run instead of the automatic choice (repair.ps1 names, e.g. ["DisableDriver","EnableCrashDump"]).',
  },
  {
    key: "allowIncompatibleDrivers",
    type: "boolean",
    default: false,
    clouds: ["azure", "aws"],
    description:
      "Swap even when the guest-driver check blocks it (outdated guest agent or integration services; on AWS missing ENA/NVMe drivers for a Nitro type).",
  },
  {
    key: "targetInstanceType",
    type: "string",
    clouds: ["aws"],
    description:
      "Instance type the repaired root must boot on, for the guest-driver check (e.g. a Nitro type the instance moves to; a missing ENA/NVMe driver blocks the swap). Default: the instance's current type. vm-rescue does not change the type.",
  },
  {
    key: "originalRootVolumeId",
    type: "string",
    clouds: ["aws"],
    description:
      "The instance's original root volume (vol-…). Normally read from the root's tags (after the swap the root is this rescue's copy, tagged vm-rescue:copy-of); set it when the copy has no such tag.",
  },
  {
    key: "verifyTimeoutMinutes",
    type: "integer",
    default: 20,
    clouds: ["azure"],
    description:
      "How long the boot verification waits for the swapped VM to run with its guest agent Ready.",
  },
  {
    key: "originalOsDiskId",
    type: "string",
    clouds: ["azure"],
    description:
      "ARM id of the VM's original OS disk. Normally read from the VM (after the swap: from the repaired copy's vm-rescue:copy-of tag); set it when the VM already runs on this rescue's copy and the copy has no such tag.",
  },
  {
    key: "standbyHelperId",
    type: "string",
    clouds: ["azure", "aws"],
    description:
      "A standby helper kept stopped by a platform stack (the StandbyHelper / AwsStandbyHelper component's helperId: an ARM VM id on Azure, an instance id on AWS): the rescue starts it with the disk under repair attached instead of creating a helper, and leaves it deallocated (Azure) or stopped (AWS) with nothing attached.",
  },
  {
    key: "standbyHelperSubnetId",
    type: "string",
    clouds: ["azure", "aws"],
    description:
      "Subnet of the standby helper (the component's subnetId); required with standbyHelperId. It must be in the VM's virtual network (Azure) or the instance's VPC (AWS).",
  },
  {
    key: "standbyHelperZone",
    type: "string",
    clouds: ["azure", "aws"],
    description:
      "Availability zone of the standby helper (the component's zone / availabilityZone); it must be the VM's (Azure: leave it unset for a VM without a zone) or the root volume's (AWS: required with standbyHelperId).",
  },
  {
    key: "operatorPrincipalType",
    type: "string",
    default: "User",
    clouds: ["azure"],
    description:
      "User, or ServicePrincipal when pulumi up runs in CI: the type of the deploying identity, which gets temporary read access to the artifacts.",
  },
  {
    key: "tags",
    type: "string",
    clouds: ["azure", "aws"],
    description:
      'Extra tags on every resource the rescue creates, as a JSON object of strings, e.g. {"ticket":"INC-4711"}.',
  },
];

/** Thrown for settings the program does not know. */
export class UnknownSettingError extends Error {}

/** Throws {@link UnknownSettingError} for the first key of `settings` that is not a setting. */
export function checkSettings(settings: Record<string, string>): void {
  const known = new Set(SETTINGS.map((s) => s.key));
  for (const key of Object.keys(settings)) {
    if (!known.has(key)) {
      throw new UnknownSettingError(
        `unknown setting ${JSON.stringify(key)}; known: ${[...known].join(", ")}`,
      );
    }
  }
}
