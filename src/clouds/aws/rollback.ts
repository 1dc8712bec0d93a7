/**
 * The rollback on AWS: `RootVolumeRollback` puts a volume back as the instance's root — the
 * original (copy mode) or a volume from the backup (inPlace) — and records the console baseline
 * before it starts the instance. The volume it replaces stays, detached; its delete changes nothing.
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
  setDeleteOnTermination,
  ContextFactory,
} from "./operations";
import { consoleBaseline } from "./bootVerification";
import { InputsOf, register, StepInputs, stepProvider } from "./dynamic";

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

export const rollbackProvider = (f?: ContextFactory) =>
  stepProvider(rollbackStep, (i) => `${i.instanceId}/rollback/${i.volumeId}`, f);

/** Puts a volume back as root (config `rollback=true`). Type `pulumi-nodejs:dynamic/vm-rescue:RootVolumeRollback`. */
export function rootVolumeRollback(
  name: string,
  i: InputsOf<RollbackInputs>,
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
