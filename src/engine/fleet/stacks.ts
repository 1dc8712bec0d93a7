/**
 * The stack of each VM of a fleet. A VM's default stack is named after it (`<vm>-rescue` on Azure,
 * `rescue-<instance id>` on AWS, at most 24 characters), so two Azure VMs of one name in two
 * resource groups or subscriptions (or two long names alike in their first characters) would share
 * a stack and run on one state at once. The names are decided over the whole fleet file, which
 * every shard reads, so each shard and each rerun gives a VM the same stack: a name that more than
 * one VM would get is suffixed with a short hash of each VM's id.
 */
import { createHash } from "crypto";
import { rescueIdFromStack } from "../program";
import { awsStackName } from "../simulate/rescue";
import { parseArmId } from "../../describe/azureVm";
import type { FleetVm } from "./inventory";

/** The stack `vm-rescue rescue` would use for the VM (its default). */
export function fleetStack(vm: FleetVm): string {
  return vm.cloud === "azure"
    ? rescueIdFromStack(`${parseArmId(vm.vm.id, "the VM's id").name}-rescue`)
    : awsStackName(vm.id);
}

/** The default stack with a short hash of the VM's id in its last characters (24 at most). */
export function suffixedStack(base: string, id: string, length = 6): string {
  const hash = createHash("sha256").update(id.toLowerCase()).digest("hex").slice(0, length);
  return `${base.slice(0, 24 - length - 1).replace(/-+$/, "")}-${hash}`;
}

/**
 * Each VM's stack by id: its default stack, or, where more than one VM of the fleet would get that
 * name, the name suffixed with a hash of its id. Depends only on the whole fleet, not on a shard.
 */
export function fleetStacks(
  vms: readonly FleetVm[],
  base: (vm: FleetVm) => string = fleetStack,
): Map<string, string> {
  const byName = new Map<string, FleetVm[]>();
  for (const vm of vms) {
    const name = base(vm);
    byName.set(name, [...(byName.get(name) ?? []), vm]);
  }
  const stacks = new Map<string, string>();
  for (const [name, sharing] of byName)
    for (const vm of sharing)
      stacks.set(vm.id, sharing.length === 1 ? name : suffixedStack(name, vm.id));
  // A suffixed name that still meets another VM's name (a hash collision, or a VM whose own name
  // looks like one): lengthen the hash for those.
  const count = new Map<string, number>();
  for (const s of stacks.values()) count.set(s, (count.get(s) ?? 0) + 1);
  for (const vm of vms) {
    const s = stacks.get(vm.id)!;
    if (count.get(s)! > 1) stacks.set(vm.id, suffixedStack(base(vm), vm.id, 12));
  }
  return stacks;
}
