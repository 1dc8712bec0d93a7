/**
 * `BackupCompletion`: waits for the backup snapshot to be completed and says when it was. The
 * backup is point in time from its start ("The snapshot is created immediately, but it remains in
 * the pending state until all of data has been transferred to Amazon S3 [...] You can continue to
 * use the volume during this time without impacting the snapshot", Amazon EBS User Guide, "Create
 * Amazon EBS snapshots"), so inPlace repairs the root while the snapshot is pending; this step is
 * what the boot verification, the rescue's last step, waits for: no `up` reports a rescue done
 * before its backup has completed, and the outputs carry the completion time. A snapshot that
 * fails fails the step with what it means for the root. Nothing here deletes a snapshot.
 */
import * as pulumi from "@pulumi/pulumi";
import type { StepKind } from "../../steps/contract";
import { StepResource, type InputsOf } from "../../steps/resource";
import { STEP_TYPES } from "../../vocabulary/tokens";
import { DescribeSnapshotsCommand } from "@aws-sdk/client-ec2";
import { errorCode, OpsContext, RescueStepError } from "./operations";
import { snapshotState } from "./snapshots";
import {
  opsOf,
  SNAPSHOT_CREATE_SECONDS,
  STEP_INPUT_SPECS,
  stepTimeouts,
  type StepInputs,
} from "./stepKit";

export interface BackupCompletionInputs extends StepInputs {
  /** The backup snapshot of the original root. */
  snapshotId: string;
}
export interface BackupCompletionOutputs extends BackupCompletionInputs {
  /** Live on read: completed (after create), or error when the backup was lost since. */
  state: string;
  /** ISO time the snapshot completed (EC2's CompletionTime, else when the step saw it completed). */
  completedAt: string;
}

async function liveSnapshot(ctx: OpsContext, snapshotId: string) {
  try {
    const out = await ctx.ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [snapshotId] }));
    return out?.Snapshots?.[0] ?? null;
  } catch (e) {
    if (errorCode(e) === "InvalidSnapshot.NotFound") return null;
    throw e;
  }
}

/** Waits until the backup is completed; returns when it completed. A failed snapshot fails the step. */
export async function backupCompletionStep(
  ctx: OpsContext,
  i: BackupCompletionInputs,
  timeoutSeconds = i.timeoutSeconds ?? SNAPSHOT_CREATE_SECONDS,
): Promise<{ state: string; completedAt: string }> {
  try {
    await snapshotState(ctx, i.snapshotId, ["completed"], timeoutSeconds);
  } catch (e) {
    if (e instanceof RescueStepError && e.code === "snapshot-failed")
      throw new RescueStepError(
        "backup-failed",
        `${e.message.replace(/; nothing was written.*$/, "")}: the backup is lost; an inPlace rescue has already written the root, so take a new snapshot of it before anything else and do not roll back from this one`,
      );
    throw e;
  }
  const s = await liveSnapshot(ctx, i.snapshotId);
  const t = s?.CompletionTime;
  const completedAt =
    t instanceof Date
      ? t.toISOString()
      : t
        ? new Date(String(t)).toISOString()
        : new Date(ctx.now()).toISOString();
  return { state: "completed", completedAt };
}

export const backupCompletionKind: StepKind<BackupCompletionInputs, BackupCompletionOutputs> = {
  token: STEP_TYPES.aws.backupCompletion,
  description:
    "Waits for the backup snapshot to be completed and records when it was (what the verification waits for).",
  inputs: {
    ...STEP_INPUT_SPECS,
    snapshotId: { type: "string", description: "The backup snapshot of the original root." },
  },
  outputs: {
    state: { type: "string", description: "The snapshot's state (live on read)." },
    completedAt: { type: "string", description: "ISO time the snapshot completed." },
  },
  identityKeys: ["snapshotId"],
  timeouts: { ...stepTimeouts(SNAPSHOT_CREATE_SECONDS), create: SNAPSHOT_CREATE_SECONDS },
  async create(ctx, i) {
    const { ops, timeout } = opsOf(ctx, i);
    const outs = await backupCompletionStep(ops, i, timeout);
    return { id: `${i.snapshotId}/completed`, outs: { ...i, ...outs } };
  },
  async read(ctx, _id, state) {
    const { ops } = opsOf(ctx, state);
    const s = await liveSnapshot(ops, state.snapshotId);
    return s ? { ...state, state: String(s.State ?? "unknown") } : null;
  },
  async update(ctx, _id, olds, news) {
    const { ops } = opsOf(ctx, news);
    const s = await liveSnapshot(ops, olds.snapshotId);
    return { ...olds, ...news, ...(s ? { state: String(s.State ?? "unknown") } : {}) };
  },
  async delete() {
    // Nothing: the backup is kept.
  },
};

/** The backup snapshot, completed: when it was, for the outputs and the verification. */
export class BackupCompletion extends StepResource {
  declare readonly state: pulumi.Output<string>;
  declare readonly completedAt: pulumi.Output<string>;

  constructor(
    name: string,
    i: InputsOf<BackupCompletionInputs>,
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(backupCompletionKind, name, i, opts);
  }
}
