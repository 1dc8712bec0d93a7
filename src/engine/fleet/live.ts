/**
 * The runner of a live fleet: each VM rescued on its own stack through the Automation API, as
 * `vm-rescue rescue` does. A rescue that failed on a throttling error is thrown back to the
 * scheduler, which retries it after a backoff (the stack resumes where the failed up stopped).
 */
import type { Automation } from "../automation";
import { liveRescue, type LiveRescueDeps, type RescueUi } from "../liveRescue";
import { rescueSettings, type RescueChoices } from "../simulate/rescue";
import { targetOf } from "../target";
import { parseArmId } from "../../describe/azureVm";
import { buildReport } from "../../report";
import type { FleetVm } from "./inventory";
import { NotStarted, type FleetRunner } from "./run";
import type { FleetVmResult } from "../../report/fleet";
import { isThrottling } from "./scheduler";
import { preflight } from "./simulated";
import { fleetStacks } from "./stacks";
import { shardOf, type Shard } from "./run";
import { PlanError } from "../../vocabulary/errors";

export interface LiveFleetOptions {
  automation: Automation;
  deps: LiveRescueDeps;
  choices: RescueChoices;
  /** AWS: the deploying identity may use the encrypted roots' KMS keys. */
  kmsGrantConfirmed: boolean;
  /** Where one VM's rescue reports (its lines prefixed by the caller). */
  ui(vm: FleetVm): RescueUi;
  /** Passed to each rescue: the engine stops after the steps in flight (as `rescue` does). */
  signal?: AbortSignal;
}

export function liveFleetRunner(o: LiveFleetOptions): FleetRunner {
  return {
    mode: "live",
    plan: async (vm, stack) => preflight(vm, stack, o.kmsGrantConfirmed),
    async rescue(vm, stack) {
      if (o.signal?.aborted) throw new NotStarted();
      const arm = vm.cloud === "azure" ? parseArmId(vm.vm.id, "the VM's id") : null;
      const target =
        vm.cloud === "azure"
          ? targetOf({ cloud: "azure", resourceGroup: arm!.resourceGroup, vm: arm!.name }, "fleet")
          : targetOf({ cloud: "aws", instanceId: vm.id, region: vm.region }, "fleet");
      const settings = rescueSettings(
        vm.cloud === "azure"
          ? { cloud: "azure", resourceGroup: arm!.resourceGroup, vmName: arm!.name }
          : {
              cloud: "aws",
              instanceId: vm.id,
              region: vm.region,
              kmsGrantConfirmed: o.kmsGrantConfirmed,
            },
        o.choices,
      );
      const ui = o.ui(vm);
      const pinned = accountSettings(vm);
      if (!pinned)
        ui.log(
          `account unknown (the fleet file gives no OwnerId): stack ${stack} is not pinned to an account and rescues in the account of the current AWS credentials`,
        );
      const outcome = await liveRescue(
        o.automation,
        o.deps,
        stack,
        { ...settings, ...pinned },
        { target, choices: o.choices },
        ui,
        o.signal,
      );
      const throttled = outcome.errors.find((e) => isThrottling(e));
      if (throttled && !outcome.swap.swapped) throw new Error(throttled);
      return buildReport(outcome);
    },
  };
}

/**
 * The cloud provider settings that hold a VM's stack to the VM's subscription or account (the
 * default ones would act on whichever the credentials select): Azure, `azure-native:subscriptionId`
 * from the VM's id, which the azure-native provider and the steps' provider read; AWS, the aws
 * provider's `allowedAccountIds` (a list) when the fleet file names the owner; null when it does not.
 */
export function accountSettings(vm: FleetVm): Record<string, string> | null {
  if (vm.cloud === "azure")
    return { "azure-native:subscriptionId": parseArmId(vm.vm.id, "the VM's id").subscriptionId };
  return vm.account === "unknown" ? null : { "aws:allowedAccountIds[0]": vm.account };
}

/**
 * The VMs a run of this shard would rescue: its share of the fleet, less the VMs the plan refuses
 * and those an earlier run rescued (what the confirmation counts).
 */
export function plannableVms(
  vms: readonly FleetVm[],
  o: {
    shard?: Shard;
    kmsGrantConfirmed: boolean;
    state?: { get(id: string): FleetVmResult | undefined };
  },
): FleetVm[] {
  const stacks = fleetStacks(vms);
  return vms.filter((vm) => {
    if (o.shard && shardOf(vm.id, o.shard.count) !== o.shard.index) return false;
    if (o.state?.get(vm.id)?.outcome === "rescued") return false;
    try {
      preflight(vm, o.state?.get(vm.id)?.stack ?? stacks.get(vm.id)!, o.kmsGrantConfirmed);
      return true;
    } catch (e) {
      if (e instanceof PlanError) return false;
      throw e;
    }
  });
}
