/**
 * The EC2 calls of the AWS rescue behind a narrow interface ({@link OpsContext}: AWS SDK v3
 * clients and a clock), so the steps are tested against fake clients and a fake clock; the real
 * context is {@link sdkContext}. Each operation is idempotent: describe the instance and its
 * volumes, stop and start the instance, detach and attach a volume. None of them ever deletes a
 * volume or a snapshot, and none force-detaches a root volume.
 */
import {
  AttachVolumeCommand,
  DescribeInstancesCommand,
  DescribeVolumesCommand,
  DetachVolumeCommand,
  StartInstancesCommand,
  StopInstancesCommand,
} from "@aws-sdk/client-ec2";
import type { AwsVolumeSpec } from "../../topology/aws";

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
  /** Aborted when the engine cancels the call: every wait stops at once. */
  signal?: AbortSignal;
  /** Wall-clock milliseconds after which a wait gives up with one line (the step's deadline). */
  deadline?: number;
  /** A presigned PUT URL of `bucket/key` valid for `expiresIn` seconds (a secret); absent: no uploads. */
  presignPut?: PresignPut;
}

/** Makes a presigned S3 PUT URL (`src/clouds/aws/s3Files.ts`). */
export type PresignPut = (bucket: string, key: string, expiresIn: number) => Promise<string>;

/** The context for a region: {@link sdkContext}, or fake clients in tests. */
export type ContextFactory = (region: string) => OpsContext;

/** Real AWS SDK v3 clients for a region (credentials from the usual chain). */
export function sdkContext(region: string): OpsContext {
  const { EC2Client } = require("@aws-sdk/client-ec2");

  const { SSMClient } = require("@aws-sdk/client-ssm");

  const { S3Client } = require("@aws-sdk/client-s3");
  return {
    ec2: new EC2Client({ region }),
    ssm: new SSMClient({ region }),
    s3: new S3Client({ region }),
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    pollMs: 10_000,
  };
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
    checkDeadline(ctx);
    const v = await probe();
    if (v !== undefined) return v;
    if (ctx.now() >= deadline) throw onTimeout();
    await ctx.sleep(ctx.pollMs);
  }
}

/** Throws one clear line when the call was cancelled or its deadline has passed. */
export function checkDeadline(ctx: Pick<OpsContext, "signal" | "deadline">): void {
  if (ctx.signal?.aborted)
    throw new RescueStepError(
      "cancelled",
      `cancelled: ${String(ctx.signal.reason ?? "the update was cancelled")}; run pulumi up again to resume`,
    );
  if (ctx.deadline !== undefined && Date.now() >= ctx.deadline)
    throw new RescueStepError(
      "deadline",
      `gave up at the step's deadline (${new Date(ctx.deadline).toISOString()}); what was done is recorded on the instance and its volumes, run pulumi up again to resume`,
    );
}

/** `timeoutSeconds`, cut to what is left before the context's deadline. */
export function within(ctx: Pick<OpsContext, "deadline">, timeoutSeconds: number): number {
  if (ctx.deadline === undefined) return timeoutSeconds;
  return Math.max(1, Math.min(timeoutSeconds, Math.floor((ctx.deadline - Date.now()) / 1000)));
}

export function errorCode(e: unknown): string {
  const x = e as { name?: string; Code?: string; code?: string };
  return x?.Code ?? x?.name ?? x?.code ?? "";
}

export interface InstanceView {
  state: string;
  /** The root device name EC2 reports (e.g. /dev/sda1); it stays while no volume is attached there. Null when unknown. */
  rootDeviceName: string | null;
  blockDevices: { deviceName: string; volumeId: string; deleteOnTermination: boolean }[];
  tags: Record<string, string>;
}

export async function describeInstance(ctx: OpsContext, instanceId: string): Promise<InstanceView> {
  let out;
  try {
    out = await ctx.ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
  } catch (e) {
    if (errorCode(e) === "InvalidInstanceID.NotFound")
      throw new RescueStepError("instance-not-found", `instance ${instanceId} was not found`);
    throw e;
  }
  const i = out?.Reservations?.[0]?.Instances?.[0];
  if (!i) throw new RescueStepError("instance-not-found", `instance ${instanceId} was not found`);
  return {
    state: i.State?.Name ?? "unknown",
    rootDeviceName: i.RootDeviceName ?? null,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the EC2 answer as the SDK returns it, read field by field
    blockDevices: (i.BlockDeviceMappings ?? []).map((m: any) => ({
      deviceName: m.DeviceName,
      volumeId: m.Ebs?.VolumeId,
      deleteOnTermination: m.Ebs?.DeleteOnTermination === true,
    })),
    tags: tagMap(i.Tags),
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

export const tagMap = (tags: unknown): Record<string, string> =>
  Object.fromEntries(
    ((Array.isArray(tags) ? tags : []) as { Key?: string; Value?: string }[]).flatMap((t) =>
      t.Key ? [[t.Key, t.Value ?? ""]] : [],
    ),
  );

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the EC2 answer as the SDK returns it, read field by field
function volumeView(v: any): VolumeView {
  const encrypted = v.Encrypted === true;
  const type: string | null = v.VolumeType ?? null;
  return {
    volumeId: v.VolumeId,
    state: v.State ?? "unknown",
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the EC2 answer as the SDK returns it, read field by field
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
