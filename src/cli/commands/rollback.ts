/**
 * `vm-rescue rollback`: puts the original OS disk (Azure) or root volume (AWS) back, directly
 * against the cloud — no stack and no Pulumi CLI needed, so it also works after `vm-rescue rescue`
 * tore its stack down. It runs the same step the stack's rollback resource runs
 * (`runOsDiskRollback`, `rollbackStep`; AWS inPlace: `volumeFromSnapshotStep` first), then
 * verifies the boot past the console baseline the rollback recorded. `--via-stack` keeps the older
 * path: `rollback=true` on the incident's stack, then `pulumi up`.
 */
import { execFileSync } from "node:child_process";
import type { Command } from "commander";
import { runAction, type CliContext } from "../main";
import { ExitCode, UsageError } from "../../vocabulary/exitCodes";
import { SETTINGS } from "../../engine/settings";
import { TimelineRecorder } from "../../engine/timeline";
import { firstLine } from "../../engine/automation";
import { confirmOrRefuse, defaultDeps, progress, RescueDeps, targetOf } from "./rescue";
import {
  AzureComputeOps,
  armComputeOps,
  Clock,
  diskRef,
  realClock,
  sameId,
  step,
} from "../../clouds/azure/operations";
import { runOsDiskRollback } from "../../clouds/azure/rollback";
import { runBootVerification } from "../../clouds/azure/bootVerification";
import { copyOfFromTags } from "../../topology/azure";

import { parseArmId } from "../../describe/azureVm";
import { rescueIdFromStack } from "../../engine/program";
import {
  describeInstance,
  describeVolume,
  findVolumes,
  OpsContext,
  RescueStepError,
  rootDevice,
  sdkContext,
  VolumeView,
} from "../../clouds/aws/operations";
import { findSnapshots, SnapshotView, volumeFromSnapshotStep } from "../../clouds/aws/snapshots";
import { verifyBoot } from "../../clouds/aws/bootVerification";
import { rollbackStep } from "../../clouds/aws/rollback";
import {
  ID_TAG,
  SOURCE_TAG,
  ROLE_TAG,
  REPAIR_COPY_ROLE,
  COPY_OF_TAG,
  MODE_TAG,
  BACKUP_ROLE,
  ROLLBACK_FROM_BACKUP_ROLE,
  ORIGINAL_OS_DISK_OF_TAG,
} from "../../vocabulary/tags";

interface RollbackOptions {
  cloud?: string;
  resourceGroup?: string;
  vm?: string;
  subscription?: string;
  originalDisk?: string;
  instanceId?: string;
  region?: string;
  originalVolume?: string;
  stack?: string;
  viaStack?: boolean;
  verifyTimeout?: string;
  yes?: boolean;
  json?: boolean;
}

/** What the direct rollback needs from the outside world; tests replace the fields. */
export interface RollbackDeps {
  azureCompute(subscriptionId: string): AzureComputeOps;
  /** The subscription when --subscription is not given: AZURE_SUBSCRIPTION_ID, else `az account show`; null when neither. */
  azureSubscription(): string | null;
  awsContext(region: string): OpsContext;
  /** The region when --region is not given (AWS_REGION / AWS_DEFAULT_REGION); null when unknown. */
  awsRegion(): string | null;
  clock: Clock;
  /** Asks a yes/no question on the terminal (the rescue command's, unless replaced). */
  confirm(question: string): Promise<boolean>;
}

export const rollbackDeps: RollbackDeps = {
  azureCompute: armComputeOps,
  azureSubscription() {
    if (process.env.AZURE_SUBSCRIPTION_ID) return process.env.AZURE_SUBSCRIPTION_ID;
    try {
      return (
        execFileSync("az", ["account", "show", "--query", "id", "-o", "tsv"], {
          encoding: "utf8",
          stdio: ["ignore", "pipe", "ignore"],
          timeout: 30_000,
        }).trim() || null
      );
    } catch {
      return null;
    }
  },
  awsContext: sdkContext,
  awsRegion: () => process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? null,
  clock: realClock,
  confirm: (question) => defaultDeps.confirm(question),
};

/** Registers `vm-rescue rollback`. */
export function registerRollback(
  program: Command,
  ctx: CliContext,
  deps: RescueDeps = defaultDeps,
): void {
  program
    .command("rollback")
    .description(
      "put the original OS disk / root volume back on the VM, directly (no stack needed), then verify the boot",
    )
    .option("--cloud <cloud>", "azure or aws (default: aws with --instance-id, else azure)")
    .option("--resource-group <rg>", "Azure: resource group of the VM")
    .option("--vm <name>", "Azure: name of the VM")
    .option(
      "--subscription <id>",
      "Azure: subscription of the VM (default AZURE_SUBSCRIPTION_ID, else az account show)",
    )
    .option(
      "--original-disk <id>",
      "Azure: the disk to put back, when the VM's OS disk does not name it (vm-rescue:copy-of)",
    )
    .option("--instance-id <id>", "AWS: instance id (i-...)")
    .option("--region <region>", "AWS: region of the instance (default AWS_REGION)")
    .option(
      "--original-volume <id>",
      "AWS: the volume to put back, when the root volume does not name it (vm-rescue:copy-of) or the rescue's tags do not find it",
    )
    .option(
      "--verify-timeout <minutes>",
      "how long to wait for the VM to boot after the rollback",
      "20",
    )
    .option(
      "--via-stack",
      "instead: config rollback=true on the incident's stack, then pulumi up (needs the stack and the Pulumi CLI)",
    )
    .option(
      "--stack <name>",
      "the incident's stack: with --via-stack the stack to update; else the rescue whose copy is rolled back",
    )
    .option("--yes", "do not ask for confirmation (required without a terminal)")
    .option("--json", "print the result as JSON")
    .action((opts: RollbackOptions) =>
      runAction(ctx, () =>
        opts.viaStack ? rollbackViaStack(ctx, opts, deps) : rollbackDirect(ctx, opts, rollbackDeps),
      ),
    );
}

// ---------------------------------------------------------------------------------------------
// Direct rollback
// ---------------------------------------------------------------------------------------------

/** What a direct rollback did, printed as one line or as JSON. */
export interface RollbackResult {
  cloud: "azure" | "aws";
  target: string;
  /** True when the original is the OS disk / root now (also when it already was). */
  rolledBack: boolean;
  /** False when the original already was in place (nothing was changed). */
  changed: boolean;
  originalId: string;
  /** The repaired copy that was replaced (kept, detached), or null. */
  replacedId: string | null;
  /** True when the VM booted after the rollback; null when nothing was started. */
  booted: boolean | null;
  reasons: string[];
  /** AWS inPlace: the backup snapshot the restored root was made from. */
  fromSnapshot?: string;
  /** AWS inPlace: when that backup was taken (ISO), null when unknown. */
  snapshotTakenAt?: string | null;
  /** AWS inPlace: the volume made from the backup that is the root now. */
  restoredId?: string;
}

const lowerKeys = (t: Record<string, string> | null | undefined) =>
  Object.fromEntries(Object.entries(t ?? {}).map(([k, v]) => [k.toLowerCase(), v]));

/**
 * Which disk goes back, from the VM's OS disk and its tags: a rescue's repaired copy
 * (`vm-rescue:role=repair-copy`) names its original in `vm-rescue:copy-of` (or `-1`/`-2`);
 * `pinned` (--original-disk / --original-volume) names it when the tag is missing and must agree
 * with it otherwise. "already" when the OS disk is the original (pinned, or tagged as a rescue's
 * original). Throws UsageError (nothing was changed). Pure.
 */
export function originalToRestore(
  current: { id: string; tags: Record<string, string> | null },
  o: {
    pinned?: string;
    rescueId?: string;
    what: string;
    vmLabel: string;
    originalFlag: string;
    copyOf: (tags: Record<string, string>) => string | null;
  },
):
  | { kind: "already"; originalId: string }
  | { kind: "restore"; originalId: string; rescueId: string | null } {
  const tags = lowerKeys(current.tags);
  if (o.pinned && sameId(o.pinned, current.id)) return { kind: "already", originalId: current.id };
  const isCopy = tags[ROLE_TAG] === REPAIR_COPY_ROLE;
  if (!isCopy) {
    if (tags[ORIGINAL_OS_DISK_OF_TAG] !== undefined && !o.pinned)
      return { kind: "already", originalId: current.id };
    // Only a rescue's own copy is ever replaced: a pinned original does not make any other disk one.
    throw new UsageError(
      `${o.vmLabel} runs on ${o.what} ${current.id}, which is not a rescue's repaired copy (no ${ROLE_TAG}=${REPAIR_COPY_ROLE} tag); nothing to roll back, nothing was changed`,
    );
  }
  const rescueId = tags[ID_TAG] ?? null;
  if (isCopy && o.rescueId && rescueId && rescueId !== o.rescueId) {
    throw new UsageError(
      `${o.vmLabel} runs on the copy of rescue ${rescueId}, not of ${o.rescueId}; nothing was changed`,
    );
  }
  const tagged = isCopy ? o.copyOf(current.tags ?? {}) : null;
  if (tagged && o.pinned && !sameId(tagged, o.pinned)) {
    throw new UsageError(
      `${o.originalFlag} ${o.pinned} differs from the original the ${o.what} names in its vm-rescue:copy-of tag (${tagged}); nothing was changed`,
    );
  }
  const originalId = tagged ?? o.pinned;
  if (!originalId)
    throw new UsageError(
      `${o.vmLabel} runs on a rescue's repaired copy ${current.id} that does not name its original (no vm-rescue:copy-of tag); give ${o.originalFlag} <id>`,
    );
  return { kind: "restore", originalId, rescueId };
}

function verifyMinutes(text: string | undefined): number {
  const n = Number(text ?? "20");
  if (!Number.isFinite(n) || n <= 0 || n > 240)
    throw new UsageError(
      `--verify-timeout must be minutes between 1 and 240, not ${JSON.stringify(text)}`,
    );
  return n;
}

/** A missing or unusable credential: one line, exit 2 (nothing was done). */
function credentialProblem(e: unknown): string | null {
  const x = e as { name?: string; message?: string };
  const text = `${x?.name ?? ""} ${x?.message ?? String(e)}`;
  if (
    /CredentialUnavailable|AggregateAuthenticationError|DefaultAzureCredential|AuthenticationRequired/i.test(
      text,
    )
  )
    return `no usable Azure credentials (az login, or the AZURE_* variables DefaultAzureCredential reads): ${firstLine(e)}`;
  if (/CredentialsProviderError|Could not load credentials|Region is missing/i.test(text))
    return `no usable AWS credentials or region (aws configure / AWS_PROFILE / AWS_REGION): ${firstLine(e)}`;
  return null;
}

async function rollbackDirect(
  ctx: CliContext,
  opts: RollbackOptions,
  deps: RollbackDeps,
): Promise<number> {
  if (opts.originalDisk !== undefined && opts.cloud === "aws")
    throw new UsageError("--original-disk is for --cloud azure; use --original-volume on aws");
  const target = targetOf(
    {
      cloud: opts.cloud,
      resourceGroup: opts.resourceGroup,
      vm: opts.vm,
      instanceId: opts.instanceId,
      region: opts.region,
    },
    "rollback",
  );
  if (target.cloud === "azure" && opts.originalVolume !== undefined)
    throw new UsageError("rollback: --original-volume is for --cloud aws, not azure");
  if (target.cloud === "aws" && opts.subscription !== undefined)
    throw new UsageError("rollback: --subscription is for --cloud azure, not aws");
  const minutes = verifyMinutes(opts.verifyTimeout);
  if (!opts.yes && !ctx.io.isTty)
    throw new UsageError(
      `refusing to roll back ${target.label} without --yes when not on a terminal`,
    );
  const confirm = async (what: string) => {
    if (!opts.yes && !(await deps.confirm(`This will ${what}. Continue?`)))
      throw new UsageError("not confirmed; nothing was done");
  };
  let result: RollbackResult;
  try {
    result =
      target.cloud === "azure"
        ? await azureRollback(
            ctx,
            deps,
            { resourceGroup: target.resourceGroup, vm: target.vm, label: target.label },
            opts,
            minutes,
            confirm,
          )
        : await awsRollback(
            ctx,
            deps,
            { instanceId: target.instanceId, label: target.label },
            opts,
            minutes,
            confirm,
          );
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const cred = credentialProblem(e);
    if (cred) throw new UsageError(cred);
    ctx.io.err(`vm-rescue: rollback of ${target.label} failed: ${firstLine(e)}`);
    return ExitCode.Failed;
  }
  ctx.io.out(opts.json ? JSON.stringify(result, null, 2) : resultLine(result));
  return result.rolledBack && result.booted !== false ? ExitCode.Ok : ExitCode.Failed;
}

function resultLine(r: RollbackResult): string {
  const disk = r.cloud === "azure" ? "OS disk" : "root volume";
  const taken = r.snapshotTakenAt ? ` (taken ${r.snapshotTakenAt})` : "";
  const fromBackup = r.fromSnapshot
    ? `${r.restoredId}, a volume from the backup ${r.fromSnapshot}${taken} of the original root volume ${r.originalId}`
    : null;
  if (!r.changed)
    return `Nothing to roll back: ${r.target} already runs on ${fromBackup ?? `its original ${disk} ${r.originalId}`}.`;
  const kept = r.replacedId
    ? `; the repaired ${r.fromSnapshot ? "volume" : "copy"} ${r.replacedId} is kept, detached`
    : "";
  const boot = r.booted ? " and it booted" : `, but it did not boot: ${r.reasons.join("; ")}`;
  return fromBackup
    ? `Rolled back ${r.target}: the root is ${fromBackup}${boot}${kept}.`
    : `Rolled back ${r.target}: the original ${disk} ${r.originalId} is back${boot}${kept}.`;
}

async function azureRollback(
  ctx: CliContext,
  deps: RollbackDeps,
  t: { resourceGroup: string; vm: string; label: string },
  opts: RollbackOptions,
  minutes: number,
  confirm: (what: string) => Promise<void>,
): Promise<RollbackResult> {
  if (opts.originalDisk !== undefined) parseArmIdOrUsage(opts.originalDisk, "--original-disk");
  const subscriptionId = opts.subscription ?? deps.azureSubscription();
  if (!subscriptionId)
    throw new UsageError(
      "no Azure subscription: pass --subscription <id>, set AZURE_SUBSCRIPTION_ID, or az login",
    );
  const ops = deps.azureCompute(subscriptionId);
  const vm = await step(`reading VM ${t.vm}`, () => ops.getVmDisks(t.resourceGroup, t.vm));
  if (!vm.osDiskId) throw new UsageError(`${t.label} has no managed OS disk; nothing to roll back`);
  const osDiskId = vm.osDiskId;
  const tags = await step(`reading the tags of the OS disk`, () => ops.getDiskTags(osDiskId));
  const found = originalToRestore(
    { id: osDiskId, tags },
    {
      pinned: opts.originalDisk,
      rescueId: opts.stack ? rescueIdFromStack(opts.stack) : undefined,
      what: "OS disk",
      vmLabel: t.label,
      originalFlag: "--original-disk",
      copyOf: copyOfFromTags,
    },
  );
  const base = { cloud: "azure" as const, target: t.label, originalId: found.originalId };
  if (found.kind === "already")
    return {
      ...base,
      rolledBack: true,
      changed: false,
      replacedId: null,
      booted: null,
      reasons: [],
    };
  const original = await step(`reading the original OS disk`, () =>
    ops.getDiskTags(found.originalId),
  );
  if (original === null)
    throw new UsageError(
      `the original OS disk ${found.originalId} no longer exists; ${t.label} stays on ${osDiskId}`,
    );
  await confirm(
    `deallocate ${t.label}, put its original OS disk ${diskRef(found.originalId).name} back and start it (the repaired copy ${diskRef(osDiskId).name} is kept, detached)`,
  );
  ctx.io.err(`rolling back ${t.label}: ${osDiskId} → ${found.originalId}`);
  const i = {
    subscriptionId,
    resourceGroupName: t.resourceGroup,
    vmName: t.vm,
    originalDiskId: found.originalId,
    copyDiskId: osDiskId,
    rescueId: found.rescueId ?? (opts.stack ? rescueIdFromStack(opts.stack) : "manual"),
  };
  const rolled = await runOsDiskRollback(() => ops, i);
  ctx.io.err(`verifying the boot (up to ${minutes} min)`);
  const v = await runBootVerification(
    () => ops,
    {
      ...i,
      swapped: true,
      osDiskId: found.originalId,
      serialBaseline: rolled.serialBaseline,
      timeoutMinutes: minutes,
    },
    deps.clock,
  );
  const why = v.booted
    ? []
    : [
        v.bugCheck
          ? `a bug check on the serial console: ${v.bugCheck}`
          : `power state ${v.powerState ?? "unknown"}, guest agent ${v.agentStatus ?? "not reporting"} after ${minutes} min`,
      ];
  return {
    ...base,
    rolledBack: true,
    changed: true,
    replacedId: osDiskId,
    booted: v.booted,
    reasons: why,
  };
}

function parseArmIdOrUsage(id: string, flag: string): void {
  try {
    parseArmId(id, flag);
    diskRef(id);
  } catch (e) {
    throw new UsageError(
      `${flag} must be a managed disk id (/subscriptions/…/providers/Microsoft.Compute/disks/<name>): ${firstLine(e)}`,
    );
  }
}

/** What the direct AWS rollback puts back. */
export type AwsRollbackTarget =
  | { kind: "already"; originalId: string; restoredId?: string; fromSnapshot?: string }
  /** Attach this volume (the original, or --original-volume) as the root. */
  | { kind: "reattach"; originalId: string; rescueId: string | null }
  /** inPlace: a volume from the backup snapshot, with the original's settings, becomes the root. */
  | {
      kind: "fromBackup";
      originalId: string;
      snapshotId: string;
      rescueId: string;
      /** When the backup was taken (ISO; "" unknown). */ takenAt: string;
    };

const newestFirst = (a: SnapshotView, b: SnapshotView) => b.startTime.localeCompare(a.startTime);

/**
 * Which volume goes back, from the instance's root volume (null: nothing attached at its root
 * device) and what the rescues tagged. Pure; throws UsageError (nothing was changed).
 *
 * - Root is a rescue's copy (vm-rescue:role=repair-copy): its vm-rescue:copy-of original (see
 *   {@link originalToRestore}; --original-volume when the tag is missing).
 * - Root is a volume from a backup (role=rollback-from-backup): already rolled back.
 * - Root is the source of a backup snapshot tagged vm-rescue:mode=inPlace: it was repaired in
 *   place, so a volume from the newest such backup goes back (the repaired one is kept). The
 *   source of a copy-mode backup is the original: nothing to do.
 * - No root: the original named by the rescue's tags — the source volume of a backup snapshot
 *   tagged vm-rescue:source=<instance>, or the copy-of of a repair copy with that tag; when that
 *   rescue was inPlace, a volume from its backup. More than one original: --original-volume or --stack.
 *
 * `backups`: snapshots with vm-rescue:role=backup of the root volume (or, with no root, of the
 * instance); `copies`: with no root, the repair copies of the instance.
 */
export function awsRollbackTarget(
  t: { instanceId: string; label: string; rootDeviceName: string },
  root: { volumeId: string; tags: Record<string, string>; snapshotId: string | null } | null,
  found: { backups: SnapshotView[]; copies: Pick<VolumeView, "volumeId" | "tags">[] },
  o: { pinned?: string; rescueId?: string },
): AwsRollbackTarget {
  const ours = (tags: Record<string, string>) =>
    !o.rescueId || lowerKeys(tags)[ID_TAG] === o.rescueId;
  const backups = found.backups
    .filter(
      (b) => b.state !== "error" && lowerKeys(b.tags)[ROLE_TAG] === BACKUP_ROLE && ours(b.tags),
    )
    .sort(newestFirst);
  // Every rescue's backups (not only --stack's): a newer rescue of the volume decides what it is now.
  const allBackups = found.backups
    .filter((b) => b.state !== "error" && lowerKeys(b.tags)[ROLE_TAG] === BACKUP_ROLE)
    .sort(newestFirst);
  const fromBackup = (originalId: string, b: SnapshotView): AwsRollbackTarget => ({
    kind: "fromBackup",
    originalId,
    snapshotId: b.snapshotId,
    rescueId: lowerKeys(b.tags)[ID_TAG] ?? "manual",
    takenAt: b.startTime,
  });
  /**
   * The backup to restore `volumeId` from: only when the newest rescue that backed it up (of any
   * mode, any stack) was inPlace — the volume is then that rescue's repaired-in-place root — and
   * is the chosen rescue (--stack). A newer copy-mode rescue means the volume is its untouched
   * original: nothing to restore (null). An older inPlace backup is never used.
   */
  const inPlaceBackupOf = (volumeId: string): SnapshotView | null => {
    const newest = allBackups.find((b) => b.volumeId === volumeId);
    if (!newest || lowerKeys(newest.tags)[MODE_TAG] !== "inPlace") return null;
    if (!ours(newest.tags)) {
      const mine = backups.find((b) => b.volumeId === volumeId);
      if (!mine) return null;
      throw new UsageError(
        `the backup ${mine.snapshotId} of rescue ${o.rescueId} (taken ${mine.startTime || "at an unknown time"}) is older than ${newest.snapshotId} of rescue ${lowerKeys(newest.tags)[ID_TAG] ?? "unknown"} (taken ${newest.startTime || "at an unknown time"}), which repaired ${volumeId} since; restoring it would undo that rescue too: roll back that one (--stack), or give --original-volume`,
      );
    }
    return newest;
  };
  const rescueNote = o.rescueId ? ` of rescue ${o.rescueId}` : "";

  if (!root) {
    if (o.pinned) return { kind: "reattach", originalId: o.pinned, rescueId: null };
    const originals = new Map<string, string | null>();
    for (const b of backups)
      if (lowerKeys(b.tags)[SOURCE_TAG] === t.instanceId && b.volumeId)
        originals.set(b.volumeId, lowerKeys(b.tags)[ID_TAG] ?? null);
    for (const c of found.copies) {
      const tags = lowerKeys(c.tags);
      if (
        tags[ROLE_TAG] === REPAIR_COPY_ROLE &&
        tags[SOURCE_TAG] === t.instanceId &&
        tags[COPY_OF_TAG] &&
        ours(c.tags)
      )
        originals.set(tags[COPY_OF_TAG], tags[ID_TAG] ?? null);
    }
    const none = `${t.label} has no volume at its root device ${t.rootDeviceName}`;
    if (originals.size === 0)
      throw new UsageError(
        `${none} and no backup snapshot or repair copy${rescueNote} names its original root (tag ${SOURCE_TAG}=${t.instanceId}); give --original-volume <vol-id>`,
      );
    if (originals.size > 1)
      throw new UsageError(
        `${none} and the rescues' tags name several original roots (${[...originals.keys()].join(", ")}); give --original-volume <vol-id> or --stack <rescue>`,
      );
    const [[originalId, rescueId]] = [...originals];
    const inPlace = inPlaceBackupOf(originalId);
    return inPlace ? fromBackup(originalId, inPlace) : { kind: "reattach", originalId, rescueId };
  }

  const tags = lowerKeys(root.tags);
  if (!o.pinned && tags[ROLE_TAG] === ROLLBACK_FROM_BACKUP_ROLE) {
    return {
      kind: "already",
      originalId: tags[COPY_OF_TAG] ?? root.volumeId,
      restoredId: root.volumeId,
      ...(root.snapshotId ? { fromSnapshot: root.snapshotId } : {}),
    };
  }
  if (o.pinned || tags[ROLE_TAG] === REPAIR_COPY_ROLE) {
    const r = originalToRestore(
      { id: root.volumeId, tags: root.tags },
      {
        pinned: o.pinned,
        rescueId: o.rescueId,
        what: "root volume",
        vmLabel: t.label,
        originalFlag: "--original-volume",
        copyOf: (x) => lowerKeys(x)[COPY_OF_TAG] ?? null,
      },
    );
    return r.kind === "already"
      ? r
      : { kind: "reattach", originalId: r.originalId, rescueId: r.rescueId };
  }
  const inPlace = inPlaceBackupOf(root.volumeId);
  if (inPlace) return fromBackup(root.volumeId, inPlace);
  // The newest rescue of this volume was a copy-mode one: the root is its original, back already.
  if (
    allBackups.some((b) => b.volumeId === root.volumeId) &&
    (!o.rescueId || backups.some((b) => b.volumeId === root.volumeId))
  )
    return { kind: "already", originalId: root.volumeId };
  throw new UsageError(
    `${t.label} runs on root volume ${root.volumeId}, which is not a rescue's repaired copy (no ${ROLE_TAG}=${REPAIR_COPY_ROLE} tag) nor the source of an inPlace rescue's backup snapshot${rescueNote} (${MODE_TAG}=inPlace); nothing to roll back (--original-volume <id> puts a given one back)`,
  );
}

async function awsRollback(
  ctx: CliContext,
  deps: RollbackDeps,
  t: { instanceId: string; label: string },
  opts: RollbackOptions,
  minutes: number,
  confirm: (what: string) => Promise<void>,
): Promise<RollbackResult> {
  if (opts.originalVolume !== undefined && !/^vol-[0-9a-f]{8,17}$/.test(opts.originalVolume))
    throw new UsageError(
      `--original-volume must look like vol-0123456789abcdef0, not ${JSON.stringify(opts.originalVolume)}`,
    );
  const region = opts.region ?? deps.awsRegion();
  if (!region) throw new UsageError("no AWS region: pass --region or set AWS_REGION");
  const aws = deps.awsContext(region);
  const gone = (e: unknown, what: () => string) => {
    if (
      e instanceof RescueStepError &&
      (e.code === "volume-not-found" || e.code === "instance-not-found")
    )
      throw new UsageError(what());
    throw e;
  };
  const inst = await describeInstance(aws, t.instanceId).catch((e) =>
    gone(e, () => `instance ${t.instanceId} was not found in ${region}`),
  );
  const rootDeviceName = inst.rootDeviceName;
  if (!rootDeviceName)
    throw new UsageError(`${t.label} reports no root device name; nothing to roll back`);
  const mapping = rootDevice(inst);
  const rootVolume = mapping ? await describeVolume(aws, mapping.volumeId) : null;
  const root = rootVolume
    ? { volumeId: rootVolume.volumeId, tags: rootVolume.tags, snapshotId: rootVolume.snapshotId }
    : null;
  const rescueId = opts.stack ? rescueIdFromStack(opts.stack) : undefined;
  const role = root ? lowerKeys(root.tags)[ROLE_TAG] : undefined;
  const lookUp =
    !opts.originalVolume && role !== REPAIR_COPY_ROLE && role !== ROLLBACK_FROM_BACKUP_ROLE;
  const found = {
    backups: !lookUp
      ? []
      : await findSnapshots(
          aws,
          root
            ? { "volume-id": root.volumeId, [`tag:${ROLE_TAG}`]: BACKUP_ROLE }
            : { [`tag:${SOURCE_TAG}`]: t.instanceId, [`tag:${ROLE_TAG}`]: BACKUP_ROLE },
        ),
    copies:
      !lookUp || root
        ? []
        : await findVolumes(aws, {
            [`tag:${SOURCE_TAG}`]: t.instanceId,
            [`tag:${ROLE_TAG}`]: REPAIR_COPY_ROLE,
          }),
  };
  const target = awsRollbackTarget(
    { instanceId: t.instanceId, label: t.label, rootDeviceName },
    root,
    found,
    { pinned: opts.originalVolume, rescueId },
  );
  const base = { cloud: "aws" as const, target: t.label, originalId: target.originalId };
  if (target.kind === "already") {
    const { kind: _kind, ...rest } = target;
    return {
      ...base,
      ...rest,
      rolledBack: true,
      changed: false,
      replacedId: null,
      booted: null,
      reasons: [],
    };
  }
  const current = root ? root.volumeId : "no root volume";
  const original = await describeVolume(aws, target.originalId).catch((e) =>
    gone(
      e,
      () =>
        `the original root volume ${target.originalId} no longer exists; ${t.label} stays on ${current}`,
    ),
  );
  const timeoutSeconds = minutes * 60;
  const kept = root ? ` (the repaired volume ${root.volumeId} is kept, detached)` : "";
  let volumeId = target.originalId;
  if (target.kind === "reattach") {
    const elsewhere = original.attachments.find(
      (a) => a.instanceId !== t.instanceId && a.state !== "detached",
    );
    if (elsewhere)
      throw new UsageError(
        `the original root volume ${target.originalId} is attached to ${elsewhere.instanceId} (${elsewhere.device}); detach it first, nothing was changed`,
      );
    await confirm(
      `stop ${t.label}, put its original root volume ${target.originalId} back at ${rootDeviceName} and start it${kept}`,
    );
    ctx.io.err(`rolling back ${t.label}: ${current} → ${target.originalId}`);
  } else {
    const taken = target.takenAt ? `taken ${target.takenAt}` : "taken at an unknown time";
    await confirm(
      `create a volume from the backup ${target.snapshotId} (${taken}, rescue ${target.rescueId}) with the settings of ${target.originalId}, stop ${t.label}, put the new volume at ${rootDeviceName} and start it${kept}`,
    );
    ctx.io.err(
      `rolling back ${t.label}: a volume from ${target.snapshotId} (the backup of ${target.originalId}, ${taken}) → ${rootDeviceName}`,
    );
    const made = await volumeFromSnapshotStep(aws, {
      region,
      timeoutSeconds,
      snapshotId: target.snapshotId,
      originalVolumeId: target.originalId,
      spec: original.spec,
      tags: {
        [ID_TAG]: target.rescueId,
        [SOURCE_TAG]: t.instanceId,
        [ROLE_TAG]: ROLLBACK_FROM_BACKUP_ROLE,
      },
    });
    volumeId = made.volumeId;
  }
  if (!mapping)
    ctx.io.err(
      `note: ${t.instanceId} had no root volume, so its DeleteOnTermination setting is unknown; it is left false (the volume outlives the instance)`,
    );
  const rolled = await rollbackStep(aws, {
    region,
    timeoutSeconds,
    instanceId: t.instanceId,
    rootDeviceName,
    volumeId,
    deleteOnTermination: mapping?.deleteOnTermination ?? false,
    finalState: "running",
  });
  ctx.io.err(`verifying the boot (up to ${minutes} min)`);
  const v = await verifyBoot(aws, t.instanceId, timeoutSeconds, rolled.consoleBaseline);
  const fromBackup =
    target.kind === "fromBackup"
      ? {
          fromSnapshot: target.snapshotId,
          snapshotTakenAt: target.takenAt || null,
          restoredId: volumeId,
        }
      : {};
  return {
    ...base,
    ...fromBackup,
    rolledBack: true,
    changed: true,
    replacedId: root?.volumeId ?? null,
    booted: v.healthy,
    reasons: v.healthy ? [] : [v.reason],
  };
}

// ---------------------------------------------------------------------------------------------
// Through the stack (--via-stack)
// ---------------------------------------------------------------------------------------------

/** What goes back: Azure and AWS copy mode the original disk/volume; AWS inPlace a volume from the backup snapshot. */
function restored(cloud: "azure" | "aws", mode: unknown): string {
  if (cloud === "azure") return "the original OS disk is back; the repaired copy is kept, detached";
  if (mode === "inPlace")
    return "a volume made from the backup snapshot is the root again; the repaired volume is kept, detached";
  return "the original root volume is back; the repaired copy is kept, detached";
}

/** `rollback=true` on the incident's stack, then `up` puts the replaced OS disk back. */
async function rollbackViaStack(
  ctx: CliContext,
  opts: RollbackOptions,
  deps: RescueDeps,
): Promise<number> {
  const target = targetOf(
    {
      cloud: opts.cloud,
      resourceGroup: opts.resourceGroup,
      vm: opts.vm,
      instanceId: opts.instanceId,
      region: opts.region,
    },
    "rollback",
  );
  for (const [flag, v] of [
    ["--original-disk", opts.originalDisk],
    ["--original-volume", opts.originalVolume],
    ["--subscription", opts.subscription],
  ] as const) {
    if (v !== undefined)
      throw new UsageError(`${flag} is for the direct rollback, not --via-stack`);
  }
  if (!SETTINGS.some((s) => s.key === "rollback"))
    throw new UsageError(
      'rollback needs the stack setting "rollback", which this version of the program does not have',
    );
  const stackName = opts.stack ?? target.defaultStack;
  const automation = deps.automation();
  await confirmOrRefuse(
    ctx,
    deps,
    opts.yes,
    `put the replaced OS disk back on ${target.label} (stack ${stackName})`,
    automation,
  );
  const recorder = new TimelineRecorder();
  const stream = progress(ctx, recorder, ctx.io.isTty ? (s) => process.stdout.write(s) : null);
  try {
    const stack = await automation.openStack(stackName, true);
    await stack.setConfig({ rollback: "true" });
    ctx.io.err(`pulumi up (stack ${stackName}, rollback=true)`);
    const outputs = await stack.up(stream);
    stream.stop();
    const reasons = Array.isArray(outputs.outcome)
      ? outputs.outcome.filter((x): x is string => typeof x === "string")
      : [];
    if (outputs.rolledBack === false) {
      ctx.io.out(
        `Rollback of ${target.label} did not happen${reasons.length ? `: ${reasons.join("; ")}` : ""}`,
      );
      return ExitCode.Failed;
    }
    ctx.io.out(
      `Rolled back ${target.label}: ${restored(target.cloud, outputs.mode)}${reasons.length ? ` (${reasons.join("; ")})` : ""}.`,
    );
    return ExitCode.Ok;
  } catch (e) {
    stream.stop();
    ctx.io.err(`vm-rescue: rollback on stack ${stackName} failed: ${firstLine(e)}`);
    return ExitCode.Failed;
  }
}
