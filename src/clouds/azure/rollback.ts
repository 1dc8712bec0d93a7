/**
 * The rollback on Azure: the original OS disk back on the VM, the repaired copy kept, detached and
 * tagged. `OsDiskRollback` is the stack's dynamic resource over {@link AzureComputeOps} (config
 * `rollback=true`); it never deletes a disk, and its delete changes nothing.
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
import { readSerialLog } from "./bootVerification";
import { serialBaseline, type SerialBaseline } from "../../swap/serialLog";

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

/** The rollback: the original disk back as the OS disk (the copy stays, detached and tagged). */
export async function runOsDiskRollback(
  ops: () => AzureComputeOps,
  i: OsDiskRollbackInputs,
): Promise<OsDiskRollbackOutputs> {
  const c = ops();
  const vm = await step(`reading VM ${i.vmName}`, () =>
    c.getVmDisks(i.resourceGroupName, i.vmName),
  );
  if (sameId(vm.osDiskId, i.originalDiskId)) {
    return {
      ...i,
      rolledBack: true,
      reasons: [`the original disk was already the OS disk of ${i.vmName}`],
      osDiskId: i.originalDiskId,
      serialBaseline: null,
    };
  }
  if (!sameId(vm.osDiskId, i.copyDiskId))
    throw changedOutside(i.vmName, vm.osDiskId, i.copyDiskId, "rolled back");
  const original = await step(`reading the original OS disk`, () =>
    c.getDiskTags(i.originalDiskId),
  );
  if (original === null)
    throw new Error(
      `the original OS disk ${i.originalDiskId} no longer exists, so nothing is rolled back (VM ${i.vmName} stays on ${i.copyDiskId})`,
    );
  await step(`tagging the repaired copy`, () =>
    c.addDiskTags(i.copyDiskId, detachedDiskTags(i.rescueId, vm.id, "repaired-copy")),
  );
  // The copy's own crash (the reason for a rollback) must not count against the original's boot.
  const before = serialBaseline((await readSerialLog(c, i.resourceGroupName, i.vmName)).serial);
  let baseline = before;
  await moveOsDisk(c, i.resourceGroupName, i.vmName, i.originalDiskId, async () => {
    baseline =
      serialBaseline((await readSerialLog(c, i.resourceGroupName, i.vmName)).serial) ?? before;
  });
  return {
    ...i,
    rolledBack: true,
    reasons: [],
    osDiskId: i.originalDiskId,
    serialBaseline: baseline,
  };
}

const ROLLBACK_KEYS: (keyof OsDiskRollbackInputs)[] = [
  "subscriptionId",
  "resourceGroupName",
  "vmName",
  "originalDiskId",
  "copyDiskId",
  "swapGeneration",
];

export function osDiskRollbackProvider(
  opsFor: OpsFactory = armComputeOps,
): pulumi.dynamic.ResourceProvider {
  return idempotentProvider<OsDiskRollbackInputs, OsDiskRollbackOutputs>(
    ROLLBACK_KEYS,
    (i) => `${i.resourceGroupName}/${i.vmName}/os-disk-rollback/${i.rescueId}`,
    (i) => runOsDiskRollback(() => opsFor(i.subscriptionId), i),
  );
}

/** Puts the original OS disk back (config `rollback=true`). Type `pulumi-nodejs:dynamic/vm-rescue:OsDiskRollback`. */
export class OsDiskRollback extends pulumi.dynamic.Resource {
  declare readonly rolledBack: pulumi.Output<boolean>;
  declare readonly reasons: pulumi.Output<string[]>;
  declare readonly osDiskId: pulumi.Output<string | null>;

  constructor(
    name: string,
    args: InputsOf<OsDiskRollbackInputs>,
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(
      compiledProvider("rollback", "osDiskRollbackProvider"),
      name,
      {
        ...args,
        rolledBack: undefined,
        reasons: undefined,
        osDiskId: undefined,
        serialBaseline: undefined,
      },
      opts,
      DYNAMIC_MODULE,
      DYNAMIC_KINDS.azure.rollback,
    );
  }
}
