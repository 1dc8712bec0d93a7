/**
 * The Azure rescue plan: a pure function of the broken VM's description (`az vm show` JSON, or
 * what `compute.getVirtualMachine` returns) and the operator's options. It decides every name,
 * location, zone, SKU, size, generation and image of the rescue topology, and rejects VMs it cannot
 * rescue with a specific {@link PlanError}. The `AzureWindowsRescue` component only translates the
 * plan into resources.
 */
import { PlanError } from "../vocabulary/errors";
import { RUN_COMMAND_NAMES } from "../vocabulary/tokens";
import { AzureVmDescription, parseArmId, usesAzureDiskEncryption } from "../describe/azureVm";
import { ID_TAG, SOURCE_TAG, ROLE_TAG, REPAIR_COPY_ROLE } from "../vocabulary/tags";
import { WINDOWS_SERVER_BUILDS, type WindowsServerVersion } from "./windows";
import {
  DISK_SKUS,
  validateAzureRescueOptions,
  type AzureRescueInput,
  type AzureRescueOptions,
} from "./azureOptions";

export type { AzureRescueInput } from "./azureOptions";
import { copyOfTags, decideOriginalOsDisk } from "./azureOriginalDisk";
import { decideHelperVersion, decideSubnet, sizeSupportsPremium } from "./azureHelper";
import { diskName, guidFrom, shortHash } from "./azureNames";

export interface AzureRescuePlan {
  rescueId: string;
  location: string;
  /**
   * True when the VM's OS disk already is this rescue's repaired copy (a re-run after the swap):
   * `source.osDiskId` is then the original disk from the copy's `vm-rescue:copy-of` tag (or
   * `originalOsDiskId`), so the plan is the same as before the swap.
   */
  alreadySwapped: boolean;
  /** Availability zone of the broken VM (and so of the copy and the helper), or null. */
  zone: string | null;
  subscriptionId: string;
  source: {
    vmId: string;
    vmName: string;
    resourceGroupName: string;
    /** The original OS disk: the snapshot's and the copy's source, the rollback's target. */
    osDiskId: string;
    /** The VM's OS disk as read now: `osDiskId`, or the repaired copy after the swap. */
    currentOsDiskId: string;
    osDiskName: string;
    osDiskSku: string | null;
    osDiskSizeGB: number | null;
    /** Windows Server version of the broken VM when it can be told, else null. */
    windowsVersion: WindowsServerVersion | null;
    hyperVGeneration: "V1" | "V2" | null;
    securityType: "Standard" | "TrustedLaunch";
    diskControllerType: "SCSI" | "NVMe" | null;
    diskEncryptionSetId: string | null;
    vmSize: string | null;
  };
  snapshot: {
    name: string;
    incremental: boolean;
    /** The original's disk encryption set (customer-managed key): the backup keeps it. */
    diskEncryptionSetId: string | null;
  };
  copyDisk: {
    name: string;
    sku: string;
    /** The copy's zone: the VM's, except for a zone-redundant (ZRS) copy, which takes none. */
    zone: string | null;
    sizeGB: number | null;
    hyperVGeneration: "V1" | "V2" | null;
    diskEncryptionSetId: string | null;
    /** Its tags: the plan's tags, `vm-rescue:role=repair-copy` and the original disk ({@link copyOfTags}). */
    tags: Record<string, string>;
  };
  network: { subnetId: string; nsgName: string; nicName: string };
  helper: {
    resourceGroupName: string;
    vmName: string;
    computerName: string;
    size: string;
    osDiskSku: string;
    image: { publisher: string; offer: string; sku: string; version: string };
    windowsVersion: WindowsServerVersion;
    adminUsername: string;
    /** LUN of the attached copy. */
    copyLun: number;
  };
  artifacts: {
    storageAccountName: string;
    containerName: string;
    /** Role assignment names are GUIDs; derived so they stay stable across updates. */
    helperBlobRoleAssignmentName: string;
  };
  runCommands: {
    collect: { name: string; outputBlob: string; errorBlob: string; resultFile: string };
  };
  tags: Record<string, string>;
  warnings: string[];
}

export const DEFAULT_HELPER_SIZE = "Standard_D2s_v5";
export const DEFAULT_HELPER_OS_DISK_SKU = "StandardSSD_LRS";
export const DEFAULT_ADMIN_USERNAME = "rescueadmin";
/** Storage Blob Data Contributor (built-in role). */
export const STORAGE_BLOB_DATA_CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe";

/**
 * Plans the Azure rescue. Throws {@link PlanError} for a VM that cannot be rescued or a bad option;
 * never touches the network or the file system.
 */
export function planAzureRescue(
  input: AzureRescueInput,
  options: AzureRescueOptions,
): AzureRescuePlan {
  const { vm } = input;
  const warnings: string[] = [];
  validateAzureRescueOptions(options);

  const vmId = parseArmId(vm.id, "the VM's id");
  const vmName = vm.name ?? vmId.name;
  const location = requireString(vm.location, "the VM's location");
  const osDisk = vm.storageProfile?.osDisk;
  if (!osDisk)
    throw new PlanError("no-os-disk", `VM ${vmName} has no OS disk in its storageProfile`);
  const osType = osDisk.osType ?? null;
  if (osType === null)
    throw new PlanError(
      "unknown-os",
      `VM ${vmName}: storageProfile.osDisk.osType is missing; vm-rescue rescues Windows VMs`,
    );
  if (osType.toLowerCase() !== "windows") {
    throw new PlanError(
      "not-windows",
      `VM ${vmName} runs ${osType}; vm-rescue rescues Windows VMs only (storageProfile.osDisk.osType; for Linux use az vm repair)`,
    );
  }
  if (osDisk.vhd?.uri || !osDisk.managedDisk) {
    throw new PlanError(
      "unmanaged-disk",
      `VM ${vmName} uses an unmanaged (VHD blob) OS disk (storageProfile.osDisk.vhd); vm-rescue needs managed disks (convert with az vm convert first)`,
    );
  }
  if (osDisk.diffDiskSettings?.option) {
    throw new PlanError(
      "ephemeral-os-disk",
      `VM ${vmName} has an ephemeral OS disk (storageProfile.osDisk.diffDiskSettings); there is no persistent disk to repair (reimage or redeploy it instead)`,
    );
  }
  if (vm.virtualMachineScaleSet?.id) {
    throw new PlanError(
      "scale-set-instance",
      `VM ${vmName} belongs to a scale set (virtualMachineScaleSet.id); swapping the OS disk of a scale-set instance is not supported (reimage the instance)`,
    );
  }
  if (usesAzureDiskEncryption(vm, input.osDisk ?? undefined)) {
    throw new PlanError(
      "azure-disk-encryption",
      `VM ${vmName} uses Azure Disk Encryption; vm-rescue cannot unlock the BitLocker volume of the copy yet (use az vm repair create --unlock-encrypted-vm, or disable ADE first)`,
    );
  }
  const securityTypeRaw =
    vm.securityProfile?.securityType ?? input.osDisk?.securityProfile?.securityType ?? null;
  if (securityTypeRaw && /confidential/i.test(securityTypeRaw)) {
    throw new PlanError(
      "confidential-vm",
      `VM ${vmName} is a confidential VM (securityProfile.securityType ${securityTypeRaw}); its OS disk is bound to the VM's guest state and cannot be repaired on a helper`,
    );
  }
  const securityType =
    securityTypeRaw && /trustedlaunch/i.test(securityTypeRaw) ? "TrustedLaunch" : "Standard";

  const currentOsDiskId = requireString(osDisk.managedDisk.id, "the OS disk's managedDisk.id");
  const currentArm = parseArmId(currentOsDiskId, "the OS disk's managedDisk.id");
  const sourceRg = vm.resourceGroup ?? vmId.resourceGroup;
  const copyName = diskName(vmName, options.rescueId, "osdisk-copy");
  const { originalId: osDiskId, alreadySwapped } = decideOriginalOsDisk(input, options, {
    vmName,
    sourceRg,
    copyName,
    currentOsDiskId,
    currentArm,
  });
  // After the swap the VM's osDisk.name is the copy's: the original's name comes from its id.
  const osDiskName = alreadySwapped
    ? parseArmId(osDiskId, "the original OS disk's id").name
    : (osDisk.name ?? currentArm.name);
  const osDiskSku = input.osDisk?.sku?.name ?? osDisk.managedDisk.storageAccountType ?? null;
  const osDiskSizeGB = input.osDisk?.diskSizeGB ?? osDisk.diskSizeGB ?? osDisk.diskSizeGb ?? null;
  const diskEncryptionSetId = osDisk.managedDisk.diskEncryptionSet?.id ?? null;
  if (osDisk.managedDisk.securityProfile?.securityEncryptionType) {
    throw new PlanError(
      "confidential-vm",
      `VM ${vmName}: the OS disk has a confidential-computing encryption type; it cannot be repaired on a helper`,
    );
  }

  const zone = vm.zones && vm.zones.length > 0 ? String(vm.zones[0]) : null;
  const generation = decideGeneration(input, options, securityType, warnings);
  const windowsVersion = detectWindowsVersion(vm);
  const diskControllerType = normalizeController(vm.storageProfile?.diskControllerType ?? null);

  const helperRg = options.helperResourceGroupName ?? vm.resourceGroup ?? vmId.resourceGroup;
  const subnetId = decideSubnet(input, options);
  if (parseArmId(subnetId, "the subnet id").subscriptionId !== vmId.subscriptionId) {
    warnings.push(
      "the helper's subnet is in another subscription than the VM; make sure the deploying identity may join it",
    );
  }

  // Copy disk SKU: the same as the original unless overridden. A ZRS copy is placed without a zone.
  let copySku = options.copyDiskSku ?? osDiskSku ?? "Premium_LRS";
  if (!(DISK_SKUS as readonly string[]).includes(copySku)) {
    warnings.push(`OS disk storage type ${copySku} is not one the copy can use; using Premium_LRS`);
    copySku = "Premium_LRS";
  }
  if (!osDiskSku && !options.copyDiskSku)
    warnings.push(
      "the OS disk's storage type is not in the description; the copy uses Premium_LRS",
    );

  const helperVersion = decideHelperVersion(windowsVersion, options, warnings);
  const helperSize = options.helperVmSize ?? DEFAULT_HELPER_SIZE;
  if (/^Premium/.test(copySku) && !sizeSupportsPremium(helperSize)) {
    warnings.push(
      `helper size ${helperSize} may not support premium storage; the ${copySku} copy needs an 's' size such as ${DEFAULT_HELPER_SIZE}`,
    );
  }
  if (diskControllerType === "NVMe") {
    warnings.push(
      "the VM uses an NVMe disk controller; the helper uses SCSI so the scripts find the attached disk, and the repaired disk keeps its NVMe boot driver settings",
    );
  }
  if (/^Standard_[A-Z]+\d+[a-z]*p[a-z]*_v\d+$/.test(vm.hardwareProfile?.vmSize ?? "")) {
    warnings.push(
      "the VM size is an Arm64 size; offline SFC/DISM from an x64 helper may not repair an Arm64 image",
    );
  }

  const id = options.rescueId;
  const hash = shortHash(`${vmId.subscriptionId}/${vmId.resourceGroup}/${vmName}/${id}`);
  const tags: Record<string, string> = {
    ...(options.tags ?? {}),
    [ID_TAG]: id,
    [SOURCE_TAG]: `${vmId.resourceGroup}/${vmName}`,
  };

  return {
    rescueId: id,
    location,
    alreadySwapped,
    zone,
    subscriptionId: vmId.subscriptionId,
    source: {
      vmId: vm.id as string,
      vmName,
      resourceGroupName: sourceRg,
      osDiskId,
      currentOsDiskId,
      osDiskName,
      osDiskSku,
      osDiskSizeGB,
      windowsVersion,
      hyperVGeneration: generation,
      securityType,
      diskControllerType,
      diskEncryptionSetId,
      vmSize: vm.hardwareProfile?.vmSize ?? null,
    },
    snapshot: {
      name: diskName(vmName, id, "osdisk-backup"),
      incremental: true,
      diskEncryptionSetId,
    },
    copyDisk: {
      name: copyName,
      sku: copySku,
      zone: /_ZRS$/.test(copySku) ? null : zone,
      sizeGB: osDiskSizeGB,
      hyperVGeneration: generation,
      diskEncryptionSetId,
      tags: { ...tags, [ROLE_TAG]: REPAIR_COPY_ROLE, ...copyOfTags(osDiskId) },
    },
    network: { subnetId, nsgName: `${id}-helper-nsg`, nicName: `${id}-helper-nic` },
    helper: {
      resourceGroupName: helperRg,
      vmName: `${id}-helper`,
      computerName: `rescue-${hash.slice(0, 8)}`,
      size: helperSize,
      osDiskSku: options.helperOsDiskSku ?? DEFAULT_HELPER_OS_DISK_SKU,
      image: {
        publisher: "MicrosoftWindowsServer",
        offer: "WindowsServer",
        sku: options.helperImageSku ?? `${helperVersion}-datacenter-smalldisk-g2`,
        version: "latest",
      },
      windowsVersion: helperVersion,
      adminUsername: options.adminUsername ?? DEFAULT_ADMIN_USERNAME,
      copyLun: 0,
    },
    artifacts: {
      storageAccountName: `vmr${hash.slice(0, 20)}`,
      containerName: `rescue-${id}`,
      helperBlobRoleAssignmentName: guidFrom(`${hash}/helper-blob-contributor`),
    },
    runCommands: {
      collect: {
        name: RUN_COMMAND_NAMES.collect,
        outputBlob: "collect/output.json",
        errorBlob: "collect/error.txt",
        resultFile: "C:\\vm-rescue\\collect.json",
      },
    },
    tags,
    warnings,
  };
}

function requireString(v: string | null | undefined, what: string): string {
  if (typeof v !== "string" || v.length === 0)
    throw new PlanError("invalid-input", `${what} is missing from the VM description`);
  return v;
}

function decideGeneration(
  input: AzureRescueInput,
  options: AzureRescueOptions,
  securityType: string,
  warnings: string[],
): "V1" | "V2" | null {
  const told =
    options.hyperVGeneration ??
    input.osDisk?.hyperVGeneration ??
    input.vm.instanceView?.hyperVGeneration ??
    null;
  if (told === "V1" || told === "V2") return told;
  if (securityType === "TrustedLaunch") return "V2";
  const sku = input.vm.storageProfile?.imageReference?.sku ?? "";
  if (/(-g2|gensecond|gen2)$/i.test(sku) || /-g2-|gen2/i.test(sku)) return "V2";
  if (/^(2008|2012|2016|2019|2022|2025)[-\w]*datacenter/i.test(sku) && !/g2|gensecond/i.test(sku))
    return "V1";
  warnings.push(
    "the VM's Hyper-V generation is not in the description (use az vm get-instance-view, or set hyperVGeneration); the copy inherits it from the original disk",
  );
  return null;
}

/** Tells the Windows Server version from the image reference or the instance view, else null. */
export function detectWindowsVersion(vm: AzureVmDescription): WindowsServerVersion | null {
  const sku =
    `${vm.storageProfile?.imageReference?.sku ?? ""} ${vm.storageProfile?.imageReference?.offer ?? ""}`.toLowerCase();
  const name = (vm.instanceView?.osName ?? "").toLowerCase();
  for (const text of [sku, name]) {
    if (/2012-r2|2012 r2/.test(text)) return "2012-r2";
    const m = /(2012|2016|2019|2022|2025)/.exec(text);
    if (m) return m[1] as WindowsServerVersion;
  }
  const build = /10\.0\.(\d+)|6\.3\.(\d+)/.exec(vm.instanceView?.osVersion ?? "");
  if (build) {
    const n = Number(build[1] ?? build[2]);
    const found = (Object.entries(WINDOWS_SERVER_BUILDS) as [WindowsServerVersion, number][]).find(
      ([, b]) => b === n,
    );
    if (found) return found[0];
  }
  return null;
}

function normalizeController(v: string | null): "SCSI" | "NVMe" | null {
  if (!v) return null;
  return /nvme/i.test(v) ? "NVMe" : "SCSI";
}
