/**
 * `BootVerification` on AWS: after the swap, waits (up to a timeout) for both status checks to pass
 * with no new stop error in the console output past the swap's baseline; a re-crash fails the step
 * and names the rollback. Reads only, apart from stopping an instance that was stopped before.
 */
import * as pulumi from "@pulumi/pulumi";
import { DescribeInstanceStatusCommand, GetConsoleOutputCommand } from "@aws-sdk/client-ec2";
import { newSerialText, serialBaseline, type SerialBaseline } from "../../swap/serialLog";
import type { StepKind } from "../../steps/contract";
import { StepResource, type InputsOf } from "../../steps/resource";
import { STEP_TYPES } from "../../vocabulary/tokens";
import {
  describeInstance,
  ensureStopped,
  OpsContext,
  RescueStepError,
  rootDevice,
  waitFor,
} from "./operations";
import {
  BASELINE_SPEC,
  modeled,
  opsOf,
  STEP_INPUT_SPECS,
  stepTimeouts,
  type StepInputs,
} from "./stepKit";

/** What the console of a Windows instance shows after a stop error. */
const BUGCHECK_TEXT = /\bbug ?check\b|\bSTOP:? ?0x[0-9a-f]{8}|stop code/i;

export interface BootVerdict {
  healthy: boolean;
  reason: string;
  /** What the console printed past the baseline (its last characters): console text, secret. */
  console?: string;
}

/** How much of the new console text a verdict keeps. */
const CONSOLE_KEEP = 4000;

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
  let seen = "";
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
        seen = text.slice(-CONSOLE_KEEP);
        const bug = BUGCHECK_TEXT.exec(text);
        if (bug)
          return {
            healthy: false,
            reason: `the console shows a stop error again (${bug[0]})`,
            console: seen,
          };
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
            console: seen,
          };
        if (inst === "impaired")
          return {
            healthy: false,
            reason: `the instance status check failed (${last}): Windows did not come up`,
            console: seen,
          };
        return undefined;
      },
    );
  } catch (e) {
    if (e instanceof RescueStepError && e.code === "verify-timeout")
      return { healthy: false, reason: e.message, console: seen };
    throw e;
  }
}

export interface BootVerificationInputs extends StepInputs {
  instanceId: string;
  /** Whether the swap ran; false → nothing is verified and nothing is touched. */
  swapped: boolean;
  /** Why there was no swap (reported as the verdict's reason). */
  swapReason: string;
  finalState: "running" | "stopped";
  /** The volume rollback would put back, named in the failure message. */
  rollbackVolumeId: string;
  /** The root the swap put in; a verdict on another root (a rollback took over meanwhile) fails nothing. */
  swappedVolumeId?: string;
  /** The console output as the swap found it before the start: only what comes after it counts. Null: all of it. */
  consoleBaseline?: SerialBaseline | null;
}

/** What to run when the repaired root does not boot: the direct rollback command, or the stack's. */
export function rollbackHint(instanceId: string, region: string): string {
  return `vm-rescue rollback --cloud aws --instance-id ${instanceId} --region ${region} (or, while the stack exists: pulumi config set vm-rescue:rollback true && pulumi up)`;
}
export interface BootVerificationOutputs extends BootVerificationInputs {
  healthy: boolean;
  reason: string;
  rollbackOffered: boolean;
  /** The console text past the baseline the verdict read (secret). */
  console: string;
}

/** Verifies the boot; a re-crash fails the step and offers the rollback. Leaves the instance in `finalState`. */
export async function verifyStep(
  ctx: OpsContext,
  i: BootVerificationInputs,
  timeoutSeconds = i.timeoutSeconds ?? 1800,
): Promise<BootVerdict & { rollbackOffered: boolean }> {
  if (!i.swapped)
    return {
      healthy: false,
      reason: `no boot to verify: ${i.swapReason || "the swap did not run"}`,
      rollbackOffered: false,
      console: "",
    };
  const verdict = await verifyBoot(ctx, i.instanceId, timeoutSeconds, i.consoleBaseline ?? null);
  const root = i.swappedVolumeId
    ? (rootDevice(await describeInstance(ctx, i.instanceId))?.volumeId ?? "")
    : undefined;
  if (root !== undefined && root !== i.swappedVolumeId)
    return {
      healthy: false,
      reason: `not verified: the root is now ${root || "none"}, not the repaired ${i.swappedVolumeId} (a rollback or a change outside the rescue)`,
      rollbackOffered: false,
      console: verdict.console,
    };
  if (!verdict.healthy) {
    throw new RescueStepError(
      "re-crash",
      `${i.instanceId} did not boot cleanly after the swap: ${verdict.reason}. Roll back (puts ${i.rollbackVolumeId} back as root; the repaired volume is kept): ${rollbackHint(i.instanceId, i.region)}`,
    );
  }
  if (i.finalState === "stopped") await ensureStopped(ctx, i.instanceId, timeoutSeconds);
  return { ...verdict, rollbackOffered: false };
}

export const bootVerificationKind: StepKind<BootVerificationInputs, BootVerificationOutputs> = {
  token: STEP_TYPES.aws.bootVerification,
  description:
    "Waits for both status checks and looks for a new stop error in the console past the swap's baseline.",
  inputs: {
    ...STEP_INPUT_SPECS,
    instanceId: { type: "string", description: "The rescued instance." },
    swapped: { type: "boolean", description: "Whether the swap ran; false: nothing is verified." },
    swapReason: { type: "string", description: "Why there was no swap." },
    finalState: { type: "string", description: "running or stopped, after the verification." },
    rollbackVolumeId: { type: "string", description: "The volume a rollback would put back." },
    swappedVolumeId: {
      type: "string",
      description: "The root the swap put in; a verdict on another root fails nothing.",
      optional: true,
    },
    consoleBaseline: BASELINE_SPEC,
  },
  outputs: {
    healthy: { type: "boolean", description: "Whether Windows booted cleanly." },
    reason: { type: "string", description: "The verdict in one line." },
    rollbackOffered: { type: "boolean", description: "Whether a rollback was offered." },
    console: {
      type: "string",
      description: "The console text past the baseline the verdict read.",
      secret: true,
    },
  },
  identityKeys: ["instanceId"],
  timeouts: stepTimeouts(
    modeled("aws.instance.start.windows", "aws.instance.statusChecks", "aws.instance.stop.windows"),
  ),
  async create(ctx, i) {
    const { ops, timeout } = opsOf(ctx, i);
    const v = await verifyStep(ops, i, timeout);
    return {
      id: `${i.instanceId}/verify`,
      outs: { ...i, ...v, console: v.console ?? "" },
    };
  },
  async read(_ctx, _id, state) {
    return state;
  },
  async update(ctx, _id, olds, news) {
    // A verdict already reached stands; a swap that ran since the last verdict is verified now.
    if (olds.healthy || !news.swapped) {
      const kept = olds.healthy
        ? olds
        : { ...olds, reason: `no boot to verify: ${news.swapReason}` };
      return {
        ...news,
        healthy: kept.healthy,
        reason: kept.reason,
        rollbackOffered: false,
        console: olds.console ?? "",
      };
    }
    const { ops, timeout } = opsOf(ctx, news);
    const v = await verifyStep(ops, news, timeout);
    return { ...news, ...v, console: v.console ?? "" };
  },
  async delete() {
    // Nothing: verification only reads.
  },
};

/** Watches the console past the swap's baseline until Windows boots or crashes again (Azure: BootVerification). */
export class BootVerification extends StepResource {
  declare readonly healthy: pulumi.Output<boolean>;
  declare readonly reason: pulumi.Output<string>;

  constructor(
    name: string,
    i: InputsOf<BootVerificationInputs>,
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(bootVerificationKind, name, i, opts);
  }
}
