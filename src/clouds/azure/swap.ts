/**
 * `OsDiskSwap` puts the repaired copy in as the broken VM's OS disk (`OsDiskRollback`, in
 * rollback.ts, puts the original back): a step kind of the `vm-rescue` provider plugin over
 * {@link AzureComputeOps}. It converges on every create and update (a resumable state machine
 * recorded in the disks' tags, `osDiskMove.ts`), never deletes a disk, and `pulumi destroy` leaves
 * the VM with whatever OS disk it has (delete is a no-op).
 */
import type * as pulumi from "@pulumi/pulumi";
import { AzureComputeOps, changedOutside, detachedDiskTags, sameId, step } from "./operations";
import { STEP_TYPES } from "../../vocabulary/tokens";
import { PlanError } from "../../vocabulary/errors";
import type { SerialBaseline } from "../../swap/serialLog";
import type { StepKind } from "../../steps/contract";
import { SERIAL_BASELINE, SWAP_GATE } from "../../steps/objectTypes";
import { StepResource, type InputsOf } from "../../steps/resource";
import { moveOsDisk, releaseHalfDone, resumeStart, SWAP_PHASE_TAG, tagValue } from "./osDiskMove";
import { azureRuntime, boundRuntime, type RuntimeFor } from "./runtime";
import { stepTimeouts } from "./timeouts";
import { isNotFound, vmSpecs } from "./specs";

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
 * The swap, converging from what Azure holds: a closed gate swaps nothing (and starts a VM an
 * interrupted swap left deallocated on its original disk); a VM already on the copy is only started
 * when the copy's phase says its start was not done; a rolled-back swap is not redone unless asked
 * ({@link decideReswap}); else detach the copy from the helper, tag the original and the copy
 * (`prepared`), deallocate, record the serial log's baseline (`deallocated`), swap, start
 * (`started`).
 */
export async function runOsDiskSwap(
  c: AzureComputeOps,
  i: OsDiskSwapInputs,
  olds?: Partial<OsDiskSwapOutputs>,
): Promise<OsDiskSwapOutputs> {
  const out = (o: Omit<OsDiskSwapOutputs, keyof OsDiskSwapInputs>): OsDiskSwapOutputs => ({
    ...i,
    ...o,
  });
  if (!i.gate.allowed) {
    const gateReasons = i.gate.reasons.length ? i.gate.reasons : ["the swap gate is closed"];
    const released = await releaseHalfDone(
      c,
      i.resourceGroupName,
      i.vmName,
      i.copyDiskId,
      SWAP_PHASE_TAG,
    ).catch(() => null);
    // A gate that closed after the swap changes nothing: the outputs still say what the VM runs on.
    const now = await c.getVmDisks(i.resourceGroupName, i.vmName).catch(() => null);
    const onCopy = sameId(now?.osDiskId, i.copyDiskId);
    return out({
      swapped: onCopy,
      reasons: onCopy
        ? [`the repaired copy was already the OS disk of ${i.vmName}`, ...gateReasons]
        : [...gateReasons, ...(released ? [released] : [])],
      osDiskId: onCopy ? i.copyDiskId : null,
      serialBaseline:
        onCopy && sameId(olds?.osDiskId, i.copyDiskId) ? (olds?.serialBaseline ?? null) : null,
      rolledBack: false,
    });
  }
  const vm = await step(`reading VM ${i.vmName}`, () =>
    c.getVmDisks(i.resourceGroupName, i.vmName),
  );
  const copyTags = await step(`reading the tags of the repaired copy`, () =>
    c.getDiskTags(i.copyDiskId),
  );
  if (sameId(vm.osDiskId, i.copyDiskId)) {
    const resumed = await resumeStart(
      c,
      i.resourceGroupName,
      i.vmName,
      i.copyDiskId,
      copyTags ?? {},
      SWAP_PHASE_TAG,
    );
    const kept =
      olds?.swapped === true && sameId(olds.osDiskId, i.copyDiskId)
        ? (olds.serialBaseline ?? null)
        : null;
    return out({
      swapped: true,
      reasons: [
        resumed.started
          ? `the repaired copy was already the OS disk of ${i.vmName} (an interrupted swap): started the VM`
          : `the repaired copy was already the OS disk of ${i.vmName}`,
      ],
      osDiskId: i.copyDiskId,
      serialBaseline: kept ?? resumed.baseline,
      rolledBack: false,
    });
  }
  if (!sameId(vm.osDiskId, i.originalDiskId))
    throw changedOutside(i.vmName, vm.osDiskId, i.originalDiskId, "swapped");
  if (copyTags === null)
    throw new Error(`the repaired copy ${i.copyDiskId} no longer exists, so nothing is swapped`);
  const decision = decideReswap(i, vm.id, copyTags, olds);
  if (!decision.swap)
    return out({
      swapped: false,
      reasons: decision.reasons,
      osDiskId: vm.osDiskId,
      serialBaseline: null,
      rolledBack: true,
    });

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
      [SWAP_PHASE_TAG]: "prepared",
    }),
  );
  const baseline = await moveOsDisk(c, i.resourceGroupName, i.vmName, i.copyDiskId, SWAP_PHASE_TAG);
  return out({
    swapped: true,
    reasons: decision.reasons,
    osDiskId: i.copyDiskId,
    serialBaseline: baseline,
    rolledBack: false,
  });
}

/** The swap as a step kind; `runtimeFor` is replaced in tests. */
export function osDiskSwapKind(
  runtimeFor: RuntimeFor = azureRuntime,
): StepKind<OsDiskSwapInputs, OsDiskSwapOutputs> {
  const token = STEP_TYPES.azure.swap;
  const run = (ctx: Parameters<RuntimeFor>[0], i: OsDiskSwapInputs, olds?: OsDiskSwapOutputs) =>
    runOsDiskSwap(boundRuntime(runtimeFor(ctx, i.subscriptionId), ctx, token).ops, i, olds);
  return {
    token,
    description: "Swaps the repaired copy in as the broken VM's OS disk when the gate allows.",
    inputs: {
      ...vmSpecs,
      helperResourceGroupName: { type: "string", description: "The helper VM's resource group." },
      helperVmName: { type: "string", description: "The helper VM the copy is attached to." },
      originalDiskId: { type: "string", description: "The VM's original OS disk (ARM id)." },
      copyDiskId: { type: "string", description: "The repaired copy (ARM id)." },
      gate: {
        type: "object",
        objectType: SWAP_GATE,
        description: "Whether the swap may happen (`allowed`) and, if not, why (`reasons`).",
      },
      swapGeneration: {
        type: "integer",
        optional: true,
        description: "Raise it to swap the repaired copy in again after a rollback (default 0).",
      },
      snapshotId: { type: "string", description: "The backup snapshot (the swap waits for it)." },
      repairRunCommandId: {
        type: "string",
        description: "The repair Run Command the swapped disk comes out of.",
      },
    },
    outputs: {
      swapped: { type: "boolean", description: "True when the VM's OS disk is the repaired copy." },
      reasons: {
        type: "array",
        items: { type: "string", description: "A reason." },
        description: "Why nothing was swapped, or what was found.",
      },
      osDiskId: { type: "string", optional: true, description: "The VM's OS disk now." },
      serialBaseline: {
        type: "object",
        objectType: SERIAL_BASELINE,
        optional: true,
        secret: true,
        description: "The serial log before the VM was started on the copy (length and hash).",
      },
      rolledBack: {
        type: "boolean",
        description: "True when the swap had been rolled back and was not redone.",
      },
    },
    identityKeys: [
      "subscriptionId",
      "resourceGroupName",
      "vmName",
      "originalDiskId",
      "copyDiskId",
      "rescueId",
    ],
    timeouts: stepTimeouts().swap,
    // Values not known yet (a preview) are checked when they are.
    check(i) {
      if (typeof i.swapGeneration !== "number") return [];
      try {
        validateSwapGeneration(i.swapGeneration);
        return [];
      } catch (e) {
        return [(e as Error).message];
      }
    },
    async create(ctx, i) {
      return {
        id: `${i.resourceGroupName}/${i.vmName}/os-disk-swap/${i.rescueId}`,
        outs: await run(ctx, i),
      };
    },
    update: (ctx, _id, olds, news) => run(ctx, news, olds),
    async read(ctx, _id, state) {
      const c = boundRuntime(runtimeFor(ctx, state.subscriptionId), ctx, token).ops;
      const vm = await c.getVmDisks(state.resourceGroupName, state.vmName).catch((e) => {
        if (isNotFound(e)) return null;
        throw e;
      });
      if (!vm) return null;
      const swapped = sameId(vm.osDiskId, state.copyDiskId);
      const backOut = state.swapped && !swapped && sameId(vm.osDiskId, state.originalDiskId);
      return {
        ...state,
        swapped,
        osDiskId: vm.osDiskId,
        rolledBack: state.rolledBack || backOut,
        reasons: backOut
          ? [`VM ${state.vmName} is back on its original OS disk (changed outside the stack)`]
          : state.reasons,
      };
    },
    async delete() {
      // Nothing: the swap never deletes or undoes anything in Azure.
    },
  };
}

export const OsDiskSwapKind = osDiskSwapKind();

/**
 * Swaps the repaired copy in as the broken VM's OS disk when the gate allows (else changes nothing
 * and reports why). Type `vm-rescue:azure:OsDiskSwap`.
 */
export class OsDiskSwap extends StepResource {
  declare readonly swapped: pulumi.Output<boolean>;
  declare readonly reasons: pulumi.Output<string[]>;
  declare readonly osDiskId: pulumi.Output<string | null>;
  declare readonly serialBaseline: pulumi.Output<SerialBaseline | null>;
  declare readonly rolledBack: pulumi.Output<boolean>;
  declare readonly swapGeneration: pulumi.Output<number | undefined>;

  constructor(name: string, args: InputsOf<OsDiskSwapInputs>, opts?: pulumi.CustomResourceOptions) {
    super(OsDiskSwapKind, name, args, opts);
  }
}
