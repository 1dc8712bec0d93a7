/**
 * The rollback on AWS without a stack: {@link rollBackInstance} runs the steps of the stack's
 * `RootVolumeRollback` (`rollbackStep.ts`) directly and verifies the boot. The volume it replaces
 * stays, detached.
 */
import {
  describeInstance,
  describeVolume,
  findVolumes,
  RescueStepError,
  rootDevice,
  ContextFactory,
} from "./operations";
import { verifyBoot } from "./bootVerification";
import { rollbackStep } from "./rollbackStep";
import { findSnapshots, volumeFromSnapshotStep } from "./snapshots";
import { lowerKeys, type RollbackHooks, type RollbackResult } from "../../swap/rollback";
import { awsRollbackTarget } from "./rollbackTarget";
import { UsageError } from "../../vocabulary/exitCodes";
import {
  BACKUP_ROLE,
  ID_TAG,
  REPAIR_COPY_ROLE,
  ROLE_TAG,
  ROLLBACK_FROM_BACKUP_ROLE,
  SOURCE_TAG,
} from "../../vocabulary/tags";

export {
  rollbackStep,
  rootVolumeRollbackKind,
  RootVolumeRollback,
  type RootVolumeRollbackInputs,
} from "./rollbackStep";

/** What the direct rollback of an EC2 instance is asked to do. */
export interface InstanceRollbackRequest {
  instanceId: string;
  /** How the instance is named in questions and messages. */
  label: string;
  /** The region: --region, else the environment's; null when there is none. */
  region(): string | null;
  /** --original-volume: the volume to put back when the root's tags or the rescues' do not name it. */
  originalVolume?: string;
  /** The rescue (--stack) whose copy or backup is rolled back; any rescue's when absent. */
  rescueId?: string;
  /** How long to wait for the instance to boot afterwards. */
  verifyMinutes: number;
}

/**
 * The direct rollback (`vm-rescue rollback --cloud aws`, no stack needed): reads the instance and
 * the volumes through the steps' own operations, decides with {@link awsRollbackTarget}, runs the
 * steps the stack runs (inPlace: {@link volumeFromSnapshotStep} first, then {@link rollbackStep})
 * and verifies the boot past the console baseline the rollback recorded. Throws UsageError when
 * nothing may be done (nothing was changed).
 */
export async function rollBackInstance(
  r: InstanceRollbackRequest,
  contextFor: ContextFactory,
  hooks: RollbackHooks,
): Promise<RollbackResult> {
  const t = r;
  const minutes = r.verifyMinutes;
  if (r.originalVolume !== undefined && !/^vol-[0-9a-f]{8,17}$/.test(r.originalVolume))
    throw new UsageError(
      `--original-volume must look like vol-0123456789abcdef0, not ${JSON.stringify(r.originalVolume)}`,
    );
  const region = r.region();
  if (!region) throw new UsageError("no AWS region: pass --region or set AWS_REGION");
  const aws = contextFor(region);
  const gone = (e: unknown, what: () => string) => {
    if (
      e instanceof RescueStepError &&
      (e.code === "volume-not-found" || e.code === "instance-not-found")
    )
      throw new UsageError(what());
    throw e;
  };
  const inst = await describeInstance(aws, t.instanceId).catch((e) =>
    gone(e, () => `instance ${t.instanceId} was not found in ${region}`),
  );
  const rootDeviceName = inst.rootDeviceName;
  if (!rootDeviceName)
    throw new UsageError(`${t.label} reports no root device name; nothing to roll back`);
  const mapping = rootDevice(inst);
  const rootVolume = mapping ? await describeVolume(aws, mapping.volumeId) : null;
  const root = rootVolume
    ? { volumeId: rootVolume.volumeId, tags: rootVolume.tags, snapshotId: rootVolume.snapshotId }
    : null;
  const rescueId = r.rescueId;
  const role = root ? lowerKeys(root.tags)[ROLE_TAG] : undefined;
  const lookUp =
    !r.originalVolume && role !== REPAIR_COPY_ROLE && role !== ROLLBACK_FROM_BACKUP_ROLE;
  const found = {
    backups: !lookUp
      ? []
      : await findSnapshots(
          aws,
          root
            ? { "volume-id": root.volumeId, [`tag:${ROLE_TAG}`]: BACKUP_ROLE }
            : { [`tag:${SOURCE_TAG}`]: t.instanceId, [`tag:${ROLE_TAG}`]: BACKUP_ROLE },
        ),
    copies:
      !lookUp || root
        ? []
        : await findVolumes(aws, {
            [`tag:${SOURCE_TAG}`]: t.instanceId,
            [`tag:${ROLE_TAG}`]: REPAIR_COPY_ROLE,
          }),
  };
  const target = awsRollbackTarget(
    { instanceId: t.instanceId, label: t.label, rootDeviceName },
    root,
    found,
    { pinned: r.originalVolume, rescueId },
  );
  const base = { cloud: "aws" as const, target: t.label, originalId: target.originalId };
  if (target.kind === "already") {
    const { kind: _kind, ...rest } = target;
    return {
      ...base,
      ...rest,
      rolledBack: true,
      changed: false,
      replacedId: null,
      booted: null,
      reasons: [],
    };
  }
  const current = root ? root.volumeId : "no root volume";
  const original = await describeVolume(aws, target.originalId).catch((e) =>
    gone(
      e,
      () =>
        `the original root volume ${target.originalId} no longer exists; ${t.label} stays on ${current}`,
    ),
  );
  const timeoutSeconds = minutes * 60;
  const kept = root ? ` (the repaired volume ${root.volumeId} is kept, detached)` : "";
  let volumeId = target.originalId;
  if (target.kind === "reattach") {
    const elsewhere = original.attachments.find(
      (a) => a.instanceId !== t.instanceId && a.state !== "detached",
    );
    if (elsewhere)
      throw new UsageError(
        `the original root volume ${target.originalId} is attached to ${elsewhere.instanceId} (${elsewhere.device}); detach it first, nothing was changed`,
      );
    await hooks.confirm(
      `stop ${t.label}, put its original root volume ${target.originalId} back at ${rootDeviceName} and start it${kept}`,
    );
    hooks.log(`rolling back ${t.label}: ${current} → ${target.originalId}`);
  } else {
    const taken = target.takenAt ? `taken ${target.takenAt}` : "taken at an unknown time";
    await hooks.confirm(
      `create a volume from the backup ${target.snapshotId} (${taken}, rescue ${target.rescueId}) with the settings of ${target.originalId}, stop ${t.label}, put the new volume at ${rootDeviceName} and start it${kept}`,
    );
    hooks.log(
      `rolling back ${t.label}: a volume from ${target.snapshotId} (the backup of ${target.originalId}, ${taken}) → ${rootDeviceName}`,
    );
    const made = await volumeFromSnapshotStep(aws, {
      region,
      timeoutSeconds,
      snapshotId: target.snapshotId,
      originalVolumeId: target.originalId,
      spec: original.spec,
      tags: {
        [ID_TAG]: target.rescueId,
        [SOURCE_TAG]: t.instanceId,
        [ROLE_TAG]: ROLLBACK_FROM_BACKUP_ROLE,
      },
    });
    volumeId = made.volumeId;
  }
  if (!mapping)
    hooks.log(
      `note: ${t.instanceId} had no root volume, so its DeleteOnTermination setting is unknown; it is left false (the volume outlives the instance)`,
    );
  const rolled = await rollbackStep(
    aws,
    {
      region,
      timeoutSeconds,
      instanceId: t.instanceId,
      rootDeviceName,
      volumeId,
      deleteOnTermination: mapping?.deleteOnTermination ?? false,
      finalState: "running",
    },
    timeoutSeconds,
    // Run by the operator in the foreground: no progress tags, a rerun converges on what it sees.
    { redo: true, untracked: true },
  );
  hooks.log(`verifying the boot (up to ${minutes} min)`);
  const v = await verifyBoot(aws, t.instanceId, timeoutSeconds, rolled.consoleBaseline);
  const fromBackup =
    target.kind === "fromBackup"
      ? {
          fromSnapshot: target.snapshotId,
          snapshotTakenAt: target.takenAt || null,
          restoredId: volumeId,
        }
      : {};
  return {
    ...base,
    ...fromBackup,
    rolledBack: true,
    changed: true,
    replacedId: root?.volumeId ?? null,
    booted: v.healthy,
    reasons: v.healthy ? [] : [v.reason],
  };
}
