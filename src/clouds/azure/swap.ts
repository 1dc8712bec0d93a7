/**
 * `OsDiskSwap` puts the repaired copy in as the broken VM's OS disk (`OsDiskRollback`, in
 * rollback.ts, puts the original back). A dynamic resource over {@link AzureComputeOps}; it never
 * deletes a disk, and `pulumi destroy` leaves the VM with whatever OS disk it has (delete is a no-op).
 */
import * as pulumi from "@pulumi/pulumi";
import {
  AzureComputeOps,
  armComputeOps,
  changedOutside,
  detachedDiskTags,
  moveOsDisk,
  OpsFactory,
  sameId,
  step,
} from "./operations";
import { compiledProvider, idempotentProvider, InputsOf } from "./dynamic";
import { DYNAMIC_KINDS, DYNAMIC_MODULE } from "../../vocabulary/tokens";
import { PlanError } from "../../vocabulary/errors";
import { readSerialLog } from "./bootVerification";
import { serialBaseline, type SerialBaseline } from "../../swap/serialLog";

import type { SwapGate } from "../../repair/decide";
import { ID_TAG, ROLLED_BACK_COPY_OF_TAG, SWAP_GENERATION_TAG } from "../../vocabulary/tags";
export type { SwapGate };

/** Inputs of {@link OsDiskSwap} (unwrapped, as the provider sees them). */
export interface OsDiskSwapInputs {
  subscriptionId: string;
  resourceGroupName: string;
  vmName: string;
  helperResourceGroupName: string;
  helperVmName: string;
  originalDiskId: string;
  copyDiskId: string;
  rescueId: string;
  gate: SwapGate;
  /**
   * Raise it to swap the repaired copy in again after a rollback (default 0). A swap that was
   * rolled back is never redone on its own: only a generation above the rolled-back one redoes it.
   */
  swapGeneration?: number;
  /** Not used by the provider: makes the swap wait for the backup and record it. */
  snapshotId: string;
  /** Not used by the provider: the repair run command the swapped disk comes out of. */
  repairRunCommandId: string;
}

export interface OsDiskSwapOutputs extends OsDiskSwapInputs {
  swapped: boolean;
  /** Why nothing was swapped (the gate's reasons, a rollback), or what was found ("already swapped"). */
  reasons: string[];
  /** The VM's OS disk after the run. */
  osDiskId: string | null;
  /** The serial log as it stood before the VM was started on the copy (kept by re-runs); the boot verification looks only past it. */
  serialBaseline: SerialBaseline | null;
  /** True when the swap had been rolled back and was not redone (see `swapGeneration`). */
  rolledBack: boolean;
}

function tagValue(
  tags: Record<string, string> | null | undefined,
  key: string,
): string | undefined {
  return Object.entries(tags ?? {}).find(([k]) => k.toLowerCase() === key.toLowerCase())?.[1];
}

/** Refuses a `swapGeneration` that is not a non-negative integer (one line, before anything is created). */
export function validateSwapGeneration(v: unknown): void {
  if (v !== undefined && v !== null && !(typeof v === "number" && Number.isInteger(v) && v >= 0)) {
    throw new PlanError(
      "invalid-option",
      `swapGeneration must be a whole number 0 or above (raise it to swap again after a rollback), got ${JSON.stringify(v)}`,
    );
  }
}

/** A swap generation from an input or a tag: a non-negative integer, else 0. */
function generationOf(v: unknown): number {
  const n = typeof v === "string" ? Number(v) : v;
  return typeof n === "number" && Number.isInteger(n) && n >= 0 ? n : 0;
}

/** What the swap does with a VM that runs on its original OS disk. */
export type ReswapDecision =
  | { swap: true; reasons: string[] }
  | { swap: false; rolledBackGeneration: number; reasons: string[] };

/**
 * Whether to swap a VM that runs on its original disk. A swap that was rolled back — the copy's
 * `vm-rescue:rolled-back-copy-of` tag names this VM, or the previous run of this resource (`olds`)
 * had swapped the copy in and the VM is back on the original, or the previous run already refused
 * for that reason — is redone only when `swapGeneration` is above the rolled-back swap's generation
 * (the copy's `vm-rescue:swap-generation` tag, or the previous run's input). Pure.
 */
export function decideReswap(
  i: Pick<OsDiskSwapInputs, "vmName" | "copyDiskId" | "swapGeneration">,
  vmId: string,
  copyTags: Record<string, string> | null,
  olds?: Partial<OsDiskSwapOutputs>,
): ReswapDecision {
  const wanted = generationOf(i.swapGeneration);
  const evidence: { why: string; generation: number }[] = [];
  if (sameId(tagValue(copyTags, ROLLED_BACK_COPY_OF_TAG), vmId)) {
    evidence.push({
      why: `the repaired copy is tagged ${ROLLED_BACK_COPY_OF_TAG}`,
      generation: generationOf(tagValue(copyTags, SWAP_GENERATION_TAG)),
    });
  }
  if (olds?.swapped === true && sameId(olds.osDiskId, i.copyDiskId)) {
    evidence.push({
      why: "the previous run swapped the copy in and the VM is back on its original disk",
      generation: generationOf(olds.swapGeneration),
    });
  }
  if (olds?.rolledBack === true)
    evidence.push({
      why: "the previous run found the swap rolled back",
      generation: generationOf(olds.swapGeneration),
    });
  if (evidence.length === 0) return { swap: true, reasons: [] };
  const rolledBackGeneration = Math.max(...evidence.map((e) => e.generation));
  if (wanted > rolledBackGeneration)
    return {
      swap: true,
      reasons: [
        `the rolled-back swap (generation ${rolledBackGeneration}) was redone: swapGeneration ${wanted}`,
      ],
    };
  return {
    swap: false,
    rolledBackGeneration,
    reasons: [
      `the swap of VM ${i.vmName} was rolled back (${evidence.map((e) => e.why).join("; ")}), so the original OS disk stays; to swap the repaired copy in again set swapGeneration to ${rolledBackGeneration + 1}`,
    ],
  };
}

/**
 * The swap: nothing when the gate blocks; nothing when a rolled-back swap is not asked for again
 * ({@link decideReswap}); else detach the copy from the helper, tag the original and the copy,
 * deallocate, record the serial log's baseline, swap, start. A VM already on the copy keeps the
 * baseline the previous run recorded.
 */
export async function runOsDiskSwap(
  ops: () => AzureComputeOps,
  i: OsDiskSwapInputs,
  olds?: Partial<OsDiskSwapOutputs>,
): Promise<OsDiskSwapOutputs> {
  if (!i.gate.allowed) {
    return {
      ...i,
      swapped: false,
      reasons: i.gate.reasons.length ? i.gate.reasons : ["the swap gate is closed"],
      osDiskId: null,
      serialBaseline: null,
      rolledBack: false,
    };
  }
  const c = ops();
  const vm = await step(`reading VM ${i.vmName}`, () =>
    c.getVmDisks(i.resourceGroupName, i.vmName),
  );
  if (sameId(vm.osDiskId, i.copyDiskId)) {
    const kept =
      olds?.swapped === true && sameId(olds.osDiskId, i.copyDiskId)
        ? (olds.serialBaseline ?? null)
        : null;
    return {
      ...i,
      swapped: true,
      reasons: [`the repaired copy was already the OS disk of ${i.vmName}`],
      osDiskId: i.copyDiskId,
      serialBaseline: kept,
      rolledBack: false,
    };
  }
  if (!sameId(vm.osDiskId, i.originalDiskId))
    throw changedOutside(i.vmName, vm.osDiskId, i.originalDiskId, "swapped");
  const copyTags = await step(`reading the tags of the repaired copy`, () =>
    c.getDiskTags(i.copyDiskId),
  );
  if (copyTags === null)
    throw new Error(`the repaired copy ${i.copyDiskId} no longer exists, so nothing is swapped`);
  const decision = decideReswap(i, vm.id, copyTags, olds);
  if (!decision.swap)
    return {
      ...i,
      swapped: false,
      reasons: decision.reasons,
      osDiskId: vm.osDiskId,
      serialBaseline: null,
      rolledBack: true,
    };

  const helper = await step(`reading helper VM ${i.helperVmName}`, () =>
    c.getVmDisks(i.helperResourceGroupName, i.helperVmName),
  );
  if (helper.dataDiskIds.some((d) => sameId(d, i.copyDiskId))) {
    await step(`detaching the repaired copy from helper VM ${i.helperVmName}`, () =>
      c.detachDataDisk(i.helperResourceGroupName, i.helperVmName, i.copyDiskId),
    );
  }
  await step(`tagging the original OS disk`, () =>
    c.addDiskTags(i.originalDiskId, detachedDiskTags(i.rescueId, vm.id, "original")),
  );
  await step(`tagging the repaired copy`, () =>
    c.addDiskTags(i.copyDiskId, {
      [ID_TAG]: i.rescueId,
      [SWAP_GENERATION_TAG]: String(generationOf(i.swapGeneration)),
    }),
  );
  // The broken VM crashes in a loop until it is deallocated: the baseline is taken after that
  // (and before, in case boot diagnostics cannot be read for a deallocated VM).
  const before = serialBaseline((await readSerialLog(c, i.resourceGroupName, i.vmName)).serial);
  let baseline = before;
  await moveOsDisk(c, i.resourceGroupName, i.vmName, i.copyDiskId, async () => {
    baseline =
      serialBaseline((await readSerialLog(c, i.resourceGroupName, i.vmName)).serial) ?? before;
  });
  return {
    ...i,
    swapped: true,
    reasons: decision.reasons,
    osDiskId: i.copyDiskId,
    serialBaseline: baseline,
    rolledBack: false,
  };
}

const SWAP_KEYS: (keyof OsDiskSwapInputs)[] = [
  "subscriptionId",
  "resourceGroupName",
  "vmName",
  "helperResourceGroupName",
  "helperVmName",
  "originalDiskId",
  "copyDiskId",
  "gate",
  "swapGeneration",
  "repairRunCommandId",
];
/** The swap provider; `opsFor` is replaced by a fake in tests and by the simulated cloud. */
export function osDiskSwapProvider(
  opsFor: OpsFactory = armComputeOps,
): pulumi.dynamic.ResourceProvider {
  return idempotentProvider<OsDiskSwapInputs, OsDiskSwapOutputs>(
    SWAP_KEYS,
    (i) => `${i.resourceGroupName}/${i.vmName}/os-disk-swap/${i.rescueId}`,
    (i, olds) => runOsDiskSwap(() => opsFor(i.subscriptionId), i, olds),
  );
}

/**
 * Swaps the repaired copy in as the broken VM's OS disk when the gate allows (else changes nothing
 * and reports why). Type `pulumi-nodejs:dynamic/vm-rescue:OsDiskSwap`.
 */
export class OsDiskSwap extends pulumi.dynamic.Resource {
  declare readonly swapped: pulumi.Output<boolean>;
  declare readonly reasons: pulumi.Output<string[]>;
  declare readonly osDiskId: pulumi.Output<string | null>;
  declare readonly serialBaseline: pulumi.Output<SerialBaseline | null>;
  declare readonly rolledBack: pulumi.Output<boolean>;
  declare readonly swapGeneration: pulumi.Output<number | undefined>;

  constructor(name: string, args: InputsOf<OsDiskSwapInputs>, opts?: pulumi.CustomResourceOptions) {
    const outs = {
      swapped: undefined,
      reasons: undefined,
      osDiskId: undefined,
      serialBaseline: undefined,
      rolledBack: undefined,
    };
    super(
      compiledProvider("swap", "osDiskSwapProvider"),
      name,
      { ...args, ...outs },
      opts,
      DYNAMIC_MODULE,
      DYNAMIC_KINDS.azure.swap,
    );
  }
}

/**
 * Stacks whose `OsDiskRollback` was serialized before it moved to rollback.ts load its provider
 * from this module (the serialized provider names the compiled file and the factory).
 */
export { osDiskRollbackProvider } from "./rollback";
