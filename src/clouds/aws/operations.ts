/**
 * The imperative steps of the AWS rescue that no Pulumi resource covers: stop the broken instance
 * and detach its root, run an SSM command and wait for it, swap a volume in as root, verify the
 * boot, roll back. Each is an idempotent async function of an {@link OpsContext} (AWS SDK v3
 * clients, a clock) so tests drive them with fake clients and a fake clock; `ec2Resources.ts` wraps
 * them in dynamic providers.
 *
 * None of them ever deletes a volume or a snapshot, and none force-detaches a root volume.
 */
import {
  AttachVolumeCommand,
  CreateSnapshotCommand,
  CreateVolumeCommand,
  DescribeInstancesCommand,
  DescribeInstanceStatusCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  DetachVolumeCommand,
  GetConsoleOutputCommand,
  ModifyInstanceAttributeCommand,
  type CreateVolumeCommandInput,
  StartInstancesCommand,
  StopInstancesCommand,
} from "@aws-sdk/client-ec2";
import {
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  SendCommandCommand,
} from "@aws-sdk/client-ssm";
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import type { AwsVolumeSpec } from "../../topology/aws";
import { newSerialText, serialBaseline, type SerialBaseline } from "../../swap/serialLog";
import { ID_TAG, ROLE_TAG, COPY_OF_TAG } from "../../vocabulary/tags";

/** What the steps need of an SDK v3 client: `send`. */
export interface AwsApi {
  send(command: object): Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface OpsContext {
  ec2: AwsApi;
  ssm: AwsApi;
  s3: AwsApi;
  /** Milliseconds since an epoch; a fake clock in tests. */
  now(): number;
  sleep(ms: number): Promise<void>;
  /** Interval between polls. */
  pollMs: number;
}

/** A step that gave up: the message says what state it saw and what to do. */
export class RescueStepError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "RescueStepError";
  }
}

/** Polls `probe` until it returns a value, or throws a RescueStepError after `timeoutSeconds`. */
export async function waitFor<T>(
  ctx: OpsContext,
  timeoutSeconds: number,
  onTimeout: () => RescueStepError,
  probe: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = ctx.now() + timeoutSeconds * 1000;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (ctx.now() >= deadline) throw onTimeout();
    await ctx.sleep(ctx.pollMs);
  }
}

function errorCode(e: unknown): string {
  const x = e as { name?: string; Code?: string; code?: string };
  return x?.Code ?? x?.name ?? x?.code ?? "";
}

export interface InstanceView {
  state: string;
  /** The root device name EC2 reports (e.g. /dev/sda1); it stays while no volume is attached there. Null when unknown. */
  rootDeviceName: string | null;
  blockDevices: { deviceName: string; volumeId: string; deleteOnTermination: boolean }[];
}

export async function describeInstance(ctx: OpsContext, instanceId: string): Promise<InstanceView> {
  const out = await ctx.ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
  const i = out?.Reservations?.[0]?.Instances?.[0];
  if (!i) throw new RescueStepError("instance-not-found", `instance ${instanceId} was not found`);
  return {
    state: i.State?.Name ?? "unknown",
    rootDeviceName: i.RootDeviceName ?? null,
    blockDevices: (i.BlockDeviceMappings ?? []).map((m: any) => ({
      deviceName: m.DeviceName,
      volumeId: m.Ebs?.VolumeId,
      deleteOnTermination: m.Ebs?.DeleteOnTermination === true,
    })),
  };
}

/** The block device at the instance's root device name, or null (no root attached, or no root device name). */
export function rootDevice(i: InstanceView): InstanceView["blockDevices"][number] | null {
  return i.rootDeviceName
    ? (i.blockDevices.find((b) => b.deviceName === i.rootDeviceName && !!b.volumeId) ?? null)
    : null;
}

export interface VolumeView {
  volumeId: string;
  state: string;
  attachments: { instanceId: string; device: string; state: string }[];
  tags: Record<string, string>;
  /** The storage settings a volume made from this one's snapshot keeps. */
  spec: AwsVolumeSpec;
  /** The snapshot the volume was created from, or null. */
  snapshotId: string | null;
}

const tagMap = (tags: unknown): Record<string, string> =>
  Object.fromEntries(
    ((Array.isArray(tags) ? tags : []) as { Key?: string; Value?: string }[]).flatMap((t) =>
      t.Key ? [[t.Key, t.Value ?? ""]] : [],
    ),
  );

function volumeView(v: any): VolumeView {
  const encrypted = v.Encrypted === true;
  const type: string | null = v.VolumeType ?? null;
  return {
    volumeId: v.VolumeId,
    state: v.State ?? "unknown",
    attachments: (v.Attachments ?? []).map((a: any) => ({
      instanceId: a.InstanceId,
      device: a.Device,
      state: a.State,
    })),
    tags: tagMap(v.Tags),
    spec: {
      availabilityZone: v.AvailabilityZone ?? "",
      volumeType: type ?? "gp3",
      iops: type === "io1" || type === "io2" || type === "gp3" ? (v.Iops ?? null) : null,
      throughput: type === "gp3" ? (v.Throughput ?? null) : null,
      sizeGiB: v.Size ?? null,
      encrypted,
      kmsKeyId: encrypted ? (v.KmsKeyId ?? null) : null,
    },
    snapshotId: v.SnapshotId || null,
  };
}

export async function describeVolume(ctx: OpsContext, volumeId: string): Promise<VolumeView> {
  let out;
  try {
    out = await ctx.ec2.send(new DescribeVolumesCommand({ VolumeIds: [volumeId] }));
  } catch (e) {
    if (errorCode(e) === "InvalidVolume.NotFound")
      throw new RescueStepError("volume-not-found", `volume ${volumeId} was not found`);
    throw e;
  }
  const v = out?.Volumes?.[0];
  if (!v) throw new RescueStepError("volume-not-found", `volume ${volumeId} was not found`);
  return volumeView({ VolumeId: volumeId, ...v });
}

/** Volumes matching EC2 filters (e.g. `tag:vm-rescue:source`), across pages. */
export async function findVolumes(
  ctx: OpsContext,
  filters: Record<string, string>,
): Promise<VolumeView[]> {
  const found: VolumeView[] = [];
  let NextToken: string | undefined;
  do {
    const out = await ctx.ec2.send(
      new DescribeVolumesCommand({
        Filters: Object.entries(filters).map(([Name, v]) => ({ Name, Values: [v] })),
        NextToken,
      }),
    );
    found.push(...(out?.Volumes ?? []).map(volumeView));
    NextToken = out?.NextToken;
  } while (NextToken);
  return found;
}

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
 * Stops the instance and waits for `stopped`. A Windows instance in a boot loop can hang in
 * `stopping`: after half the timeout the stop is repeated with Force=true.
 */
export async function ensureStopped(
  ctx: OpsContext,
  instanceId: string,
  timeoutSeconds: number,
): Promise<{ forced: boolean }> {
  let forced = false;
  const start = ctx.now();
  const first = await describeInstance(ctx, instanceId);
  if (first.state === "stopped") return { forced };
  if (first.state === "terminated" || first.state === "shutting-down") {
    throw new RescueStepError(
      "instance-terminated",
      `instance ${instanceId} is ${first.state}; nothing was changed`,
    );
  }
  await ctx.ec2.send(new StopInstancesCommand({ InstanceIds: [instanceId], Force: false }));
  await waitFor(
    ctx,
    timeoutSeconds,
    () =>
      new RescueStepError(
        "stop-timeout",
        `instance ${instanceId} did not stop within ${timeoutSeconds} s, even with a forced stop; stop it in the console (or aws ec2 stop-instances --force) and run pulumi up again`,
      ),
    async () => {
      const s = (await describeInstance(ctx, instanceId)).state;
      if (s === "stopped") return true;
      if (!forced && ctx.now() - start >= (timeoutSeconds * 1000) / 2) {
        forced = true;
        await ctx.ec2.send(new StopInstancesCommand({ InstanceIds: [instanceId], Force: true }));
      }
      return undefined;
    },
  );
  return { forced };
}

/** Starts the instance (when not running) and waits for `running`. */
export async function ensureRunning(
  ctx: OpsContext,
  instanceId: string,
  timeoutSeconds: number,
): Promise<void> {
  const s = (await describeInstance(ctx, instanceId)).state;
  if (s === "running") return;
  if (s === "stopping") await ensureStopped(ctx, instanceId, timeoutSeconds);
  if (s !== "pending") await ctx.ec2.send(new StartInstancesCommand({ InstanceIds: [instanceId] }));
  await waitFor(
    ctx,
    timeoutSeconds,
    () =>
      new RescueStepError(
        "start-timeout",
        `instance ${instanceId} did not reach running within ${timeoutSeconds} s`,
      ),
    async () => ((await describeInstance(ctx, instanceId)).state === "running" ? true : undefined),
  );
}

/**
 * Detaches the volume from `instanceId` (never forced) and waits for `available`. Nothing to do
 * when it is already detached from that instance.
 */
export async function ensureDetached(
  ctx: OpsContext,
  volumeId: string,
  instanceId: string,
  timeoutSeconds: number,
): Promise<void> {
  const v = await describeVolume(ctx, volumeId);
  const on = v.attachments.find((a) => a.instanceId === instanceId && a.state !== "detached");
  if (!on) return;
  if (on.state !== "detaching") {
    try {
      await ctx.ec2.send(
        new DetachVolumeCommand({ VolumeId: volumeId, InstanceId: instanceId, Device: on.device }),
      );
    } catch (e) {
      if (errorCode(e) !== "IncorrectState") throw e;
    }
  }
  await waitFor(
    ctx,
    timeoutSeconds,
    () =>
      new RescueStepError(
        "detach-timeout",
        `volume ${volumeId} did not detach from ${instanceId} within ${timeoutSeconds} s; check that the instance is stopped and the volume is not in use, then run pulumi up again (vm-rescue never force-detaches a root volume)`,
      ),
    async () => {
      const now = await describeVolume(ctx, volumeId);
      return now.attachments.some((a) => a.instanceId === instanceId && a.state !== "detached")
        ? undefined
        : true;
    },
  );
}

/**
 * Attaches the volume at `device` and waits for `attached`. Idempotent: an identical attachment is
 * adopted. A volume attached elsewhere is an error; `VolumeInUse` right after a detach is retried
 * until the timeout.
 */
export async function ensureAttached(
  ctx: OpsContext,
  volumeId: string,
  instanceId: string,
  device: string,
  timeoutSeconds: number,
): Promise<void> {
  const v = await describeVolume(ctx, volumeId);
  const here = v.attachments.find(
    (a) =>
      a.instanceId === instanceId &&
      a.device === device &&
      (a.state === "attached" || a.state === "attaching"),
  );
  const elsewhere = v.attachments.find((a) => a !== here && a.state !== "detached");
  if (elsewhere) {
    throw new RescueStepError(
      "volume-in-use",
      `volume ${volumeId} is attached to ${elsewhere.instanceId} at ${elsewhere.device}; it must be detached before it can be attached to ${instanceId} at ${device}`,
    );
  }
  if (!here) {
    await waitFor(
      ctx,
      timeoutSeconds,
      () =>
        new RescueStepError(
          "volume-in-use",
          `volume ${volumeId} stayed in use for ${timeoutSeconds} s; it could not be attached to ${instanceId} at ${device}`,
        ),
      async () => {
        try {
          await ctx.ec2.send(
            new AttachVolumeCommand({ VolumeId: volumeId, InstanceId: instanceId, Device: device }),
          );
          return true;
        } catch (e) {
          if (errorCode(e) === "VolumeInUse" || errorCode(e) === "IncorrectState") return undefined;
          throw e;
        }
      },
    );
  }
  await waitFor(
    ctx,
    timeoutSeconds,
    () =>
      new RescueStepError(
        "attach-timeout",
        `volume ${volumeId} was not attached to ${instanceId} at ${device} within ${timeoutSeconds} s`,
      ),
    async () =>
      (await describeVolume(ctx, volumeId)).attachments.some(
        (a) => a.instanceId === instanceId && a.device === device && a.state === "attached",
      )
        ? true
        : undefined,
  );
}

/** Sets DeleteOnTermination of the volume at `device` (detach/attach resets it to false). */
export async function setDeleteOnTermination(
  ctx: OpsContext,
  instanceId: string,
  device: string,
  value: boolean,
): Promise<void> {
  const current = (await describeInstance(ctx, instanceId)).blockDevices.find(
    (b) => b.deviceName === device,
  );
  if (current && current.deleteOnTermination === value) return;
  await ctx.ec2.send(
    new ModifyInstanceAttributeCommand({
      InstanceId: instanceId,
      BlockDeviceMappings: [{ DeviceName: device, Ebs: { DeleteOnTermination: value } }],
    }),
  );
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

export interface SsmRunInput {
  instanceId: string;
  documentName: string;
  parameters: Record<string, string[]>;
  bucketName: string;
  keyPrefix: string;
  timeoutSeconds: number;
}

export interface SsmRunResult {
  commandId: string;
  status: string;
  /** The full standard output (read from S3; SSM itself keeps only 24,000 characters). */
  stdout: string;
}

/** Waits for the helper to be SSM-managed, sends the command, waits for it and reads its output. */
export async function runSsmCommand(ctx: OpsContext, r: SsmRunInput): Promise<SsmRunResult> {
  await waitFor(
    ctx,
    r.timeoutSeconds,
    () =>
      new RescueStepError(
        "ssm-unreachable",
        `the helper ${r.instanceId} did not register with SSM within ${r.timeoutSeconds} s: its subnet needs VPC endpoints (ssm, ec2messages, ssmmessages, s3) or a NAT gateway, and its role AmazonSSMManagedInstanceCore`,
      ),
    async () => {
      const out = await ctx.ssm.send(
        new DescribeInstanceInformationCommand({
          Filters: [{ Key: "InstanceIds", Values: [r.instanceId] }],
        }),
      );
      return out?.InstanceInformationList?.[0]?.PingStatus === "Online" ? true : undefined;
    },
  );
  const sent = await ctx.ssm.send(
    new SendCommandCommand({
      InstanceIds: [r.instanceId],
      DocumentName: r.documentName,
      Parameters: r.parameters,
      OutputS3BucketName: r.bucketName,
      OutputS3KeyPrefix: r.keyPrefix.replace(/\/$/, ""),
      TimeoutSeconds: Math.min(2592000, Math.max(30, r.timeoutSeconds)),
    }),
  );
  const commandId: string = sent.Command.CommandId;
  const final = await waitFor(
    ctx,
    r.timeoutSeconds,
    () =>
      new RescueStepError(
        "command-timeout",
        `SSM command ${commandId} (${r.documentName}) did not finish within ${r.timeoutSeconds} s`,
      ),
    async () => {
      try {
        const inv = await ctx.ssm.send(
          new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: r.instanceId }),
        );
        return [
          "Success",
          "Failed",
          "Cancelled",
          "TimedOut",
          "Undeliverable",
          "Terminated",
        ].includes(inv.Status)
          ? inv
          : undefined;
      } catch (e) {
        if (errorCode(e) === "InvocationDoesNotExist") return undefined;
        throw e;
      }
    },
  );
  if (final.Status !== "Success") {
    throw new RescueStepError(
      "command-failed",
      `SSM command ${commandId} (${r.documentName}) ended ${final.Status} (exit ${final.ResponseCode}): ${String(final.StandardErrorContent ?? "").slice(0, 500)} — full output under s3://${r.bucketName}/${r.keyPrefix}${commandId}/`,
    );
  }
  const stdout =
    (await readCommandStdout(ctx, r.bucketName, `${r.keyPrefix}${commandId}/${r.instanceId}/`)) ??
    String(final.StandardOutputContent ?? "");
  return { commandId, status: final.Status, stdout };
}

/** The `…/stdout` object SSM stored under `prefix` (its command output folder), or null when there is none. */
export async function readCommandStdout(
  ctx: Pick<OpsContext, "s3">,
  bucket: string,
  prefix: string,
): Promise<string | null> {
  const listed = await ctx.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  const key = (listed?.Contents ?? [])
    .map((o: any) => o.Key as string)
    .find((k: string) => /\/stdout$/.test(k));
  if (!key) return null;
  const obj = await ctx.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return obj?.Body?.transformToString ? await obj.Body.transformToString("utf-8") : null;
}

/** What the console of a Windows instance shows after a stop error. */
const BUGCHECK_TEXT = /\bbug ?check\b|\bSTOP:? ?0x[0-9a-f]{8}|stop code/i;

export interface BootVerdict {
  healthy: boolean;
  reason: string;
}

/** The console output of the instance now (the latest, where EC2 offers it), or null when there is none. */
export async function readConsole(ctx: OpsContext, instanceId: string): Promise<string | null> {
  const out = await ctx.ec2.send(
    new GetConsoleOutputCommand({ InstanceId: instanceId, Latest: true }),
  );
  return out?.Output ? Buffer.from(out.Output, "base64").toString("utf8") : null;
}

/**
 * The console output's length and SHA-256 now, recorded before a step starts the instance on
 * another root: the verification then looks only at what was written after it. Null when there
 * is no output or it cannot be read (then all of it counts).
 */
export async function consoleBaseline(
  ctx: OpsContext,
  instanceId: string,
): Promise<SerialBaseline | null> {
  return serialBaseline(await readConsole(ctx, instanceId).catch(() => null));
}

/**
 * Waits for both status checks to pass and looks for a new stop error in the console output. A
 * failed check or a bug check in the console is a re-crash; a timeout while checks are still
 * initializing is reported as such. With a `baseline` only what the console shows past it counts
 * (a stop error the previous root printed does not); an output shorter than the baseline or no
 * longer starting with it was reset and counts in full.
 */
export async function verifyBoot(
  ctx: OpsContext,
  instanceId: string,
  timeoutSeconds: number,
  baseline: SerialBaseline | null = null,
): Promise<BootVerdict> {
  let last = "no status yet";
  try {
    return await waitFor(
      ctx,
      timeoutSeconds,
      () =>
        new RescueStepError(
          "verify-timeout",
          `status checks of ${instanceId} did not pass within ${timeoutSeconds} s (last: ${last})`,
        ),
      async () => {
        const text = newSerialText(await readConsole(ctx, instanceId), baseline) ?? "";
        const bug = BUGCHECK_TEXT.exec(text);
        if (bug)
          return { healthy: false, reason: `the console shows a stop error again (${bug[0]})` };
        const st = (
          await ctx.ec2.send(
            new DescribeInstanceStatusCommand({
              InstanceIds: [instanceId],
              IncludeAllInstances: true,
            }),
          )
        )?.InstanceStatuses?.[0];
        const sys = st?.SystemStatus?.Status ?? "unknown";
        const inst = st?.InstanceStatus?.Status ?? "unknown";
        last = `system ${sys}, instance ${inst}`;
        if (sys === "ok" && inst === "ok")
          return {
            healthy: true,
            reason: "both status checks passed and the console shows no stop error",
          };
        if (inst === "impaired")
          return {
            healthy: false,
            reason: `the instance status check failed (${last}): Windows did not come up`,
          };
        return undefined;
      },
    );
  } catch (e) {
    if (e instanceof RescueStepError && e.code === "verify-timeout")
      return { healthy: false, reason: e.message };
    throw e;
  }
}
