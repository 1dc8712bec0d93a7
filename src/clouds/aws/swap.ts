/**
 * The swap on AWS: `RootVolumeDetach` stops the broken instance and detaches its root (kept);
 * `RootVolumeSwap` moves the repaired volume from the helper to the instance's root device and
 * starts it, recording the console baseline for the verification. Both act only when the gate
 * allows (inPlace: the root always comes off and goes back); neither deletes a volume, and their
 * delete changes nothing.
 */
import * as pulumi from "@pulumi/pulumi";
import type { SerialBaseline } from "../../swap/serialLog";
import {
  describeInstance,
  ensureAttached,
  ensureDetached,
  ensureRunning,
  ensureStopped,
  OpsContext,
  RescueStepError,
  setDeleteOnTermination,
  ContextFactory,
} from "./operations";
import { consoleBaseline } from "./bootVerification";
import { InputsOf, stepArgs, StepResource, StepInputs, stepProvider } from "./dynamic";

/** Whether the broken instance may be changed, and why not (from the triage of the collect output). */
export interface StepGate {
  allowed: boolean;
  reasons: string[];
}

export interface RootVolumeDetachInputs extends StepInputs {
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
export async function rootDetachStep(ctx: OpsContext, i: RootVolumeDetachInputs) {
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
/**
 * Moves the repaired volume from the helper to the broken instance at its root device name,
 * restores DeleteOnTermination and starts the instance — when the gate allows. A volume still at
 * the root device that is not the repaired one is detached (and kept), never deleted. The console
 * output's baseline is recorded right before the start (`consoleBaseline`, for the verification).
 */
export async function rootSwapStep(ctx: OpsContext, i: RootVolumeSwapInputs) {
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

export const rootVolumeDetachProvider = (f?: ContextFactory) =>
  stepProvider(rootDetachStep, (i) => `${i.instanceId}/detach/${i.rootVolumeId}`, f);
export const rootVolumeSwapProvider = (f?: ContextFactory) =>
  stepProvider(rootSwapStep, (i) => `${i.instanceId}/root/${i.volumeId}`, f);

/** Stops the broken instance and detaches its root volume (mirrors nothing on Azure, where the swap itself deallocates). */
export class RootVolumeDetach extends StepResource {
  declare readonly detached: pulumi.Output<boolean>;
  declare readonly detachedVolumeId: pulumi.Output<string>;
  declare readonly forcedStop: pulumi.Output<boolean>;
  declare readonly reason: pulumi.Output<string>;

  constructor(
    name: string,
    i: InputsOf<RootVolumeDetachInputs>,
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(
      ...stepArgs(
        "detach",
        rootVolumeDetachProvider(),
        name,
        i,
        ["detached", "detachedVolumeId", "forcedStop", "reason"],
        opts,
      ),
    );
  }
}

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
    super(
      ...stepArgs(
        "swap",
        rootVolumeSwapProvider(),
        name,
        i,
        ["swapped", "rootVolumeId", "previousRootVolumeId", "consoleBaseline", "reason"],
        opts,
      ),
    );
  }
}
