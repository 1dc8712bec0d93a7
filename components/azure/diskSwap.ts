/**
 * `OsDiskSwap` puts the repaired copy in as the broken VM's OS disk; `OsDiskRollback` puts the
 * original back. Both are dynamic resources over {@link AzureComputeOps}; neither ever deletes a
 * disk, and `pulumi destroy` leaves the VM with whatever OS disk it has (delete is a no-op).
 */
import * as pulumi from "@pulumi/pulumi";
import { AzureComputeOps, armComputeOps, sameId, step } from "./computeOps";
import { compiledProvider, DYNAMIC_MODULE, idempotentProvider, InputsOf } from "./dynamic";

export interface SwapGate {
  allowed: boolean;
  reasons: string[];
}

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
  /** Not used by the provider: makes the swap wait for the backup and record it. */
  snapshotId: string;
  /** Not used by the provider: the repair run command the swapped disk comes out of. */
  repairRunCommandId: string;
}

export interface OsDiskSwapOutputs extends OsDiskSwapInputs {
  swapped: boolean;
  /** Why nothing was swapped (the gate's reasons), or what was found ("already swapped"). */
  reasons: string[];
  /** The VM's OS disk after the run. */
  osDiskId: string | null;
}

/** Inputs of {@link OsDiskRollback}. */
export interface OsDiskRollbackInputs {
  subscriptionId: string;
  resourceGroupName: string;
  vmName: string;
  originalDiskId: string;
  copyDiskId: string;
  rescueId: string;
}

export interface OsDiskRollbackOutputs extends OsDiskRollbackInputs {
  rolledBack: boolean;
  reasons: string[];
  osDiskId: string | null;
}

export type OpsFactory = (subscriptionId: string) => AzureComputeOps;

/** Tags the rescue leaves on the disk that is no longer the OS disk. */
export function detachedDiskTags(rescueId: string, vmId: string, role: "original" | "repaired-copy"): Record<string, string> {
  return role === "original"
    ? { "vm-rescue:id": rescueId, "vm-rescue:original-os-disk-of": vmId }
    : { "vm-rescue:id": rescueId, "vm-rescue:rolled-back-copy-of": vmId };
}

/**
 * Deallocates the VM, makes `to` its OS disk and starts it — when its OS disk is `from`. Returns
 * "already" when `to` is already the OS disk; throws when the OS disk is neither (someone else
 * changed the VM: the rescue does not guess).
 */
async function putOsDisk(
  ops: AzureComputeOps,
  rg: string,
  vmName: string,
  from: string,
  to: string,
  before: (vmId: string) => Promise<void>,
): Promise<"already" | "swapped"> {
  const vm = await step(`reading VM ${vmName}`, () => ops.getVmDisks(rg, vmName));
  if (sameId(vm.osDiskId, to)) return "already";
  if (!sameId(vm.osDiskId, from)) {
    throw new Error(`VM ${vmName} has OS disk ${vm.osDiskId ?? "(none)"}, expected ${from}; it was changed outside this rescue, so nothing is swapped`);
  }
  await before(vm.id);
  await step(`deallocating VM ${vmName}`, () => ops.deallocate(rg, vmName));
  await step(`setting ${to} as the OS disk of VM ${vmName}`, () => ops.setOsDisk(rg, vmName, to));
  await step(`starting VM ${vmName}`, () => ops.start(rg, vmName));
  return "swapped";
}

/** The swap: nothing when the gate blocks; else detach the copy from the helper, tag the original, swap, start. */
export async function runOsDiskSwap(ops: () => AzureComputeOps, i: OsDiskSwapInputs): Promise<OsDiskSwapOutputs> {
  if (!i.gate.allowed) {
    return { ...i, swapped: false, reasons: i.gate.reasons.length ? i.gate.reasons : ["the swap gate is closed"], osDiskId: null };
  }
  const c = ops();
  const outcome = await putOsDisk(c, i.resourceGroupName, i.vmName, i.originalDiskId, i.copyDiskId, async (vmId) => {
    const helper = await step(`reading helper VM ${i.helperVmName}`, () => c.getVmDisks(i.helperResourceGroupName, i.helperVmName));
    if (helper.dataDiskIds.some((d) => sameId(d, i.copyDiskId))) {
      await step(`detaching the repaired copy from helper VM ${i.helperVmName}`, () => c.detachDataDisk(i.helperResourceGroupName, i.helperVmName, i.copyDiskId));
    }
    await step(`tagging the original OS disk`, () => c.addDiskTags(i.originalDiskId, detachedDiskTags(i.rescueId, vmId, "original")));
  });
  return {
    ...i,
    swapped: true,
    reasons: outcome === "already" ? [`the repaired copy was already the OS disk of ${i.vmName}`] : [],
    osDiskId: i.copyDiskId,
  };
}

/** The rollback: the original disk back as the OS disk (the copy stays, detached and tagged). */
export async function runOsDiskRollback(ops: () => AzureComputeOps, i: OsDiskRollbackInputs): Promise<OsDiskRollbackOutputs> {
  const c = ops();
  const outcome = await putOsDisk(c, i.resourceGroupName, i.vmName, i.copyDiskId, i.originalDiskId, (vmId) =>
    step(`tagging the repaired copy`, () => c.addDiskTags(i.copyDiskId, detachedDiskTags(i.rescueId, vmId, "repaired-copy"))),
  );
  return {
    ...i,
    rolledBack: true,
    reasons: outcome === "already" ? [`the original disk was already the OS disk of ${i.vmName}`] : [],
    osDiskId: i.originalDiskId,
  };
}

const SWAP_KEYS: (keyof OsDiskSwapInputs)[] = ["subscriptionId", "resourceGroupName", "vmName", "helperResourceGroupName", "helperVmName", "originalDiskId", "copyDiskId", "gate", "repairRunCommandId"];
const ROLLBACK_KEYS: (keyof OsDiskRollbackInputs)[] = ["subscriptionId", "resourceGroupName", "vmName", "originalDiskId", "copyDiskId"];

/** The swap provider; `opsFor` is replaced by a fake in tests and by the simulated cloud. */
export function osDiskSwapProvider(opsFor: OpsFactory = armComputeOps): pulumi.dynamic.ResourceProvider {
  return idempotentProvider<OsDiskSwapInputs, OsDiskSwapOutputs>(
    SWAP_KEYS,
    (i) => `${i.resourceGroupName}/${i.vmName}/os-disk-swap/${i.rescueId}`,
    (i) => runOsDiskSwap(() => opsFor(i.subscriptionId), i),
  );
}

export function osDiskRollbackProvider(opsFor: OpsFactory = armComputeOps): pulumi.dynamic.ResourceProvider {
  return idempotentProvider<OsDiskRollbackInputs, OsDiskRollbackOutputs>(
    ROLLBACK_KEYS,
    (i) => `${i.resourceGroupName}/${i.vmName}/os-disk-rollback/${i.rescueId}`,
    (i) => runOsDiskRollback(() => opsFor(i.subscriptionId), i),
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

  constructor(name: string, args: InputsOf<OsDiskSwapInputs>, opts?: pulumi.CustomResourceOptions) {
    super(compiledProvider("diskSwap", "osDiskSwapProvider"), name, { ...args, swapped: undefined, reasons: undefined, osDiskId: undefined }, opts, DYNAMIC_MODULE, "OsDiskSwap");
  }
}

/** Puts the original OS disk back (config `rollback=true`). Type `pulumi-nodejs:dynamic/vm-rescue:OsDiskRollback`. */
export class OsDiskRollback extends pulumi.dynamic.Resource {
  declare readonly rolledBack: pulumi.Output<boolean>;
  declare readonly reasons: pulumi.Output<string[]>;
  declare readonly osDiskId: pulumi.Output<string | null>;

  constructor(name: string, args: InputsOf<OsDiskRollbackInputs>, opts?: pulumi.CustomResourceOptions) {
    super(compiledProvider("diskSwap", "osDiskRollbackProvider"), name, { ...args, rolledBack: undefined, reasons: undefined, osDiskId: undefined }, opts, DYNAMIC_MODULE, "OsDiskRollback");
  }
}
