/**
 * `RootVolumeDetach` (inPlace's way to the helper; copy mode's stop, `stopOnly`): stops the broken
 * instance and detaches its root volume, which is kept — only when the gate allows. Copy mode
 * stops the instance while the repair runs and leaves the root attached: the swap takes it off,
 * so a refused swap leaves the instance (stopped) on its own root. It converges on what the cloud
 * holds: a root already off the instance needs nothing, and an update never stops the instance
 * again (it may be running on the repaired root by now).
 */
import * as pulumi from "@pulumi/pulumi";
import type { StepKind } from "../../steps/contract";
import { StepResource, type InputsOf } from "../../steps/resource";
import { STEP_TYPES } from "../../vocabulary/tokens";
import {
  describeVolume,
  ensureDetached,
  ensureStopped,
  OpsContext,
  RescueStepError,
} from "./operations";
import {
  GATE_SPEC,
  modeled,
  opsOf,
  STEP_INPUT_SPECS,
  stepTimeouts,
  type StepInputs,
} from "./stepKit";

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
  /** Copy mode: only stop the instance; the root stays attached (the swap takes it off). */
  stopOnly?: boolean;
}
export interface RootVolumeDetachOutputs extends RootVolumeDetachInputs {
  /** Whether the step has done its work (stopped the instance, or found its root already off): never redone. */
  stopped: boolean;
  detached: boolean;
  detachedVolumeId: string;
  forcedStop: boolean;
  reason: string;
  /** Live: where the root volume is attached now (`<instance> <device>`), "" when nowhere. */
  attachedTo: string;
}

const attachment = async (ops: OpsContext, volumeId: string) =>
  (await describeVolume(ops, volumeId)).attachments.find((a) => a.state !== "detached");

/**
 * Stops the broken instance (forcing a hung stop) and detaches its root volume, which is kept —
 * only when the gate allows. A root already off the instance needs nothing: the instance is not
 * stopped again (it may be running on the repaired root by now).
 */
export async function rootDetachStep(
  ctx: OpsContext,
  i: RootVolumeDetachInputs,
  timeoutSeconds = i.timeoutSeconds ?? 1800,
): Promise<Omit<RootVolumeDetachOutputs, keyof RootVolumeDetachInputs>> {
  if (!i.gate?.allowed) {
    return {
      detached: false,
      detachedVolumeId: "",
      forcedStop: false,
      reason: `the instance was not stopped and its root not detached: ${(i.gate?.reasons ?? []).join("; ") || "no gate"}`,
      attachedTo: "",
      stopped: false,
    };
  }
  if (!i.snapshotId)
    throw new RescueStepError(
      "no-backup",
      `refusing to stop ${i.instanceId}: no backup snapshot of ${i.rootVolumeId}`,
    );
  let forced = false;
  const on = await attachment(ctx, i.rootVolumeId);
  if (on?.instanceId === i.instanceId) {
    forced = (await ensureStopped(ctx, i.instanceId, timeoutSeconds)).forced;
    if (!i.stopOnly) await ensureDetached(ctx, i.rootVolumeId, i.instanceId, timeoutSeconds);
  }
  const now = await attachment(ctx, i.rootVolumeId);
  return {
    stopped: true,
    detached: now?.instanceId !== i.instanceId,
    detachedVolumeId: i.stopOnly ? "" : i.rootVolumeId,
    forcedStop: forced,
    reason: i.stopOnly ? "stopped only: the swap takes the root off" : "",
    attachedTo: now ? `${now.instanceId} ${now.device}` : "",
  };
}

const DETACH_SPECS = {
  ...STEP_INPUT_SPECS,
  instanceId: { type: "string", description: "The broken instance." },
  rootVolumeId: { type: "string", description: "Its root volume, detached and kept." },
  snapshotId: {
    type: "string",
    description: "The backup of the root; the step refuses without it.",
  },
  gate: GATE_SPEC,
  stopOnly: {
    type: "boolean",
    optional: true,
    description: "Copy mode: only stop the instance; the root stays attached for the swap.",
  },
} as const;

export const rootVolumeDetachKind: StepKind<RootVolumeDetachInputs, RootVolumeDetachOutputs> = {
  token: STEP_TYPES.aws.detach,
  description:
    "Stops the broken instance and detaches its root volume (kept), when the gate allows; a root already off is left as is.",
  inputs: DETACH_SPECS,
  outputs: {
    stopped: {
      type: "boolean",
      description: "Whether the step has done its work (it is never redone on the instance).",
    },
    detached: { type: "boolean", description: "Whether the root is off the instance." },
    detachedVolumeId: { type: "string", description: "The detached root volume." },
    forcedStop: { type: "boolean", description: "Whether the stop had to be forced." },
    reason: { type: "string", description: "Why nothing was done, when nothing was." },
    attachedTo: {
      type: "string",
      description: "Where the root volume is attached now (`<instance> <device>`), or empty.",
    },
  },
  identityKeys: ["instanceId", "rootVolumeId"],
  timeouts: stepTimeouts(modeled("aws.instance.stop.windows", "aws.volume.detach")),
  async create(ctx, i) {
    const { ops, timeout } = opsOf(ctx, i);
    const outs = await rootDetachStep(ops, i, timeout);
    return { id: `${i.instanceId}/detach/${i.rootVolumeId}`, outs: { ...i, ...outs } };
  },
  async read(ctx, _id, state) {
    const { ops } = opsOf(ctx, state);
    const v = await describeVolume(ops, state.rootVolumeId).catch((e) => {
      if (e instanceof RescueStepError && e.code === "volume-not-found") return null;
      throw e;
    });
    if (!v) return null;
    const on = v.attachments.find((a) => a.state !== "detached");
    return {
      ...state,
      detached: on?.instanceId !== state.instanceId,
      attachedTo: on ? `${on.instanceId} ${on.device}` : "",
    };
  },
  async update(ctx, _id, olds, news) {
    const { ops, timeout } = opsOf(ctx, news);
    if (olds.detachedVolumeId || olds.stopped) {
      // Done once: never stopped again (the root may be back by hand, the instance live on another).
      const on = await attachment(ops, news.rootVolumeId);
      return {
        ...olds,
        ...news,
        attachedTo: on ? `${on.instanceId} ${on.device}` : "",
      };
    }
    return { ...news, ...(await rootDetachStep(ops, news, timeout)) };
  },
  async delete() {
    // Nothing: the root volume stays where the steps left it.
  },
};

/** Stops the broken instance and detaches its root volume (mirrors nothing on Azure, where the swap itself deallocates). */
export class RootVolumeDetach extends StepResource {
  declare readonly stopped: pulumi.Output<boolean>;
  declare readonly detached: pulumi.Output<boolean>;
  declare readonly detachedVolumeId: pulumi.Output<string>;
  declare readonly forcedStop: pulumi.Output<boolean>;
  declare readonly reason: pulumi.Output<string>;

  constructor(
    name: string,
    i: InputsOf<RootVolumeDetachInputs>,
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(rootVolumeDetachKind, name, i, opts);
  }
}
