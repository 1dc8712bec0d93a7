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
  DescribeInstancesCommand,
  DescribeInstanceStatusCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  DetachVolumeCommand,
  GetConsoleOutputCommand,
  ModifyInstanceAttributeCommand,
  StartInstancesCommand,
  StopInstancesCommand,
} from "@aws-sdk/client-ec2";
import { DescribeInstanceInformationCommand, GetCommandInvocationCommand, SendCommandCommand } from "@aws-sdk/client-ssm";
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";

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
export async function waitFor<T>(ctx: OpsContext, timeoutSeconds: number, onTimeout: () => RescueStepError, probe: () => Promise<T | undefined>): Promise<T> {
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

interface InstanceView {
  state: string;
  blockDevices: { deviceName: string; volumeId: string; deleteOnTermination: boolean }[];
}

export async function describeInstance(ctx: OpsContext, instanceId: string): Promise<InstanceView> {
  const out = await ctx.ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
  const i = out?.Reservations?.[0]?.Instances?.[0];
  if (!i) throw new RescueStepError("instance-not-found", `instance ${instanceId} was not found`);
  return {
    state: i.State?.Name ?? "unknown",
    blockDevices: (i.BlockDeviceMappings ?? []).map((m: any) => ({ deviceName: m.DeviceName, volumeId: m.Ebs?.VolumeId, deleteOnTermination: m.Ebs?.DeleteOnTermination === true })),
  };
}

interface VolumeView {
  state: string;
  attachments: { instanceId: string; device: string; state: string }[];
}

export async function describeVolume(ctx: OpsContext, volumeId: string): Promise<VolumeView> {
  const out = await ctx.ec2.send(new DescribeVolumesCommand({ VolumeIds: [volumeId] }));
  const v = out?.Volumes?.[0];
  if (!v) throw new RescueStepError("volume-not-found", `volume ${volumeId} was not found`);
  return {
    state: v.State ?? "unknown",
    attachments: (v.Attachments ?? []).map((a: any) => ({ instanceId: a.InstanceId, device: a.Device, state: a.State })),
  };
}

/**
 * Stops the instance and waits for `stopped`. A Windows instance in a boot loop can hang in
 * `stopping`: after half the timeout the stop is repeated with Force=true.
 */
export async function ensureStopped(ctx: OpsContext, instanceId: string, timeoutSeconds: number): Promise<{ forced: boolean }> {
  let forced = false;
  const start = ctx.now();
  const first = await describeInstance(ctx, instanceId);
  if (first.state === "stopped") return { forced };
  if (first.state === "terminated" || first.state === "shutting-down") {
    throw new RescueStepError("instance-terminated", `instance ${instanceId} is ${first.state}; nothing was changed`);
  }
  await ctx.ec2.send(new StopInstancesCommand({ InstanceIds: [instanceId], Force: false }));
  await waitFor(
    ctx,
    timeoutSeconds,
    () => new RescueStepError("stop-timeout", `instance ${instanceId} did not stop within ${timeoutSeconds} s, even with a forced stop; stop it in the console (or aws ec2 stop-instances --force) and run pulumi up again`),
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
export async function ensureRunning(ctx: OpsContext, instanceId: string, timeoutSeconds: number): Promise<void> {
  const s = (await describeInstance(ctx, instanceId)).state;
  if (s === "running") return;
  if (s === "stopping") await ensureStopped(ctx, instanceId, timeoutSeconds);
  if (s !== "pending") await ctx.ec2.send(new StartInstancesCommand({ InstanceIds: [instanceId] }));
  await waitFor(
    ctx,
    timeoutSeconds,
    () => new RescueStepError("start-timeout", `instance ${instanceId} did not reach running within ${timeoutSeconds} s`),
    async () => ((await describeInstance(ctx, instanceId)).state === "running" ? true : undefined),
  );
}

/**
 * Detaches the volume from `instanceId` (never forced) and waits for `available`. Nothing to do
 * when it is already detached from that instance.
 */
export async function ensureDetached(ctx: OpsContext, volumeId: string, instanceId: string, timeoutSeconds: number): Promise<void> {
  const v = await describeVolume(ctx, volumeId);
  const on = v.attachments.find((a) => a.instanceId === instanceId && a.state !== "detached");
  if (!on) return;
  if (on.state !== "detaching") {
    try {
      await ctx.ec2.send(new DetachVolumeCommand({ VolumeId: volumeId, InstanceId: instanceId, Device: on.device }));
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
      return now.attachments.some((a) => a.instanceId === instanceId && a.state !== "detached") ? undefined : true;
    },
  );
}

/**
 * Attaches the volume at `device` and waits for `attached`. Idempotent: an identical attachment is
 * adopted. A volume attached elsewhere is an error; `VolumeInUse` right after a detach is retried
 * until the timeout.
 */
export async function ensureAttached(ctx: OpsContext, volumeId: string, instanceId: string, device: string, timeoutSeconds: number): Promise<void> {
  const v = await describeVolume(ctx, volumeId);
  const here = v.attachments.find((a) => a.instanceId === instanceId && a.device === device && (a.state === "attached" || a.state === "attaching"));
  const elsewhere = v.attachments.find((a) => a !== here && a.state !== "detached");
  if (elsewhere) {
    throw new RescueStepError("volume-in-use", `volume ${volumeId} is attached to ${elsewhere.instanceId} at ${elsewhere.device}; it must be detached before it can be attached to ${instanceId} at ${device}`);
  }
  if (!here) {
    await waitFor(
      ctx,
      timeoutSeconds,
      () => new RescueStepError("volume-in-use", `volume ${volumeId} stayed in use for ${timeoutSeconds} s; it could not be attached to ${instanceId} at ${device}`),
      async () => {
        try {
          await ctx.ec2.send(new AttachVolumeCommand({ VolumeId: volumeId, InstanceId: instanceId, Device: device }));
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
    () => new RescueStepError("attach-timeout", `volume ${volumeId} was not attached to ${instanceId} at ${device} within ${timeoutSeconds} s`),
    async () => ((await describeVolume(ctx, volumeId)).attachments.some((a) => a.instanceId === instanceId && a.device === device && a.state === "attached") ? true : undefined),
  );
}

/** Sets DeleteOnTermination of the volume at `device` (detach/attach resets it to false). */
export async function setDeleteOnTermination(ctx: OpsContext, instanceId: string, device: string, value: boolean): Promise<void> {
  const current = (await describeInstance(ctx, instanceId)).blockDevices.find((b) => b.deviceName === device);
  if (current && current.deleteOnTermination === value) return;
  await ctx.ec2.send(
    new ModifyInstanceAttributeCommand({ InstanceId: instanceId, BlockDeviceMappings: [{ DeviceName: device, Ebs: { DeleteOnTermination: value } }] }),
  );
}

/**
 * Starts a snapshot of the volume (or adopts the one this rescue already started) and returns as
 * soon as EBS reports it: the snapshot is point-in-time from that moment.
 */
export async function startSnapshot(ctx: OpsContext, volumeId: string, description: string, tags: Record<string, string>, timeoutSeconds: number): Promise<string> {
  const rescueId = tags["vm-rescue:id"];
  const existing = rescueId
    ? await ctx.ec2.send(
        new DescribeSnapshotsCommand({ OwnerIds: ["self"], Filters: [{ Name: "volume-id", Values: [volumeId] }, { Name: "tag:vm-rescue:id", Values: [rescueId] }] }),
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
          TagSpecifications: [{ ResourceType: "snapshot", Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }],
        }),
      )
    ).SnapshotId;
  await snapshotState(ctx, snapshotId, ["pending", "completed"], timeoutSeconds);
  return snapshotId;
}

/** Waits until the snapshot is in one of `states`; `error` fails at once. */
export async function snapshotState(ctx: OpsContext, snapshotId: string, states: string[], timeoutSeconds: number): Promise<string> {
  return waitFor(
    ctx,
    timeoutSeconds,
    () => new RescueStepError("snapshot-timeout", `snapshot ${snapshotId} did not reach ${states.join(" or ")} within ${timeoutSeconds} s`),
    async () => {
      const s = (await ctx.ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [snapshotId] })))?.Snapshots?.[0];
      if (s?.State === "error") throw new RescueStepError("snapshot-failed", `snapshot ${snapshotId} failed (${s.StateMessage ?? "state error"}); nothing was written, start the rescue again`);
      return s && states.includes(s.State) ? (s.State as string) : undefined;
    },
  );
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
      const out = await ctx.ssm.send(new DescribeInstanceInformationCommand({ Filters: [{ Key: "InstanceIds", Values: [r.instanceId] }] }));
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
    () => new RescueStepError("command-timeout", `SSM command ${commandId} (${r.documentName}) did not finish within ${r.timeoutSeconds} s`),
    async () => {
      try {
        const inv = await ctx.ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: r.instanceId }));
        return ["Success", "Failed", "Cancelled", "TimedOut", "Undeliverable", "Terminated"].includes(inv.Status) ? inv : undefined;
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
  const stdout = (await readCommandStdout(ctx, r.bucketName, `${r.keyPrefix}${commandId}/${r.instanceId}/`)) ?? String(final.StandardOutputContent ?? "");
  return { commandId, status: final.Status, stdout };
}

/** The `…/stdout` object SSM stored under `prefix` (its command output folder), or null when there is none. */
export async function readCommandStdout(ctx: Pick<OpsContext, "s3">, bucket: string, prefix: string): Promise<string | null> {
  const listed = await ctx.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  const key = (listed?.Contents ?? []).map((o: any) => o.Key as string).find((k: string) => /\/stdout$/.test(k));
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

/**
 * Waits for both status checks to pass and looks for a new stop error in the console output. A
 * failed check or a bug check in the console is a re-crash; a timeout while checks are still
 * initializing is reported as such.
 */
export async function verifyBoot(ctx: OpsContext, instanceId: string, timeoutSeconds: number): Promise<BootVerdict> {
  let last = "no status yet";
  try {
    return await waitFor(
      ctx,
      timeoutSeconds,
      () => new RescueStepError("verify-timeout", `status checks of ${instanceId} did not pass within ${timeoutSeconds} s (last: ${last})`),
      async () => {
        const console = await ctx.ec2.send(new GetConsoleOutputCommand({ InstanceId: instanceId, Latest: true }));
        const text = console?.Output ? Buffer.from(console.Output, "base64").toString("utf8") : "";
        const bug = BUGCHECK_TEXT.exec(text);
        if (bug) return { healthy: false, reason: `the console shows a stop error again (${bug[0]})` };
        const st = (await ctx.ec2.send(new DescribeInstanceStatusCommand({ InstanceIds: [instanceId], IncludeAllInstances: true })))?.InstanceStatuses?.[0];
        const sys = st?.SystemStatus?.Status ?? "unknown";
        const inst = st?.InstanceStatus?.Status ?? "unknown";
        last = `system ${sys}, instance ${inst}`;
        if (sys === "ok" && inst === "ok") return { healthy: true, reason: "both status checks passed and the console shows no stop error" };
        if (inst === "impaired") return { healthy: false, reason: `the instance status check failed (${last}): Windows did not come up` };
        return undefined;
      },
    );
  } catch (e) {
    if (e instanceof RescueStepError && e.code === "verify-timeout") return { healthy: false, reason: e.message };
    throw e;
  }
}
