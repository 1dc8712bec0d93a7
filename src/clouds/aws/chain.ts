/**
 * The AWS rescue's chain after the collect: the triage and repair decision (pure TypeScript over the
 * facts the readers found in the shipped files) → the repair command (shipping the repaired hives
 * back) → the check of those hives against the plan → the swap → boot verification (after the
 * backup has completed) → rollback. Copy mode's stop runs beside them once the backup exists.
 */
import * as pulumi from "@pulumi/pulumi";
import type { AwsRescuePlan } from "../../topology/aws";
import { parseEvidence, repairFromCollect } from "./decision";
import { SsmCommand } from "./scripts";
import { RepairCheck } from "./repairCheck";
import { REPAIRED_NAMES } from "../../collect/manifest";
import { RootVolumeDetach, RootVolumeSwap } from "./swap";
import { BootVerification } from "./bootVerification";
import { RootVolumeRollback } from "./rollback";
import { BackupCompletion } from "./backupCompletion";
import { volumeFromBackup, type AwsRescueResources } from "./resources";
import type { AwsWindowsRescueArgs } from "./args";
import { ROLE_TAG, ROLLBACK_FROM_BACKUP_ROLE } from "../../vocabulary/tags";

/**
 * The chain after the collect. A blocking finding, a dry run, swap=false or nothing to repair close
 * the gate: the swap steps then change nothing and say why. Nothing here deletes a volume; the step
 * resources change nothing on destroy.
 */
export function createRepairChain(
  name: string,
  plan: pulumi.Output<AwsRescuePlan>,
  r: AwsRescueResources,
  args: AwsWindowsRescueArgs,
  parent: pulumi.Resource,
) {
  const p = plan;
  const region = p.region;
  const kept: pulumi.CustomResourceOptions = { parent, retainOnDelete: true };
  const tagged = (role: string) => p.tags.apply((t) => ({ ...t, [ROLE_TAG]: role }));
  const { snapshotId, snapshotResource, repairVolumeId, helper, collect, inPlace, timeoutSeconds } =
    r;
  let detach = r.detach;

  // 9. Triage, driver check, repair plan and the swap gate: pure TypeScript over the collected facts.
  //    A blocking finding, a dry run, swap=false or nothing to repair close the gate (no failure).
  const choice = pulumi.all([p.mode, p.repair]).apply(([mode, r]) => ({
    mode,
    driver: r.driver,
    actions: r.actions,
    dryRun: r.dryRun,
    allowIncompatibleDrivers: r.allowIncompatibleDrivers,
    swap: args.swap !== false,
  }));
  const decision = pulumi
    .all([collect.stdout, collect.evidence, p.repair.targetInstanceType, choice])
    .apply(([stdout, evidence, type, c]) =>
      repairFromCollect(stdout, type, c, parseEvidence(evidence)),
    );
  const repair = new SsmCommand(
    `${name}-repair`,
    {
      ...r.commandTarget,
      documentName: r.repairDocument.name,
      parameters: decision.parameters,
      waitForSnapshotId: inPlace ? snapshotId : "",
      filesBase: r.filesBase,
      uploadStage: "repaired",
      uploadNames: [...REPAIRED_NAMES],
      // Compiled when sent, from the hives collect shipped under filesBase (as the Azure triage does).
      repairPlan: decision.repairPlan,
      collectOutput: collect.stdout,
    },
    { parent, dependsOn: [collect] },
  );

  // The hives the repair shipped back, re-read and compared with the plan: any difference closes
  // the gate the stop/detach and the swap obey.
  const outputFolder = (c: SsmCommand) =>
    pulumi.interpolate`s3://${r.bucket.bucket}/${p.artifacts.prefix}${c.commandId}/${helper.id}/`;
  const repairCheck = new RepairCheck(
    `${name}-repair-check`,
    {
      region,
      timeoutSeconds,
      collectOutputUrl: outputFolder(collect),
      filesBase: r.filesBase,
      repairResultUrl: outputFolder(repair),
      repairCommandId: repair.commandId,
      repairPlan: decision.repairPlan,
      triageGate: decision.gate,
      rawEvidence: decision.rawEvidence,
      rescueId: p.rescueId,
    },
    { parent, dependsOn: [repair] },
  );
  const gate = repairCheck.gate;

  // The backup, completed: inPlace repairs while it is pending (it is point in time from its
  // start); the verification, the last step, waits for it, and the outputs say when it completed.
  const backup = new BackupCompletion(
    `${name}-backup-complete`,
    { region, snapshotId },
    { parent, dependsOn: [snapshotResource] },
  );

  // 10. The swap. Copy mode: the stop and the swap exist only with swap=true and no dry run. The
  //     stop runs once the backup exists, beside the collect and the repair (it needs nothing
  //     they produce), and leaves the root attached; the swap takes it off only when the gate
  //     allows, so a refused swap or a failed repair leaves the instance stopped on its own,
  //     untouched root. inPlace: the root always goes back; started only when the gate allows.
  let swap: RootVolumeSwap | undefined;
  let verified: BootVerification | undefined;
  const swapPlanned = inPlace || (args.swap !== false && !args.dryRun);
  if (swapPlanned) {
    if (!inPlace) {
      detach = new RootVolumeDetach(
        `${name}-stop`,
        {
          region,
          timeoutSeconds,
          instanceId: p.source.instanceId,
          rootVolumeId: p.source.rootVolumeId,
          snapshotId,
          gate: { allowed: true, reasons: [] },
          stopOnly: true,
        },
        { parent, dependsOn: [snapshotResource] },
      );
    }
    swap = new RootVolumeSwap(
      `${name}-swap`,
      {
        region,
        timeoutSeconds,
        instanceId: p.source.instanceId,
        rootDeviceName: p.restore.rootDeviceName,
        volumeId: repairVolumeId,
        helperInstanceId: helper.id,
        deleteOnTermination: p.restore.deleteOnTermination,
        gate,
        reattachWhenClosed: inPlace,
        swapGeneration: args.swapGeneration,
      },
      { parent, dependsOn: [repair, repairCheck, detach!] },
    );
    verified = new BootVerification(
      `${name}-verify`,
      {
        region,
        timeoutSeconds,
        instanceId: p.source.instanceId,
        finalState: p.restore.finalState,
        rollbackVolumeId: inPlace
          ? pulumi.interpolate`a new volume from ${snapshotId}`
          : p.source.rootVolumeId,
        swapped: swap.swapped,
        swapReason: swap.reason,
        swappedVolumeId: swap.rootVolumeId,
        consoleBaseline: swap.consoleBaseline,
      },
      { parent, dependsOn: [swap, backup] },
    );
  }

  // 11. Rollback on request: the original (copy) or a volume from the backup with the original's
  //     settings (inPlace) back as root. A no-op when it already is the root.
  let rollback: RootVolumeRollback | undefined;
  if (args.rollback) {
    let restoreVolumeId: pulumi.Output<string> = p.source.rootVolumeId;
    if (inPlace) {
      restoreVolumeId = volumeFromBackup(
        `${name}-restore`,
        p.restoreVolume.apply((v) => v!),
        snapshotId,
        tagged(ROLLBACK_FROM_BACKUP_ROLE),
        p.source.rootVolumeId,
        region,
        kept,
      ).id;
    }
    rollback = new RootVolumeRollback(
      `${name}-rollback`,
      {
        region,
        timeoutSeconds,
        instanceId: p.source.instanceId,
        rootDeviceName: p.restore.rootDeviceName,
        volumeId: restoreVolumeId,
        deleteOnTermination: p.restore.deleteOnTermination,
        finalState: p.restore.finalState,
      },
      { parent, dependsOn: [swap ?? repair] },
    );
  }

  return { decision, gate, repair, repairCheck, backup, detach, swap, verified, rollback };
}
