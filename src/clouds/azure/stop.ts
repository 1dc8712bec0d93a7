/**
 * `VmDeallocate` stops the broken VM's crash loop once the backup snapshot exists, while the helper
 * repairs the copy: off the swap's path. Azure does not need a stopped VM to swap its OS disk
 * (azure-compute-docs `os-disk-swap.md`: "You don't need to stop the VM before you swap its OS
 * disk"); the rescue stops it so that the serial log the boot verification reads past holds no
 * crash of the original disk, and so that it costs nothing meanwhile. It acts only while the VM
 * runs on its original OS disk (never on a VM the swap already moved), changes nothing on delete,
 * and a swap that never happens (a closed gate) leaves the VM deallocated: the component's outcome
 * says so and how to start it.
 */
import type * as pulumi from "@pulumi/pulumi";
import { sameId, step, type AzureComputeOps } from "./operations";
import { STEP_TYPES } from "../../vocabulary/tokens";
import type { StepKind } from "../../steps/contract";
import { StepResource, type InputsOf } from "../../steps/resource";
import { azureRuntime, boundRuntime, type RuntimeFor } from "./runtime";
import { stepTimeouts } from "./timeouts";
import { isNotFound, reasonsSpec, vmSpecs } from "./specs";

/** Power states in which the VM is not running (the deallocate is done or under way). */
export const DOWN = new Set(["deallocated", "deallocating", "stopped"]);

/** Inputs of {@link VmDeallocate} (unwrapped, as the provider sees them). */
export interface VmDeallocateInputs {
  subscriptionId: string;
  resourceGroupName: string;
  vmName: string;
  rescueId: string;
  /** The VM's original OS disk: the stop acts only while the VM runs on it. */
  originalDiskId: string;
  /** Not used by the provider: the stop waits for the backup and records it. */
  snapshotId: string;
}

export interface VmDeallocateOutputs extends VmDeallocateInputs {
  /** True when this step deallocated the VM or found it down on its original disk. */
  deallocated: boolean;
  /** The VM's power state after the step (`deallocated`, `running`, ...). */
  powerState: string | null;
  reasons: string[];
}

/** Deallocates the VM when it runs on its original disk; else changes nothing and says why. */
export async function runVmDeallocate(
  c: AzureComputeOps,
  i: VmDeallocateInputs,
): Promise<VmDeallocateOutputs> {
  const vm = await step(`reading VM ${i.vmName}`, () =>
    c.getVmDisks(i.resourceGroupName, i.vmName),
  );
  if (!sameId(vm.osDiskId, i.originalDiskId)) {
    const status = await c.getStatus(i.resourceGroupName, i.vmName);
    return {
      ...i,
      deallocated: false,
      powerState: status.powerState,
      reasons: [`VM ${i.vmName} no longer runs on its original OS disk: it was not deallocated`],
    };
  }
  const status = await step(`reading the instance view of VM ${i.vmName}`, () =>
    c.getStatus(i.resourceGroupName, i.vmName),
  );
  if (DOWN.has(status.powerState ?? ""))
    return {
      ...i,
      deallocated: true,
      powerState: status.powerState,
      reasons: [`VM ${i.vmName} was already ${status.powerState} on its original OS disk`],
    };
  await step(`deallocating VM ${i.vmName}`, () => c.deallocate(i.resourceGroupName, i.vmName));
  return {
    ...i,
    deallocated: true,
    powerState: "deallocated",
    reasons: [
      `VM ${i.vmName} was deallocated after the backup snapshot existed, while the copy was repaired (its crash loop stopped; the swap needs no stop)`,
    ],
  };
}

/**
 * What the stop adds to the rescue's outcome: its line, and when the swap did not happen (a closed
 * gate) that the VM stays deallocated on its original disk and how to start it.
 */
export function stopOutcome(
  stop: Pick<VmDeallocateOutputs, "deallocated" | "reasons" | "resourceGroupName" | "vmName">,
  swapped: boolean,
): string[] {
  if (!stop.deallocated || swapped) return stop.reasons;
  return [
    ...stop.reasons,
    `nothing was swapped, so VM ${stop.vmName} stays deallocated on its original OS disk; start it with: az vm start -g ${stop.resourceGroupName} -n ${stop.vmName}`,
  ];
}

/** The stop as a step kind; `runtimeFor` is replaced in tests. */
export function vmDeallocateKind(
  runtimeFor: RuntimeFor = azureRuntime,
): StepKind<VmDeallocateInputs, VmDeallocateOutputs> {
  const token = STEP_TYPES.azure.stop;
  const ops = (ctx: Parameters<RuntimeFor>[0], subscriptionId: string) =>
    boundRuntime(runtimeFor(ctx, subscriptionId), ctx, token).ops;
  return {
    token,
    description:
      "Deallocates the broken VM after the backup snapshot exists, while the copy is repaired (off the swap's path).",
    inputs: {
      ...vmSpecs,
      originalDiskId: { type: "string", description: "The VM's original OS disk (ARM id)." },
      snapshotId: { type: "string", description: "The backup snapshot (the stop waits for it)." },
    },
    outputs: {
      deallocated: {
        type: "boolean",
        description: "True when the VM is down on its original disk.",
      },
      powerState: { type: "string", optional: true, description: "The VM's power state." },
      reasons: reasonsSpec("What was done or found."),
    },
    identityKeys: ["subscriptionId", "resourceGroupName", "vmName", "rescueId", "originalDiskId"],
    timeouts: stepTimeouts().stop,
    async create(ctx, i) {
      return {
        id: `${i.resourceGroupName}/${i.vmName}/deallocate/${i.rescueId}`,
        outs: await runVmDeallocate(ops(ctx, i.subscriptionId), i),
      };
    },
    update: (ctx, _id, _olds, news) => runVmDeallocate(ops(ctx, news.subscriptionId), news),
    async read(ctx, _id, state) {
      const status = await ops(ctx, state.subscriptionId)
        .getStatus(state.resourceGroupName, state.vmName)
        .catch((e) => {
          if (isNotFound(e)) return null;
          throw e;
        });
      return status ? { ...state, powerState: status.powerState } : null;
    },
    async delete() {
      // Nothing: the VM stays as the rescue left it (the swap starts it on the repaired copy).
    },
  };
}

export const VmDeallocateKind = vmDeallocateKind();

/** Deallocates the broken VM after the backup. Type `vm-rescue:azure:VmDeallocate`. */
export class VmDeallocate extends StepResource {
  declare readonly resourceGroupName: pulumi.Output<string>;
  declare readonly vmName: pulumi.Output<string>;
  declare readonly deallocated: pulumi.Output<boolean>;
  declare readonly powerState: pulumi.Output<string | null>;
  declare readonly reasons: pulumi.Output<string[]>;

  constructor(
    name: string,
    args: InputsOf<VmDeallocateInputs>,
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(VmDeallocateKind, name, args, opts);
  }
}
