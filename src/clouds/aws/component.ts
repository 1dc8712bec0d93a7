import type { SwapGate } from "../../repair/decide";
import * as pulumi from "@pulumi/pulumi";
import * as ebs from "@pulumi/aws/ebs";
import * as ec2 from "@pulumi/aws/ec2";
import * as iam from "@pulumi/aws/iam";
import * as s3 from "@pulumi/aws/s3";
import * as ssm from "@pulumi/aws/ssm";
import {
  AwsRescueOptions,
  AwsRescuePlan,
  AwsVolumeSpec,
  backupTags,
  planAwsRescue,
} from "../../topology/aws";

import { AmiFacts, instanceFacts, PulumiGetInstanceResult } from "../../describe/awsInstance";
import { ssmCommandDocument } from "../../guest/embed";
import { repairFromCollect } from "./decision";
import { backupSnapshot } from "./snapshots";
import { ssmCommand } from "./scripts";
import { rootVolumeDetach, rootVolumeSwap } from "./swap";
import { bootVerification } from "./bootVerification";
import { rootVolumeRollback } from "./rollback";
import {
  ID_TAG,
  ROLE_TAG,
  REPAIR_COPY_ROLE,
  COPY_OF_TAG,
  ROLLBACK_FROM_BACKUP_ROLE,
  HELPER_ROLE,
} from "../../vocabulary/tags";
import { COMPONENT_TYPES } from "../../vocabulary/tokens";

/**
 * Arguments of {@link AwsWindowsRescue}. Plain values only, so the component can be consumed from
 * any Pulumi language through the component plugin.
 */
export interface AwsWindowsRescueArgs {
  /** Id of the broken instance (i-…). */
  instanceId: string;
  /** Region of the instance. Default: the AWS provider's region. */
  region?: string;
  /** Identifies this rescue in names and tags (1-24 lowercase letters, digits, hyphens). Default: the component name. */
  rescueId?: string;
  /** `copy` (default: repair a new volume from the backup snapshot and swap it in) or `inPlace` (repair the original root). */
  mode?: string;
  /** Helper instance type. Default `t3.medium`. */
  helperInstanceType?: string;
  /** `/aws/service/ami-windows-latest/…` parameter of the helper AMI. Default: a Windows Server version different from the instance's. */
  helperAmiParameter?: string;
  /** Subnet of the helper (same AZ as the instance). Default: the instance's subnet. */
  subnetId?: string;
  /** Windows Server version of the instance (2016, 2019, 2022, …) when its AMI does not tell. */
  windowsVersion?: string;
  /** Confirms the deploying identity may use the root volume's KMS key; required for encrypted roots. */
  kmsGrantConfirmed?: boolean;
  /** Confirms the helper's subnet reaches SSM through a NAT gateway (silences the network warning). */
  natConfirmed?: boolean;
  /** Service names of the VPC's endpoints, for the SSM network check. */
  vpcEndpointServices?: string[];
  /** Swap the repaired volume in as root and verify the boot. Default true; false stops after the repair. */
  swap?: boolean;
  /** Put the volume the swap replaced back as root (after a failed verification). Default false. */
  rollback?: boolean;
  /** Plan and run the repair script without changing the disk. Default false. */
  dryRun?: boolean;
  /** Force the culprit driver (service name or .sys file) instead of the triage's choice. */
  repairDriver?: string;
  /** repair.ps1 actions to run instead of the automatic choice (e.g. ["DisableDriver","EnableCrashDump"]). */
  actions?: string[];
  /** Swap even when the guest-driver check blocks it. Default false. */
  allowIncompatibleDrivers?: boolean;
  /** The instance type the guest drivers are checked for (e.g. a Nitro type the instance moves to). Default: its current type. */
  targetInstanceType?: string;
  /** The original root volume, when the instance runs on this rescue's copy and the copy has no vm-rescue:copy-of tag. */
  originalRootVolumeId?: string;
  /** Seconds each step may take (stop, detach, SSM command, verification). Default 1800. */
  stepTimeoutSeconds?: number;
  /** Extra tags on every resource the rescue creates. */
  tags?: { [key: string]: string };
}

/**
 * Rescues a Windows EC2 instance stuck in a BSOD boot loop.
 *
 * - `copy` mode (default): snapshot of the root (kept) → a new volume from it (kept; same AZ, type,
 *   IOPS, throughput, KMS key) → attached as `xvdf` to a helper → collect → triage and repair
 *   planning in TypeScript → repair (succeeded) → the broken instance is stopped and its original root detached
 *   (kept) → the repaired volume goes in at the original root device name → boot verified. The copy
 *   is made from the snapshot, so this mode waits for the snapshot to complete.
 * - `inPlace` mode: the snapshot is started (not awaited) → stop, detach the root → attach it to the
 *   helper → collect → repair (which waits for the snapshot to be *completed*) → reattach as root.
 *
 * Kept after `pulumi destroy`: the snapshot, the copy volume, the artifacts bucket, and of course
 * the original volume (nothing here deletes it).
 */
export class AwsWindowsRescue extends pulumi.ComponentResource {
  /** Id of the backup EBS snapshot of the root volume (kept). */
  public readonly snapshotId: pulumi.Output<string>;
  /** The volume the helper repairs: the copy (copy mode) or the original root (inPlace). */
  public readonly repairVolumeId: pulumi.Output<string>;
  /** Id of the original root volume (never deleted; the rollback target in copy mode). */
  public readonly originalRootVolumeId: pulumi.Output<string>;
  /** Id of the helper instance (terminated on destroy). */
  public readonly helperInstanceId: pulumi.Output<string>;
  /** Name of the private S3 bucket holding the artifacts (kept). */
  public readonly artifactsBucket: pulumi.Output<string>;
  /** Status of the collect SSM command (Success, Failed, TimedOut, ...). */
  public readonly collectStatus: pulumi.Output<string>;
  /** Status of the repair SSM command. */
  public readonly repairStatus: pulumi.Output<string>;
  /** What the planner decided about the repair (culprit, actions, reasons). */
  public readonly repairDecisions: pulumi.Output<string[]>;
  /** The mode the rescue runs in: `copy` or `inPlace`. */
  public readonly mode: pulumi.Output<string>;
  /** Things the planner wants a person to know (SSM network path, unknown Windows version, ...). */
  public readonly warnings: pulumi.Output<string[]>;
  /** s3:// folder of the collect command's SSM output; its `…/stdout` object is collect.ps1's JSON document. */
  public readonly collectOutputUrl: pulumi.Output<string>;
  /** s3:// folder of the repair command's SSM output; its `…/stdout` object is repair.ps1's result document (with undo records). */
  public readonly repairResultUrl: pulumi.Output<string>;
  /** Whether the repaired volume is now the instance's root (false with swap=false or dryRun). */
  public readonly swapped: pulumi.Output<boolean>;
  /** Whether the instance passed its status checks after the swap (false when no swap ran). */
  public readonly booted: pulumi.Output<boolean>;
  /** The broken instance's type. */
  public readonly instanceType: pulumi.Output<string>;
  /** The type the guest-driver check is made against (targetInstanceType, default the instance's type). */
  public readonly targetInstanceType: pulumi.Output<string>;
  /** One line per guest-driver finding (a `block` finding closes the gate unless allowIncompatibleDrivers). */
  public readonly findings: pulumi.Output<string[]>;
  /** One line per minidump: bug check and culprit. */
  public readonly triageSummary: pulumi.Output<string[]>;
  /** The repair actions repair.ps1 runs, in order (empty when there is nothing to repair). */
  public readonly repairActions: pulumi.Output<string[]>;
  /** Whether the broken instance may be changed, and every reason why not (dry run, swap=false, blocking finding, nothing to repair). */
  public readonly gate: pulumi.Output<SwapGate>;

  constructor(name: string, args: AwsWindowsRescueArgs, opts?: pulumi.ComponentResourceOptions) {
    super(COMPONENT_TYPES.aws, name, args, opts);
    const plan = readInstance(args, { parent: this }).apply((d) =>
      planAwsRescue(
        { instance: instanceFacts(d.instance, [], d.image), rootVolumeTags: d.rootVolumeTags },
        awsRescueOptions(args, name),
      ),
    );
    const r = createAwsRescueResources(name, plan, args, this);

    this.snapshotId = r.snapshotId;
    this.repairVolumeId = r.repairVolumeId;
    this.originalRootVolumeId = plan.source.rootVolumeId;
    this.helperInstanceId = r.helper.id;
    this.artifactsBucket = r.bucket.bucket;
    this.collectStatus = r.collect.status;
    this.repairStatus = r.repair.status;
    this.repairDecisions = r.decision.apply((d) => d.decisionLines);
    this.mode = plan.mode;
    this.warnings = plan.warnings;
    const outputFolder = (c: typeof r.collect) =>
      pulumi.interpolate`s3://${r.bucket.bucket}/${plan.artifacts.prefix}${c.commandId}/${r.helper.id}/`;
    this.collectOutputUrl = outputFolder(r.collect);
    this.repairResultUrl = outputFolder(r.repair);
    this.swapped = r.swap ? r.swap.swapped.apply((v) => v === true) : pulumi.output(false);
    this.booted = r.verified ? r.verified.healthy.apply((h) => h === true) : pulumi.output(false);
    this.instanceType = plan.source.instanceType.apply((t) => t ?? "");
    this.targetInstanceType = plan.repair.targetInstanceType.apply((t) => t ?? "");
    this.findings = r.decision.apply((d) => d.findings);
    this.triageSummary = r.decision.apply((d) => d.triageSummary);
    this.repairActions = r.decision.apply((d) => d.repairActions);
    this.gate = r.decision.apply((d) => d.gate);
    this.registerOutputs({
      snapshotId: this.snapshotId,
      repairVolumeId: this.repairVolumeId,
      originalRootVolumeId: this.originalRootVolumeId,
      helperInstanceId: this.helperInstanceId,
      artifactsBucket: this.artifactsBucket,
      collectStatus: this.collectStatus,
      repairStatus: this.repairStatus,
      repairDecisions: this.repairDecisions,
      mode: this.mode,
      warnings: this.warnings,
      collectOutputUrl: this.collectOutputUrl,
      repairResultUrl: this.repairResultUrl,
      swapped: this.swapped,
      booted: this.booted,
      instanceType: this.instanceType,
      targetInstanceType: this.targetInstanceType,
      findings: this.findings,
      triageSummary: this.triageSummary,
      repairActions: this.repairActions,
      gate: this.gate,
    });
  }
}

/** The planner's options from the component's arguments; the rescue id defaults to the component name. */
export function awsRescueOptions(args: AwsWindowsRescueArgs, name: string): AwsRescueOptions {
  return {
    rescueId: args.rescueId ?? name,
    mode: args.mode,
    helperInstanceType: args.helperInstanceType,
    helperAmiParameter: args.helperAmiParameter,
    subnetId: args.subnetId,
    windowsVersion: args.windowsVersion,
    kmsGrantConfirmed: args.kmsGrantConfirmed,
    natConfirmed: args.natConfirmed,
    vpcEndpointServices: args.vpcEndpointServices,
    tags: args.tags,
    swap: args.swap,
    dryRun: args.dryRun,
    rollback: args.rollback,
    driver: args.repairDriver,
    actions: args.actions,
    allowIncompatibleDrivers: args.allowIncompatibleDrivers,
    targetInstanceType: args.targetInstanceType,
    originalRootVolumeId: args.originalRootVolumeId,
  };
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

const DEFAULT_STEP_TIMEOUT = 1800;

/**
 * The helper role's S3 rights: write its SSM command output under the rescue's prefix, and read the
 * bucket's encryption configuration (AWS's policy for SSM output to an encrypted bucket lists
 * s3:GetEncryptionConfiguration). The bucket uses SSE-S3 (AES256), for which S3 needs no key
 * permission from the writer; an SSE-KMS bucket would also need kms:GenerateDataKey (and
 * kms:Decrypt for the multipart uploads of large output) on its key.
 */
export function helperArtifactsPolicy(partition: string, bucket: string, prefix: string) {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Action: ["s3:PutObject"],
        Resource: [`arn:${partition}:s3:::${bucket}/${prefix}*`],
      },
      {
        Effect: "Allow",
        Action: ["s3:GetEncryptionConfiguration"],
        Resource: [`arn:${partition}:s3:::${bucket}`],
      },
    ],
  };
}

/** A volume from the backup with the original root's settings, tagged copy-of=<original> (kept). */
function volumeFromBackup(
  name: string,
  spec: pulumi.Output<AwsVolumeSpec>,
  snapshotId: pulumi.Input<string>,
  tags: pulumi.Input<Record<string, string>>,
  original: pulumi.Output<string>,
  region: pulumi.Input<string>,
  opts: pulumi.CustomResourceOptions,
): ebs.Volume {
  return new ebs.Volume(
    name,
    {
      region,
      availabilityZone: spec.availabilityZone,
      snapshotId,
      type: spec.volumeType,
      iops: spec.iops.apply((x) => x ?? undefined),
      throughput: spec.throughput.apply((x) => x ?? undefined),
      size: spec.sizeGiB.apply((x) => x ?? undefined),
      encrypted: spec.encrypted,
      kmsKeyId: spec.kmsKeyId.apply((x) => x ?? undefined),
      tags: pulumi.all([tags, original]).apply(([t, o]) => ({ ...t, [COPY_OF_TAG]: o })),
    },
    opts,
  );
}

/** The resources of the rescue, created from the plan. Exported for components that reuse them. */
export function createAwsRescueResources(
  name: string,
  plan: pulumi.Output<AwsRescuePlan>,
  args: AwsWindowsRescueArgs,
  parent: pulumi.Resource,
) {
  const p = plan;
  const region = p.region;
  const opts: pulumi.CustomResourceOptions = { parent };
  const kept: pulumi.CustomResourceOptions = { parent, retainOnDelete: true };
  const timeoutSeconds = args.stepTimeoutSeconds ?? DEFAULT_STEP_TIMEOUT;
  const tagged = (role: string) => p.tags.apply((t) => ({ ...t, [ROLE_TAG]: role }));
  const inPlace = (args.mode ?? "copy") === "inPlace";

  // 1. The backup, before anything is written. Copy mode: ebs.Snapshot (waits for completion, the
  //    copy needs it). inPlace: a snapshot started and not awaited; the repair waits for completion.
  //    The backup's tags name the rescue, the instance and the mode: `vm-rescue rollback` finds
  //    an inPlace rescue (and the original of an instance left without a root) by them.
  const backup = p.apply(backupTags);
  let snapshotId: pulumi.Output<string>;
  let snapshotResource: pulumi.Resource;
  if (inPlace) {
    const s = backupSnapshot(
      `${name}-snapshot`,
      {
        region,
        timeoutSeconds,
        volumeId: p.source.rootVolumeId,
        description: p.snapshot.description,
        tags: backup,
      },
      kept,
    );
    snapshotId = s.snapshotId;
    snapshotResource = s.resource;
  } else {
    const s = new ebs.Snapshot(
      `${name}-snapshot`,
      {
        region,
        volumeId: p.source.rootVolumeId,
        description: p.snapshot.description,
        tags: backup,
      },
      kept,
    );
    snapshotId = s.id;
    snapshotResource = s;
  }

  // 2. The volume under repair. inPlace: the original root, once the instance is stopped and the
  //    root detached (after the snapshot has started). Copy: a new volume from the completed
  //    snapshot with the original's settings, tagged copy-of=<original> so a later `up` that finds
  //    it as the root plans with the original; the broken instance is not touched here.
  const always = { allowed: true, reasons: [] as string[] };
  let detach: ReturnType<typeof rootVolumeDetach> | undefined;
  let repairVolumeId: pulumi.Output<string>;
  let copy: ebs.Volume | undefined;
  if (inPlace) {
    detach = rootVolumeDetach(
      `${name}-stop-detach`,
      {
        region,
        timeoutSeconds,
        instanceId: p.source.instanceId,
        rootVolumeId: p.source.rootVolumeId,
        snapshotId,
        gate: always,
      },
      { parent, dependsOn: [snapshotResource] },
    );
    repairVolumeId = detach.detachedVolumeId;
  } else {
    copy = volumeFromBackup(
      `${name}-copy`,
      p.copyVolume.apply((c) => c!),
      snapshotId,
      tagged(REPAIR_COPY_ROLE),
      p.source.rootVolumeId,
      region,
      kept,
    );
    repairVolumeId = copy.id;
  }

  // 3. Artifacts: a private, encrypted bucket; kept (it is the evidence).
  const bucket = new s3.Bucket(
    `${name}-artifacts`,
    { region, bucket: p.artifacts.bucketName, forceDestroy: false, tags: p.tags },
    kept,
  );
  const bucketPab = new s3.BucketPublicAccessBlock(
    `${name}-artifacts-pab`,
    {
      region,
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    },
    kept,
  );
  new s3.BucketServerSideEncryptionConfiguration(
    `${name}-artifacts-sse`,
    {
      region,
      bucket: bucket.id,
      rules: [
        { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, bucketKeyEnabled: true },
      ],
    },
    kept,
  );
  new s3.BucketLifecycleConfiguration(
    `${name}-artifacts-lifecycle`,
    {
      region,
      bucket: bucket.id,
      rules: [
        {
          id: "expire-rescue-artifacts",
          status: "Enabled",
          filter: { prefix: p.artifacts.prefix },
          expiration: { days: p.artifacts.lifecycleDays },
        },
      ],
    },
    kept,
  );

  // 4. The helper's identity: SSM core plus writing its command output under the rescue's prefix.
  const role = new iam.Role(
    `${name}-helper-role`,
    {
      name: p.helper.roleName,
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Service: "ec2.amazonaws.com" },
            Action: "sts:AssumeRole",
          },
        ],
      }),
      tags: p.tags,
    },
    opts,
  );
  const ssmCore = new iam.RolePolicyAttachment(
    `${name}-helper-ssm-core`,
    {
      role: role.name,
      policyArn: pulumi.interpolate`arn:${p.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore`,
    },
    opts,
  );
  const putArtifacts = new iam.RolePolicy(
    `${name}-helper-artifacts`,
    {
      role: role.name,
      policy: pulumi
        .all([p.partition, bucket.bucket, p.artifacts.prefix])
        .apply(([part, b, prefix]) => JSON.stringify(helperArtifactsPolicy(part, b, prefix))),
    },
    opts,
  );
  const profile = new iam.InstanceProfile(
    `${name}-helper-profile`,
    { name: p.helper.instanceProfileName, role: role.name, tags: p.tags },
    opts,
  );

  // 5. Network: no public IP, a security group without ingress and HTTPS-only egress (SSM, S3).
  const subnet = ec2.getSubnetOutput({ id: p.helper.subnetId, region }, { parent });
  const sg = new ec2.SecurityGroup(
    `${name}-helper-sg`,
    {
      region,
      name: p.helper.securityGroupName,
      description: "vm-rescue helper: no inbound; HTTPS out to SSM and S3",
      vpcId: subnet.vpcId,
      ingress: [],
      egress: [
        {
          protocol: "tcp",
          fromPort: 443,
          toPort: 443,
          cidrBlocks: ["0.0.0.0/0"],
          description: "SSM, EC2 messages, S3",
        },
      ],
      tags: p.tags,
    },
    opts,
  );

  // 6. The helper: another Windows Server version (disk-signature collision), same subnet/AZ, IMDSv2.
  const ami = ssm.getParameterOutput({ name: p.helper.amiParameter, region }, { parent });
  const helper = new ec2.Instance(
    `${name}-helper`,
    {
      region,
      ami: ami.value,
      instanceType: p.helper.instanceType,
      subnetId: p.helper.subnetId,
      availabilityZone: p.availabilityZone,
      associatePublicIpAddress: false,
      vpcSecurityGroupIds: [sg.id],
      iamInstanceProfile: profile.name,
      metadataOptions: {
        httpTokens: "required",
        httpEndpoint: "enabled",
        httpPutResponseHopLimit: 1,
      },
      rootBlockDevice: { encrypted: true, volumeType: "gp3", deleteOnTermination: true },
      tags: p.tags.apply((t) => ({
        ...t,
        Name: `${t[ID_TAG]}-helper`,
        [ROLE_TAG]: HELPER_ROLE,
      })),
    },
    { parent, dependsOn: [ssmCore, putArtifacts], deleteBeforeReplace: true },
  );

  // 7. The volume on the helper as xvdf. skipDestroy: destroy must never detach it (after the swap
  //    it is the instance's root; before, terminating the helper releases it, and a volume attached
  //    after launch is not deleted with the helper). deleteBeforeReplace: a replaced helper or
  //    attachment would otherwise attach while the volume is still on the old one (pulumi-aws#2769).
  const attachment = new ec2.VolumeAttachment(
    `${name}-helper-attachment`,
    {
      region,
      instanceId: helper.id,
      volumeId: repairVolumeId,
      deviceName: p.helper.deviceName,
      skipDestroy: true,
    },
    { parent, deleteBeforeReplace: true },
  );

  // 8. The scripts as SSM Command documents (schema 2.2, aws:runPowerShellScript).
  const collectCmd = ssmCommandDocument("collect.ps1", {});
  const repairDoc = ssmCommandDocument("repair.ps1", { Actions: ["EnableCrashDump"] }).document;
  const document = (key: "collect" | "repair", content: object) =>
    new ssm.Document(
      `${name}-${key}-doc`,
      {
        region,
        name: p.documents[key],
        documentType: "Command",
        documentFormat: "JSON",
        targetType: "/AWS::EC2::Instance",
        content: JSON.stringify(content),
        tags: p.tags,
      },
      opts,
    );
  const collectDoc = document("collect", collectCmd.document);
  const repairDocument = document("repair", repairDoc);
  const outputs = {
    region,
    timeoutSeconds,
    instanceId: helper.id,
    bucketName: bucket.bucket,
    keyPrefix: p.artifacts.prefix,
  };

  const collect = ssmCommand(
    `${name}-collect`,
    { ...outputs, documentName: collectDoc.name, parameters: collectCmd.parameters },
    { parent, dependsOn: [attachment, bucketPab, ssmCore, putArtifacts] },
  );

  // 9. Triage, driver check, repair plan and the swap gate: pure TypeScript over the collected facts.
  //    A blocking finding, a dry run, swap=false or nothing to repair close the gate (no failure).
  const choice = pulumi.all([p.mode, p.repair]).apply(([mode, r]) => ({
    mode,
    driver: r.driver,
    actions: r.actions,
    dryRun: r.dryRun,
    allowIncompatibleDrivers: r.allowIncompatibleDrivers,
    swap: args.swap !== false,
  }));
  const decision = pulumi
    .all([collect.stdout, p.repair.targetInstanceType, choice])
    .apply(([stdout, type, c]) => repairFromCollect(stdout, type, c));
  const gate = decision.apply((d) => d.gate);
  const repair = ssmCommand(
    `${name}-repair`,
    {
      ...outputs,
      documentName: repairDocument.name,
      parameters: decision.parameters,
      waitForSnapshotId: inPlace ? snapshotId : "",
    },
    { parent, dependsOn: [collect.resource] },
  );

  // 10. The swap. Copy mode: the stop/detach and the swap exist only with swap=true and no dry run,
  //     and act only when the gate allows; the stop/detach waits for the repair command's success,
  //     so a failed repair leaves the broken instance running on its root, untouched. inPlace: the
  //     root always goes back; started only when the gate allows.
  let swap: ReturnType<typeof rootVolumeSwap> | undefined;
  let verified: ReturnType<typeof bootVerification> | undefined;
  const swapPlanned = inPlace || (args.swap !== false && !args.dryRun);
  if (swapPlanned) {
    if (!inPlace) {
      detach = rootVolumeDetach(
        `${name}-stop-detach`,
        {
          region,
          timeoutSeconds,
          instanceId: p.source.instanceId,
          rootVolumeId: p.source.rootVolumeId,
          snapshotId,
          gate,
        },
        { parent, dependsOn: [snapshotResource, collect.resource, repair.resource] },
      );
    }
    swap = rootVolumeSwap(
      `${name}-swap`,
      {
        region,
        timeoutSeconds,
        instanceId: p.source.instanceId,
        rootDeviceName: p.restore.rootDeviceName,
        volumeId: repairVolumeId,
        helperInstanceId: helper.id,
        deleteOnTermination: p.restore.deleteOnTermination,
        gate,
        reattachWhenClosed: inPlace,
      },
      { parent, dependsOn: [repair.resource, detach!.resource] },
    );
    verified = bootVerification(
      `${name}-verify`,
      {
        region,
        timeoutSeconds,
        instanceId: p.source.instanceId,
        finalState: p.restore.finalState,
        rollbackVolumeId: inPlace
          ? pulumi.interpolate`a new volume from ${snapshotId}`
          : p.source.rootVolumeId,
        swapped: swap.swapped,
        swapReason: swap.reason,
        consoleBaseline: swap.consoleBaseline,
      },
      { parent, dependsOn: [swap.resource] },
    );
  }

  // 11. Rollback on request: the original (copy) or a volume from the backup with the original's
  //     settings (inPlace) back as root. A no-op when it already is the root.
  let rollback: ReturnType<typeof rootVolumeRollback> | undefined;
  if (args.rollback) {
    let restoreVolumeId: pulumi.Output<string> = p.source.rootVolumeId;
    if (inPlace) {
      restoreVolumeId = volumeFromBackup(
        `${name}-restore`,
        p.restoreVolume.apply((v) => v!),
        snapshotId,
        tagged(ROLLBACK_FROM_BACKUP_ROLE),
        p.source.rootVolumeId,
        region,
        kept,
      ).id;
    }
    rollback = rootVolumeRollback(
      `${name}-rollback`,
      {
        region,
        timeoutSeconds,
        instanceId: p.source.instanceId,
        rootDeviceName: p.restore.rootDeviceName,
        volumeId: restoreVolumeId,
        deleteOnTermination: p.restore.deleteOnTermination,
        finalState: p.restore.finalState,
      },
      { parent, dependsOn: [swap?.resource ?? repair.resource] },
    );
  }

  return {
    snapshotId,
    snapshotResource,
    detach,
    copy,
    gate,
    repairVolumeId,
    bucket,
    role,
    profile,
    sg,
    helper,
    attachment,
    collectDoc,
    repairDocument,
    collect,
    decision,
    repair,
    swap,
    verified,
    rollback,
  };
}
