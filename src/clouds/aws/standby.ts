/**
 * The rescue on a standby helper (`vm-rescue:aws:StandbyHelperUse`): a Windows instance a platform
 * stack keeps stopped (`AwsStandbyHelper`) takes the place of the helper the rescue would launch.
 *
 * - create/update: read the instance, refuse one that is terminated, in another availability zone
 *   than the volume under repair, holding a volume besides its root that is not this rescue's, or
 *   claimed by another rescue; claim it (an SSM parameter only one rescue can create:
 *   `standbyClaim.ts`; then the tag `vm-rescue:standby-claim`, for the console); then start it
 *   (pending → running) and wait until its SSM agent is Online. It needs neither the backup
 *   nor the copy, so it starts beside the snapshot and the copy; the volume is attached to the
 *   running helper afterwards (`ec2.VolumeAttachment`).
 * - delete (the teardown, after the swap has taken the repaired volume): stop it (running →
 *   stopping → stopped), detach this rescue's volumes and remove its claim (the tag, then the
 *   parameter: the claim goes last), then leave it: stopped
 *   with nothing attached, as it was found. Another rescue's volume or claim on it is refused,
 *   changing nothing. The instance is never terminated (it belongs to the
 *   platform stack), and no volume is deleted (they belong to the rescue). AWS's own rescue
 *   runbook likewise stops its helper before it detaches the volume (AWSSupport-StartEC2RescueWorkflow).
 */
import * as pulumi from "@pulumi/pulumi";
import {
  CreateTagsCommand,
  DeleteTagsCommand,
  DescribeInstancesCommand,
} from "@aws-sdk/client-ec2";
import { RELEASE_MARGIN_MS, type StepKind } from "../../steps/contract";
import { StepResource, type InputsOf } from "../../steps/resource";
import { STEP_TYPES } from "../../vocabulary/tokens";
import { ID_TAG, STANDBY_CLAIM_TAG } from "../../vocabulary/tags";
import {
  describeVolume,
  ensureDetached,
  ensureRunning,
  ensureStopped,
  errorCode,
  RescueStepError,
  within,
  type OpsContext,
} from "./operations";
import { waitSsmOnline } from "./scripts";
import { claimedBy, claimHolder, releaseClaim, takeClaim, type ClaimFound } from "./standbyClaim";
import { modeled, opsOf, STEP_INPUT_SPECS, type StepInputs } from "./stepKit";

export interface StandbyUseInputs extends StepInputs {
  instanceId: string;
  /** The availability zone of the volume under repair: the helper must be in it. */
  availabilityZone: string;
  /** The rescue: a volume tagged with its id (the copy) may already be on the helper. */
  rescueId: string;
  /** Volumes of this rescue known at plan time (the original root in inPlace mode). */
  rescueVolumeIds: string[];
}

export interface StandbyUseOutputs extends StandbyUseInputs {
  /** The instance state after the step. */
  state: string;
  /** The volumes besides its root that it holds after the step. */
  attachedVolumeIds: string[];
}

/** What the rescue reads of a standby helper. */
export interface StandbyInstance {
  state: string;
  availabilityZone: string | null;
  /** Its volumes besides the root. */
  volumeIds: string[];
  /** The rescue that claimed it (`vm-rescue:standby-claim`), or null. */
  claim: string | null;
}

/** The standby helper as EC2 describes it; null when it does not exist. */
export async function describeStandby(
  ctx: OpsContext,
  instanceId: string,
): Promise<StandbyInstance | null> {
  let out;
  try {
    out = await ctx.ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
  } catch (e) {
    if (errorCode(e) === "InvalidInstanceID.NotFound") return null;
    throw e;
  }
  const i = out?.Reservations?.[0]?.Instances?.[0];
  if (!i) return null;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the EC2 answer as the SDK returns it
  const devices: any[] = i.BlockDeviceMappings ?? [];
  return {
    state: i.State?.Name ?? "unknown",
    availabilityZone: i.Placement?.AvailabilityZone ?? null,
    volumeIds: devices
      .filter((d) => d.DeviceName !== i.RootDeviceName && d.Ebs?.VolumeId)
      .map((d) => String(d.Ebs.VolumeId)),
    claim: (i.Tags ?? []).find((t: { Key?: string }) => t.Key === STANDBY_CLAIM_TAG)?.Value || null,
  };
}

/** The volumes besides its root the helper holds that are not this rescue's. */
async function othersOn(
  ctx: OpsContext,
  h: StandbyInstance,
  i: Pick<StandbyUseInputs, "rescueId" | "rescueVolumeIds">,
): Promise<string[]> {
  const others: string[] = [];
  for (const id of h.volumeIds) {
    if (i.rescueVolumeIds.includes(id)) continue;
    const tags = (await describeVolume(ctx, id)).tags;
    if (tags[ID_TAG] !== i.rescueId) others.push(id);
  }
  return others;
}

/**
 * Another rescue's claim on the helper (its parameter `holder`, or its tag), or null.
 */
function otherClaim(
  h: StandbyInstance,
  holder: string | null,
  rescueId: string,
): ClaimFound | null {
  const byParameter = holder !== null && holder !== rescueId;
  const byTag = h.claim !== null && h.claim !== rescueId;
  if (!byParameter && !byTag) return null;
  return { rescue: (byParameter ? holder : h.claim)!, parameter: byParameter, tag: byTag };
}

/** Why this instance cannot serve the rescue (`holder`: its claim parameter's), or null. */
export async function standbyMisfit(
  ctx: OpsContext,
  h: StandbyInstance,
  i: StandbyUseInputs,
  holder: string | null,
): Promise<string | null> {
  const name = `standby helper ${i.instanceId}`;
  if (["terminated", "shutting-down"].includes(h.state))
    return `${name} is ${h.state}: give a standby helper that exists`;
  if (h.availabilityZone !== i.availabilityZone)
    return `${name} is in ${h.availabilityZone ?? "an unknown zone"}, the volume under repair in ${i.availabilityZone}: an EBS volume attaches only within its availability zone`;
  const claimed = otherClaim(h, holder, i.rescueId);
  if (claimed) return claimedBy(i.instanceId, claimed);
  const others = await othersOn(ctx, h, i);
  if (others.length > 0)
    return `${name} is in use: it holds ${others.join(", ")} besides its root (another rescue?); it must hold nothing else`;
  return null;
}

/** Starts the standby helper (refusing a misfit) and waits for its SSM agent. */
export async function useStandby(
  ctx: OpsContext,
  i: StandbyUseInputs,
  timeoutSeconds: number,
  { creating = false }: { creating?: boolean } = {},
): Promise<Omit<StandbyUseOutputs, keyof StandbyUseInputs>> {
  const h = await describeStandby(ctx, i.instanceId);
  if (!h)
    throw new RescueStepError(
      "standby-helper-misfit",
      `standby helper ${i.instanceId} was not found: give standbyHelperId of an instance that exists`,
    );
  const misfit = await standbyMisfit(ctx, h, i, await claimHolder(ctx, i.instanceId));
  if (misfit) throw new RescueStepError("standby-helper-misfit", misfit);
  // Of rescues that claim it at once, exactly one creates the parameter; the others stop here.
  const holder = await takeClaim(ctx, i.instanceId, i.rescueId);
  if (holder !== i.rescueId)
    throw new RescueStepError(
      "standby-helper-misfit",
      claimedBy(i.instanceId, { rescue: holder, parameter: true, tag: false }),
    );
  try {
    if (h.claim !== i.rescueId)
      await ctx.ec2.send(
        new CreateTagsCommand({
          Resources: [i.instanceId],
          Tags: [{ Key: STANDBY_CLAIM_TAG, Value: i.rescueId }],
        }),
      );
    // A create's waits give up a minute before the step's deadline: at the deadline the engine
    // aborts every call, and the release of the claim below could not run.
    const waits =
      creating && ctx.deadline !== undefined
        ? { ...ctx, deadline: ctx.deadline - RELEASE_MARGIN_MS }
        : ctx;
    await ensureRunning(waits, i.instanceId, within(waits, timeoutSeconds));
    await waitSsmOnline(waits, i.instanceId, within(waits, timeoutSeconds));
  } catch (e) {
    // A failed create leaves no resource, so no `pulumi destroy` would remove the claim: it goes
    // now (the tag, then the parameter), and other rescues may take the helper. A failed update
    // keeps it: the resource stays, and its delete removes the claim. A failure of this release
    // (the step's deadline passed, it was cancelled) leaves the claim; the step's own error is
    // what is reported.
    if (creating) await dropClaim(ctx, i.instanceId, i.rescueId).catch(() => undefined);
    throw e;
  }
  const now = await describeStandby(ctx, i.instanceId);
  return { state: now?.state ?? "unknown", attachedVolumeIds: now?.volumeIds ?? [] };
}

/** Removes this rescue's claim tag, then its claim parameter (the claim goes last). */
async function dropClaim(ctx: OpsContext, instanceId: string, rescueId: string): Promise<void> {
  if ((await describeStandby(ctx, instanceId))?.claim === rescueId)
    await ctx.ec2.send(
      // With its value: EC2 deletes the tag only while it is still this rescue's.
      new DeleteTagsCommand({
        Resources: [instanceId],
        Tags: [{ Key: STANDBY_CLAIM_TAG, Value: rescueId }],
      }),
    );
  await releaseClaim(ctx, instanceId, rescueId);
}

/**
 * Stops the standby helper and detaches this rescue's volumes from it; nothing when it is gone.
 * Never terminates it. A helper that holds another rescue's volume (taken meanwhile) is refused,
 * changing nothing: stopping it would cut that rescue off; the teardown is run again later.
 */
export async function returnStandby(
  ctx: OpsContext,
  i: Pick<StandbyUseInputs, "instanceId" | "rescueId" | "rescueVolumeIds">,
  timeoutSeconds: number,
): Promise<void> {
  const instanceId = i.instanceId;
  const h = await describeStandby(ctx, instanceId);
  if (!h || h.state === "terminated" || h.state === "shutting-down")
    return releaseClaim(ctx, instanceId, i.rescueId);
  const others = await othersOn(ctx, h, i);
  const holder = await claimHolder(ctx, instanceId);
  const claimer = otherClaim(h, holder, i.rescueId)?.rescue;
  if (others.length > 0 || claimer)
    throw new RescueStepError(
      "standby-helper-in-use",
      `standby helper ${instanceId} ${claimer ? `is claimed by rescue ${claimer}` : `also holds ${others.join(", ")} (another rescue?)`}: nothing was stopped or detached; run the teardown again once that rescue has ended`,
    );
  if (h.state !== "stopped") await ensureStopped(ctx, instanceId, timeoutSeconds);
  for (const v of h.volumeIds) await ensureDetached(ctx, v, instanceId, timeoutSeconds);
  await dropClaim(ctx, instanceId, i.rescueId);
}

const S = (description: string) => ({ type: "string", description }) as const;

export const standbyUseKind: StepKind<StandbyUseInputs, StandbyUseOutputs> = {
  token: STEP_TYPES.aws.standbyUse,
  description:
    "Claims a standby helper instance (SSM parameter /vm-rescue/standby-claims/<instance>, which only one rescue can create, and tag vm-rescue:standby-claim), starts it and waits for its SSM agent (the volume is attached to it afterwards); at teardown stops it, detaches this rescue's volumes and removes the claim (refused while another rescue holds or claims it).",
  inputs: {
    ...STEP_INPUT_SPECS,
    instanceId: S("The standby helper instance (i-…)."),
    availabilityZone: S("The availability zone of the volume under repair: the helper's."),
    rescueId: S("The rescue: volumes tagged with it may be on the helper."),
    rescueVolumeIds: {
      type: "array",
      items: S("A volume id."),
      description: "Volumes of this rescue known at plan time that may be on the helper.",
    },
  },
  outputs: {
    state: S("The helper's state after the step."),
    attachedVolumeIds: {
      type: "array",
      items: S("A volume id."),
      description: "The volumes besides its root the helper holds after the step.",
    },
  },
  identityKeys: ["instanceId", "rescueId"],
  deleteBeforeReplace: true,
  timeouts: {
    create: modeled("aws.instance.start.windows", "aws.ssm.managedReady"),
    update: modeled("aws.instance.start.windows", "aws.ssm.managedReady"),
    read: modeled("aws.ssm.command.overhead"),
    delete: modeled("aws.instance.stop.windows", "aws.volume.detach"),
  },
  async create(ctx, i) {
    const { ops, timeout } = opsOf(ctx, i);
    const outs = await useStandby(ops, i, timeout, { creating: true });
    return { id: `${i.instanceId}/standby-use/${i.rescueId}`, outs: { ...i, ...outs } };
  },
  async update(ctx, _id, _olds, news) {
    const { ops, timeout } = opsOf(ctx, news);
    return { ...news, ...(await useStandby(ops, news, timeout)) };
  },
  async read(ctx, _id, state) {
    const { ops } = opsOf(ctx, state);
    const h = await describeStandby(ops, state.instanceId);
    return h ? { ...state, state: h.state, attachedVolumeIds: h.volumeIds } : null;
  },
  async delete(ctx, _id, state) {
    const { ops, timeout } = opsOf(ctx, state);
    await returnStandby(ops, state, timeout);
  },
};

/** A standby helper started for this rescue. Type `vm-rescue:aws:StandbyHelperUse`. */
export class StandbyHelperUse extends StepResource {
  declare readonly instanceId: pulumi.Output<string>;
  declare readonly state: pulumi.Output<string>;
  declare readonly attachedVolumeIds: pulumi.Output<string[]>;

  constructor(name: string, args: InputsOf<StandbyUseInputs>, opts?: pulumi.CustomResourceOptions) {
    super(standbyUseKind, name, args, opts);
  }
}
