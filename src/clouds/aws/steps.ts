/**
 * Dynamic resources for the steps of the AWS rescue that no provider resource covers, built on the
 * idempotent operations of `ec2Ops.ts`. Every provider's `delete` does nothing: a rescue step
 * cannot be undone by deleting it (rollback is its own resource), and nothing here may ever delete
 * a volume or a snapshot. The SDK clients are created inside each method (dynamic providers are
 * serialized; see the Pulumi function-serialization rules); tests pass their own context factory.
 */
import * as pulumi from "@pulumi/pulumi";
import {
  BootVerdict,
  OpsContext,
  RescueStepError,
  consoleBaseline,
  describeInstance,
  ensureAttached,
  ensureDetached,
  ensureRunning,
  ensureStopped,
  runSsmCommand,
  setDeleteOnTermination,
  snapshotState,
  ensureVolumeFromSnapshot,
  startSnapshot,
  verifyBoot,
} from "./operations";
import type { SerialBaseline } from "../../swap/serialLog";
import { AwsVolumeSpec } from "../../topology/aws";
import { COPY_OF_TAG } from "../../vocabulary/tags";
import { DYNAMIC_KINDS, DYNAMIC_MODULE, LEGACY_AWS_DYNAMIC_TYPES } from "../../vocabulary/tokens";

export type ContextFactory = (region: string) => OpsContext;

/** Real AWS SDK v3 clients for a region (credentials from the usual chain). */
export function sdkContext(region: string): OpsContext {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { EC2Client } = require("@aws-sdk/client-ec2");
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { SSMClient } = require("@aws-sdk/client-ssm");
  // eslint-disable-next-line @typescript-eslint/no-var-requires
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

interface StepInputs {
  region: string;
  timeoutSeconds: number;
}

// ---------------------------------------------------------------------------------------------
// The steps (pure orchestration of ec2Ops; exported for the tests)
// ---------------------------------------------------------------------------------------------

export interface BackupSnapshotInputs extends StepInputs {
  volumeId: string;
  description: string;
  tags: Record<string, string>;
}
/** inPlace mode: starts the backup and returns once EBS has it (point in time); does not wait for completion. */
export async function backupSnapshotStep(ctx: OpsContext, i: BackupSnapshotInputs) {
  return {
    snapshotId: await startSnapshot(ctx, i.volumeId, i.description, i.tags, i.timeoutSeconds),
  };
}

/** Whether the broken instance may be changed, and why not (from the triage of the collect output). */
export interface StepGate {
  allowed: boolean;
  reasons: string[];
}

export interface RootDetachInputs extends StepInputs {
  instanceId: string;
  rootVolumeId: string;
  /** Recorded so a later step can refuse to run without the backup. */
  snapshotId: string;
  /**
   * Copy mode: the swap gate. Closed → the step changes nothing on the instance and says why.
   * inPlace: always open (the helper repairs the root itself, so it must come off).
   */
  gate: StepGate;
}
/** Stops the broken instance (forcing a hung stop) and detaches its root volume, which is kept — only when the gate allows. */
export async function rootDetachStep(ctx: OpsContext, i: RootDetachInputs) {
  if (!i.gate?.allowed) {
    return {
      detached: false,
      detachedVolumeId: "",
      forcedStop: false,
      reason: `the instance was not stopped and its root not detached: ${(i.gate?.reasons ?? []).join("; ") || "no gate"}`,
    };
  }
  if (!i.snapshotId)
    throw new RescueStepError(
      "no-backup",
      `refusing to stop ${i.instanceId}: no backup snapshot of ${i.rootVolumeId}`,
    );
  const { forced } = await ensureStopped(ctx, i.instanceId, i.timeoutSeconds);
  await ensureDetached(ctx, i.rootVolumeId, i.instanceId, i.timeoutSeconds);
  return { detached: true, detachedVolumeId: i.rootVolumeId, forcedStop: forced, reason: "" };
}

export interface SsmCommandInputs extends StepInputs {
  instanceId: string;
  documentName: string;
  parameters: Record<string, string[]>;
  bucketName: string;
  keyPrefix: string;
  /** When set, waits for this snapshot to be completed first (inPlace: no write before a complete backup). */
  waitForSnapshotId?: string;
}
export async function ssmCommandStep(ctx: OpsContext, i: SsmCommandInputs) {
  if (i.waitForSnapshotId)
    await snapshotState(ctx, i.waitForSnapshotId, ["completed"], i.timeoutSeconds);
  return runSsmCommand(ctx, i);
}

export interface RootSwapInputs extends StepInputs {
  instanceId: string;
  rootDeviceName: string;
  /** The repaired volume that becomes the root. */
  volumeId: string;
  helperInstanceId: string;
  deleteOnTermination: boolean;
  /** The swap gate from the triage of the collect output. */
  gate: StepGate;
  /**
   * inPlace: the volume is the instance's own root and goes back even with the gate closed (the
   * instance is then left stopped). Copy: a closed gate changes nothing at all.
   */
  reattachWhenClosed: boolean;
}
/**
 * Moves the repaired volume from the helper to the broken instance at its root device name,
 * restores DeleteOnTermination and starts the instance — when the gate allows. A volume still at
 * the root device that is not the repaired one is detached (and kept), never deleted. The console
 * output's baseline is recorded right before the start (`consoleBaseline`, for the verification).
 */
export async function rootSwapStep(ctx: OpsContext, i: RootSwapInputs) {
  const closed = !i.gate?.allowed;
  const why = (i.gate?.reasons ?? []).join("; ") || "no gate";
  if (closed && !i.reattachWhenClosed)
    return {
      swapped: false,
      rootVolumeId: "",
      previousRootVolumeId: "",
      consoleBaseline: null,
      reason: `the swap was not done and the instance is unchanged: ${why}`,
    };
  await ensureStopped(ctx, i.instanceId, i.timeoutSeconds);
  await ensureDetached(ctx, i.volumeId, i.helperInstanceId, i.timeoutSeconds);
  const occupant = (await describeInstance(ctx, i.instanceId)).blockDevices.find(
    (b) => b.deviceName === i.rootDeviceName,
  );
  let previousRootVolumeId = "";
  if (occupant && occupant.volumeId !== i.volumeId) {
    previousRootVolumeId = occupant.volumeId;
    await ensureDetached(ctx, occupant.volumeId, i.instanceId, i.timeoutSeconds);
  }
  await ensureAttached(ctx, i.volumeId, i.instanceId, i.rootDeviceName, i.timeoutSeconds);
  await setDeleteOnTermination(ctx, i.instanceId, i.rootDeviceName, i.deleteOnTermination);
  if (closed)
    return {
      swapped: false,
      rootVolumeId: i.volumeId,
      previousRootVolumeId,
      consoleBaseline: null,
      reason: `the root ${i.volumeId} is back in place and the instance is left stopped: ${why}`,
    };
  // What the console shows before the repaired root starts (the old root's stop errors): the verification looks past it.
  const baseline = await consoleBaseline(ctx, i.instanceId);
  await ensureRunning(ctx, i.instanceId, i.timeoutSeconds);
  return {
    swapped: true,
    rootVolumeId: i.volumeId,
    previousRootVolumeId,
    consoleBaseline: baseline,
    reason: "",
  };
}

export interface VerifyInputs extends StepInputs {
  instanceId: string;
  /** Whether the swap ran; false → nothing is verified and nothing is touched. */
  swapped: boolean;
  /** Why there was no swap (reported as the verdict's reason). */
  swapReason: string;
  finalState: "running" | "stopped";
  /** The volume rollback would put back, named in the failure message. */
  rollbackVolumeId: string;
  /** The console output as the swap found it before the start: only what comes after it counts. Null: all of it. */
  consoleBaseline?: SerialBaseline | null;
}

/** What to run when the repaired root does not boot: the direct rollback command, or the stack's. */
export function rollbackHint(instanceId: string, region: string): string {
  return `vm-rescue rollback --cloud aws --instance-id ${instanceId} --region ${region} (or, while the stack exists: pulumi config set vm-rescue:rollback true && pulumi up)`;
}
/** Verifies the boot; a re-crash fails the step and offers the rollback. Leaves the instance in `finalState`. */
export async function verifyStep(
  ctx: OpsContext,
  i: VerifyInputs,
): Promise<BootVerdict & { rollbackOffered: boolean }> {
  if (!i.swapped)
    return {
      healthy: false,
      reason: `no boot to verify: ${i.swapReason || "the swap did not run"}`,
      rollbackOffered: false,
    };
  const verdict = await verifyBoot(ctx, i.instanceId, i.timeoutSeconds, i.consoleBaseline ?? null);
  if (!verdict.healthy) {
    throw new RescueStepError(
      "re-crash",
      `${i.instanceId} did not boot cleanly after the swap: ${verdict.reason}. Roll back (puts ${i.rollbackVolumeId} back as root; the repaired volume is kept): ${rollbackHint(i.instanceId, i.region)}`,
    );
  }
  if (i.finalState === "stopped") await ensureStopped(ctx, i.instanceId, i.timeoutSeconds);
  return { ...verdict, rollbackOffered: false };
}

export interface RollbackInputs extends StepInputs {
  instanceId: string;
  rootDeviceName: string;
  /** The volume to put back as root (the original in copy mode, a volume from the backup in inPlace mode). */
  volumeId: string;
  deleteOnTermination: boolean;
  finalState: "running" | "stopped";
}
/**
 * Puts `volumeId` back as root; the volume it replaces stays (detached, for inspection). When it
 * already is the root (e.g. the swap never ran), nothing is stopped or detached. An instance with
 * no volume at its root device (an `up` that failed between the detach and the swap) just gets
 * `volumeId` attached. `consoleBaseline`: the console output before the start, for the verification.
 */
export async function rollbackStep(ctx: OpsContext, i: RollbackInputs) {
  const occupant = (await describeInstance(ctx, i.instanceId)).blockDevices.find(
    (b) => b.deviceName === i.rootDeviceName,
  );
  if (occupant && occupant.volumeId === i.volumeId) {
    return {
      restoredVolumeId: i.volumeId,
      replacedVolumeId: "",
      changed: false,
      consoleBaseline: null,
    };
  }
  await ensureStopped(ctx, i.instanceId, i.timeoutSeconds);
  if (occupant) await ensureDetached(ctx, occupant.volumeId, i.instanceId, i.timeoutSeconds);
  await ensureAttached(ctx, i.volumeId, i.instanceId, i.rootDeviceName, i.timeoutSeconds);
  await setDeleteOnTermination(ctx, i.instanceId, i.rootDeviceName, i.deleteOnTermination);
  let baseline: SerialBaseline | null = null;
  if (i.finalState === "running") {
    baseline = await consoleBaseline(ctx, i.instanceId);
    await ensureRunning(ctx, i.instanceId, i.timeoutSeconds);
  }
  return {
    restoredVolumeId: i.volumeId,
    replacedVolumeId: occupant ? occupant.volumeId : "",
    changed: true,
    consoleBaseline: baseline,
  };
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
      i.timeoutSeconds,
    ),
  };
}

// ---------------------------------------------------------------------------------------------
// Providers
// ---------------------------------------------------------------------------------------------

/** Inputs whose change does not re-run a step. */
const TUNING = new Set(["timeoutSeconds", "__provider"]);

/**
 * A dynamic provider running `step` on create. Any other changed input re-runs it (replace; the
 * old one's delete is a no-op). `delete` never touches the cloud.
 */
export function stepProvider<I extends StepInputs, O extends object>(
  step: (ctx: OpsContext, inputs: I) => Promise<O>,
  idOf: (inputs: I, outs: O) => string,
  contextFactory: ContextFactory = sdkContext,
): pulumi.dynamic.ResourceProvider {
  return {
    async create(inputs: I) {
      const outs = await step(contextFactory(inputs.region), inputs);
      return { id: idOf(inputs, outs), outs: { ...inputs, ...outs } };
    },
    async diff(_id: string, olds: I, news: I) {
      const keys = new Set([...Object.keys(olds ?? {}), ...Object.keys(news ?? {})]);
      const replaces = [...keys].filter(
        (k) =>
          !TUNING.has(k) &&
          k in news &&
          JSON.stringify((olds as unknown as Record<string, unknown>)[k]) !==
            JSON.stringify((news as unknown as Record<string, unknown>)[k]),
      );
      return { changes: replaces.length > 0, replaces, deleteBeforeReplace: true };
    },
    async update(_id: string, _olds: I, news: I) {
      return { outs: news };
    },
    async delete() {
      // Deliberately nothing: volumes, snapshots and the instance's state stay as the step left them.
    },
  };
}

export const backupSnapshotProvider = (f?: ContextFactory) =>
  stepProvider(backupSnapshotStep, (_i, o) => o.snapshotId, f);
export const rootDetachProvider = (f?: ContextFactory) =>
  stepProvider(rootDetachStep, (i) => `${i.instanceId}/detach/${i.rootVolumeId}`, f);
export const ssmCommandProvider = (f?: ContextFactory) =>
  stepProvider(ssmCommandStep, (_i, o) => o.commandId, f);
export const rootSwapProvider = (f?: ContextFactory) =>
  stepProvider(rootSwapStep, (i) => `${i.instanceId}/root/${i.volumeId}`, f);
export const verifyProvider = (f?: ContextFactory) =>
  stepProvider(verifyStep, (i) => `${i.instanceId}/verify`, f);
export const rollbackProvider = (f?: ContextFactory) =>
  stepProvider(rollbackStep, (i) => `${i.instanceId}/rollback/${i.volumeId}`, f);

type Inputs<T> = { [K in keyof T]: pulumi.Input<T[K]> };

/**
 * Type token `pulumi-nodejs:dynamic/vm-rescue:<Kind>` (aliased to the token the step had before the
 * clouds shared one module); `outputs` are declared so they resolve.
 */
function register(
  step: keyof typeof DYNAMIC_KINDS.aws,
  provider: pulumi.dynamic.ResourceProvider,
  name: string,
  props: object,
  outputs: string[],
  opts?: pulumi.CustomResourceOptions,
) {
  const seeded: Record<string, unknown> = { ...props };
  for (const o of outputs) seeded[o] = undefined;
  const aliases = [...(opts?.aliases ?? []), { type: LEGACY_AWS_DYNAMIC_TYPES[step] }];
  return new StepResource(provider, name, seeded, { ...opts, aliases }, DYNAMIC_KINDS.aws[step]);
}

class StepResource extends pulumi.dynamic.Resource {
  constructor(
    provider: pulumi.dynamic.ResourceProvider,
    name: string,
    props: pulumi.Inputs,
    opts: pulumi.CustomResourceOptions | undefined,
    kind: string,
  ) {
    super(provider, name, props, opts, DYNAMIC_MODULE, kind);
  }
  out<T>(key: string): pulumi.Output<T> {
    return (this as unknown as Record<string, pulumi.Output<T>>)[key];
  }
}

export function backupSnapshot(
  name: string,
  i: Inputs<BackupSnapshotInputs>,
  opts?: pulumi.CustomResourceOptions,
) {
  const r = register("backupSnapshot", backupSnapshotProvider(), name, i, ["snapshotId"], opts);
  return { resource: r, snapshotId: r.out<string>("snapshotId") };
}
export function rootDetach(
  name: string,
  i: Inputs<RootDetachInputs>,
  opts?: pulumi.CustomResourceOptions,
) {
  const r = register(
    "detach",
    rootDetachProvider(),
    name,
    i,
    ["detached", "detachedVolumeId", "forcedStop", "reason"],
    opts,
  );
  return {
    resource: r,
    detached: r.out<boolean>("detached"),
    detachedVolumeId: r.out<string>("detachedVolumeId"),
    reason: r.out<string>("reason"),
  };
}
export function ssmCommand(
  name: string,
  i: Inputs<SsmCommandInputs>,
  opts?: pulumi.CustomResourceOptions,
) {
  const r = register(
    "command",
    ssmCommandProvider(),
    name,
    i,
    ["commandId", "status", "stdout"],
    opts,
  );
  return {
    resource: r,
    commandId: r.out<string>("commandId"),
    status: r.out<string>("status"),
    stdout: r.out<string>("stdout"),
  };
}
export function rootSwap(
  name: string,
  i: Inputs<RootSwapInputs>,
  opts?: pulumi.CustomResourceOptions,
) {
  const r = register(
    "swap",
    rootSwapProvider(),
    name,
    i,
    ["swapped", "rootVolumeId", "previousRootVolumeId", "consoleBaseline", "reason"],
    opts,
  );
  return {
    resource: r,
    swapped: r.out<boolean>("swapped"),
    rootVolumeId: r.out<string>("rootVolumeId"),
    consoleBaseline: r.out<SerialBaseline | null>("consoleBaseline"),
    reason: r.out<string>("reason"),
  };
}
export function verify(name: string, i: Inputs<VerifyInputs>, opts?: pulumi.CustomResourceOptions) {
  const r = register("bootVerification", verifyProvider(), name, i, ["healthy", "reason"], opts);
  return { resource: r, healthy: r.out<boolean>("healthy"), reason: r.out<string>("reason") };
}
export function rollback(
  name: string,
  i: Inputs<RollbackInputs>,
  opts?: pulumi.CustomResourceOptions,
) {
  const r = register(
    "rollback",
    rollbackProvider(),
    name,
    i,
    ["restoredVolumeId", "replacedVolumeId", "changed"],
    opts,
  );
  return { resource: r, restoredVolumeId: r.out<string>("restoredVolumeId") };
}
