import * as pulumi from "@pulumi/pulumi";
import * as ebs from "@pulumi/aws/ebs";
import * as ec2 from "@pulumi/aws/ec2";
import * as iam from "@pulumi/aws/iam";
import * as s3 from "@pulumi/aws/s3";
import * as ssm from "@pulumi/aws/ssm";
import { AwsRescueOptions, AwsRescuePlan, planAwsRescue } from "../../planner/aws";
import { AmiFacts, instanceFacts, PulumiGetInstanceResult } from "../../planner/awsInstance";
import { ssmCommandDocument } from "../../scripts/embed";
import { repairFromCollect } from "./repairFromCollect";
import * as steps from "./ec2Resources";

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
 *   planning in TypeScript → repair → the broken instance is stopped and its original root detached
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
  /** The broken instance's type: the guest-driver check is made against it. */
  public readonly instanceType: pulumi.Output<string>;

  constructor(name: string, args: AwsWindowsRescueArgs, opts?: pulumi.ComponentResourceOptions) {
    super("vm-rescue:index:AwsWindowsRescue", name, args, opts);
    const plan = readInstance(args, { parent: this }).apply((d) => planAwsRescue({ instance: instanceFacts(d.instance, [], d.image) }, awsRescueOptions(args, name)));
    const r = createAwsRescueResources(name, plan, args, this);

    this.snapshotId = r.snapshotId;
    this.repairVolumeId = r.repairVolumeId;
    this.originalRootVolumeId = plan.source.rootVolumeId;
    this.helperInstanceId = r.helper.id;
    this.artifactsBucket = r.bucket.bucket;
    this.collectStatus = r.collect.status;
    this.repairStatus = r.repair.status;
    this.repairDecisions = r.decision.apply((d) => d.decisions.map((x) => `${x.action}: ${x.reason}`));
    this.mode = plan.mode;
    this.warnings = plan.warnings;
    const outputFolder = (c: typeof r.collect) => pulumi.interpolate`s3://${r.bucket.bucket}/${plan.artifacts.prefix}${c.commandId}/${r.helper.id}/`;
    this.collectOutputUrl = outputFolder(r.collect);
    this.repairResultUrl = outputFolder(r.repair);
    this.swapped = r.swap ? r.swap.rootVolumeId.apply((v) => Boolean(v)) : pulumi.output(false);
    this.booted = r.verified ? r.verified.healthy.apply((h) => h === true) : pulumi.output(false);
    this.instanceType = plan.source.instanceType.apply((t) => t ?? "");
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
  };
}

/** Reads the instance and its AMI (for platform, version and product codes) through invokes. */
function readInstance(args: AwsWindowsRescueArgs, opts: pulumi.InvokeOutputOptions) {
  const instance = ec2.getInstanceOutput({ instanceId: args.instanceId, region: args.region }, opts) as pulumi.Output<PulumiGetInstanceResult>;
  return instance.apply((i) => {
    const image = i.ami
      ? (ec2.getAmiOutput({ filters: [{ name: "image-id", values: [i.ami] }], includeDeprecated: true, region: args.region }, opts) as pulumi.Output<AmiFacts>)
      : pulumi.output(null);
    return pulumi.all([image]).apply(([img]) => ({ instance: i, image: img }));
  });
}

const DEFAULT_STEP_TIMEOUT = 1800;

/** The resources of the rescue, created from the plan. Exported for components that reuse them. */
export function createAwsRescueResources(name: string, plan: pulumi.Output<AwsRescuePlan>, args: AwsWindowsRescueArgs, parent: pulumi.Resource) {
  const p = plan;
  const region = p.region;
  const opts: pulumi.CustomResourceOptions = { parent };
  const kept: pulumi.CustomResourceOptions = { parent, retainOnDelete: true };
  const timeoutSeconds = args.stepTimeoutSeconds ?? DEFAULT_STEP_TIMEOUT;
  const tagged = (role: string) => p.tags.apply((t) => ({ ...t, "vm-rescue:role": role }));
  const inPlace = (args.mode ?? "copy") === "inPlace";

  // 1. The backup, before anything is written. Copy mode: ebs.Snapshot (waits for completion, the
  //    copy needs it). inPlace: a snapshot started and not awaited; the repair waits for completion.
  let snapshotId: pulumi.Output<string>;
  let snapshotResource: pulumi.Resource;
  if (inPlace) {
    const s = steps.backupSnapshot(
      `${name}-snapshot`,
      { region, timeoutSeconds, volumeId: p.source.rootVolumeId, description: p.snapshot.description, tags: tagged("backup") },
      kept,
    );
    snapshotId = s.snapshotId;
    snapshotResource = s.resource;
  } else {
    const s = new ebs.Snapshot(`${name}-snapshot`, { region, volumeId: p.source.rootVolumeId, description: p.snapshot.description, tags: tagged("backup") }, kept);
    snapshotId = s.id;
    snapshotResource = s;
  }

  // 2. The volume under repair: a copy from the snapshot, or (inPlace) the original once detached.
  const detach = steps.rootDetach(
    `${name}-stop-detach`,
    { region, timeoutSeconds, instanceId: p.source.instanceId, rootVolumeId: p.source.rootVolumeId, snapshotId },
    { parent, dependsOn: [snapshotResource] },
  );
  let repairVolumeId: pulumi.Output<string>;
  let copy: ebs.Volume | undefined;
  if (inPlace) {
    repairVolumeId = detach.detachedVolumeId;
  } else {
    const cv = p.copyVolume.apply((c) => c!);
    copy = new ebs.Volume(
      `${name}-copy`,
      {
        region,
        availabilityZone: cv.availabilityZone,
        snapshotId,
        type: cv.volumeType,
        iops: cv.iops.apply((x) => x ?? undefined),
        throughput: cv.throughput.apply((x) => x ?? undefined),
        size: cv.sizeGiB.apply((x) => x ?? undefined),
        encrypted: cv.encrypted,
        kmsKeyId: cv.kmsKeyId.apply((x) => x ?? undefined),
        tags: tagged("repair-copy"),
      },
      kept,
    );
    repairVolumeId = copy.id;
  }

  // 3. Artifacts: a private, encrypted bucket; kept (it is the evidence).
  const bucket = new s3.Bucket(`${name}-artifacts`, { region, bucket: p.artifacts.bucketName, forceDestroy: false, tags: p.tags }, kept);
  const bucketPab = new s3.BucketPublicAccessBlock(
    `${name}-artifacts-pab`,
    { region, bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
    kept,
  );
  new s3.BucketServerSideEncryptionConfiguration(
    `${name}-artifacts-sse`,
    { region, bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, bucketKeyEnabled: true }] },
    kept,
  );
  new s3.BucketLifecycleConfiguration(
    `${name}-artifacts-lifecycle`,
    {
      region,
      bucket: bucket.id,
      rules: [{ id: "expire-rescue-artifacts", status: "Enabled", filter: { prefix: p.artifacts.prefix }, expiration: { days: p.artifacts.lifecycleDays } }],
    },
    kept,
  );

  // 4. The helper's identity: SSM core plus writing its command output under the rescue's prefix.
  const role = new iam.Role(
    `${name}-helper-role`,
    {
      name: p.helper.roleName,
      assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }] }),
      tags: p.tags,
    },
    opts,
  );
  const ssmCore = new iam.RolePolicyAttachment(
    `${name}-helper-ssm-core`,
    { role: role.name, policyArn: pulumi.interpolate`arn:${p.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore` },
    opts,
  );
  const putArtifacts = new iam.RolePolicy(
    `${name}-helper-artifacts`,
    {
      role: role.name,
      policy: pulumi.all([p.partition, bucket.bucket, p.artifacts.prefix]).apply(([part, b, prefix]) =>
        JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["s3:PutObject"], Resource: [`arn:${part}:s3:::${b}/${prefix}*`] }] }),
      ),
    },
    opts,
  );
  const profile = new iam.InstanceProfile(`${name}-helper-profile`, { name: p.helper.instanceProfileName, role: role.name, tags: p.tags }, opts);

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
      egress: [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"], description: "SSM, EC2 messages, S3" }],
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
      metadataOptions: { httpTokens: "required", httpEndpoint: "enabled", httpPutResponseHopLimit: 1 },
      rootBlockDevice: { encrypted: true, volumeType: "gp3", deleteOnTermination: true },
      tags: p.tags.apply((t) => ({ ...t, Name: `${t["vm-rescue:id"]}-helper`, "vm-rescue:role": "helper" })),
    },
    { parent, dependsOn: [ssmCore, putArtifacts], deleteBeforeReplace: true },
  );

  // 7. The volume on the helper as xvdf. skipDestroy: destroy must never detach it (after the swap
  //    it is the instance's root; before, terminating the helper releases it, and a volume attached
  //    after launch is not deleted with the helper). deleteBeforeReplace: a replaced helper or
  //    attachment would otherwise attach while the volume is still on the old one (pulumi-aws#2769).
  const attachment = new ec2.VolumeAttachment(
    `${name}-helper-attachment`,
    { region, instanceId: helper.id, volumeId: repairVolumeId, deviceName: p.helper.deviceName, skipDestroy: true },
    { parent, deleteBeforeReplace: true },
  );

  // 8. The scripts as SSM Command documents (schema 2.2, aws:runPowerShellScript).
  const collectCmd = ssmCommandDocument("collect.ps1", {});
  const repairDoc = ssmCommandDocument("repair.ps1", { Actions: ["EnableCrashDump"] }).document;
  const document = (key: "collect" | "repair", content: object) =>
    new ssm.Document(
      `${name}-${key}-doc`,
      { region, name: p.documents[key], documentType: "Command", documentFormat: "JSON", targetType: "/AWS::EC2::Instance", content: JSON.stringify(content), tags: p.tags },
      opts,
    );
  const collectDoc = document("collect", collectCmd.document);
  const repairDocument = document("repair", repairDoc);
  const outputs = { region, timeoutSeconds, instanceId: helper.id, bucketName: bucket.bucket, keyPrefix: p.artifacts.prefix };

  const collect = steps.ssmCommand(
    `${name}-collect`,
    { ...outputs, documentName: collectDoc.name, parameters: collectCmd.parameters },
    { parent, dependsOn: [attachment, bucketPab, ssmCore, putArtifacts] },
  );

  // 9. Triage, driver check and repair plan: pure TypeScript over the collected facts.
  const decision = pulumi
    .all([collect.stdout, p.source.instanceType])
    .apply(([stdout, type]) => repairFromCollect(stdout, type, { dryRun: args.dryRun, driver: args.repairDriver }));
  const repair = steps.ssmCommand(
    `${name}-repair`,
    { ...outputs, documentName: repairDocument.name, parameters: decision.parameters, waitForSnapshotId: inPlace ? snapshotId : "" },
    { parent, dependsOn: [collect.resource] },
  );

  // 10. Swap back at the original root device name, restore DeleteOnTermination and state, verify.
  let swap: ReturnType<typeof steps.rootSwap> | undefined;
  let verified: ReturnType<typeof steps.verify> | undefined;
  if (args.swap !== false && !args.dryRun) {
    swap = steps.rootSwap(
      `${name}-swap`,
      {
        region,
        timeoutSeconds,
        instanceId: p.source.instanceId,
        rootDeviceName: p.restore.rootDeviceName,
        volumeId: repairVolumeId,
        helperInstanceId: helper.id,
        deleteOnTermination: p.restore.deleteOnTermination,
        blockedReason: decision.blockedReason,
      },
      { parent, dependsOn: [repair.resource, detach.resource] },
    );
    verified = steps.verify(
      `${name}-verify`,
      { region, timeoutSeconds, instanceId: p.source.instanceId, finalState: p.restore.finalState, rollbackVolumeId: inPlace ? pulumi.interpolate`a new volume from ${snapshotId}` : p.source.rootVolumeId },
      { parent, dependsOn: [swap.resource] },
    );
  }

  // 11. Rollback on request: the original (copy) or a volume from the backup (inPlace) back as root.
  let rollback: ReturnType<typeof steps.rollback> | undefined;
  if (args.rollback) {
    const restoreVolumeId = inPlace
      ? new ebs.Volume(
          `${name}-restore`,
          { region, availabilityZone: p.availabilityZone, snapshotId, type: "gp3", tags: tagged("rollback-from-backup") },
          kept,
        ).id
      : p.source.rootVolumeId;
    rollback = steps.rollback(
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

  return { snapshotId, snapshotResource, detach, copy, repairVolumeId, bucket, role, profile, sg, helper, attachment, collectDoc, repairDocument, collect, decision, repair, swap, verified, rollback };
}
