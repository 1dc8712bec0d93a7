/**
 * `RootVolumeRollback`: puts a volume back as the instance's root — the original (copy mode) or a
 * volume from the backup (inPlace) — and starts the instance, recording the console baseline before
 * the start. A resumable state machine recorded on the instance (tag `vm-rescue:root-rollback`):
 * rolling → starting → done, so a rollback interrupted after the attach still starts the instance
 * and one that completed is never redone on the live VM. The volume it replaces stays, detached;
 * the resource's delete changes nothing.
 */
import * as pulumi from "@pulumi/pulumi";
import type { SerialBaseline } from "../../swap/serialLog";
import type { StepKind } from "../../steps/contract";
import { StepResource, type InputsOf } from "../../steps/resource";
import { STEP_TYPES } from "../../vocabulary/tokens";
import {
  describeInstance,
  ensureAttached,
  ensureDetached,
  ensureRunning,
  ensureStopped,
  OpsContext,
  RescueStepError,
  rootDevice,
} from "./operations";
import { consoleBaseline } from "./bootVerification";
import {
  BASELINE_SPEC,
  modeled,
  opsOf,
  parseProgress,
  ROLLED_BACK_PHASE,
  SWAP_PROGRESS_TAG,
  recordProgress,
  setDeleteOnTermination,
  ROLLBACK_PROGRESS_TAG,
  STEP_INPUT_SPECS,
  stepTimeouts,
  type Progress,
  type StepInputs,
} from "./stepKit";

export interface RootVolumeRollbackInputs extends StepInputs {
  instanceId: string;
  rootDeviceName: string;
  /** The volume to put back as root (the original in copy mode, a volume from the backup in inPlace mode). */
  volumeId: string;
  deleteOnTermination: boolean;
  finalState: "running" | "stopped";
}
export interface RootVolumeRollbackOutputs extends RootVolumeRollbackInputs {
  restoredVolumeId: string;
  replacedVolumeId: string;
  changed: boolean;
  consoleBaseline: SerialBaseline | null;
  /** Live on read: the instance's root volume now ("" when none). */
  rootVolumeId: string;
}
type RollbackResult = Omit<RootVolumeRollbackOutputs, keyof RootVolumeRollbackInputs>;

/**
 * The swap's progress marked rolled back: its recorded volume, previous root and generation kept;
 * with no record, the volume the rollback replaces (generation 0). Null when there is nothing to
 * mark (no root was replaced, or the record already says so).
 */
export function swapRolledBack(
  tag: string | undefined,
  replaced: string,
  restored: string,
): Progress | null {
  const p = parseProgress(tag);
  if (p?.phase === ROLLED_BACK_PHASE) return null;
  if (p) return { ...p, phase: ROLLED_BACK_PHASE };
  if (!replaced) return null;
  return { volumeId: replaced, phase: ROLLED_BACK_PHASE, other: restored, baseline: null };
}

/**
 * Puts `volumeId` back as root; the volume it replaces stays (detached, for inspection). When it
 * already is the root and no rollback of it is under way (e.g. the swap never ran), nothing is
 * stopped or detached. An instance with no volume at its root device (an `up` that failed between
 * the detach and the swap) just gets `volumeId` attached. `consoleBaseline`: the console output
 * before the start, for the verification.
 */
export async function rollbackStep(
  ctx: OpsContext,
  i: RootVolumeRollbackInputs,
  timeoutSeconds = i.timeoutSeconds ?? 1800,
  o: { redo?: boolean; untracked?: boolean } = {},
): Promise<RollbackResult> {
  const t = timeoutSeconds;
  const inst = await describeInstance(ctx, i.instanceId);
  const tagged = parseProgress(inst.tags[ROLLBACK_PROGRESS_TAG]);
  const progress = tagged?.volumeId === i.volumeId ? tagged : null;
  const root = rootDevice(inst)?.volumeId ?? null;
  const record = async (
    phase: string,
    replaced: string,
    baseline: SerialBaseline | null,
    also: Record<string, Progress> = {},
  ) =>
    o.untracked ||
    recordProgress(
      ctx,
      i.instanceId,
      ROLLBACK_PROGRESS_TAG,
      { volumeId: i.volumeId, phase, other: replaced, baseline },
      also,
    );
  let replaced = progress?.other ?? "";
  const result = (changed: boolean, baseline: SerialBaseline | null): RollbackResult => ({
    restoredVolumeId: i.volumeId,
    replacedVolumeId: replaced,
    changed,
    consoleBaseline: baseline,
    rootVolumeId: i.volumeId,
  });
  if (root === i.volumeId) {
    if (!progress) return result(false, null);
    if (progress.phase === "done") return result(true, progress.baseline);
    if (["running", "pending"].includes(inst.state)) {
      await ensureRunning(ctx, i.instanceId, t);
      await record("done", replaced, progress.baseline);
      return result(true, progress.baseline);
    }
  } else {
    if (progress?.phase === "done" && !o.redo)
      return {
        ...result(true, progress.baseline),
        rootVolumeId: root ?? "",
      };
    const occupant = inst.blockDevices.find((b) => b.deviceName === i.rootDeviceName);
    if (occupant) replaced = occupant.volumeId;
    // The swap's record stays, marked rolled back (in the same call): an update of the swap does
    // not redo it unless its generation is raised.
    const swapped = swapRolledBack(inst.tags[SWAP_PROGRESS_TAG], replaced, i.volumeId);
    await record("rolling", replaced, null, swapped ? { [SWAP_PROGRESS_TAG]: swapped } : {});
    await ensureStopped(ctx, i.instanceId, t);
    if (occupant) await ensureDetached(ctx, occupant.volumeId, i.instanceId, t);
  }
  await ensureAttached(ctx, i.volumeId, i.instanceId, i.rootDeviceName, t);
  await setDeleteOnTermination(ctx, i.instanceId, i.rootDeviceName, i.deleteOnTermination);
  let baseline: SerialBaseline | null = null;
  if (i.finalState === "running") {
    baseline =
      progress?.phase === "starting" ? progress.baseline : await consoleBaseline(ctx, i.instanceId);
    await record("starting", replaced, baseline);
    await ensureRunning(ctx, i.instanceId, t);
  }
  await record("done", replaced, baseline);
  return result(true, baseline);
}

export const rootVolumeRollbackKind: StepKind<RootVolumeRollbackInputs, RootVolumeRollbackOutputs> =
  {
    token: STEP_TYPES.aws.rollback,
    description:
      "Puts a volume back as the instance's root and starts it; a resumable state machine recorded on the instance.",
    inputs: {
      ...STEP_INPUT_SPECS,
      instanceId: { type: "string", description: "The rescued instance." },
      rootDeviceName: { type: "string", description: "Its root device name." },
      volumeId: { type: "string", description: "The volume put back as root." },
      deleteOnTermination: { type: "boolean", description: "DeleteOnTermination of the root." },
      finalState: { type: "string", description: "running or stopped, after the rollback." },
    },
    outputs: {
      restoredVolumeId: { type: "string", description: "The volume put back." },
      replacedVolumeId: { type: "string", description: "The root it replaced (kept, detached)." },
      changed: { type: "boolean", description: "Whether the rollback changed the instance." },
      consoleBaseline: BASELINE_SPEC,
      rootVolumeId: { type: "string", description: "The instance's root volume (live on read)." },
    },
    identityKeys: ["instanceId", "rootDeviceName", "volumeId"],
    timeouts: stepTimeouts(
      modeled(
        "aws.instance.stop.windows",
        "aws.volume.detach",
        "aws.volume.attach",
        "aws.instance.start.windows",
      ),
    ),
    async create(ctx, i) {
      const { ops, timeout } = opsOf(ctx, i);
      const outs = await rollbackStep(ops, i, timeout);
      return { id: `${i.instanceId}/rollback/${i.volumeId}`, outs: { ...i, ...outs } };
    },
    async read(ctx, _id, state) {
      const { ops } = opsOf(ctx, state);
      const inst = await describeInstance(ops, state.instanceId).catch((e) => {
        if (e instanceof RescueStepError && e.code === "instance-not-found") return null;
        throw e;
      });
      if (!inst) return null;
      return { ...state, rootVolumeId: rootDevice(inst)?.volumeId ?? "" };
    },
    async update(ctx, _id, olds, news) {
      const { ops, timeout } = opsOf(ctx, news);
      const outs = await rollbackStep(ops, news, timeout);
      return { ...news, ...outs, changed: outs.changed || olds.changed === true };
    },
    async delete() {
      // Nothing: the replaced volume stays, detached.
    },
  };

/** Puts the original root volume back (Azure: OsDiskRollback). */
export class RootVolumeRollback extends StepResource {
  declare readonly restoredVolumeId: pulumi.Output<string>;
  declare readonly replacedVolumeId: pulumi.Output<string>;
  declare readonly changed: pulumi.Output<boolean>;

  constructor(
    name: string,
    i: InputsOf<RootVolumeRollbackInputs>,
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(rootVolumeRollbackKind, name, i, opts);
  }
}
