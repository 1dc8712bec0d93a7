/**
 * The swap on AWS: `RootVolumeDetach` stops the broken instance and detaches its root (kept);
 * `RootVolumeSwap` moves the repaired volume from the helper to the instance's root device and
 * starts it, recording the console baseline for the verification. Both act only when the gate
 * allows (inPlace: the root always comes off and goes back); neither deletes a volume.
 *
 * Both converge on what the cloud holds: a detach whose root is already off does not stop the
 * instance again; the swap records its progress on the instance (tag {@link SWAP_PROGRESS_TAG}), so
 * a swap interrupted after the attach still starts the instance, and one that completed is never
 * redone on the live VM by an update. A rollback marks that record rolled back: the swap is redone
 * only when `swapGeneration` is raised above the rolled-back swap's ({@link decideReswap}).
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
  ROLLED_BACK_PHASE,
  ROLLBACK_PROGRESS_TAG,
  SWAP_PROGRESS_TAG,
  recordProgress,
  setDeleteOnTermination,
  STEP_INPUT_SPECS,
  stepTimeouts,
  type StepInputs,
} from "./stepKit";
import { decideReswap, generationOf, validateSwapGeneration } from "./reswap";

export { SWAP_PROGRESS_TAG };
export { decideReswap, validateSwapGeneration, type ReswapDecision } from "./reswap";
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
  /**
   * Raise it to swap the repaired volume in again after a rollback (default 0). A swap that was
   * rolled back is never redone on its own: only a generation above the rolled-back one redoes it.
   */
  swapGeneration?: number;
}
export interface RootVolumeSwapOutputs extends RootVolumeSwapInputs {
  swapped: boolean;
  /** True when the swap had been rolled back and was not redone (see `swapGeneration`). */
  rolledBack: boolean;
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
 * was rolled back, or completed once and whose root was changed since (by hand), is reported, not
 * redone, unless `swapGeneration` is raised ({@link decideReswap}).
 */
export async function rootSwapStep(
  ctx: OpsContext,
  i: RootVolumeSwapInputs,
  timeoutSeconds = i.timeoutSeconds ?? 1800,
  olds?: Partial<RootVolumeSwapOutputs>,
): Promise<SwapResult> {
  const closed = !i.gate?.allowed;
  const why = (i.gate?.reasons ?? []).join("; ") || "no gate";
  if (closed && !i.reattachWhenClosed)
    return {
      swapped: false,
      rootVolumeId: "",
      previousRootVolumeId: "",
      consoleBaseline: null,
      reason: `the swap was not done and the instance keeps its original root: ${why}`,
      rolledBack: false,
    };
  const t = timeoutSeconds;
  const inst = await describeInstance(ctx, i.instanceId);
  const tagged = parseProgress(inst.tags[SWAP_PROGRESS_TAG]);
  const progress = tagged?.volumeId === i.volumeId ? tagged : null;
  const root = rootDevice(inst)?.volumeId ?? null;
  // The generation of the swap this run does (or did): a record's is kept when it resumes.
  const generation =
    progress?.phase === ROLLED_BACK_PHASE || progress?.phase === "started"
      ? generationOf(i.swapGeneration)
      : (progress?.generation ?? generationOf(i.swapGeneration));
  const record = (phase: string, previous: string, baseline: SerialBaseline | null) =>
    recordProgress(ctx, i.instanceId, SWAP_PROGRESS_TAG, {
      volumeId: i.volumeId,
      phase,
      other: previous,
      baseline,
      generation,
    });
  let previous = progress?.other ?? "";
  let redone = "";
  if (root !== i.volumeId) {
    const decision = decideReswap(i, progress, root, olds);
    if (!decision.swap)
      return {
        swapped: false,
        rootVolumeId: root ?? "",
        previousRootVolumeId: previous,
        consoleBaseline: null,
        reason: decision.reason,
        rolledBack: true,
      };
    redone = decision.reason;
    const occupant = inst.blockDevices.find((b) => b.deviceName === i.rootDeviceName);
    if (occupant && occupant.volumeId !== i.volumeId) previous = occupant.volumeId;
    await record("swapping", previous, null);
    await clearProgress(ctx, i.instanceId, ROLLBACK_PROGRESS_TAG);
    // The repaired volume leaves the helper while the old root leaves the (stopped) instance.
    await Promise.all([
      ensureDetached(ctx, i.volumeId, i.helperInstanceId, t),
      (async () => {
        await ensureStopped(ctx, i.instanceId, t);
        if (occupant && occupant.volumeId !== i.volumeId)
          await ensureDetached(ctx, occupant.volumeId, i.instanceId, t);
      })(),
    ]);
  } else if (progress?.phase === ROLLED_BACK_PHASE) {
    // A rollback marked the swap and was cut off before it changed the root: it resumes on its own.
    return {
      swapped: false,
      rootVolumeId: i.volumeId,
      previousRootVolumeId: previous,
      consoleBaseline: null,
      reason: `a rollback of the swap to ${i.volumeId} is under way; the swap changes nothing`,
      rolledBack: true,
    };
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
      rolledBack: false,
    };
  } else if (progress?.phase === "started" || progress?.phase === "reattached") {
    // Done earlier and stopped since (the verification's final state, or the operator): left as is.
    return {
      swapped: progress.phase === "started",
      rootVolumeId: i.volumeId,
      previousRootVolumeId: previous,
      consoleBaseline: progress.baseline,
      reason: progress.phase === "started" ? "" : `the root ${i.volumeId} is back in place: ${why}`,
      rolledBack: false,
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
      rolledBack: false,
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
    reason: redone,
    rolledBack: false,
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
  swapGeneration: {
    type: "integer",
    optional: true,
    description: "Raise it to swap the repaired volume in again after a rollback (default 0).",
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
    rolledBack: {
      type: "boolean",
      description: "True when the swap had been rolled back and was not redone.",
    },
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
  // Values not known yet (a preview) are checked when they are.
  check(i) {
    if (typeof i.swapGeneration !== "number") return [];
    try {
      validateSwapGeneration(i.swapGeneration);
      return [];
    } catch (e) {
      return [(e as Error).message];
    }
  },
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
      rolledBack: state.rolledBack === true || (state.swapped && !still),
      reason:
        state.swapped && !still
          ? `the root is now ${root || "none"}, not the repaired ${state.volumeId} (changed outside the rescue)`
          : state.reason,
    };
  },
  async update(ctx, _id, olds, news) {
    const { ops, timeout } = opsOf(ctx, news);
    return { ...news, ...(await rootSwapStep(ops, news, timeout, olds)) };
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
  declare readonly rolledBack: pulumi.Output<boolean>;

  constructor(
    name: string,
    i: InputsOf<RootVolumeSwapInputs>,
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(rootVolumeSwapKind, name, i, opts);
  }
}
