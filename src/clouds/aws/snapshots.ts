/**
 * The backup of the AWS rescue and the volumes made from it: start an EBS snapshot of the root (or
 * adopt the one this rescue started), wait for its state, find a rescue's snapshots by tag, and make
 * a volume from a snapshot with the original's settings. `BackupSnapshot` is the inPlace backup as a
 * step resource (copy mode uses `ebs.Snapshot`, which waits for completion); the volume from the
 * backup is what the inPlace rollback puts back. Nothing here deletes a snapshot or a volume.
 */
import * as pulumi from "@pulumi/pulumi";
import type { StepKind } from "../../steps/contract";
import { StepResource, type InputsOf } from "../../steps/resource";
import { STEP_TYPES } from "../../vocabulary/tokens";
import {
  CreateSnapshotCommand,
  CreateVolumeCommand,
  DescribeSnapshotsCommand,
  type CreateVolumeCommandInput,
} from "@aws-sdk/client-ec2";
import type { AwsVolumeSpec } from "../../topology/aws";
import { ID_TAG, ROLE_TAG, COPY_OF_TAG } from "../../vocabulary/tags";
import {
  describeVolume,
  findVolumes,
  OpsContext,
  RescueStepError,
  tagMap,
  waitFor,
  errorCode,
} from "./operations";
import {
  opsOf,
  SNAPSHOT_CREATE_SECONDS,
  STEP_INPUT_SPECS,
  stepTimeouts,
  type StepInputs,
} from "./stepKit";

export interface SnapshotView {
  snapshotId: string;
  /** The volume the snapshot was taken of. */
  volumeId: string;
  state: string;
  /** ISO time the snapshot was started ("" when unknown). */
  startTime: string;
  tags: Record<string, string>;
}

/** This account's snapshots matching EC2 filters (e.g. `volume-id`, `tag:vm-rescue:role`), across pages. */
export async function findSnapshots(
  ctx: OpsContext,
  filters: Record<string, string>,
): Promise<SnapshotView[]> {
  const found: SnapshotView[] = [];
  let NextToken: string | undefined;
  do {
    const out = await ctx.ec2.send(
      new DescribeSnapshotsCommand({
        OwnerIds: ["self"],
        Filters: Object.entries(filters).map(([Name, v]) => ({ Name, Values: [v] })),
        NextToken,
      }),
    );
    for (const s of out?.Snapshots ?? []) {
      const t = s.StartTime;
      found.push({
        snapshotId: s.SnapshotId,
        volumeId: s.VolumeId ?? "",
        state: s.State ?? "unknown",
        startTime: t instanceof Date ? t.toISOString() : String(t ?? ""),
        tags: tagMap(s.Tags),
      });
    }
    NextToken = out?.NextToken;
  } while (NextToken);
  return found;
}

/**
 * Starts a snapshot of the volume (or adopts the one this rescue already started) and returns as
 * soon as EBS reports it: the snapshot is point-in-time from that moment.
 */
export async function startSnapshot(
  ctx: OpsContext,
  volumeId: string,
  description: string,
  tags: Record<string, string>,
  timeoutSeconds: number,
): Promise<string> {
  const rescueId = tags[ID_TAG];
  const existing = rescueId
    ? await ctx.ec2.send(
        new DescribeSnapshotsCommand({
          OwnerIds: ["self"],
          Filters: [
            { Name: "volume-id", Values: [volumeId] },
            { Name: "tag:vm-rescue:id", Values: [rescueId] },
          ],
        }),
      )
    : null;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the EC2 answer as the SDK returns it
  const found = (existing?.Snapshots ?? []).find((s: any) => s.State !== "error");
  const snapshotId: string =
    found?.SnapshotId ??
    (
      await ctx.ec2.send(
        new CreateSnapshotCommand({
          VolumeId: volumeId,
          Description: description,
          TagSpecifications: [
            {
              ResourceType: "snapshot",
              Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
            },
          ],
        }),
      )
    ).SnapshotId;
  await snapshotState(ctx, snapshotId, ["pending", "completed"], timeoutSeconds);
  return snapshotId;
}

/** Waits until the snapshot is in one of `states`; `error` fails at once. */
export async function snapshotState(
  ctx: OpsContext,
  snapshotId: string,
  states: string[],
  timeoutSeconds: number,
): Promise<string> {
  return waitFor(
    ctx,
    timeoutSeconds,
    () =>
      new RescueStepError(
        "snapshot-timeout",
        `snapshot ${snapshotId} did not reach ${states.join(" or ")} within ${timeoutSeconds} s`,
      ),
    async () => {
      const s = (await ctx.ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [snapshotId] })))
        ?.Snapshots?.[0];
      if (s?.State === "error")
        throw new RescueStepError(
          "snapshot-failed",
          `snapshot ${snapshotId} failed (${s.StateMessage ?? "state error"}); nothing was written, start the rescue again`,
        );
      return s && states.includes(s.State) ? (s.State as string) : undefined;
    },
  );
}

/** The CreateVolume request for a volume from `snapshotId` with `spec`'s settings (AZ, type, IOPS, throughput, KMS key). Pure. */
export function createVolumeRequest(
  snapshotId: string,
  spec: AwsVolumeSpec,
  tags: Record<string, string>,
): CreateVolumeCommandInput {
  const provisioned =
    spec.volumeType === "io1" || spec.volumeType === "io2" || spec.volumeType === "gp3";
  return {
    SnapshotId: snapshotId,
    AvailabilityZone: spec.availabilityZone,
    VolumeType: spec.volumeType as CreateVolumeCommandInput["VolumeType"],
    ...(provisioned && spec.iops ? { Iops: spec.iops } : {}),
    ...(spec.volumeType === "gp3" && spec.throughput ? { Throughput: spec.throughput } : {}),
    ...(spec.sizeGiB ? { Size: spec.sizeGiB } : {}),
    ...(spec.encrypted
      ? { Encrypted: true, ...(spec.kmsKeyId ? { KmsKeyId: spec.kmsKeyId } : {}) }
      : {}),
    TagSpecifications: [
      {
        ResourceType: "volume" as const,
        Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
      },
    ],
  };
}

/**
 * A volume from the snapshot with `spec`'s settings and `tags`, once it is usable (`available`,
 * or already attached). Idempotent: a volume from the same snapshot with the same
 * vm-rescue:id / vm-rescue:role / vm-rescue:copy-of tags in the same AZ is adopted. Waits for the
 * snapshot to be completed first.
 */
export async function ensureVolumeFromSnapshot(
  ctx: OpsContext,
  snapshotId: string,
  spec: AwsVolumeSpec,
  tags: Record<string, string>,
  timeoutSeconds: number,
): Promise<string> {
  await snapshotState(ctx, snapshotId, ["completed"], timeoutSeconds);
  const match: Record<string, string> = {
    "snapshot-id": snapshotId,
    "availability-zone": spec.availabilityZone,
  };
  for (const k of [ID_TAG, ROLE_TAG, COPY_OF_TAG]) if (tags[k]) match[`tag:${k}`] = tags[k];
  const adopted = (await findVolumes(ctx, match)).find(
    (v) => !["deleting", "deleted", "error"].includes(v.state),
  );
  const volumeId: string =
    adopted?.volumeId ??
    (await ctx.ec2.send(new CreateVolumeCommand(createVolumeRequest(snapshotId, spec, tags))))
      .VolumeId;
  await waitFor(
    ctx,
    timeoutSeconds,
    () =>
      new RescueStepError(
        "volume-timeout",
        `volume ${volumeId} from ${snapshotId} did not become available within ${timeoutSeconds} s`,
      ),
    async () => {
      const v = await describeVolume(ctx, volumeId);
      if (v.state === "error")
        throw new RescueStepError(
          "volume-failed",
          `volume ${volumeId} from ${snapshotId} failed to create; nothing was changed on the instance`,
        );
      return v.state === "available" || v.state === "in-use" ? true : undefined;
    },
  );
  return volumeId;
}

export interface BackupSnapshotInputs extends StepInputs {
  volumeId: string;
  description: string;
  tags: Record<string, string>;
}
export interface BackupSnapshotOutputs extends BackupSnapshotInputs {
  snapshotId: string;
  /** Live on read: pending, completed or error. */
  state: string;
  /** The snapshot keeps the volume's encryption and KMS key; volumes from it keep them too. */
  encrypted: boolean;
  kmsKeyId: string;
}
/** inPlace mode: starts the backup and returns once EBS has it (point in time); does not wait for completion. */
export async function backupSnapshotStep(
  ctx: OpsContext,
  i: BackupSnapshotInputs,
  timeoutSeconds = i.timeoutSeconds ?? 1800,
) {
  return {
    snapshotId: await startSnapshot(ctx, i.volumeId, i.description, i.tags, timeoutSeconds),
  };
}

/** The snapshot as EC2 describes it now, or null when it is gone. */
async function describeSnapshot(ctx: OpsContext, snapshotId: string) {
  try {
    const out = await ctx.ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [snapshotId] }));
    const s = out?.Snapshots?.[0];
    return s
      ? {
          state: String(s.State ?? "unknown"),
          encrypted: s.Encrypted === true,
          kmsKeyId: String(s.KmsKeyId ?? ""),
        }
      : null;
  } catch (e) {
    if (errorCode(e) === "InvalidSnapshot.NotFound") return null;
    throw e;
  }
}

export interface VolumeFromSnapshotInputs extends StepInputs {
  /** The backup snapshot of the original root. */
  snapshotId: string;
  /** The original root: named in vm-rescue:copy-of. */
  originalVolumeId: string;
  /** The original's settings: AZ, type, IOPS, throughput, size, KMS key. */
  spec: AwsVolumeSpec;
  /** vm-rescue:id, vm-rescue:source, vm-rescue:role, ...; vm-rescue:copy-of is set from originalVolumeId. */
  tags: Record<string, string>;
}
/**
 * inPlace rollback: a volume from the backup snapshot with the original's settings, tagged
 * vm-rescue:copy-of=<original> (kept; adopted on a re-run). Waits for the snapshot to complete.
 */
export async function volumeFromSnapshotStep(ctx: OpsContext, i: VolumeFromSnapshotInputs) {
  if (!i.spec.availabilityZone)
    throw new RescueStepError(
      "no-zone",
      `no availability zone for the volume from ${i.snapshotId}: the original ${i.originalVolumeId}'s settings are unknown`,
    );
  return {
    volumeId: await ensureVolumeFromSnapshot(
      ctx,
      i.snapshotId,
      i.spec,
      { ...i.tags, [COPY_OF_TAG]: i.originalVolumeId },
      i.timeoutSeconds ?? 1800,
    ),
  };
}

export const backupSnapshotKind: StepKind<BackupSnapshotInputs, BackupSnapshotOutputs> = {
  token: STEP_TYPES.aws.backupSnapshot,
  description:
    "Starts the EBS snapshot of the root (or adopts the one this rescue started) and returns once EBS has it.",
  inputs: {
    ...STEP_INPUT_SPECS,
    volumeId: { type: "string", description: "The volume the snapshot is taken of." },
    description: { type: "string", description: "The snapshot's description." },
    tags: {
      type: "object",
      description: "The snapshot's tags (vm-rescue:id names the rescue).",
      items: { type: "string", description: "A tag value." },
    },
  },
  outputs: {
    snapshotId: { type: "string", description: "The backup snapshot." },
    state: { type: "string", description: "The snapshot's state (live on read)." },
    encrypted: { type: "boolean", description: "Whether the snapshot is encrypted." },
    kmsKeyId: { type: "string", description: "The KMS key of an encrypted snapshot, or empty." },
  },
  identityKeys: ["volumeId"],
  timeouts: { ...stepTimeouts(SNAPSHOT_CREATE_SECONDS), create: SNAPSHOT_CREATE_SECONDS },
  async create(ctx, i) {
    const { ops, timeout } = opsOf(ctx, i);
    const { snapshotId } = await backupSnapshotStep(ops, i, timeout);
    const live = await describeSnapshot(ops, snapshotId);
    return {
      id: snapshotId,
      outs: {
        ...i,
        snapshotId,
        state: live?.state ?? "pending",
        encrypted: live?.encrypted ?? false,
        kmsKeyId: live?.kmsKeyId ?? "",
      },
    };
  },
  async read(ctx, _id, state) {
    const { ops } = opsOf(ctx, state);
    const live = await describeSnapshot(ops, state.snapshotId);
    return live ? { ...state, ...live } : null;
  },
  async update(ctx, _id, olds, news) {
    const { ops } = opsOf(ctx, news);
    const live = await describeSnapshot(ops, olds.snapshotId);
    return { ...olds, ...news, ...(live ?? {}) };
  },
  async delete() {
    // Nothing: the backup is kept.
  },
};

/** The backup snapshot of the root, taken before anything writes to it. */
export class BackupSnapshot extends StepResource {
  declare readonly snapshotId: pulumi.Output<string>;

  constructor(
    name: string,
    i: InputsOf<BackupSnapshotInputs>,
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(backupSnapshotKind, name, i, opts);
  }
}
