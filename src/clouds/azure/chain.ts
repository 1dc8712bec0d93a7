/**
 * The Azure rescue's chain: the diagnosis read from the backup (it decides the repair and ships the
 * evidence it read) → repair on the helper once the copy is attached → check of the repaired hives
 * → swap → boot verification → rollback, each a resource waiting for what it needs; beside it the
 * broken VM's stop, waiting only for the backup.
 */
import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as compute from "@pulumi/azure-native/compute";
import type { AzureRescuePlan } from "../../topology/azure";
import { guidFrom } from "../../topology/azureNames";
import { STORAGE_BLOB_DATA_CONTRIBUTOR } from "../../topology/azure";
import { REPAIR_RUN_COMMAND, repairRunCommand } from "./scripts";
import { operationsOf } from "./decision";
import { RepairCheck } from "./repairCheck";
import { OsDiskSwap } from "./swap";
import { VmDeallocate } from "./stop";
import { OsDiskRollback } from "./rollback";
import { BootVerification } from "./bootVerification";
import { SnapshotDiagnosisStep } from "./snapshotDiagnosis";
import { allowedSeconds, duration, runCommandTimeout, stepTimeouts } from "./timeouts";
import type { AzureRescueResources } from "./resources";
import type { AzureWindowsRescueArgs } from "./args";

/**
 * Storage Blob Data Contributor (built-in role): the deploying identity ships the evidence the
 * diagnosis read and reads the repair's result with it.
 */
export { STORAGE_BLOB_DATA_CONTRIBUTOR } from "../../topology/azure";
/** Minutes the boot verification waits for the VM by default. */
export const DEFAULT_VERIFY_TIMEOUT_MINUTES = 20;
/** How long repair.ps1 may run on the helper (the Run Command's own limit). */
export const REPAIR_SCRIPT_SECONDS = 5400;

/** The verification's deadline: the kind's, raised to the operator's wait plus the model's start allowance. */
export function verifyTimeouts(minutes: number): pulumi.CustomTimeouts {
  const t = stepTimeouts().verify;
  const wait = duration(
    Math.max(t.create, minutes * 60 + allowedSeconds("azure.vm.start.windows")),
  );
  return { create: wait, update: wait, delete: duration(t.delete) };
}

/**
 * The chain: the diagnosis from the backup (it writes and reads the artifacts with temporary
 * Storage Blob Data Contributor access of the deploying identity) → repair run command → the check of the hives it returned against the plan
 * (its gate is the swap's) → swap (after the snapshot and the check; only when `swap` is not false) → boot verification → rollback (only with `rollback`). Nothing here deletes a
 * disk; the step resources change nothing on destroy.
 */
export function createRepairChain(
  name: string,
  plan: pulumi.Output<AzureRescuePlan>,
  r: AzureRescueResources,
  args: AzureWindowsRescueArgs,
  parent: pulumi.Resource,
) {
  const p = plan;
  const client = authorization.getClientConfigOutput({ parent });
  // Temporary access: removed with the stack (the container itself is kept).
  const operatorBlobRead = new authorization.RoleAssignment(
    `${name}-operator-blob-read`,
    {
      scope: r.container.id,
      roleAssignmentName: pulumi
        .all([p.rescueId, r.container.id, client.objectId])
        .apply(([id, scope, who]) => guidFrom(`${id}/${scope}/${who}/blob-contributor`)),
      roleDefinitionId: p.subscriptionId.apply(
        (s) =>
          `/subscriptions/${s}/providers/Microsoft.Authorization/roleDefinitions/${STORAGE_BLOB_DATA_CONTRIBUTOR}`,
      ),
      principalId: client.objectId,
      principalType: args.operatorPrincipalType ?? authorization.PrincipalType.User,
    },
    { parent },
  );

  // Read straight from the backup while the helper is created and boots: it decides the repair and
  // ships the evidence it read (the collect manifest the check after the repair reads), off the
  // helper's path. A snapshot it cannot read fails it: the rescue refuses before any repair.
  const snapshotDiagnosis = new SnapshotDiagnosisStep(
    `${name}-snapshot-diagnosis`,
    {
      snapshotId: r.snapshot.id,
      rescueId: p.rescueId,
      driver: args.driver,
      actions: args.actions,
      dryRun: args.dryRun,
      allowIncompatibleDrivers: args.allowIncompatibleDrivers,
      swap: args.swap ?? true,
      filesBase: r.containerUrl,
      manifestUrl: r.collectOutputUrl,
    },
    { parent, dependsOn: [r.snapshot, operatorBlobRead] },
  );
  const decided = snapshotDiagnosis;

  const repairResultUrl = pulumi.interpolate`${r.containerUrl}/${REPAIR_RUN_COMMAND.outputBlob}`;
  const repairSpec = pulumi
    .all([decided.repairParams, r.containerUrl, decided.operations])
    .apply(([params, base, ops]) => {
      // The step fails when nothing was decided, so the parameters are there.
      if (!params) throw new Error("the snapshot diagnosis decided no repair parameters");
      return repairRunCommand(params, base, operationsOf({ operations: ops }) ?? undefined);
    });
  const repair = new compute.VirtualMachineRunCommandByVirtualMachine(
    `${name}-repair`,
    {
      resourceGroupName: r.helperVm.resourceGroupName,
      vmName: r.helperVm.name,
      runCommandName: REPAIR_RUN_COMMAND.name,
      location: p.location,
      source: repairSpec.source,
      parameters: repairSpec.parameters,
      protectedParameters: repairSpec.protectedParameters,
      outputBlobUri: repairResultUrl,
      errorBlobUri: pulumi.interpolate`${r.containerUrl}/${REPAIR_RUN_COMMAND.errorBlob}`,
      outputBlobManagedIdentity: {},
      errorBlobManagedIdentity: {},
      asyncExecution: false,
      timeoutInSeconds: REPAIR_SCRIPT_SECONDS,
      treatFailureAsDeploymentFailure: true,
      tags: p.tags,
    },
    // No Run Command reads the copy on the helper before it: the evidence is the diagnosis's.
    {
      parent,
      dependsOn: [decided, r.copyAttach, r.helperBlobAccess, r.snapshot],
      customTimeouts: { create: runCommandTimeout(REPAIR_SCRIPT_SECONDS) },
    },
  );

  // The hives the repair shipped back, re-read and compared with the plan: any difference closes the gate.
  const repairCheck = new RepairCheck(
    `${name}-repair-check`,
    {
      collectOutputUrl: r.collectOutputUrl,
      filesBase: r.containerUrl,
      repairResultUrl,
      repairRunCommandId: repair.id,
      repairPlan: decided.repairPlan.apply((plan) => {
        if (!plan) throw new Error("the snapshot diagnosis decided no repair plan");
        return plan;
      }),
      triageGate: decided.gate,
      rawEvidence: true,
      rescueId: p.rescueId,
    },
    { parent, dependsOn: [repair, operatorBlobRead] },
  );

  const target = {
    subscriptionId: p.subscriptionId,
    resourceGroupName: p.source.resourceGroupName,
    vmName: p.source.vmName,
    rescueId: p.rescueId,
  };
  // The broken VM's crash loop stopped once the backup exists, while the copy is repaired: off the
  // swap's path (the swap does not wait for it; it needs no stopped VM). Not done when nothing is
  // to be swapped in.
  const stop =
    args.swap === false || args.dryRun === true
      ? undefined
      : new VmDeallocate(
          `${name}-stop`,
          { ...target, originalDiskId: p.source.osDiskId, snapshotId: r.snapshot.id },
          { parent, dependsOn: [r.snapshot] },
        );
  const swap =
    args.swap === false
      ? undefined
      : new OsDiskSwap(
          `${name}-swap`,
          {
            ...target,
            helperResourceGroupName: r.helperVm.resourceGroupName,
            helperVmName: r.helperVm.name,
            originalDiskId: p.source.osDiskId,
            copyDiskId: r.copyDisk.id,
            gate: repairCheck.gate,
            swapGeneration: args.swapGeneration,
            snapshotId: r.snapshot.id,
            repairRunCommandId: repair.id,
          },
          // Never before the backup exists, never before the repair finished and was checked.
          { parent, dependsOn: [r.snapshot, repair, repairCheck] },
        );
  const verify = swap
    ? new BootVerification(
        `${name}-verify`,
        {
          ...target,
          swapped: swap.swapped,
          osDiskId: swap.osDiskId,
          serialBaseline: swap.serialBaseline,
          swapGeneration: args.swapGeneration,
          timeoutMinutes: args.verifyTimeoutMinutes ?? DEFAULT_VERIFY_TIMEOUT_MINUTES,
          // a repair that set safe mode: the first boot is a safe-mode boot, then it is reverted
          safeBootMode: decided.repairPlan.apply((plan) => {
            const safe = plan?.actions.find((a) => a.action === "SetSafeBoot");
            return safe?.action === "SetSafeBoot" && !plan?.dryRun ? safe.args.mode : null;
          }),
        },
        {
          parent,
          dependsOn: [swap],
          customTimeouts: verifyTimeouts(
            args.verifyTimeoutMinutes ?? DEFAULT_VERIFY_TIMEOUT_MINUTES,
          ),
        },
      )
    : undefined;
  const rollback = args.rollback
    ? new OsDiskRollback(
        `${name}-rollback`,
        {
          ...target,
          originalDiskId: p.source.osDiskId,
          copyDiskId: r.copyDisk.id,
          swapGeneration: args.swapGeneration,
        },
        { parent, dependsOn: [r.snapshot, ...(verify ? [verify] : [repair])] },
      )
    : undefined;

  return {
    operatorBlobRead,
    snapshotDiagnosis,
    repair,
    repairResultUrl,
    repairCheck,
    stop,
    swap,
    verify,
    rollback,
  };
}
