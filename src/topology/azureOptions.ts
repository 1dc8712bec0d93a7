/**
 * The operator's options for an Azure rescue and their checks. Every option is checked before the
 * VM is even read, so a bad value fails before anything is created.
 */
import { PlanError } from "../vocabulary/errors";
import { REPAIR_ACTIONS, SERVICE_NAME_PATTERN } from "../vocabulary/repairActions";
import {
  parseArmId,
  type AzureDiskDescription,
  type AzureNicDescription,
  type AzureVmDescription,
} from "../describe/azureVm";
import { same } from "./azureNames";

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

const RESCUE_ID = /^[a-z0-9](?:[a-z0-9-]{0,22}[a-z0-9])?$/;
const VM_SIZE = /^(Standard|Basic)_[A-Za-z0-9_]{1,40}$/;
export const DISK_SKUS = [
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

/** What the planner reads about the broken VM. */
export interface AzureRescueInput {
  vm: AzureVmDescription;
  /** The primary NIC (`az network nic show`), for the subnet. Not needed when `subnetId` is set. */
  nic?: AzureNicDescription | null;
  /** The VM's OS disk (`az disk show` / `compute.getDisk`), for generation, size, SKU and tags. Optional. */
  osDisk?: AzureDiskDescription | null;
}
