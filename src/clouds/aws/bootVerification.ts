/**
 * `BootVerification` on AWS: after the swap, waits (up to a timeout) for both status checks to pass
 * with no new stop error in the console output past the swap's baseline; a re-crash fails the step
 * and names the rollback. Reads only, apart from stopping an instance that was stopped before.
 */
import * as pulumi from "@pulumi/pulumi";
import { DescribeInstanceStatusCommand, GetConsoleOutputCommand } from "@aws-sdk/client-ec2";
import { newSerialText, serialBaseline, type SerialBaseline } from "../../swap/serialLog";
import { ensureStopped, OpsContext, RescueStepError, waitFor, ContextFactory } from "./operations";
import { InputsOf, stepArgs, StepResource, StepInputs, stepProvider } from "./dynamic";

/** What the console of a Windows instance shows after a stop error. */
const BUGCHECK_TEXT = /\bbug ?check\b|\bSTOP:? ?0x[0-9a-f]{8}|stop code/i;

export interface BootVerdict {
  healthy: boolean;
  reason: string;
}

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
        const bug = BUGCHECK_TEXT.exec(text);
        if (bug)
          return { healthy: false, reason: `the console shows a stop error again (${bug[0]})` };
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
          };
        if (inst === "impaired")
          return {
            healthy: false,
            reason: `the instance status check failed (${last}): Windows did not come up`,
          };
        return undefined;
      },
    );
  } catch (e) {
    if (e instanceof RescueStepError && e.code === "verify-timeout")
      return { healthy: false, reason: e.message };
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
  i: BootVerificationInputs,
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

export const bootVerificationProvider = (f?: ContextFactory) =>
  stepProvider(verifyStep, (i) => `${i.instanceId}/verify`, f);

/** Watches the console past the swap's baseline until Windows boots or crashes again (Azure: BootVerification). */
export class BootVerification extends StepResource {
  declare readonly healthy: pulumi.Output<boolean>;
  declare readonly reason: pulumi.Output<string>;

  constructor(
    name: string,
    i: InputsOf<BootVerificationInputs>,
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(
      ...stepArgs(
        "bootVerification",
        bootVerificationProvider(),
        name,
        i,
        ["healthy", "reason"],
        opts,
      ),
    );
  }
}
