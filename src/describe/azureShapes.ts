/**
 * Every shape in which users have an Azure VM's description, detected, named and normalised to the
 * `az vm show` shape the planner reads:
 *
 * - `az vm show` (old and new az: explicit nulls, `diskSizeGb` or `diskSizeGB`);
 * - `az vm list` with exactly one VM (several: refused, pick one);
 * - an ARM REST body (`az rest`, `Invoke-RestMethod`, the portal's JSON view, the REST API's
 *   examples): the same fields under `properties`;
 * - Azure Resource Graph rows (`az graph query`: `{data: [row]}` or `[row]`; `Search-AzGraph`);
 * - `Get-AzVM | ConvertTo-Json` (PascalCase names; a depth cut by ConvertTo-Json is refused).
 *
 * Ids that are placeholders or redacted (`{subscription-id}`, `[subscription-id]`, `xxxxxxxx`) are
 * refused in one line naming the field: a plan from them would name resources that do not exist.
 */
import { PlanError } from "../vocabulary/errors";
import type { AzureNicDescription, AzureVmDescription } from "./azureVm";

export type AzureShape =
  | "az vm show"
  | "az vm list (one VM)"
  | "ARM REST body (properties)"
  | "ARM REST list (one VM)"
  | "Azure Resource Graph row"
  | "Get-AzVM | ConvertTo-Json";

/** A VM description as read: the normalised VM, which shape it came in, and what is unknown. */
export interface AzureVmInput {
  vm: AzureVmDescription;
  shape: string;
  warnings: string[];
}

type Json = Record<string, unknown>;

const isObject = (x: unknown): x is Json =>
  typeof x === "object" && x !== null && !Array.isArray(x);

/** `OSProfile` → `osProfile`, `VmSize` → `vmSize`, `ID` → `id`: PowerShell's names to ARM's. */
export function camelName(key: string): string {
  const m = /^([A-Z]+)(?=[A-Z][a-z]|$|[^A-Za-z])/.exec(key);
  if (m) return m[1].toLowerCase() + key.slice(m[1].length);
  return key.charAt(0).toLowerCase() + key.slice(1);
}

/** Renames every key to camelCase except inside tags (their names are the user's). */
function camelKeys(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(camelKeys);
  if (!isObject(x)) return x;
  const out: Json = {};
  for (const [k, v] of Object.entries(x)) {
    const name = camelName(k);
    out[name] = name === "tags" ? v : camelKeys(v);
  }
  return out;
}

/** ConvertTo-Json's default depth (2) turns deeper objects into their type name or `@{a=b; …}`. */
function cutByConvertToJson(x: unknown, path: string): string | null {
  if (typeof x === "string") {
    if (
      /^Microsoft\.Azure\.(Management|Commands)\.[\w.]+$/.test(x) ||
      /^@\{[^}]*=/.test(x) ||
      /^System\.[\w.`]+/.test(x)
    )
      return path;
    return null;
  }
  if (Array.isArray(x)) {
    for (let i = 0; i < x.length; i++) {
      const hit = cutByConvertToJson(x[i], `${path}[${i}]`);
      if (hit) return hit;
    }
    return null;
  }
  if (!isObject(x)) return null;
  for (const [k, v] of Object.entries(x)) {
    if (k === "tags" || k === "Tags") continue;
    const hit = cutByConvertToJson(v, path ? `${path}.${k}` : k);
    if (hit) return hit;
  }
  return null;
}

/**
 * Placeholders and redactions: `{subscription-id}`, `[subscription-id]`, `xxxxxxxx`, `<name>`, and the
 * all-zero GUID the Azure documentation's examples use for a subscription or tenant.
 */
const PLACEHOLDER =
  /\{[\w -]*\}|\[[\w -]*(\]|\/|$)|\bx{4,}\b|x{8}|<[\w -]+>|(^|\/)00000000-0000-0000-0000-000000000000(\/|$)/i;

/** The first id-like field (`id`, `…Id`, `uri`) holding a placeholder or redaction, with its path. */
export function placeholderId(x: unknown, path = ""): { path: string; value: string } | null {
  if (Array.isArray(x)) {
    for (let i = 0; i < x.length; i++) {
      const hit = placeholderId(x[i], `${path}[${i}]`);
      if (hit) return hit;
    }
    return null;
  }
  if (!isObject(x)) return null;
  for (const [k, v] of Object.entries(x)) {
    const at = path ? `${path}.${k}` : k;
    if (typeof v === "string" && /^(id|uri|storageUri|\w+Id)$/i.test(k) && PLACEHOLDER.test(v))
      return { path: at, value: v };
    if (k !== "tags") {
      const hit = placeholderId(v, at);
      if (hit) return hit;
    }
  }
  return null;
}

/** Refuses a description whose ids are placeholders or redacted. */
export function refusePlaceholders(x: unknown, what: string): void {
  const hit = placeholderId(x);
  if (hit)
    throw new PlanError(
      "placeholder-id",
      `${what}: ${hit.path} is a placeholder or redacted id (${JSON.stringify(hit.value)}); give the unedited output of the command`,
    );
}

/** Moves an ARM body's `properties` up beside id, name, location, zones and tags. */
function unwrapProperties(x: Json): Json {
  const { properties, ...rest } = x;
  return { ...(properties as Json), ...rest };
}

const isVmType = (t: unknown) =>
  typeof t === "string" && t.toLowerCase() === "microsoft.compute/virtualmachines";

/** Detects the shape of a parsed VM description and normalises it; throws one-line PlanErrors. */
export function readAzureVm(json: unknown): AzureVmInput {
  let shape: string;
  let one: unknown = json;
  let list: unknown[] | null = Array.isArray(json) ? json : null;
  let listShape = "az vm list (one VM)";
  if (isObject(json) && Array.isArray(json.data) && ("count" in json || "skip_token" in json)) {
    list = json.data;
    listShape = "Azure Resource Graph row";
  } else if (isObject(json) && Array.isArray(json.value) && !("id" in json)) {
    list = json.value;
    listShape = "ARM REST list (one VM)";
  } else if (isObject(json) && typeof json.$schema === "string" && Array.isArray(json.resources)) {
    throw new PlanError(
      "template-export",
      "--azure-vm is an ARM template export: its ids are template expressions, not the VM's; give az vm show -g RG -n VM -o json",
    );
  }
  if (list) {
    if (list.length !== 1)
      throw new PlanError(
        "not-one-vm",
        list.length === 0
          ? "--azure-vm holds an empty list: no VM to rescue"
          : `--azure-vm: got a list of ${list.length} VMs; pick one (az vm show -g RG -n VM -o json), or rescue a fleet with one stack per VM`,
      );
    one = list[0];
  }
  if (!isObject(one))
    throw new PlanError("invalid-input", "--azure-vm is not the JSON of a VM (az vm show -o json)");

  let vm: Json;
  if ("StorageProfile" in one || "ResourceGroupName" in one || "HardwareProfile" in one) {
    const cut = cutByConvertToJson(one, "");
    if (cut)
      throw new PlanError(
        "convertto-json-depth",
        `--azure-vm: ${cut} was cut by ConvertTo-Json's default depth; write it with Get-AzVM … | ConvertTo-Json -Depth 20`,
      );
    vm = camelKeys(one) as Json;
    if (typeof vm.resourceGroupName === "string" && vm.resourceGroup === undefined)
      vm.resourceGroup = vm.resourceGroupName;
    if (Array.isArray(vm.extensions) && vm.resources === undefined) vm.resources = vm.extensions;
    shape = "Get-AzVM | ConvertTo-Json";
  } else if (isObject(one.properties) && !("storageProfile" in one)) {
    vm = unwrapProperties(one);
    if (Array.isArray(vm.resources))
      vm.resources = vm.resources.map((r) =>
        isObject(r) && isObject(r.properties) ? unwrapProperties(r) : r,
      );
    shape =
      listShape === "Azure Resource Graph row" || "subscriptionId" in one || "tenantId" in one
        ? "Azure Resource Graph row"
        : list && listShape === "ARM REST list (one VM)"
          ? listShape
          : "ARM REST body (properties)";
  } else {
    vm = one;
    shape = list ? listShape : "az vm show";
  }
  if (vm.type !== undefined && vm.type !== null && !isVmType(vm.type))
    throw new PlanError(
      "not-a-vm",
      `--azure-vm is a ${String(vm.type)}, not a Microsoft.Compute/virtualMachines resource`,
    );
  if (!("storageProfile" in vm) && !("id" in vm))
    throw new PlanError(
      "invalid-input",
      "expected the JSON of one VM (az vm show -o json): no id or storageProfile",
    );
  normaliseOsType(vm);
  refuseUnrescuable(vm as AzureVmDescription);
  refusePlaceholders(vm, "--azure-vm");
  return { vm: vm as AzureVmDescription, shape, warnings: unknowns(vm as AzureVmDescription) };
}

/**
 * What no description could make rescuable, named by its field — said before a placeholder id, so a
 * sample of an ephemeral or Linux VM is refused for what it is.
 */
function refuseUnrescuable(vm: AzureVmDescription): void {
  const name = vm.name ?? "the VM";
  const os = vm.storageProfile?.osDisk;
  const refuse = (code: string, text: string) => {
    throw new PlanError(code, `VM ${name}: ${text}`);
  };
  if (os?.osType && os.osType.toLowerCase() !== "windows")
    refuse(
      "not-windows",
      `storageProfile.osDisk.osType is ${os.osType}; vm-rescue rescues Windows VMs only`,
    );
  if (os?.diffDiskSettings?.option)
    refuse(
      "ephemeral-os-disk",
      `storageProfile.osDisk.diffDiskSettings is ${os.diffDiskSettings.option}: an ephemeral OS disk, nothing persistent to repair`,
    );
  if (os?.vhd?.uri)
    refuse(
      "unmanaged-disk",
      "storageProfile.osDisk.vhd: an unmanaged (VHD blob) OS disk; convert it to managed disks first",
    );
  if (vm.virtualMachineScaleSet?.id)
    refuse(
      "scale-set-instance",
      "virtualMachineScaleSet.id is set: a scale-set member, whose OS disk cannot be swapped (reimage it)",
    );
  const security = vm.securityProfile?.securityType ?? "";
  if (/confidential/i.test(security) || os?.managedDisk?.securityProfile?.securityEncryptionType)
    refuse(
      "confidential-vm",
      "securityProfile.securityType is ConfidentialVM: its OS disk is bound to the VM's guest state and is not supported",
    );
}

/** Older Az modules serialise the OS type enum as a number (0 Windows, 1 Linux). */
function normaliseOsType(vm: Json): void {
  const os = (vm.storageProfile as Json | undefined)?.osDisk as Json | undefined;
  if (os && typeof os.osType === "number")
    os.osType = os.osType === 0 ? "Windows" : os.osType === 1 ? "Linux" : String(os.osType);
}

/** Facts the description leaves unknown: shown as unknown and warned about, never defaulted. */
function unknowns(vm: AzureVmDescription): string[] {
  const w: string[] = [];
  if (!vm.hardwareProfile?.vmSize) w.push("the VM's size is unknown (no hardwareProfile.vmSize)");
  if (!("zones" in vm))
    w.push(
      "the VM's zone is unknown (no zones field); the plan places the copy and the helper without a zone",
    );
  return w;
}

/** Checks that a `--nic` description belongs to the VM (its id is one of the VM's NICs). */
export function checkNicOfVm(nic: unknown, vm: AzureVmDescription): AzureNicDescription {
  if (!isObject(nic))
    throw new PlanError("invalid-input", "--nic is not the JSON of a network interface");
  const body =
    isObject(nic.properties) && !("ipConfigurations" in nic) ? unwrapProperties(nic) : nic;
  if (!("id" in body) && !("ipConfigurations" in body))
    throw new PlanError(
      "invalid-input",
      "--nic is not the JSON of a network interface (az network nic show -o json): no id or ipConfigurations",
    );
  refusePlaceholders(body, "--nic");
  const id = typeof body.id === "string" ? body.id.toLowerCase() : null;
  const vmNics = (vm.networkProfile?.networkInterfaces ?? []).map((n) =>
    (n.id ?? "").toLowerCase(),
  );
  const owner = isObject(body.virtualMachine) ? body.virtualMachine.id : undefined;
  if (typeof owner === "string" && vm.id && owner.toLowerCase() !== vm.id.toLowerCase())
    throw new PlanError(
      "nic-of-another-vm",
      `--nic: virtualMachine.id is ${owner}, not the VM ${vm.id}; give the NIC of this VM`,
    );
  if (id && vmNics.length > 0 && !vmNics.includes(id))
    throw new PlanError(
      "nic-of-another-vm",
      `--nic: id ${String(body.id)} is not one of the VM's networkProfile.networkInterfaces`,
    );
  return body as AzureNicDescription;
}
