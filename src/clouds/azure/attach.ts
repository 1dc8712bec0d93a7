/**
 * `DataDiskAttach` attaches the copy of the OS disk to the helper once both exist, so that the
 * helper is created in parallel with the backup snapshot and the copy instead of waiting for the
 * copy (a running VM takes a data disk: `az vm disk attach`). It converges: a copy already on the
 * helper is left as it is, and a copy the swap already took (the broken VM's OS disk, or its swap
 * phase tag) is never attached again. Deleting it detaches the copy from the helper when the helper still holds it, so a helper
 * torn down or kept for later has nothing attached.
 */
import type * as pulumi from "@pulumi/pulumi";
import { sameId, step, type AzureComputeOps } from "./operations";
import { STEP_TYPES } from "../../vocabulary/tokens";
import type { StepKind } from "../../steps/contract";
import { StepResource, type InputsOf } from "../../steps/resource";
import { SWAP_PHASE_TAG, tagValue } from "./osDiskMove";
import { azureRuntime, boundRuntime, type RuntimeFor } from "./runtime";
import { stepTimeouts } from "./timeouts";
import { isNotFound, reasonsSpec } from "./specs";

/** Inputs of {@link DataDiskAttach} (unwrapped, as the provider sees them). */
export interface DataDiskAttachInputs {
  subscriptionId: string;
  /** The helper VM's resource group and name. */
  resourceGroupName: string;
  vmName: string;
  /** The disk to attach (the copy of the broken VM's OS disk). */
  diskId: string;
  /** The LUN the scripts look for it at. */
  lun: number;
  rescueId: string;
  /** The broken VM: a copy that is already its OS disk (swapped in) is never attached. */
  sourceResourceGroupName: string;
  sourceVmName: string;
}

export interface DataDiskAttachOutputs extends DataDiskAttachInputs {
  /** True when the helper holds the disk. */
  attached: boolean;
  /** What was done or found. */
  reasons: string[];
}

/** Attaches `i.diskId` to the helper unless it is there already or the swap took it. */
export async function runDataDiskAttach(
  c: AzureComputeOps,
  i: DataDiskAttachInputs,
): Promise<DataDiskAttachOutputs> {
  const helper = await step(`reading helper VM ${i.vmName}`, () =>
    c.getVmDisks(i.resourceGroupName, i.vmName),
  );
  if (helper.dataDiskIds.some((d) => sameId(d, i.diskId)))
    return { ...i, attached: true, reasons: [`the copy is attached to helper VM ${i.vmName}`] };
  const source = await step(`reading VM ${i.sourceVmName}`, () =>
    c.getVmDisks(i.sourceResourceGroupName, i.sourceVmName),
  );
  if (sameId(source.osDiskId, i.diskId))
    return {
      ...i,
      attached: false,
      reasons: [`the copy is already the OS disk of VM ${i.sourceVmName}: it is not attached`],
    };
  const tags = await step(`reading the tags of the copy`, () => c.getDiskTags(i.diskId));
  if (tags === null) throw new Error(`the copy ${i.diskId} does not exist, so nothing is attached`);
  const phase = tagValue(tags, SWAP_PHASE_TAG);
  if (phase !== undefined)
    return {
      ...i,
      attached: false,
      reasons: [
        `the copy was taken by the swap (phase ${phase}): it is not attached to the helper`,
      ],
    };
  await step(`attaching the copy to helper VM ${i.vmName} at LUN ${i.lun}`, () =>
    c.attachDataDisk(i.resourceGroupName, i.vmName, i.diskId, i.lun),
  );
  return {
    ...i,
    attached: true,
    reasons: [`attached the copy to helper VM ${i.vmName} at LUN ${i.lun}`],
  };
}

/** The attach as a step kind; `runtimeFor` is replaced in tests. */
export function dataDiskAttachKind(
  runtimeFor: RuntimeFor = azureRuntime,
): StepKind<DataDiskAttachInputs, DataDiskAttachOutputs> {
  const token = STEP_TYPES.azure.attach;
  const ops = (ctx: Parameters<RuntimeFor>[0], subscriptionId: string) =>
    boundRuntime(runtimeFor(ctx, subscriptionId), ctx, token).ops;
  return {
    token,
    description:
      "Attaches the copy of the OS disk to the helper VM once both exist (the helper is created in parallel with the copy).",
    inputs: {
      subscriptionId: { type: "string", description: "The helper VM's subscription." },
      resourceGroupName: { type: "string", description: "The helper VM's resource group." },
      vmName: { type: "string", description: "The helper VM." },
      diskId: { type: "string", description: "The disk to attach (ARM id)." },
      lun: { type: "integer", description: "The LUN to attach it at." },
      rescueId: { type: "string", description: "The rescue." },
      sourceResourceGroupName: { type: "string", description: "The broken VM's resource group." },
      sourceVmName: {
        type: "string",
        description: "The broken VM (a copy that is its OS disk is never attached).",
      },
    },
    outputs: {
      attached: { type: "boolean", description: "True when the helper holds the disk." },
      reasons: reasonsSpec("What was done or found."),
    },
    identityKeys: ["subscriptionId", "resourceGroupName", "vmName", "diskId"],
    timeouts: stepTimeouts().attach,
    async create(ctx, i) {
      return {
        id: `${i.resourceGroupName}/${i.vmName}/data-disk/${i.rescueId}`,
        outs: await runDataDiskAttach(ops(ctx, i.subscriptionId), i),
      };
    },
    update: (ctx, _id, _olds, news) => runDataDiskAttach(ops(ctx, news.subscriptionId), news),
    async read(ctx, _id, state) {
      const vm = await ops(ctx, state.subscriptionId)
        .getVmDisks(state.resourceGroupName, state.vmName)
        .catch((e) => {
          if (isNotFound(e)) return null;
          throw e;
        });
      if (!vm) return null;
      const attached = vm.dataDiskIds.some((d) => sameId(d, state.diskId));
      return attached === state.attached
        ? state
        : {
            ...state,
            attached,
            reasons: [
              attached
                ? `the copy is attached to helper VM ${state.vmName}`
                : `the copy is no longer attached to helper VM ${state.vmName}`,
            ],
          };
    },
    // Leaves the helper with nothing attached; a helper already gone holds nothing.
    async delete(ctx, _id, state) {
      const c = ops(ctx, state.subscriptionId);
      const vm = await c.getVmDisks(state.resourceGroupName, state.vmName).catch((e) => {
        if (isNotFound(e)) return null;
        throw e;
      });
      if (vm?.dataDiskIds.some((d) => sameId(d, state.diskId)))
        await step(`detaching the copy from helper VM ${state.vmName}`, () =>
          c.detachDataDisk(state.resourceGroupName, state.vmName, state.diskId),
        );
    },
  };
}

export const DataDiskAttachKind = dataDiskAttachKind();

/** Attaches a disk to the helper VM. Type `vm-rescue:azure:DataDiskAttach`. */
export class DataDiskAttach extends StepResource {
  declare readonly attached: pulumi.Output<boolean>;
  declare readonly reasons: pulumi.Output<string[]>;

  constructor(
    name: string,
    args: InputsOf<DataDiskAttachInputs>,
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(DataDiskAttachKind, name, args, opts);
  }
}
