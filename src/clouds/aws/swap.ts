/**
 * The swap on AWS: `RootVolumeDetach` stops the broken instance and detaches its root (kept);
 * `RootVolumeSwap` moves the repaired volume from the helper to the instance's root device and
 * starts it, recording the console baseline for the verification. Both act only when the gate
 * allows (inPlace: the root always comes off and goes back); neither deletes a volume.
 *
 * Both converge on what the cloud holds: a detach whose root is already off does not stop the
 * instance again; the swap records its progress on the instance (tag {@link SWAP_PROGRESS_TAG}), so
 * a swap interrupted after the attach still starts the instance, and one that completed is never
 * redone on the live VM by an update.
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
import type { StepGate } from "./detach";
import {
  BASELINE_SPEC,
  GATE_SPEC,
  modeled,
  opsOf,
  clearProgress,
  parseProgress,
  ROLLBACK_PROGRESS_TAG,
  SWAP_PROGRESS_TAG,
  recordProgress,
  setDeleteOnTermination,
  STEP_INPUT_SPECS,
  stepTimeouts,
  type StepInputs,
} from "./stepKit";

export { SWAP_PROGRESS_TAG };
export {
  rootDetachStep,
  rootVolumeDetachKind,
  RootVolumeDetach,
  type RootVolumeDetachInputs,
  type StepGate,
} from "./detach";

export interface RootVolumeSwapInputs extends StepInputs {
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
export interface RootVolumeSwapOutputs extends RootVolumeSwapInputs {
  swapped: boolean;
  /** Live on read: the instance's root volume now ("" when none). */
  rootVolumeId: string;
  previousRootVolumeId: string;
  consoleBaseline: SerialBaseline | null;
  reason: string;
}
type SwapResult = Omit<RootVolumeSwapOutputs, keyof RootVolumeSwapInputs>;

/**
 * Moves the repaired volume from the helper to the broken instance at its root device name,
 * restores DeleteOnTermination and starts the instance — when the gate allows — as a state
 * machine recorded on the instance: swapping → starting (with the console baseline) → started.
 * A volume still at the root device that is not the repaired one is detached (and kept).
 *
 * Resuming: the repaired volume already the root of a running instance is done (never stopped
 * again); of a stopped instance whose swap did not reach `started`, it is started. A swap that
 * completed once and whose root was changed since (by hand) is reported, not redone.
 */
export async function rootSwapStep(
  ctx: OpsContext,
  i: RootVolumeSwapInputs,
  timeoutSeconds = i.timeoutSeconds ?? 1800,
): Promise<SwapResult> {
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
  const t = timeoutSeconds;
  const inst = await describeInstance(ctx, i.instanceId);
  const tagged = parseProgress(inst.tags[SWAP_PROGRESS_TAG]);
  const progress = tagged?.volumeId === i.volumeId ? tagged : null;
  const root = rootDevice(inst)?.volumeId ?? null;
  const record = (phase: string, previous: string, baseline: SerialBaseline | null) =>
    recordProgress(ctx, i.instanceId, SWAP_PROGRESS_TAG, {
      volumeId: i.volumeId,
      phase,
      other: previous,
      baseline,
    });
  let previous = progress?.other ?? "";
  if (root !== i.volumeId) {
    if (progress?.phase === "started")
      return {
        swapped: false,
        rootVolumeId: root ?? "",
        previousRootVolumeId: previous,
        consoleBaseline: null,
        reason: `the swap to ${i.volumeId} completed earlier and the root is now ${root ?? "none"} (changed outside the rescue); nothing was redone`,
      };
    const occupant = inst.blockDevices.find((b) => b.deviceName === i.rootDeviceName);
    if (occupant && occupant.volumeId !== i.volumeId) previous = occupant.volumeId;
    await record("swapping", previous, null);
    await clearProgress(ctx, i.instanceId, ROLLBACK_PROGRESS_TAG);
    await ensureStopped(ctx, i.instanceId, t);
    await ensureDetached(ctx, i.volumeId, i.helperInstanceId, t);
    if (occupant && occupant.volumeId !== i.volumeId)
      await ensureDetached(ctx, occupant.volumeId, i.instanceId, t);
  } else if (["running", "pending"].includes(inst.state)) {
    await ensureRunning(ctx, i.instanceId, t);
    if (progress?.phase !== "started")
      await record("started", previous, progress?.baseline ?? null);
    return {
      swapped: !closed,
      rootVolumeId: i.volumeId,
      previousRootVolumeId: previous,
      consoleBaseline: progress?.baseline ?? null,
      reason: closed ? `the root ${i.volumeId} is back in place: ${why}` : "",
    };
  } else if (progress?.phase === "started" || progress?.phase === "reattached") {
    // Done earlier and stopped since (the verification's final state, or the operator): left as is.
    return {
      swapped: progress.phase === "started",
      rootVolumeId: i.volumeId,
      previousRootVolumeId: previous,
      consoleBaseline: progress.baseline,
      reason: progress.phase === "started" ? "" : `the root ${i.volumeId} is back in place: ${why}`,
    };
  }
  await ensureAttached(ctx, i.volumeId, i.instanceId, i.rootDeviceName, t);
  await setDeleteOnTermination(ctx, i.instanceId, i.rootDeviceName, i.deleteOnTermination);
  if (closed) {
    await record("reattached", previous, null);
    return {
      swapped: false,
      rootVolumeId: i.volumeId,
      previousRootVolumeId: previous,
      consoleBaseline: null,
      reason: `the root ${i.volumeId} is back in place and the instance is left stopped: ${why}`,
    };
  }
  // What the console shows before the repaired root starts (the old root's stop errors): the verification looks past it.
  const baseline =
    progress?.phase === "starting" ? progress.baseline : await consoleBaseline(ctx, i.instanceId);
  await record("starting", previous, baseline);
  await ensureRunning(ctx, i.instanceId, t);
  await record("started", previous, baseline);
  return {
    swapped: true,
    rootVolumeId: i.volumeId,
    previousRootVolumeId: previous,
    consoleBaseline: baseline,
    reason: "",
  };
}

const SWAP_SPECS = {
  ...STEP_INPUT_SPECS,
  instanceId: { type: "string", description: "The broken instance." },
  rootDeviceName: { type: "string", description: "Its root device name (e.g. /dev/sda1)." },
  volumeId: { type: "string", description: "The repaired volume that becomes the root." },
  helperInstanceId: {
    type: "string",
    description: "The helper the repaired volume is detached from (a new helper is an update).",
  },
  deleteOnTermination: { type: "boolean", description: "DeleteOnTermination of the new root." },
  gate: GATE_SPEC,
  reattachWhenClosed: {
    type: "boolean",
    description:
      "inPlace: the root goes back even with the gate closed (the instance stays stopped).",
  },
} as const;

export const rootVolumeSwapKind: StepKind<RootVolumeSwapInputs, RootVolumeSwapOutputs> = {
  token: STEP_TYPES.aws.swap,
  description:
    "Puts the repaired volume in as the instance's root and starts it; a resumable state machine recorded on the instance.",
  inputs: SWAP_SPECS,
  outputs: {
    swapped: { type: "boolean", description: "Whether the instance runs on the repaired root." },
    rootVolumeId: { type: "string", description: "The instance's root volume (live on read)." },
    previousRootVolumeId: { type: "string", description: "The root it replaced (kept)." },
    consoleBaseline: BASELINE_SPEC,
    reason: { type: "string", description: "Why the swap was not done, when it was not." },
  },
  identityKeys: ["instanceId", "rootDeviceName", "volumeId"],
  timeouts: stepTimeouts(
    modeled(
      "aws.instance.stop.windows",
      "aws.volume.detach",
      "aws.volume.detach",
      "aws.volume.attach",
      "aws.instance.start.windows",
    ),
  ),
  async create(ctx, i) {
    const { ops, timeout } = opsOf(ctx, i);
    const outs = await rootSwapStep(ops, i, timeout);
    return { id: `${i.instanceId}/root/${i.volumeId}`, outs: { ...i, ...outs } };
  },
  async read(ctx, _id, state) {
    const { ops } = opsOf(ctx, state);
    const inst = await describeInstance(ops, state.instanceId).catch((e) => {
      if (e instanceof RescueStepError && e.code === "instance-not-found") return null;
      throw e;
    });
    if (!inst) return null;
    const root = rootDevice(inst)?.volumeId ?? "";
    const still = state.swapped && root === state.volumeId;
    return {
      ...state,
      swapped: still,
      rootVolumeId: root,
      reason:
        state.swapped && !still
          ? `the root is now ${root || "none"}, not the repaired ${state.volumeId} (changed outside the rescue)`
          : state.reason,
    };
  },
  async update(ctx, _id, _olds, news) {
    const { ops, timeout } = opsOf(ctx, news);
    return { ...news, ...(await rootSwapStep(ops, news, timeout)) };
  },
  async delete() {
    // Nothing: volumes stay where the swap left them.
  },
};

/** Puts the repaired volume in as the instance's root and starts it (Azure: OsDiskSwap). */
export class RootVolumeSwap extends StepResource {
  declare readonly swapped: pulumi.Output<boolean>;
  declare readonly rootVolumeId: pulumi.Output<string>;
  declare readonly previousRootVolumeId: pulumi.Output<string>;
  declare readonly consoleBaseline: pulumi.Output<SerialBaseline | null>;
  declare readonly reason: pulumi.Output<string>;

  constructor(
    name: string,
    i: InputsOf<RootVolumeSwapInputs>,
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(rootVolumeSwapKind, name, i, opts);
  }
}
