/**
 * What the AWS step kinds share: the inputs every step has (its region and wait timeout), the
 * deadlines from the latency model, the clients of a call and the progress a resumable step
 * records on the instance as a tag.
 */
import type { PropertySpec, StepContext, StepTimeouts } from "../../steps/contract";
import { SERIAL_BASELINE, SWAP_GATE } from "../../steps/objectTypes";
import { loadLatencyModel, opSeconds } from "../../recoveryTime/model";
import { SerialBaseline } from "../../swap/serialLog";
import { stepOps } from "./context";
import {
  CreateTagsCommand,
  DeleteTagsCommand,
  ModifyInstanceAttributeCommand,
} from "@aws-sdk/client-ec2";
import { checkDeadline, describeInstance, within, type OpsContext } from "./operations";

/** What every step's inputs hold: the region of its clients and how long one of its waits may take. */
export interface StepInputs {
  region: string;
  /** Seconds one wait may take (the stack's stepTimeoutSeconds); cut at the call's deadline. */
  timeoutSeconds?: number;
}

export const STEP_INPUT_SPECS = {
  region: { type: "string", description: "The AWS region of the instance." },
  timeoutSeconds: {
    type: "number",
    description: "Seconds one wait of the step may take (cut at the step's deadline).",
    optional: true,
  },
} as const satisfies Record<keyof StepInputs, PropertySpec>;

/** The gate that decides whether the step may change the broken instance. */
export const GATE_SPEC: PropertySpec = {
  type: "object",
  objectType: SWAP_GATE,
  description:
    "Whether the broken instance may be changed (allowed) and why not (reasons), from the triage.",
};

export const BASELINE_SPEC: PropertySpec = {
  type: "object",
  objectType: SERIAL_BASELINE,
  description:
    "Where the console output stood before the instance was started on another root (length, sha256, tail); console text, kept secret.",
  optional: true,
  secret: true,
};

/**
 * How much longer than the model's typical duration a step may take before it gives up: the
 * latency model gives typical figures, a slow Windows stop or a busy EBS takes a few times longer.
 */
export const DEADLINE_MARGIN = 3;

/** The floor of an EBS snapshot's create timeout: a first full snapshot of a root can take an hour. */
export const SNAPSHOT_CREATE_FLOOR_SECONDS = 3600;

const model = loadLatencyModel();
/** Seconds of the modeled operations, times {@link DEADLINE_MARGIN}. */
export function modeled(...ops: string[]): number {
  return DEADLINE_MARGIN * ops.reduce((sum, op) => sum + opSeconds(model, op), 0);
}

/** Deadlines of a step that acts for `act` seconds and reads in one API round trip. */
export function stepTimeouts(act: number): StepTimeouts {
  const read = modeled("aws.ssm.command.overhead");
  return { create: act, update: act, read, delete: read };
}

/** The EBS snapshot's create timeout: the modeled completion with the margin, at least an hour. */
export const SNAPSHOT_CREATE_SECONDS = Math.max(
  SNAPSHOT_CREATE_FLOOR_SECONDS,
  modeled("aws.ebs.snapshot.initiate", "aws.ebs.snapshot.complete"),
);

/** The clients of a call and the timeout of one wait (the input's, else the deadline's). */
export function opsOf(ctx: StepContext, i: StepInputs): { ops: OpsContext; timeout: number } {
  const ops = stepOps(ctx, i.region);
  checkDeadline(ops);
  const timeout = within(ops, i.timeoutSeconds ?? Math.max(1, (ctx.deadline - Date.now()) / 1000));
  return { ops, timeout };
}

/** The swap's progress on the instance: `<repaired volume> <phase> <previous root> <baseline>`. */
export const SWAP_PROGRESS_TAG = "vm-rescue:root-swap";
/** The rollback's progress on the instance: `<restored volume> <phase> <replaced> <baseline>`. */
export const ROLLBACK_PROGRESS_TAG = "vm-rescue:root-rollback";

/**
 * The phase the rollback leaves the swap's progress in: the swap is not redone unless its
 * generation is raised above the recorded one.
 */
export const ROLLED_BACK_PHASE = "rolled-back";

/**
 * A resumable step's progress as a tag on the instance: `<volume> <phase> <other|-> <len:sha|->`,
 * then ` g<generation>` when the step has one (the swap's `swapGeneration`).
 */
export interface Progress {
  volumeId: string;
  phase: string;
  other: string;
  baseline: SerialBaseline | null;
  generation?: number;
}

export function parseProgress(value: string | undefined): Progress | null {
  const m = /^(\S+) (\S+) (\S+) (\S+)(?: g(\d+))?$/.exec(value ?? "");
  if (!m) return null;
  const b = /^(\d+):([0-9a-f]{64})$/.exec(m[4]);
  return {
    volumeId: m[1],
    phase: m[2],
    other: m[3] === "-" ? "" : m[3],
    baseline: b ? { length: Number(b[1]), sha256: b[2] } : null,
    ...(m[5] !== undefined ? { generation: Number(m[5]) } : {}),
  };
}

export function formatProgress(p: Progress): string {
  const b = p.baseline ? `${p.baseline.length}:${p.baseline.sha256}` : "-";
  const g = p.generation !== undefined ? ` g${p.generation}` : "";
  return `${p.volumeId} ${p.phase} ${p.other || "-"} ${b}${g}`;
}

/**
 * Records the progress on the instance (a tag: it survives the process and the state); `also`:
 * other progress tags written in the same call.
 */
export async function recordProgress(
  ops: OpsContext,
  instanceId: string,
  key: string,
  p: Progress,
  also: Record<string, Progress> = {},
): Promise<void> {
  const tags = { [key]: p, ...also };
  await ops.ec2.send(
    new CreateTagsCommand({
      Resources: [instanceId],
      Tags: Object.entries(tags).map(([Key, v]) => ({ Key, Value: formatProgress(v) })),
    }),
  );
}

/** Removes the other state machine's progress: a new swap or rollback starts from the cloud as it is. */
export async function clearProgress(
  ops: OpsContext,
  instanceId: string,
  key: string,
): Promise<void> {
  await ops.ec2.send(new DeleteTagsCommand({ Resources: [instanceId], Tags: [{ Key: key }] }));
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
