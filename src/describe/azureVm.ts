/**
 * The Azure VM description the planner reads: the JSON `az vm show -o json` prints, which is also
 * what `compute.getVirtualMachine` returns (camelCase ARM properties). Only the fields the rescue
 * needs are typed; everything else is ignored. Both spellings the tools use are accepted where they
 * differ (`diskSizeGb` from the CLI, `diskSizeGB` from ARM; `typePropertiesType` / `type` of
 * extensions).
 */
import { PlanError } from "../vocabulary/errors";

export interface AzureManagedDiskRef {
  id?: string | null;
  storageAccountType?: string | null;
  diskEncryptionSet?: { id?: string | null } | null;
  securityProfile?: {
    securityEncryptionType?: string | null;
    diskEncryptionSet?: { id?: string | null } | null;
  } | null;
}

export interface AzureOsDisk {
  osType?: string | null;
  name?: string | null;
  diskSizeGb?: number | null;
  diskSizeGB?: number | null;
  managedDisk?: AzureManagedDiskRef | null;
  vhd?: { uri?: string | null } | null;
  encryptionSettings?: { enabled?: boolean | null } | null;
  diffDiskSettings?: { option?: string | null } | null;
}

export interface AzureVmExtensionRef {
  name?: string | null;
  publisher?: string | null;
  /** `az vm show` spelling. */
  typePropertiesType?: string | null;
  /** ARM spelling on `resources[]` is the resource type; some tools put the extension type here. */
  type?: string | null;
  /** ARM properties of a VM extension. */
  virtualMachineExtensionType?: string | null;
}

export interface AzureVmDescription {
  id?: string | null;
  name?: string | null;
  location?: string | null;
  resourceGroup?: string | null;
  zones?: string[] | null;
  tags?: Record<string, string> | null;
  hardwareProfile?: { vmSize?: string | null } | null;
  storageProfile?: {
    osDisk?: AzureOsDisk | null;
    imageReference?: {
      publisher?: string | null;
      offer?: string | null;
      sku?: string | null;
      version?: string | null;
      exactVersion?: string | null;
      id?: string | null;
    } | null;
    diskControllerType?: string | null;
  } | null;
  osProfile?: {
    computerName?: string | null;
    windowsConfiguration?: unknown;
    linuxConfiguration?: unknown;
  } | null;
  networkProfile?: {
    networkInterfaces?: { id?: string | null; primary?: boolean | null }[] | null;
  } | null;
  securityProfile?: {
    securityType?: string | null;
    uefiSettings?: { secureBootEnabled?: boolean | null; vTpmEnabled?: boolean | null } | null;
    encryptionAtHost?: boolean | null;
  } | null;
  instanceView?: {
    hyperVGeneration?: string | null;
    osName?: string | null;
    osVersion?: string | null;
    statuses?: { code?: string | null }[] | null;
  } | null;
  resources?: AzureVmExtensionRef[] | null;
  virtualMachineScaleSet?: { id?: string | null } | null;
  diagnosticsProfile?: {
    bootDiagnostics?: { enabled?: boolean | null; storageUri?: string | null } | null;
  } | null;
}

/** The parts of `az network nic show` (or `network.getNetworkInterface`) the planner reads. */
export interface AzureNicDescription {
  id?: string | null;
  ipConfigurations?: { primary?: boolean | null; subnet?: { id?: string | null } | null }[] | null;
}

/** The parts of `az disk show` (or `compute.getDisk`) the planner reads. */
export interface AzureDiskDescription {
  id?: string | null;
  hyperVGeneration?: string | null;
  diskSizeGB?: number | null;
  sku?: { name?: string | null } | null;
  zones?: string[] | null;
  securityProfile?: { securityType?: string | null } | null;
  encryptionSettingsCollection?: { enabled?: boolean | null } | null;
  /** The disk's tags: a rescue's repaired copy carries `vm-rescue:role`, `vm-rescue:id` and `vm-rescue:copy-of`. */
  tags?: Record<string, string> | null;
}

/** An ARM resource id split into its parts. */
export interface ArmId {
  subscriptionId: string;
  resourceGroup: string;
  provider: string;
  type: string;
  name: string;
}

const ARM_ID =
  /^\/subscriptions\/([0-9a-fA-F-]{36})\/resourceGroups\/([-\w._()]{1,90})\/providers\/([\w.]+)\/([\w]+)\/([^/]+)(\/.*)?$/;

/** Parses an ARM resource id; throws a {@link PlanError} naming `what` when it is not one. */
export function parseArmId(id: string | null | undefined, what: string): ArmId {
  const m = typeof id === "string" ? ARM_ID.exec(id) : null;
  if (!m)
    throw new PlanError(
      "invalid-input",
      `${what} is not an Azure resource id: ${JSON.stringify(id ?? null)}`,
    );
  return {
    subscriptionId: m[1].toLowerCase(),
    resourceGroup: m[2],
    provider: m[3],
    type: m[4],
    name: m[5],
  };
}

/** True when the value looks like the JSON of one VM (an object with an id or storageProfile). */
export function isAzureVmDescription(x: unknown): x is AzureVmDescription {
  return (
    typeof x === "object" && x !== null && !Array.isArray(x) && ("storageProfile" in x || "id" in x)
  );
}

/** Accepts the parsed JSON of `az vm show` (one object) or of `az vm list` with one element. */
export function asAzureVmDescription(json: unknown): AzureVmDescription {
  const one = Array.isArray(json) && json.length === 1 ? json[0] : json;
  if (Array.isArray(one)) {
    throw new PlanError(
      "invalid-input",
      `expected the JSON of one VM (az vm show -o json), got a list of ${one.length}`,
    );
  }
  if (!isAzureVmDescription(one)) {
    throw new PlanError(
      "invalid-input",
      "expected the JSON of one VM (az vm show -o json): no id or storageProfile",
    );
  }
  return one;
}

/** True when the VM runs the Azure Disk Encryption extension or its OS disk has ADE settings. */
export function usesAzureDiskEncryption(
  vm: AzureVmDescription,
  disk?: AzureDiskDescription,
): boolean {
  const ext = (vm.resources ?? []).some((r) => {
    const t = r.typePropertiesType ?? r.virtualMachineExtensionType ?? r.type ?? "";
    return /^AzureDiskEncryption/i.test(t) || /AzureDiskEncryption/i.test(r.name ?? "");
  });
  const osDiskSettings = vm.storageProfile?.osDisk?.encryptionSettings?.enabled === true;
  const diskSettings = disk?.encryptionSettingsCollection?.enabled === true;
  return ext || osDiskSettings || diskSettings;
}

/** The primary NIC of a VM description as an ARM id (the first one when none is marked), or null. */
export function primaryNicId(vm: AzureVmDescription): string | null {
  const nics = vm.networkProfile?.networkInterfaces ?? [];
  return (nics.find((n) => n.primary) ?? nics[0])?.id ?? null;
}
