/**
 * The rollback on Azure: the original OS disk back on the VM, the repaired copy kept, detached and
 * tagged. `OsDiskRollback` is the stack's step kind over {@link AzureComputeOps} (config
 * `rollback=true`), resumable like the swap (the original disk's phase tag); {@link rollBackVm} runs
 * the same step directly, without a stack, and verifies the boot. Neither ever deletes a disk, and
 * the resource's delete changes nothing.
 */
import type * as pulumi from "@pulumi/pulumi";
import {
  AzureComputeOps,
  changedOutside,
  Clock,
  diskRef,
  detachedDiskTags,
  OpsFactory,
  sameId,
  step,
} from "./operations";
import { STEP_TYPES } from "../../vocabulary/tokens";
import { runBootVerification } from "./bootVerification";
import type { SerialBaseline } from "../../swap/serialLog";
import { originalToRestore, type RollbackHooks, type RollbackResult } from "../../swap/rollback";
import { copyOfFromTags } from "../../topology/azureOriginalDisk";
import { parseArmId } from "../../describe/azureVm";
import { UsageError } from "../../vocabulary/exitCodes";
import type { StepKind } from "../../steps/contract";
import { SERIAL_BASELINE } from "../../steps/objectTypes";
import { StepResource, type InputsOf } from "../../steps/resource";
import { moveOsDisk, resumeStart, ROLLBACK_PHASE_TAG, tagValue } from "./osDiskMove";
import { azureRuntime, boundRuntime, type RuntimeFor } from "./runtime";
import { stepTimeouts } from "./timeouts";
import { isNotFound, reasonsSpec, vmSpecs } from "./specs";

/** Inputs of {@link OsDiskRollback}. */
export interface OsDiskRollbackInputs {
  subscriptionId: string;
  resourceGroupName: string;
  vmName: string;
  originalDiskId: string;
  copyDiskId: string;
  rescueId: string;
  /** The swap's generation: a swap redone while rollback is still requested is rolled back again. */
  swapGeneration?: number;
}

export interface OsDiskRollbackOutputs extends OsDiskRollbackInputs {
  rolledBack: boolean;
  reasons: string[];
  osDiskId: string | null;
  /** The serial log before the VM was started on the original again (null when unread or nothing was done). */
  serialBaseline: SerialBaseline | null;
}

/**
 * The rollback, converging from what Azure holds: a VM already on its original disk is only started
 * when the original's phase says an interrupted rollback did not start it; else tag the copy
 * (rolled back) and the original (`prepared`), deallocate, record the baseline (`deallocated`), put
 * the original back and start it (`started`). The copy stays, detached and tagged.
 */
export async function runOsDiskRollback(
  c: AzureComputeOps,
  i: OsDiskRollbackInputs,
  olds?: Partial<OsDiskRollbackOutputs>,
): Promise<OsDiskRollbackOutputs> {
  const vm = await step(`reading VM ${i.vmName}`, () =>
    c.getVmDisks(i.resourceGroupName, i.vmName),
  );
  const original = await step(`reading the original OS disk`, () =>
    c.getDiskTags(i.originalDiskId),
  );
  if (sameId(vm.osDiskId, i.originalDiskId)) {
    const phase = tagValue(original, ROLLBACK_PHASE_TAG);
    const half = phase === "prepared" || phase === "deallocated";
    const resumed = half
      ? await resumeStart(
          c,
          i.resourceGroupName,
          i.vmName,
          i.originalDiskId,
          original ?? {},
          ROLLBACK_PHASE_TAG,
        )
      : { started: false, baseline: null };
    return {
      ...i,
      rolledBack: true,
      reasons: [
        resumed.started
          ? `the original disk was already the OS disk of ${i.vmName} (an interrupted rollback): started the VM`
          : `the original disk was already the OS disk of ${i.vmName}`,
      ],
      osDiskId: i.originalDiskId,
      serialBaseline: resumed.baseline ?? olds?.serialBaseline ?? null,
    };
  }
  if (!sameId(vm.osDiskId, i.copyDiskId))
    throw changedOutside(i.vmName, vm.osDiskId, i.copyDiskId, "rolled back");
  if (original === null)
    throw new Error(
      `the original OS disk ${i.originalDiskId} no longer exists, so nothing is rolled back (VM ${i.vmName} stays on ${i.copyDiskId})`,
    );
  await step(`tagging the repaired copy`, () =>
    c.addDiskTags(i.copyDiskId, detachedDiskTags(i.rescueId, vm.id, "repaired-copy")),
  );
  await step(`tagging the original OS disk`, () =>
    c.addDiskTags(i.originalDiskId, { [ROLLBACK_PHASE_TAG]: "prepared" }),
  );
  // The copy's own crash (the reason for a rollback) must not count against the original's boot.
  const baseline = await moveOsDisk(
    c,
    i.resourceGroupName,
    i.vmName,
    i.originalDiskId,
    ROLLBACK_PHASE_TAG,
  );
  return {
    ...i,
    rolledBack: true,
    reasons: [],
    osDiskId: i.originalDiskId,
    serialBaseline: baseline,
  };
}

/** The rollback as a step kind; `runtimeFor` is replaced in tests. */
export function osDiskRollbackKind(
  runtimeFor: RuntimeFor = azureRuntime,
): StepKind<OsDiskRollbackInputs, OsDiskRollbackOutputs> {
  const token = STEP_TYPES.azure.rollback;
  const ops = (ctx: Parameters<RuntimeFor>[0], sub: string) =>
    boundRuntime(runtimeFor(ctx, sub), ctx, token).ops;
  return {
    token,
    description: "Puts the original OS disk back on the VM; the repaired copy is kept, detached.",
    inputs: {
      ...vmSpecs,
      originalDiskId: { type: "string", description: "The VM's original OS disk (ARM id)." },
      copyDiskId: { type: "string", description: "The repaired copy (ARM id)." },
      swapGeneration: {
        type: "integer",
        optional: true,
        description:
          "The swap's generation: a swap redone while rollback is requested is rolled back again.",
      },
    },
    outputs: {
      rolledBack: { type: "boolean", description: "True when the VM's OS disk is the original." },
      reasons: reasonsSpec("What was found."),
      osDiskId: { type: "string", optional: true, description: "The VM's OS disk now." },
      serialBaseline: {
        type: "object",
        objectType: SERIAL_BASELINE,
        optional: true,
        secret: true,
        description: "The serial log before the VM was started on the original (length and hash).",
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
    timeouts: stepTimeouts().rollback,
    async create(ctx, i) {
      return {
        id: `${i.resourceGroupName}/${i.vmName}/os-disk-rollback/${i.rescueId}`,
        outs: await runOsDiskRollback(ops(ctx, i.subscriptionId), i),
      };
    },
    update: (ctx, _id, olds, news) => runOsDiskRollback(ops(ctx, news.subscriptionId), news, olds),
    async read(ctx, _id, state) {
      const vm = await ops(ctx, state.subscriptionId)
        .getVmDisks(state.resourceGroupName, state.vmName)
        .catch((e) => {
          if (isNotFound(e)) return null;
          throw e;
        });
      if (!vm) return null;
      return {
        ...state,
        rolledBack: sameId(vm.osDiskId, state.originalDiskId),
        osDiskId: vm.osDiskId,
      };
    },
    async delete() {
      // Nothing: the rollback never deletes or undoes anything in Azure.
    },
  };
}

export const OsDiskRollbackKind = osDiskRollbackKind();

/** Puts the original OS disk back (config `rollback=true`). Type `vm-rescue:azure:OsDiskRollback`. */
export class OsDiskRollback extends StepResource {
  declare readonly rolledBack: pulumi.Output<boolean>;
  declare readonly reasons: pulumi.Output<string[]>;
  declare readonly osDiskId: pulumi.Output<string | null>;

  constructor(
    name: string,
    args: InputsOf<OsDiskRollbackInputs>,
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(OsDiskRollbackKind, name, args, opts);
  }
}

/** What the direct rollback of an Azure VM is asked to do. */
export interface VmRollbackRequest {
  resourceGroup: string;
  vm: string;
  /** How the VM is named in questions and messages. */
  label: string;
  /** The subscription: --subscription, else the environment's; null when there is none. */
  subscription(): string | null;
  /** --original-disk: the disk to put back when the OS disk does not name it. */
  originalDisk?: string;
  /** The rescue (--stack) whose copy is rolled back; any rescue's when absent. */
  rescueId?: string;
  /** How long to wait for the VM to boot afterwards. */
  verifyMinutes: number;
}

/**
 * The direct rollback (`vm-rescue rollback --cloud azure`, no stack needed): reads the VM's OS disk
 * and its tags, decides with {@link originalToRestore}, runs the step the stack's `OsDiskRollback`
 * runs and verifies the boot past the serial-log baseline it recorded. Throws UsageError when
 * nothing may be done (nothing was changed).
 */
export async function rollBackVm(
  r: VmRollbackRequest,
  opsFor: OpsFactory,
  clock: Clock,
  hooks: RollbackHooks,
): Promise<RollbackResult> {
  const t = r;
  const minutes = r.verifyMinutes;
  if (r.originalDisk !== undefined) parseArmIdOrUsage(r.originalDisk, "--original-disk");
  const subscriptionId = r.subscription();
  if (!subscriptionId)
    throw new UsageError(
      "no Azure subscription: pass --subscription <id>, set AZURE_SUBSCRIPTION_ID, or az login",
    );
  const ops = opsFor(subscriptionId);
  const vm = await step(`reading VM ${t.vm}`, () => ops.getVmDisks(t.resourceGroup, t.vm));
  if (!vm.osDiskId) throw new UsageError(`${t.label} has no managed OS disk; nothing to roll back`);
  const osDiskId = vm.osDiskId;
  const tags = await step(`reading the tags of the OS disk`, () => ops.getDiskTags(osDiskId));
  const found = originalToRestore(
    { id: osDiskId, tags },
    {
      pinned: r.originalDisk,
      rescueId: r.rescueId,
      what: "OS disk",
      vmLabel: t.label,
      originalFlag: "--original-disk",
      copyOf: copyOfFromTags,
    },
  );
  const base = { cloud: "azure" as const, target: t.label, originalId: found.originalId };
  if (found.kind === "already")
    return {
      ...base,
      rolledBack: true,
      changed: false,
      replacedId: null,
      booted: null,
      reasons: [],
    };
  const original = await step(`reading the original OS disk`, () =>
    ops.getDiskTags(found.originalId),
  );
  if (original === null)
    throw new UsageError(
      `the original OS disk ${found.originalId} no longer exists; ${t.label} stays on ${osDiskId}`,
    );
  await hooks.confirm(
    `deallocate ${t.label}, put its original OS disk ${diskRef(found.originalId).name} back and start it (the repaired copy ${diskRef(osDiskId).name} is kept, detached)`,
  );
  hooks.log(`rolling back ${t.label}: ${osDiskId} → ${found.originalId}`);
  const i = {
    subscriptionId,
    resourceGroupName: t.resourceGroup,
    vmName: t.vm,
    originalDiskId: found.originalId,
    copyDiskId: osDiskId,
    rescueId: found.rescueId ?? r.rescueId ?? "manual",
  };
  const rolled = await runOsDiskRollback(ops, i);
  hooks.log(`verifying the boot (up to ${minutes} min)`);
  const v = await runBootVerification(
    ops,
    {
      ...i,
      swapped: true,
      osDiskId: found.originalId,
      serialBaseline: rolled.serialBaseline,
      timeoutMinutes: minutes,
    },
    clock,
  );
  const why = v.booted
    ? []
    : [
        v.bugCheck
          ? `a bug check on the serial console: ${v.bugCheck}`
          : `power state ${v.powerState ?? "unknown"}, guest agent ${v.agentStatus ?? "not reporting"} after ${minutes} min`,
      ];
  return {
    ...base,
    rolledBack: true,
    changed: true,
    replacedId: osDiskId,
    booted: v.booted,
    reasons: why,
  };
}

function parseArmIdOrUsage(id: string, flag: string): void {
  try {
    parseArmId(id, flag);
    diskRef(id);
  } catch (e) {
    throw new UsageError(
      `${flag} must be a managed disk id (/subscriptions/…/providers/Microsoft.Compute/disks/<name>): ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}
