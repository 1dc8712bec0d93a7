/**
 * A fleet file: many VM descriptions in the shapes operators have them, split into one entry per VM
 * with what the scheduler needs (cloud, region or location, subscription or account).
 *
 * Accepted: a list of anything `plan` accepts (`az vm show` objects, `describe-instances` results,
 * bare instances, or `{azureVm, nic}` / `{awsInstance, volumes}` pairs); an `az vm list` result (a
 * list of VMs); an Azure Resource Graph result (`az graph query`: `{data: [...]}`, rows with
 * `properties`); a `describe-instances` result with many instances (optionally with `Volumes`).
 */
import { PlanError } from "../../vocabulary/errors";
import {
  AzureNicDescription,
  AzureVmDescription,
  isAzureVmDescription,
  parseArmId,
} from "../../describe/azureVm";
import {
  AwsInstanceFacts,
  Ec2CliVolume,
  asEc2Instance,
  asEc2Volumes,
  instanceFacts,
  regionOfZone,
} from "../../describe/awsInstance";

export interface AzureFleetVm {
  cloud: "azure";
  /** The VM's ARM id (lower case): stable across runs, the key of the fleet state. */
  id: string;
  label: string;
  /** Location, and zone when the VM is zonal ("westeurope/1"). */
  region: string;
  /** Subscription id. */
  account: string;
  vm: AzureVmDescription;
  nic: AzureNicDescription | null;
  /** Simulation only: the VM bug-checks again after the swap. */
  recrash?: boolean;
}

export interface AwsFleetVm {
  cloud: "aws";
  /** The instance id. */
  id: string;
  label: string;
  /** The availability zone's region. */
  region: string;
  /** The owning account (the reservation's OwnerId), or "unknown". */
  account: string;
  instance: AwsInstanceFacts;
}

export type FleetVm = AzureFleetVm | AwsFleetVm;

/** An entry of the file that could not be read as a VM: listed as a refusal. */
export interface UnreadableEntry {
  index: number;
  reason: string;
}

export interface Inventory {
  vms: FleetVm[];
  unreadable: UnreadableEntry[];
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

/** An Azure VM from `az vm show` or an ARM body / Resource Graph row (`properties` flattened). */
export function azureFleetVm(raw: Record<string, unknown>, nic: unknown = null): AzureFleetVm {
  const props = isObject(raw.properties) ? raw.properties : {};
  const vm = { ...props, ...raw } as AzureVmDescription & Record<string, unknown>;
  delete vm.properties;
  const arm = parseArmId(vm.id, "the VM's id");
  const location = String(vm.location ?? "unknown");
  const zone = vm.zones?.[0];
  return {
    cloud: "azure",
    id: String(vm.id).toLowerCase(),
    label: `${vm.resourceGroup ?? arm.resourceGroup}/${vm.name ?? arm.name}`,
    region: zone ? `${location}/${zone}` : location,
    account: arm.subscriptionId,
    vm,
    nic: (nic as AzureNicDescription | null) ?? null,
    ...(raw.recrash === true ? { recrash: true } : {}),
  };
}

function awsFleetVm(
  instance: unknown,
  volumes: Ec2CliVolume[],
  account: string | undefined,
): AwsFleetVm {
  const facts = instanceFacts(asEc2Instance(instance), volumes);
  const name = facts.tags.Name;
  return {
    cloud: "aws",
    id: facts.instanceId,
    label: name ? `${facts.instanceId} (${name})` : facts.instanceId,
    region: regionOfZone(facts.availabilityZone),
    account: account ?? "unknown",
    instance: facts,
  };
}

/** Each instance of a describe-instances result, with its reservation's account. */
function describeInstances(json: Record<string, unknown>): [unknown, string | undefined][] {
  const reservations = Array.isArray(json.Reservations) ? json.Reservations : [json];
  return reservations.flatMap((r) =>
    isObject(r) && Array.isArray(r.Instances)
      ? r.Instances.map((i): [unknown, string | undefined] => [
          i,
          typeof r.OwnerId === "string" ? r.OwnerId : undefined,
        ])
      : [],
  );
}

function volumesOf(x: unknown): Ec2CliVolume[] {
  return x === undefined || x === null ? [] : asEc2Volumes(x);
}

/** The VMs of one entry of a list (one VM, a pair, or a describe-instances result). */
function entryVms(entry: unknown): FleetVm[] {
  if (!isObject(entry)) throw new PlanError("invalid-input", "not a JSON object");
  if ("azureVm" in entry) {
    const vm = entry.azureVm;
    if (!isObject(vm)) throw new PlanError("invalid-input", "azureVm is not an object");
    return [azureFleetVm({ ...vm, ...(entry.recrash ? { recrash: true } : {}) }, entry.nic)];
  }
  if ("awsInstance" in entry) {
    const vols = volumesOf(entry.volumes);
    return instancesOf(entry.awsInstance).map(([i, owner]) => awsFleetVm(i, vols, owner));
  }
  if (Array.isArray(entry.Reservations) || Array.isArray(entry.Instances)) {
    const vols = volumesOf(entry.Volumes);
    return describeInstances(entry).map(([i, owner]) => awsFleetVm(i, vols, owner));
  }
  if (typeof entry.InstanceId === "string" || typeof entry.instanceId === "string")
    return [awsFleetVm(entry, [], undefined)];
  if (isObject(entry.properties) || isAzureVmDescription(entry)) return [azureFleetVm(entry)];
  throw new PlanError(
    "invalid-input",
    "neither an Azure VM (az vm show, Resource Graph row) nor an EC2 instance (describe-instances)",
  );
}

/** The instances of a describe-instances result, or the one bare instance. */
function instancesOf(json: unknown): [unknown, string | undefined][] {
  return isObject(json) && (Array.isArray(json.Reservations) || Array.isArray(json.Instances))
    ? describeInstances(json)
    : [[json, undefined]];
}

/** Reads a fleet file's parsed JSON. Entries that are no VM become {@link UnreadableEntry}s. */
export function readInventory(json: unknown): Inventory {
  let entries: unknown[];
  if (Array.isArray(json)) entries = json;
  else if (isObject(json) && Array.isArray(json.data)) entries = json.data;
  else if (isObject(json) && Array.isArray(json.value)) entries = json.value;
  else if (isObject(json) && Array.isArray(json.vms)) entries = json.vms;
  else entries = [json];
  const vms: FleetVm[] = [];
  const unreadable: UnreadableEntry[] = [];
  const seen = new Set<string>();
  entries.forEach((entry, index) => {
    try {
      for (const vm of entryVms(entry)) {
        if (seen.has(vm.id)) continue;
        seen.add(vm.id);
        vms.push(vm);
      }
    } catch (e) {
      if (!(e instanceof PlanError)) throw e;
      unreadable.push({ index, reason: e.message });
    }
  });
  return { vms, unreadable };
}
