/**
 * The resources of the AWS rescue up to the collect, created from the plan: the backup snapshot
 * (kept), the volume under repair (copy mode: a new volume from the backup, kept; inPlace: the
 * original root, once detached), the private artifacts bucket (kept), the helper's role, security
 * group and instance with the volume attached, the SSM documents and the collect command.
 */
import * as pulumi from "@pulumi/pulumi";
import * as ebs from "@pulumi/aws/ebs";
import * as ec2 from "@pulumi/aws/ec2";
import * as s3 from "@pulumi/aws/s3";
import * as ssm from "@pulumi/aws/ssm";
import { AwsRescuePlan, AwsVolumeSpec, backupTags } from "../../topology/aws";
import { ssmCommandDocument } from "../../guest/embed";
import { COLLECT_MAX_MINIDUMPS, GUEST_BINARY_PATHS, uploadNames } from "../../collect/manifest";
import { BackupSnapshot } from "./snapshots";
import { SsmCommand } from "./scripts";
import { RootVolumeDetach } from "./swap";
import { SNAPSHOT_CREATE_SECONDS } from "./stepKit";
import type { AwsWindowsRescueArgs } from "./args";
import type { AwsStandbyRef } from "../../topology/awsStandby";
import { createHelper } from "./helper";

export { helperArtifactsPolicy } from "./helper";
import { ROLE_TAG, REPAIR_COPY_ROLE, COPY_OF_TAG } from "../../vocabulary/tags";

const DEFAULT_STEP_TIMEOUT = 1800;

/** A volume from the backup with the original root's settings, tagged copy-of=<original> (kept). */
export function volumeFromBackup(
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
  standby?: AwsStandbyRef,
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
    const s = new BackupSnapshot(
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
    snapshotResource = s;
  } else {
    const s = new ebs.Snapshot(
      `${name}-snapshot`,
      {
        region,
        volumeId: p.source.rootVolumeId,
        description: p.snapshot.description,
        tags: backup,
      },
      // A first full snapshot of a root can take far longer than the provider's default.
      { ...kept, customTimeouts: { create: `${SNAPSHOT_CREATE_SECONDS}s` } },
    );
    snapshotId = s.id;
    snapshotResource = s;
  }

  // 2. The volume under repair. inPlace: the original root, once the instance is stopped and the
  //    root detached (after the snapshot has started). Copy: a new volume from the completed
  //    snapshot with the original's settings, tagged copy-of=<original> so a later `up` that finds
  //    it as the root plans with the original; the broken instance is not touched here.
  const always = { allowed: true, reasons: [] as string[] };
  let detach: RootVolumeDetach | undefined;
  let repairVolumeId: pulumi.Output<string>;
  let copy: ebs.Volume | undefined;
  if (inPlace) {
    detach = new RootVolumeDetach(
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

  // 4-6. The helper: launched here (identity, network, instance), or a standby helper started.
  const helper = createHelper(name, p, bucket, parent, standby, {
    region,
    timeoutSeconds,
    availabilityZone: p.availabilityZone,
    rescueVolumeIds: inPlace ? p.source.rootVolumeId.apply((v) => [v]) : [],
  });

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
    { parent, deleteBeforeReplace: true, dependsOn: [helper.resource] },
  );

  // 8. The scripts as SSM Command documents (schema 2.2, aws:runPowerShellScript).
  // collect.ps1 ships the raw evidence to collect/ under the rescue's prefix (presigned PUT URLs,
  // made by the step when it sends the command) and prints its manifest.
  const collectCmd = ssmCommandDocument("collect.ps1", {
    MaxMinidumps: COLLECT_MAX_MINIDUMPS,
    FileFactPaths: Object.values(GUEST_BINARY_PATHS),
  });
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
  const commandTarget = {
    region,
    timeoutSeconds,
    instanceId: helper.id,
    bucketName: bucket.bucket,
    keyPrefix: p.artifacts.prefix,
  };
  const filesBase = pulumi.interpolate`s3://${bucket.bucket}/${p.artifacts.prefix}`;

  const collect = new SsmCommand(
    `${name}-collect`,
    {
      ...commandTarget,
      documentName: collectDoc.name,
      parameters: collectCmd.parameters,
      filesBase,
      uploadStage: "collect",
      uploadNames: uploadNames(COLLECT_MAX_MINIDUMPS),
    },
    { parent, dependsOn: [attachment, bucketPab, ...helper.ready] },
  );

  return {
    snapshotId,
    snapshotResource,
    detach,
    copy,
    repairVolumeId,
    bucket,
    helper,
    attachment,
    collectDoc,
    repairDocument,
    collect,
    commandTarget,
    filesBase,
    inPlace,
    timeoutSeconds,
  };
}

export type AwsRescueResources = ReturnType<typeof createAwsRescueResources>;
