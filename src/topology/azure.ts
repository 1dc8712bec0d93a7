/**
 * The Azure rescue plan: a pure function of the broken VM's description (`az vm show` JSON, or
 * what `compute.getVirtualMachine` returns) and the operator's options. It decides every name,
 * location, zone, SKU, size, generation and image of the rescue topology, and rejects VMs it cannot
 * rescue with a specific {@link PlanError}. The `AzureWindowsRescue` component only translates the
 * plan into resources.
 */
import { createHash } from "crypto";
import { PlanError } from "../vocabulary/errors";
import { REPAIR_ACTIONS, SERVICE_NAME_PATTERN } from "../vocabulary/repairActions";
import {
  AzureDiskDescription,
  AzureNicDescription,
  AzureVmDescription,
  parseArmId,
  usesAzureDiskEncryption,
} from "../describe/azureVm";
import { ID_TAG, SOURCE_TAG, ROLE_TAG, REPAIR_COPY_ROLE, COPY_OF_TAG } from "../vocabulary/tags";

/**
 * The operator's repair and swap choices. They act late in the chain (the triage resource, the
 * repair Run Command, the verification), so the planner checks them first: a bad value fails
 * before anything is created, not after the snapshot, the copy and the helper exist.
 */
export interface AzureRepairOptions {
  /** Force the culprit: a service name or a driver file name on the disk (`cxnetmon`, `cxnetmon.sys`). */
  driver?: string;
  /** Repair actions instead of the automatic choice (repair.ps1 names, 1..32). */
  actions?: string[];
  dryRun?: boolean;
  swap?: boolean;
  allowIncompatibleDrivers?: boolean;
  rollback?: boolean;
  /** Whole minutes, 1..240. */
  verifyTimeoutMinutes?: number;
  /** User, ServicePrincipal or Group. */
  operatorPrincipalType?: string;
}

/** Options an operator may set (Pulumi config / `--set key=value`). All plain values. */
export interface AzureRescueOptions extends AzureRepairOptions {
  /** Identifies this rescue in names and tags: lowercase letters, digits and hyphens, ≤ 24 chars. */
  rescueId: string;
  /** Size of the helper VM. Default `Standard_D2s_v5` (2 vCPU, 8 GiB, premium storage, SCSI). */
  helperVmSize?: string;
  /** Marketplace SKU of `MicrosoftWindowsServer:WindowsServer` for the helper, overriding the choice. */
  helperImageSku?: string;
  /** Storage type of the helper's own OS disk. Default `StandardSSD_LRS`. */
  helperOsDiskSku?: string;
  /** Resource group for the helper, its NIC/NSG and the artifacts storage. Default: the VM's group. */
  helperResourceGroupName?: string;
  /** Storage type of the OS-disk copy. Default: the same as the original OS disk. */
  copyDiskSku?: string;
  /** Hyper-V generation of the broken VM when the description does not say ("V1" or "V2"). */
  hyperVGeneration?: string;
  /** Subnet for the helper's NIC. Default: the subnet of the broken VM's primary NIC. */
  subnetId?: string;
  /** Admin user name of the helper. Default `rescueadmin`. */
  adminUsername?: string;
  /** Extra tags on everything the rescue creates. */
  tags?: Record<string, string>;
  /**
   * The VM's original OS disk (ARM id). Normally read from the VM, or after the swap from the
   * repaired copy's `vm-rescue:copy-of` tag; set it when the copy carries no such tag.
   */
  originalOsDiskId?: string;
}

export type WindowsServerVersion = "2012" | "2012-r2" | "2016" | "2019" | "2022" | "2025";

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
  snapshot: { name: string; incremental: boolean };
  copyDisk: {
    name: string;
    sku: string;
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

/** What the planner reads about the broken VM. */
export interface AzureRescueInput {
  vm: AzureVmDescription;
  /** The primary NIC (`az network nic show`), for the subnet. Not needed when `subnetId` is set. */
  nic?: AzureNicDescription | null;
  /** The VM's OS disk (`az disk show` / `compute.getDisk`), for generation, size, SKU and tags. Optional. */
  osDisk?: AzureDiskDescription | null;
}

export const DEFAULT_HELPER_SIZE = "Standard_D2s_v5";
export const DEFAULT_HELPER_OS_DISK_SKU = "StandardSSD_LRS";
export const DEFAULT_ADMIN_USERNAME = "rescueadmin";
/** Storage Blob Data Contributor (built-in role). */
export const STORAGE_BLOB_DATA_CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe";

const RESCUE_ID = /^[a-z0-9](?:[a-z0-9-]{0,22}[a-z0-9])?$/;
const VM_SIZE = /^(Standard|Basic)_[A-Za-z0-9_]{1,40}$/;
const DISK_SKUS = [
  "Standard_LRS",
  "StandardSSD_LRS",
  "Premium_LRS",
  "StandardSSD_ZRS",
  "Premium_ZRS",
] as const;
const IMAGE_SKU = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const ADMIN_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,19}$/;
const RESERVED_ADMIN_NAMES = new Set([
  "administrator",
  "admin",
  "user",
  "user1",
  "test",
  "user2",
  "test1",
  "user3",
  "admin1",
  "1",
  "123",
  "a",
  "actuser",
  "adm",
  "admin2",
  "aspnet",
  "backup",
  "console",
  "david",
  "guest",
  "john",
  "owner",
  "root",
  "server",
  "sql",
  "support",
  "support_388945a0",
  "sys",
  "test2",
  "test3",
  "user4",
  "user5",
]);
const RG_NAME = /^[-\w._()]{1,90}$/;
const TAG_KEY = /^[^<>%&\\?/\u0000-\u001f]{1,512}$/;
const TAG_VALUE = /^[^\u0000-\u001f]{0,256}$/;

/** Windows build numbers of the Windows Server releases (CurrentBuildNumber). */
export const WINDOWS_SERVER_BUILDS: Record<WindowsServerVersion, number> = {
  "2012": 9200,
  "2012-r2": 9600,
  "2016": 14393,
  "2019": 17763,
  "2022": 20348,
  "2025": 26100,
};

/** Helper versions in order of preference; the first that differs from the broken VM's wins. */
const HELPER_PREFERENCE: WindowsServerVersion[] = ["2022", "2025", "2019"];

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
      `VM ${vmName} runs ${osType}; vm-rescue rescues Windows VMs only (for Linux use az vm repair)`,
    );
  }
  if (osDisk.vhd?.uri || !osDisk.managedDisk) {
    throw new PlanError(
      "unmanaged-disk",
      `VM ${vmName} uses an unmanaged (VHD blob) OS disk; vm-rescue needs managed disks (convert with az vm convert first)`,
    );
  }
  if (osDisk.diffDiskSettings?.option) {
    throw new PlanError(
      "ephemeral-os-disk",
      `VM ${vmName} has an ephemeral OS disk; there is no persistent disk to repair (reimage or redeploy it instead)`,
    );
  }
  if (vm.virtualMachineScaleSet?.id) {
    throw new PlanError(
      "scale-set-instance",
      `VM ${vmName} belongs to a scale set; swapping the OS disk of a scale-set instance is not supported (reimage the instance)`,
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
      `VM ${vmName} is a confidential VM; its OS disk is bound to the VM's guest state and cannot be repaired on a helper`,
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

  // Copy disk SKU: the same as the original unless overridden. A zonal VM cannot use a ZRS copy in a zone.
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
    snapshot: { name: diskName(vmName, id, "osdisk-backup"), incremental: true },
    copyDisk: {
      name: copyName,
      sku: copySku,
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
        name: "vmrescue-collect",
        outputBlob: "collect/output.json",
        errorBlob: "collect/error.txt",
        resultFile: "C:\\vm-rescue\\collect.json",
      },
    },
    tags,
    warnings,
  };
}

/** Azure's limit on a tag value. */
export const TAG_VALUE_MAX = 256;

/**
 * The tags that name the original OS disk on the copy: `vm-rescue:copy-of` = its id, or — for an id
 * over {@link TAG_VALUE_MAX} characters (a 90-character resource group and an 80-character disk
 * name make 272) — the id in two halves, `vm-rescue:copy-of-1` and `vm-rescue:copy-of-2`.
 */
export function copyOfTags(originalDiskId: string): Record<string, string> {
  if (originalDiskId.length <= TAG_VALUE_MAX) return { [COPY_OF_TAG]: originalDiskId };
  if (originalDiskId.length <= 2 * TAG_VALUE_MAX) {
    return {
      [`${COPY_OF_TAG}-1`]: originalDiskId.slice(0, TAG_VALUE_MAX),
      [`${COPY_OF_TAG}-2`]: originalDiskId.slice(TAG_VALUE_MAX),
    };
  }
  throw new PlanError(
    "invalid-input",
    `the OS disk's id is ${originalDiskId.length} characters; the copy cannot record it in its tags (at most ${2 * TAG_VALUE_MAX})`,
  );
}

/** The original OS disk a copy's tags name ({@link copyOfTags}), or null. Tag names are case-insensitive in Azure. */
export function copyOfFromTags(tags: Record<string, string> | null | undefined): string | null {
  const t = lowerKeys(tags);
  if (t[COPY_OF_TAG]) return t[COPY_OF_TAG];
  const a = t[`${COPY_OF_TAG}-1`];
  const b = t[`${COPY_OF_TAG}-2`];
  return a && b ? a + b : null;
}

function lowerKeys(tags: Record<string, string> | null | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(tags ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * The original OS disk. Usually the VM's OS disk. When that is this rescue's repaired copy (a
 * re-run after the swap: tags `vm-rescue:role=repair-copy` and `vm-rescue:id=<rescueId>`, or the
 * copy's deterministic name in the VM's group), the original is the one the copy's
 * `vm-rescue:copy-of` tag names, or `originalOsDiskId` — never the copy, which would make the next
 * `up` snapshot and copy the copy and roll back to it. Another rescue's copy, or any other disk, is
 * the original as today.
 */
function decideOriginalOsDisk(
  input: AzureRescueInput,
  options: AzureRescueOptions,
  at: {
    vmName: string;
    sourceRg: string;
    copyName: string;
    currentOsDiskId: string;
    currentArm: ArmIdParts;
  },
): { originalId: string; alreadySwapped: boolean } {
  const tags = lowerKeys(input.osDisk?.tags);
  const taggedOurs =
    tags[ROLE_TAG] === REPAIR_COPY_ROLE &&
    tags[ID_TAG] === options.rescueId &&
    (tags[SOURCE_TAG] === undefined || same(tags[SOURCE_TAG], `${at.sourceRg}/${at.vmName}`));
  const namedOurs =
    same(at.currentArm.type, "disks") &&
    same(at.currentArm.name, at.copyName) &&
    same(at.currentArm.resourceGroup, at.sourceRg);
  const pinned = options.originalOsDiskId;
  if (!taggedOurs && !namedOurs) {
    if (pinned !== undefined && !same(pinned, at.currentOsDiskId)) {
      throw new PlanError(
        "os-disk-changed",
        `VM ${at.vmName} has OS disk ${at.currentOsDiskId}, which is neither originalOsDiskId (${pinned}) nor this rescue's copy ${at.copyName}; it was changed outside this rescue`,
      );
    }
    return { originalId: at.currentOsDiskId, alreadySwapped: false };
  }
  const tagged = copyOfFromTags(input.osDisk?.tags);
  if (tagged !== null) parseArmId(tagged, `the ${COPY_OF_TAG} tag of the VM's OS disk`);
  if (tagged !== null && pinned !== undefined && !same(tagged, pinned)) {
    throw new PlanError(
      "invalid-option",
      `originalOsDiskId ${pinned} differs from the original disk the VM's OS disk (this rescue's copy) names in its ${COPY_OF_TAG} tag: ${tagged}`,
    );
  }
  // The tag holds exactly the id the first run used, so every input stays the same.
  const originalId = tagged ?? pinned;
  if (originalId === undefined) {
    throw new PlanError(
      "original-disk-unknown",
      `VM ${at.vmName} already runs on this rescue's repaired copy ${at.currentArm.name}, which does not name its original (no ${COPY_OF_TAG} tag); set originalOsDiskId to the original OS disk's id so the backup, the copy and a rollback keep pointing at it`,
    );
  }
  if (same(originalId, at.currentOsDiskId)) {
    throw new PlanError(
      "invalid-option",
      `the original OS disk ${originalId} cannot be the copy itself`,
    );
  }
  return { originalId, alreadySwapped: true };
}

type ArmIdParts = ReturnType<typeof parseArmId>;

const PRINCIPAL_TYPES = ["User", "ServicePrincipal", "Group"] as const;
const MAX_ACTIONS = 32;

/**
 * Checks the repair and swap options; throws a {@link PlanError} with one clear line. The same
 * rules repair.ps1's param() block enforces (action names, a service or driver file name), so a bad
 * value is rejected here rather than by the triage resource after the helper exists.
 */
export function validateAzureRepairOptions(o: AzureRepairOptions): void {
  if (
    o.driver !== undefined &&
    (typeof o.driver !== "string" || !SERVICE_NAME_PATTERN.test(o.driver.trim()))
  ) {
    throw new PlanError(
      "invalid-option",
      `driver ${JSON.stringify(o.driver)} must be a service name or driver file name (1-64 letters, digits, "_", "." or "-"), e.g. cxnetmon or cxnetmon.sys`,
    );
  }
  if (o.actions !== undefined) {
    if (!Array.isArray(o.actions) || o.actions.some((a) => typeof a !== "string"))
      throw new PlanError("invalid-option", "actions must be a list of repair action names");
    if (o.actions.length === 0)
      throw new PlanError(
        "invalid-option",
        "actions: give at least one repair action, or leave it unset for the automatic choice",
      );
    if (o.actions.length > MAX_ACTIONS)
      throw new PlanError(
        "invalid-option",
        `actions: at most ${MAX_ACTIONS} repair actions, got ${o.actions.length}`,
      );
    const unknown = o.actions.filter((a) => !(REPAIR_ACTIONS as readonly string[]).includes(a));
    if (unknown.length > 0) {
      throw new PlanError(
        "invalid-option",
        `actions: unknown repair action(s) ${unknown.map((a) => JSON.stringify(a)).join(", ")}; known: ${REPAIR_ACTIONS.join(", ")}`,
      );
    }
  }
  for (const key of ["dryRun", "swap", "allowIncompatibleDrivers", "rollback"] as const) {
    if (o[key] !== undefined && typeof o[key] !== "boolean")
      throw new PlanError(
        "invalid-option",
        `${key} must be true or false, got ${JSON.stringify(o[key])}`,
      );
  }
  const t = o.verifyTimeoutMinutes;
  if (t !== undefined && (typeof t !== "number" || !Number.isInteger(t) || t < 1 || t > 240)) {
    throw new PlanError(
      "invalid-option",
      `verifyTimeoutMinutes must be a whole number of minutes in 1..240, got ${JSON.stringify(t)}`,
    );
  }
  if (
    o.operatorPrincipalType !== undefined &&
    !(PRINCIPAL_TYPES as readonly string[]).includes(o.operatorPrincipalType)
  ) {
    throw new PlanError(
      "invalid-option",
      `operatorPrincipalType must be one of ${PRINCIPAL_TYPES.join(", ")}, got ${JSON.stringify(o.operatorPrincipalType)}`,
    );
  }
}

/** Checks every option (no VM needed); throws a {@link PlanError}. {@link planAzureRescue} runs it first. */
export function validateAzureRescueOptions(o: AzureRescueOptions): void {
  validateAzureRepairOptions(o);
  if (o.originalOsDiskId !== undefined) {
    const arm = parseArmId(o.originalOsDiskId, "originalOsDiskId");
    if (!same(arm.provider, "Microsoft.Compute") || !same(arm.type, "disks")) {
      throw new PlanError(
        "invalid-option",
        `originalOsDiskId ${JSON.stringify(o.originalOsDiskId)} is not a managed disk id (…/providers/Microsoft.Compute/disks/<name>)`,
      );
    }
  }
  if (!RESCUE_ID.test(o.rescueId ?? "")) {
    throw new PlanError(
      "invalid-option",
      `rescueId ${JSON.stringify(o.rescueId)} must be 1-24 lowercase letters, digits or hyphens, starting and ending with a letter or digit`,
    );
  }
  if (o.helperVmSize !== undefined && !VM_SIZE.test(o.helperVmSize)) {
    throw new PlanError(
      "invalid-option",
      `helperVmSize ${JSON.stringify(o.helperVmSize)} is not an Azure VM size such as Standard_D2s_v5`,
    );
  }
  for (const [key, value] of [
    ["copyDiskSku", o.copyDiskSku],
    ["helperOsDiskSku", o.helperOsDiskSku],
  ] as const) {
    if (value !== undefined && !(DISK_SKUS as readonly string[]).includes(value)) {
      throw new PlanError(
        "invalid-option",
        `${key} ${JSON.stringify(value)} must be one of ${DISK_SKUS.join(", ")}`,
      );
    }
  }
  if (o.helperImageSku !== undefined && !IMAGE_SKU.test(o.helperImageSku)) {
    throw new PlanError(
      "invalid-option",
      `helperImageSku ${JSON.stringify(o.helperImageSku)} is not a marketplace image SKU such as 2022-datacenter-smalldisk-g2`,
    );
  }
  if (
    o.hyperVGeneration !== undefined &&
    o.hyperVGeneration !== "V1" &&
    o.hyperVGeneration !== "V2"
  ) {
    throw new PlanError(
      "invalid-option",
      `hyperVGeneration ${JSON.stringify(o.hyperVGeneration)} must be V1 or V2`,
    );
  }
  if (o.helperResourceGroupName !== undefined && !RG_NAME.test(o.helperResourceGroupName)) {
    throw new PlanError(
      "invalid-option",
      `helperResourceGroupName ${JSON.stringify(o.helperResourceGroupName)} is not a resource group name`,
    );
  }
  if (o.subnetId !== undefined) parseArmId(o.subnetId, "subnetId");
  if (
    o.adminUsername !== undefined &&
    (!ADMIN_NAME.test(o.adminUsername) || RESERVED_ADMIN_NAMES.has(o.adminUsername.toLowerCase()))
  ) {
    throw new PlanError(
      "invalid-option",
      `adminUsername ${JSON.stringify(o.adminUsername)} must be 1-20 letters, digits, _ or -, start with a letter and not be a reserved name`,
    );
  }
  for (const [k, v] of Object.entries(o.tags ?? {})) {
    if (!TAG_KEY.test(k) || typeof v !== "string" || !TAG_VALUE.test(v)) {
      throw new PlanError(
        "invalid-option",
        `tag ${JSON.stringify(k)}: names may not contain < > % & \\ ? / and values must be ≤ 256 characters without control characters`,
      );
    }
  }
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

function decideHelperVersion(
  source: WindowsServerVersion | null,
  options: AzureRescueOptions,
  warnings: string[],
): WindowsServerVersion {
  if (options.helperImageSku) {
    const m = /^(2012-r2|2016|2019|2022|2025)/.exec(options.helperImageSku.toLowerCase());
    const v = (m?.[1] ?? "2022") as WindowsServerVersion;
    if (source !== null && v === source) {
      warnings.push(
        `helperImageSku ${options.helperImageSku} is the same Windows version as the broken VM; the attached copy may come up offline with a disk-signature collision (the scripts handle it, but a different version avoids it)`,
      );
    }
    return v;
  }
  if (source === null) {
    warnings.push(
      "the broken VM's Windows version is unknown; the helper runs Windows Server 2022 and the scripts handle a disk-signature collision if one occurs",
    );
  }
  return HELPER_PREFERENCE.find((v) => v !== source) as WindowsServerVersion;
}

function decideSubnet(input: AzureRescueInput, options: AzureRescueOptions): string {
  if (options.subnetId) return options.subnetId;
  const configs = input.nic?.ipConfigurations ?? [];
  const primary = configs.find((c) => c.primary) ?? configs[0];
  const id = primary?.subnet?.id;
  if (!id) {
    throw new PlanError(
      "no-subnet",
      "cannot tell the helper's subnet: give the primary NIC's description (az network nic show) or set subnetId",
    );
  }
  return id;
}

function normalizeController(v: string | null): "SCSI" | "NVMe" | null {
  if (!v) return null;
  return /nvme/i.test(v) ? "NVMe" : "SCSI";
}

function sizeSupportsPremium(size: string): boolean {
  // Premium-capable sizes carry an "s" in their feature letters (D2s_v5, E4ds_v5, F8s_v2, B2ms, DS2_v2).
  const m = /^Standard_([A-Z]+)(\d+)([a-z]*)(_v\d+)?/.exec(size);
  if (!m) return true;
  return m[3].includes("s") || /S$/.test(m[1]);
}

/** Disk names: ≤ 80 chars of [A-Za-z0-9_.-], starting with a letter/digit, ending with a letter/digit/_. */
function diskName(vmName: string, id: string, suffix: string): string {
  if (id.startsWith(vmName.toLowerCase())) vmName = "";
  const tail = vmName ? `-${id}-${suffix}` : `${id}-${suffix}`;
  if (!vmName) return tail;
  const head = vmName
    .replace(/[^A-Za-z0-9_.-]/g, "-")
    .slice(0, 80 - tail.length)
    .replace(/^[^A-Za-z0-9]+/, "");
  return `${head || "vm"}${tail}`;
}

function shortHash(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** A stable GUID (version-5 layout) from text, for ARM resources whose names must be GUIDs. */
export function guidFrom(text: string): string {
  const h = createHash("sha1").update(text).digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString("hex");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}
