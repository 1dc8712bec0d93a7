/**
 * A rescue's claim on a standby helper: the SSM parameter `/vm-rescue/standby-claims/<instance>`
 * holding the rescue id. Parameter Store creates a parameter only when there is none of that name
 * (PutParameter without Overwrite; "The parameter already exists. You can't create duplicate
 * parameters."), so of rescues that claim one helper at once exactly one gets it: the compare-
 * and-set a tag cannot give (a tag is overwritten by whoever writes last). The claim is taken
 * before the helper is started and removed last at teardown, or at once when the start fails; a
 * rescue that runs again finds its own claim and goes on. The tag `vm-rescue:standby-claim`
 * follows the parameter, for the console.
 */
import {
  DeleteParameterCommand,
  GetParameterCommand,
  PutParameterCommand,
} from "@aws-sdk/client-ssm";
import { STANDBY_CLAIM_TAG } from "../../vocabulary/tags";
import { errorCode, RescueStepError, type OpsContext } from "./operations";

/** The claim parameter's name for a standby helper. */
export const claimParameter = (instanceId: string) => `/vm-rescue/standby-claims/${instanceId}`;

/** The rescue whose claim parameter is there, or null. */
export async function claimHolder(ctx: OpsContext, instanceId: string): Promise<string | null> {
  try {
    const out = await ctx.ssm.send(new GetParameterCommand({ Name: claimParameter(instanceId) }));
    return (out as { Parameter?: { Value?: string } })?.Parameter?.Value ?? null;
  } catch (e) {
    if (errorCode(e) === "ParameterNotFound") return null;
    throw e;
  }
}

/**
 * Errors of a PutParameter that lost to another one: the parameter exists, or SSM was writing it
 * for another caller at that moment (TooManyUpdates, which the SDK does not retry).
 */
const LOST = ["ParameterAlreadyExists", "TooManyUpdates"];

/**
 * Claims the helper for `rescueId` unless another rescue holds it; returns the holder after the
 * call: `rescueId` when this rescue has the claim (new, or its own from an earlier run).
 */
export async function takeClaim(
  ctx: OpsContext,
  instanceId: string,
  rescueId: string,
): Promise<string> {
  for (let tries = 1; ; tries++) {
    try {
      await ctx.ssm.send(
        new PutParameterCommand({
          Name: claimParameter(instanceId),
          Value: rescueId,
          Type: "String",
          Overwrite: false,
          Description: `vm-rescue: the rescue using standby helper ${instanceId}`,
        }),
      );
      return rescueId;
    } catch (e) {
      if (!LOST.includes(errorCode(e))) throw e;
      // SSM may still be writing the other call's parameter: read it after a pause.
      if (errorCode(e) === "TooManyUpdates") await ctx.sleep(ctx.pollMs);
      const holder = await claimHolder(ctx, instanceId);
      if (holder !== null) return holder;
      // Gone again between the two calls (its holder ended): one more try, then stop.
      if (tries >= 2)
        throw new RescueStepError(
          "standby-helper-misfit",
          `standby helper ${instanceId}: its claim ${claimParameter(instanceId)} kept changing while this rescue claimed it (another rescue?): nothing was started; run it again`,
        );
    }
  }
}

/** Removes this rescue's claim parameter (nothing when it holds none). */
export async function releaseClaim(
  ctx: OpsContext,
  instanceId: string,
  rescueId: string,
): Promise<void> {
  if ((await claimHolder(ctx, instanceId)) !== rescueId) return;
  try {
    await ctx.ssm.send(new DeleteParameterCommand({ Name: claimParameter(instanceId) }));
  } catch (e) {
    if (errorCode(e) !== "ParameterNotFound") throw e;
  }
}

/** Where another rescue's claim was found: the parameter, the tag, or both. */
export interface ClaimFound {
  rescue: string;
  parameter: boolean;
  tag: boolean;
}

/** The refusal of a helper another rescue has claimed, with the commands that clear what is there. */
export function claimedBy(instanceId: string, found: ClaimFound): string {
  const where = [
    found.parameter ? `SSM parameter ${claimParameter(instanceId)}` : null,
    found.tag ? `tag ${STANDBY_CLAIM_TAG}` : null,
  ].filter(Boolean);
  const clear = [
    found.parameter ? `aws ssm delete-parameter --name ${claimParameter(instanceId)}` : null,
    found.tag
      ? `aws ec2 delete-tags --resources ${instanceId} --tags Key=${STANDBY_CLAIM_TAG},Value=${found.rescue}`
      : null,
  ].filter(Boolean);
  return `standby helper ${instanceId} is claimed by rescue ${found.rescue} (${where.join(", ")}): another rescue uses it; once that rescue has ended and the claim is still there, remove it (${clear.join("; ")})`;
}
