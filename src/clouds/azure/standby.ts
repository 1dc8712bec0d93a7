/**
 * The rescue on a standby helper (`vm-rescue:azure:StandbyHelperUse`): a helper VM a platform stack
 * keeps deallocated (`StandbyHelper`) takes the place of the helper the rescue would create.
 *
 * - create/update: read the helper, refuse one that is not in the VM's region and zone or has no
 *   system-assigned identity (the Run Commands write their output blobs with it) or holds another
 *   disk or another rescue's claim (another rescue uses it); claim it (the tag
 *   `vm-rescue:standby-claim`, written with If-Match on the ETag read: of rescues that claim it
 *   at once, exactly one write succeeds, the others find it changed, read it again and stop at
 *   the claim), then start it. It needs neither the backup nor the copy, so it
 *   boots in parallel with the snapshot and the copy; the copy is attached to the running helper
 *   afterwards (`DataDiskAttach`, attach.ts). Each action only when still missing.
 * - delete (the teardown): detach the copy if it is still there (the swap has usually taken it)
 *   and deallocate it, then remove the claim: it is left as it was found, stopped with nothing
 *   attached. A helper that holds another disk or another rescue's claim is refused, changing
 *   nothing. Nothing is deleted: the
 *   helper belongs to the platform stack, the disks to the rescue.
 */
import * as pulumi from "@pulumi/pulumi";
import { RELEASE_MARGIN_MS, type StepContext, type StepKind } from "../../steps/contract";
import { StepResource, type InputsOf } from "../../steps/resource";
import { STEP_TYPES } from "../../vocabulary/tokens";
import { PlanError } from "../../vocabulary/errors";
import { STANDBY_CLAIM_TAG } from "../../vocabulary/tags";
import { sameId, step } from "./operations";
import { bounded } from "./runtime";
import { isNotFound } from "./specs";
import { allowedSeconds } from "./timeouts";
import { standbyOpsFor, type StandbyOps, type StandbyVm } from "./standbyOps";

export interface StandbyUseInputs {
  subscriptionId: string;
  helperResourceGroupName: string;
  helperVmName: string;
  /** The ARM id the OS-disk copy will have (named by the plan; it need not exist yet). */
  copyDiskId: string;
  /** The broken VM's region and zone ("" for none): the helper must be there. */
  location: string;
  zone: string;
  rescueId: string;
}

export interface StandbyUseOutputs extends StandbyUseInputs {
  helperId: string;
  principalId: string;
  powerState: string;
  dataDiskIds: string[];
}

/** Builds the calls of one step; tests replace it. */
export type StandbyOpsFor = (ctx: StepContext, subscriptionId: string) => StandbyOps;

const region = (l: string | null) => (l ?? "").toLowerCase().replace(/\s+/g, "");

/** Why this helper cannot serve the rescue, or null. */
export function standbyMisfit(vm: StandbyVm, i: StandbyUseInputs): string | null {
  const name = `standby helper ${i.helperVmName}`;
  if (region(vm.location) !== region(i.location))
    return `${name} is in ${vm.location ?? "an unknown region"}, the VM in ${i.location}: a disk attaches only within its region`;
  if ((vm.zone ?? "") !== (i.zone ?? ""))
    return `${name} is in ${vm.zone ? `zone ${vm.zone}` : "no zone"}, the VM in ${i.zone ? `zone ${i.zone}` : "no zone"}`;
  if (!vm.principalId)
    return `${name} has no system-assigned managed identity: the collect and repair Run Commands write their output with it`;
  if (vm.claim !== null && vm.claim !== i.rescueId)
    return `${name} is claimed by rescue ${vm.claim} (tag ${STANDBY_CLAIM_TAG}): another rescue uses it; once that rescue has ended and the tag is still there, remove it (az tag update --resource-id ${vm.id} --operation Delete --tags ${STANDBY_CLAIM_TAG}=${vm.claim})`;
  const others = vm.dataDiskIds.filter((d) => !sameId(d, i.copyDiskId));
  if (others.length > 0)
    return `${name} is in use: it holds ${others.join(", ")} (another rescue?); it must have no data disk`;
  return null;
}

/** How many times a claim is written to a helper that changed between the read and the write. */
const CLAIM_TRIES = 3;
const isPreconditionFailed = (e: unknown) => (e as { statusCode?: number })?.statusCode === 412;

/**
 * Writes the claim tag (null: removes it) against the read `vm`, with If-Match on its ETag: true
 * when written, false when the helper changed since that read (412). Without an ETag there is no
 * safe write (it would be last-writer-wins): refused.
 */
async function claimWrite(
  ops: StandbyOps,
  rg: string,
  name: string,
  claim: string | null,
  vm: StandbyVm,
): Promise<boolean> {
  if (vm.etag === null)
    throw new PlanError(
      "standby-helper-misfit",
      `Azure returned no ETag for standby helper ${name}: its claim cannot be written safely (a write without If-Match is last-writer-wins); nothing was changed`,
    );
  return step(`${claim ? "claiming" : "removing the claim on"} standby helper ${name}`, () =>
    ops.setClaim(rg, name, claim, vm).then(
      () => true,
      (e) => (isPreconditionFailed(e) ? false : Promise.reject(e)),
    ),
  );
}

const changedWhile = (name: string, tries: number, doing: string, then: string) =>
  `standby helper ${name} changed ${tries} times while this rescue ${doing} (another rescue?): ${then}; run it again`;

/** Removes this rescue's claim from a fresh read (nothing when the helper is gone or not its). */
async function releaseClaim(ops: StandbyOps, rg: string, name: string, rescueId: string) {
  for (let tries = 1; ; tries++) {
    const vm = await step(`reading standby helper ${name}`, () =>
      ops.describe(rg, name).catch((e) => (isNotFound(e) ? null : Promise.reject(e))),
    );
    if (!vm || vm.claim !== rescueId) return;
    if (await claimWrite(ops, rg, name, null, vm)) return;
    if (tries >= CLAIM_TRIES)
      throw new PlanError(
        "standby-helper-in-use",
        changedWhile(name, tries, "removed its claim", "its claim is still there"),
      );
  }
}

/**
 * Claims and starts the helper. `startOps` (a create's) bound the start to a minute before the
 * step's deadline: at the deadline the engine aborts every call, and the claim's release on a
 * failed start could not run.
 */
async function useStandby(
  ops: StandbyOps,
  i: StandbyUseInputs,
  { creating = false, startOps = ops }: { creating?: boolean; startOps?: StandbyOps } = {},
): Promise<StandbyUseOutputs> {
  const rg = i.helperResourceGroupName;
  const name = i.helperVmName;
  const read = () => step(`reading standby helper ${name}`, () => ops.describe(rg, name));
  let vm = await read();
  // Checked and claimed against one read: the write fails if the helper changed since (If-Match);
  // then it is read and looked at again.
  for (let tries = 1; ; tries++) {
    const misfit = standbyMisfit(vm, i);
    if (misfit) throw new PlanError("standby-helper-misfit", misfit);
    if (vm.claim === i.rescueId || (await claimWrite(ops, rg, name, i.rescueId, vm))) break;
    if (tries >= CLAIM_TRIES)
      throw new PlanError(
        "standby-helper-misfit",
        changedWhile(name, tries, "claimed it", "nothing was started"),
      );
    vm = await read();
  }
  try {
    if (vm.powerState !== "running")
      await step(`starting standby helper ${name}`, () => startOps.start(rg, name));
  } catch (e) {
    // A failed create leaves no resource, so no `pulumi destroy` would remove the claim: it goes
    // now. A failed update keeps it: the resource stays, and its delete removes the claim. A
    // failure of this release (the step's deadline passed, it was cancelled) leaves the claim;
    // the start's own error is what is reported.
    if (creating) await releaseClaim(ops, rg, name, i.rescueId).catch(() => undefined);
    throw e;
  }
  const now = await read();
  return {
    ...i,
    helperId: now.id,
    principalId: now.principalId ?? "",
    powerState: now.powerState ?? "unknown",
    dataDiskIds: now.dataDiskIds,
  };
}

/**
 * Detaches this rescue's copy from the helper and deallocates it; nothing when it is gone. A helper
 * that holds another disk (another rescue took it meanwhile) is refused, changing nothing: that
 * rescue's work is not cut off; the teardown is run again once it has ended.
 */
export async function returnStandby(
  ops: StandbyOps,
  rg: string,
  name: string,
  copyDiskId: string,
  rescueId: string,
): Promise<void> {
  const vm = await ops.describe(rg, name).catch((e) => {
    if (isNotFound(e)) return null;
    throw e;
  });
  if (!vm) return;
  const others = vm.dataDiskIds.filter((d) => !sameId(d, copyDiskId));
  const claimed = vm.claim !== null && vm.claim !== rescueId;
  if (others.length > 0 || claimed)
    throw new PlanError(
      "standby-helper-in-use",
      `standby helper ${name} ${claimed ? `is claimed by rescue ${vm.claim}` : `also holds ${others.join(", ")} (another rescue?)`}: nothing was detached or deallocated; run the teardown again once that rescue has ended`,
    );
  for (const d of vm.dataDiskIds)
    await step(`detaching ${d} from standby helper ${name}`, () => ops.detachDataDisk(rg, name, d));
  if (vm.powerState !== "deallocated")
    await step(`deallocating standby helper ${name}`, () => ops.deallocate(rg, name));
  // The claim goes last, from a fresh read (the detach changed the ETag).
  if (vm.claim === rescueId) await releaseClaim(ops, rg, name, rescueId);
}

const S = (description: string) => ({ type: "string", description }) as const;

/** The step kind; `opsFor` is replaced in tests. */
export function standbyUseKind(
  opsFor: StandbyOpsFor = standbyOpsFor,
): StepKind<StandbyUseInputs, StandbyUseOutputs> {
  const token = STEP_TYPES.azure.standbyUse;
  const ops = (ctx: StepContext, sub: string): StandbyOps => {
    const o = opsFor(ctx, sub);
    const b =
      <A extends unknown[], R>(f: (...a: A) => Promise<R>) =>
      (...a: A) =>
        bounded(ctx, token, () => f(...a));
    return {
      describe: b(o.describe.bind(o)),
      detachDataDisk: b(o.detachDataDisk.bind(o)),
      start: b(o.start.bind(o)),
      deallocate: b(o.deallocate.bind(o)),
      setClaim: b(o.setClaim.bind(o)),
    };
  };
  const start = allowedSeconds("azure.vm.start.windows");
  const back = allowedSeconds("azure.vm.detachDataDisk", "azure.vm.deallocate");
  const read = allowedSeconds("azure.nic.create");
  return {
    token,
    description:
      "Claims a standby helper VM (tag vm-rescue:standby-claim, written with If-Match on its ETag) and starts it (the copy is attached to it afterwards); at teardown detaches the copy, deallocates it and removes the claim (refused while it holds another rescue's disk or claim).",
    inputs: {
      subscriptionId: S("The subscription of the VM and the helper."),
      helperResourceGroupName: S("The standby helper's resource group."),
      helperVmName: S("The standby helper VM."),
      copyDiskId: S("The ARM id of the OS-disk copy it works on: the only data disk it may hold."),
      location: S("The broken VM's region: the helper must be in it."),
      zone: S('The broken VM\'s availability zone ("" for none): the helper must be in it.'),
      rescueId: S("The rescue."),
    },
    outputs: {
      helperId: S("The helper VM's ARM id."),
      principalId: S("The principal of its system-assigned identity."),
      powerState: S("Its power state after the step."),
      dataDiskIds: {
        type: "array",
        items: S("A disk id."),
        description: "The data disks it holds after the step.",
      },
    },
    identityKeys: ["subscriptionId", "helperResourceGroupName", "helperVmName", "copyDiskId"],
    deleteBeforeReplace: true,
    timeouts: { create: start, update: start, read, delete: back },
    async create(ctx, i) {
      const early = { ...ctx, deadline: ctx.deadline - RELEASE_MARGIN_MS };
      const outs = await useStandby(ops(ctx, i.subscriptionId), i, {
        creating: true,
        startOps: ops(early, i.subscriptionId),
      });
      return { id: `${outs.helperId}/standby-use/${i.rescueId}`, outs };
    },
    update: (ctx, _id, _olds, news) => useStandby(ops(ctx, news.subscriptionId), news),
    async read(ctx, _id, state) {
      const vm = await ops(ctx, state.subscriptionId)
        .describe(state.helperResourceGroupName, state.helperVmName)
        .catch((e) => {
          if (isNotFound(e)) return null;
          throw e;
        });
      if (!vm) return null;
      return { ...state, powerState: vm.powerState ?? "unknown", dataDiskIds: vm.dataDiskIds };
    },
    delete: (ctx, _id, state) =>
      returnStandby(
        ops(ctx, state.subscriptionId),
        state.helperResourceGroupName,
        state.helperVmName,
        state.copyDiskId,
        state.rescueId,
      ),
  };
}

export const StandbyUseKind = standbyUseKind();

/** A standby helper started for this rescue (the copy is attached by `DataDiskAttach`). Type `vm-rescue:azure:StandbyHelperUse`. */
export class StandbyHelperUse extends StepResource {
  declare readonly helperId: pulumi.Output<string>;
  declare readonly helperVmName: pulumi.Output<string>;
  declare readonly helperResourceGroupName: pulumi.Output<string>;
  declare readonly principalId: pulumi.Output<string>;
  declare readonly powerState: pulumi.Output<string>;
  declare readonly dataDiskIds: pulumi.Output<string[]>;

  constructor(name: string, args: InputsOf<StandbyUseInputs>, opts?: pulumi.CustomResourceOptions) {
    super(StandbyUseKind, name, args, opts);
  }
}
