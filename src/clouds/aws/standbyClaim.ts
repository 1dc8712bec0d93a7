/**
 * A rescue's claim on a standby helper: the SSM parameter `/vm-rescue/standby-claims/<instance>`
 * holding the rescue id. Parameter Store creates a parameter only when there is none of that name
 * (PutParameter without Overwrite; "The parameter already exists. You can't create duplicate
 * parameters."), so of rescues that claim one helper at once exactly one gets it: the compare-
 * and-set a tag cannot give (a tag is overwritten by whoever writes last). The claim is taken
 * before the helper is started and removed last at teardown; a rescue that runs again finds its
 * own claim and goes on. The tag `vm-rescue:standby-claim` stays as what the console shows.
 */
import {
  DeleteParameterCommand,
  GetParameterCommand,
  PutParameterCommand,
} from "@aws-sdk/client-ssm";
import { STANDBY_CLAIM_TAG } from "../../vocabulary/tags";
import { errorCode, type OpsContext } from "./operations";

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
 * Claims the helper for `rescueId` unless another rescue holds it; returns the holder after the
 * call: `rescueId` when this rescue has the claim (new or its own from an earlier run).
 */
export async function takeClaim(
  ctx: OpsContext,
  instanceId: string,
  rescueId: string,
): Promise<string> {
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
    if (errorCode(e) !== "ParameterAlreadyExists") throw e;
    // Removed between the two calls: its holder has ended; this rescue did not get it either.
    return (await claimHolder(ctx, instanceId)) ?? "(a claim removed meanwhile: run it again)";
  }
}

/** Removes this rescue's claim (nothing when it holds none). */
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

/** The refusal of a helper another rescue has claimed. */
export const claimedBy = (instanceId: string, rescue: string) =>
  `standby helper ${instanceId} is claimed by rescue ${rescue} (SSM parameter ${claimParameter(instanceId)}, tag ${STANDBY_CLAIM_TAG}): another rescue uses it; once that rescue has ended and the claim is still there, remove it (aws ssm delete-parameter --name ${claimParameter(instanceId)})`;
