import * as pulumi from "@pulumi/pulumi";
import * as ebs from "@pulumi/aws/ebs";
import * as ec2 from "@pulumi/aws/ec2";
import type { SwapGate } from "../../repair/decide";
import { planAwsRescue } from "../../topology/aws";
import { AmiFacts, instanceFacts, PulumiGetInstanceResult } from "../../describe/awsInstance";
import { createAwsRescueResources } from "./resources";
import { createRepairChain } from "./chain";
import { validateSwapGeneration } from "./reswap";
import { awsStandbyOf } from "../../topology/awsStandby";
import { withAwsStandbyChecked } from "./standbyArgs";
import { COMPONENT_TYPES } from "../../vocabulary/tokens";
import type { AwsRescueOutputs, RepairCheckOutput } from "../../vocabulary/outputs";
import { awsRescueOptions, type AwsWindowsRescueArgs } from "./args";
import { repairCheckSummary } from "../../steps/repairCheck";

export type { AwsWindowsRescueArgs } from "./args";

/** The component's outputs as Pulumi outputs (names and facts: src/vocabulary/outputs.ts). */
type Outputs = { readonly [K in keyof AwsRescueOutputs]: pulumi.Output<AwsRescueOutputs[K]> };

/**
 * Rescues a Windows EC2 instance stuck in a BSOD boot loop.
 *
 * - `copy` mode (default): snapshot of the root (kept) → a new volume from it (kept; same AZ, type,
 *   IOPS, throughput, KMS key) → attached as `xvdf` to a helper → collect → triage and repair
 *   planning in TypeScript → repair (succeeded) → the original root is detached (kept) → the
 *   repaired volume goes in at the original root device name → boot verified. The broken instance
 *   is stopped beside the collect and the repair, once the snapshot exists. The copy is made from
 *   the snapshot, so this mode waits for the snapshot to complete.
 * - `inPlace` mode: the snapshot is started (not awaited) → stop, detach the root → attach it to the
 *   helper → collect → repair (the snapshot is point in time from its start: the volume may be
 *   written while it is pending) → reattach as root → verification, which waits for the snapshot to
 *   be *completed* (`backupCompletedAt`).
 *
 * With `standbyHelperId` no helper is launched: the standby helper a platform stack keeps stopped
 * is started beside the snapshot and the copy, and stopped with nothing attached at teardown.
 *
 * Kept after `pulumi destroy`: the snapshot, the copy volume, the artifacts bucket, and of course
 * the original volume (nothing here deletes it).
 */
export class AwsWindowsRescue extends pulumi.ComponentResource implements Outputs {
  /** Id of the backup EBS snapshot of the root volume (kept). */
  public readonly snapshotId: pulumi.Output<string>;
  /** The volume the helper repairs: the copy (copy mode, kept) or the original root (inPlace). */
  public readonly repairDiskId: pulumi.Output<string>;
  /** Id of the original root volume (never deleted; the rollback target in copy mode). */
  public readonly originalDiskId: pulumi.Output<string>;
  /** Id of the helper instance (terminated on destroy; a standby helper is stopped, never terminated). */
  public readonly helperId: pulumi.Output<string>;
  /** `s3://<bucket>/`: the private S3 bucket holding the artifacts (kept). */
  public readonly artifactsLocation: pulumi.Output<string>;
  /** s3:// folder of the collect command's SSM output; its `…/stdout` object is collect.ps1's JSON document. */
  public readonly collectOutputUrl: pulumi.Output<string>;
  /** Status of the collect SSM command (Success, Failed, TimedOut, ...). */
  public readonly collectStatus: pulumi.Output<string>;
  /** Things the planner wants a person to know (SSM network path, unknown Windows version, ...). */
  public readonly warnings: pulumi.Output<string[]>;
  /** One line per minidump: bug check and culprit. */
  public readonly triageSummary: pulumi.Output<string[]>;
  /** One line per guest-driver finding (a `block` finding closes the gate unless allowIncompatibleDrivers). */
  public readonly findings: pulumi.Output<string[]>;
  /** The repair decision, one line each: every chosen action with its reason, then notes. */
  public readonly decision: pulumi.Output<string[]>;
  /** The repair actions repair.ps1 runs, in order (empty when there is nothing to repair). */
  public readonly repairActions: pulumi.Output<string[]>;
  /** Whether the broken instance may be changed, and every reason why not (dry run, swap=false, blocking finding, nothing to repair). */
  public readonly gate: pulumi.Output<SwapGate>;
  /** s3:// folder of the repair command's SSM output; its `…/stdout` object is repair.ps1's result document (with undo records). */
  public readonly repairResultUrl: pulumi.Output<string>;
  /** Status of the repair SSM command. */
  public readonly repairStatus: pulumi.Output<string>;
  /** Whether the repaired volume is now the instance's root (false with swap=false or dryRun). */
  public readonly swapped: pulumi.Output<boolean>;
  /** Whether the instance passed its status checks after the swap (false when no swap ran). */
  public readonly booted: pulumi.Output<boolean>;
  /** The check of the hives the repair returned against the plan (before the swap): ok, checked, differences, checkedRaw, reason. */
  public readonly repairCheck: pulumi.Output<RepairCheckOutput>;
  /** The mode the rescue runs in: `copy` or `inPlace`. */
  public readonly mode: pulumi.Output<string>;
  /** The broken instance's type. */
  public readonly instanceType: pulumi.Output<string>;
  /** The type the guest-driver check is made against (targetInstanceType, default the instance's type). */
  public readonly targetInstanceType: pulumi.Output<string>;
  /** The backup snapshot's state once waited for (`completed`). */
  public readonly backupState: pulumi.Output<string>;
  /** ISO time the backup snapshot completed (inPlace repairs while it is pending; the verification waits for it). */
  public readonly backupCompletedAt: pulumi.Output<string>;

  constructor(name: string, args: AwsWindowsRescueArgs, opts?: pulumi.ComponentResourceOptions) {
    // Checked before anything is registered.
    validateSwapGeneration(args.swapGeneration);
    const standby = awsStandbyOf(args);
    super(COMPONENT_TYPES.aws, name, args, opts);
    const planned = readInstance(args, { parent: this }).apply((d) =>
      planAwsRescue(
        { instance: instanceFacts(d.instance, [], d.image), rootVolumeTags: d.rootVolumeTags },
        awsRescueOptions(args, name),
      ),
    );
    const plan = withAwsStandbyChecked(planned, standby, args.region, { parent: this });
    const r = createAwsRescueResources(name, plan, args, this, standby);
    const chain = createRepairChain(name, plan, r, args, this);

    this.snapshotId = r.snapshotId;
    this.repairDiskId = r.repairVolumeId;
    this.originalDiskId = plan.source.rootVolumeId;
    this.helperId = r.helper.id;
    // The rescue's prefix: the command outputs, collect/ (the shipped evidence) and repaired/ under it.
    this.artifactsLocation = r.filesBase;
    const outputFolder = (c: typeof r.collect) =>
      pulumi.interpolate`s3://${r.bucket.bucket}/${plan.artifacts.prefix}${c.commandId}/${r.helper.id}/`;
    this.collectOutputUrl = outputFolder(r.collect);
    this.collectStatus = r.collect.status;
    this.warnings = plan.warnings;
    this.triageSummary = chain.decision.apply((d) => d.triageSummary);
    this.findings = chain.decision.apply((d) => d.findings);
    this.decision = chain.decision.apply((d) => d.decisionLines);
    this.repairActions = chain.decision.apply((d) => d.repairActions);
    // The gate the swap used: the decision's, closed by the check after the repair on any difference.
    this.gate = chain.repairCheck.gate;
    this.repairCheck = repairCheckSummary(chain.repairCheck);
    this.repairResultUrl = outputFolder(chain.repair);
    this.repairStatus = chain.repair.status;
    this.swapped = chain.swap ? chain.swap.swapped.apply((v) => v === true) : pulumi.output(false);
    this.booted = chain.verified
      ? chain.verified.healthy.apply((h) => h === true)
      : pulumi.output(false);
    this.mode = plan.mode;
    this.instanceType = plan.source.instanceType.apply((t) => t ?? "");
    this.targetInstanceType = plan.repair.targetInstanceType.apply((t) => t ?? "");
    this.backupState = chain.backup.state;
    this.backupCompletedAt = chain.backup.completedAt;
    this.registerOutputs({
      snapshotId: this.snapshotId,
      repairDiskId: this.repairDiskId,
      originalDiskId: this.originalDiskId,
      helperId: this.helperId,
      artifactsLocation: this.artifactsLocation,
      collectOutputUrl: this.collectOutputUrl,
      collectStatus: this.collectStatus,
      warnings: this.warnings,
      triageSummary: this.triageSummary,
      findings: this.findings,
      decision: this.decision,
      repairActions: this.repairActions,
      gate: this.gate,
      repairResultUrl: this.repairResultUrl,
      repairStatus: this.repairStatus,
      swapped: this.swapped,
      booted: this.booted,
      repairCheck: this.repairCheck,
      mode: this.mode,
      instanceType: this.instanceType,
      targetInstanceType: this.targetInstanceType,
      backupState: this.backupState,
      backupCompletedAt: this.backupCompletedAt,
    });
  }
}

/**
 * Reads the instance, its AMI (for platform, version and product codes) and the tags of the volume
 * at its root device (after the swap: this rescue's copy, tagged vm-rescue:copy-of) through invokes.
 */
function readInstance(args: AwsWindowsRescueArgs, opts: pulumi.InvokeOutputOptions) {
  const instance = ec2.getInstanceOutput(
    { instanceId: args.instanceId, region: args.region },
    opts,
  ) as pulumi.Output<PulumiGetInstanceResult>;
  return instance.apply((i) => {
    const image = i.ami
      ? (ec2.getAmiOutput(
          {
            filters: [{ name: "image-id", values: [i.ami] }],
            includeDeprecated: true,
            region: args.region,
          },
          opts,
        ) as pulumi.Output<AmiFacts>)
      : pulumi.output(null);
    const rootVolumeId = i.rootBlockDevices?.[0]?.volumeId;
    const rootTags = rootVolumeId
      ? ebs
          .getVolumeOutput(
            { filters: [{ name: "volume-id", values: [rootVolumeId] }], region: args.region },
            opts,
          )
          .apply((v) => (v.tags ?? {}) as Record<string, string>)
      : pulumi.output(null);
    return pulumi
      .all([image, rootTags])
      .apply(([img, tags]) => ({ instance: i, image: img, rootVolumeTags: tags }));
  });
}
