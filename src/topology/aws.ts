/**
 * The AWS rescue plan: a pure function of the broken EC2 instance's description (describe-instances
 * / describe-volumes JSON, or what `aws.ec2.getInstance` returns) and the operator's options. It
 * decides the mode, the helper (AMI parameter, type, subnet), the copy volume, the attachment and
 * the restore, every name and tag, and rejects instances it cannot rescue with a specific
 * {@link PlanError}. The `AwsWindowsRescue` component only translates the plan into resources.
 */
import { createHash } from "crypto";
import { PlanError } from "../vocabulary/errors";
import { AwsInstanceFacts, partitionOf, regionOfZone } from "../describe/awsInstance";
import type { WindowsServerVersion } from "./windows";
import { ID_TAG, SOURCE_TAG, ROLE_TAG, MODE_TAG, BACKUP_ROLE } from "../vocabulary/tags";
import { validateAwsRescueOptions, type AwsRescueMode, type AwsRescueOptions } from "./awsOptions";
export type { AwsRescueMode } from "./awsOptions";
import { originalRoot, volumeSpec, type AwsVolumeSpec } from "./awsRootVolume";
export type { AwsVolumeSpec } from "./awsRootVolume";
import { decideHelperVersion, networkWarnings, windowsAmiParameter } from "./awsHelper";

export interface AwsRescuePlan {
  rescueId: string;
  mode: AwsRescueMode;
  region: string;
  partition: string;
  availabilityZone: string;
  source: {
    instanceId: string;
    instanceType: string | null;
    state: string;
    windowsVersion: WindowsServerVersion | null;
    rootDeviceName: string;
    /** The original root volume: the backup's source and the rollback target (also after the swap). */
    rootVolumeId: string;
    /** The volume at the root device now: the original, or after the swap this rescue's copy. */
    currentRootVolumeId: string;
    deleteOnTermination: boolean;
    encrypted: boolean | null;
    kmsKeyId: string | null;
  };
  /** The backup. Copy mode waits for it to complete (the copy is made from it); inPlace only for it to start. */
  snapshot: { description: string; waitForCompletion: boolean };
  /** Copy mode: the new volume the helper repairs and that becomes the root. Null in inPlace mode. */
  copyVolume: AwsVolumeSpec | null;
  /** inPlace rollback: the volume made from the backup, with the original's settings. Null in copy mode. */
  restoreVolume: AwsVolumeSpec | null;
  /** What the repair and the swap gate are decided with (the collect output decides the rest at deploy time). */
  repair: {
    driver: string | null;
    actions: string[] | null;
    dryRun: boolean;
    allowIncompatibleDrivers: boolean;
    /** The type the guest-driver check is made against. */
    targetInstanceType: string | null;
  };
  /**
   * Whether the stop/detach/swap steps exist at all. Copy mode: only with swap=true and no dry run,
   * and even then they act only when the gate (from the collect output) allows. inPlace: the root
   * always goes back (started only when the gate allows).
   */
  swap: { planned: boolean; reasons: string[] };
  rollback: boolean;
  helper: {
    name: string;
    instanceType: string;
    amiParameter: string;
    windowsVersion: WindowsServerVersion;
    subnetId: string;
    /** Where the volume under repair is attached on the helper. */
    deviceName: string;
    roleName: string;
    instanceProfileName: string;
    securityGroupName: string;
  };
  artifacts: { bucketName: string; prefix: string; lifecycleDays: number };
  documents: { collect: string; repair: string };
  restore: {
    rootDeviceName: string;
    deleteOnTermination: boolean;
    /** The state the instance is left in after the verification boot. */
    finalState: "running" | "stopped";
  };
  tags: Record<string, string>;
  warnings: string[];
}

export interface AwsRescueInput {
  instance: AwsInstanceFacts;
  /** Tags of the volume at the root device now (ebs.getVolume); tells a rescue's copy from the original. */
  rootVolumeTags?: Record<string, string> | null;
}

export const DEFAULT_HELPER_INSTANCE_TYPE = "t3.medium";
export const HELPER_DEVICE_NAME = "xvdf";
export const ARTIFACT_LIFECYCLE_DAYS = 90;

/**
 * Plans the AWS rescue. Throws {@link PlanError} for an instance that cannot be rescued or a bad
 * option; never touches the network or the file system.
 */
export function planAwsRescue(input: AwsRescueInput, options: AwsRescueOptions): AwsRescuePlan {
  const i = input.instance;
  const warnings: string[] = [];
  const mode = validateAwsRescueOptions(options);

  if (i.platform === null) {
    throw new PlanError(
      "unknown-os",
      `instance ${i.instanceId}: the description does not say its platform; vm-rescue rescues Windows instances (describe-instances prints Platform "windows")`,
    );
  }
  if (i.platform !== "windows") {
    throw new PlanError(
      "not-windows",
      `instance ${i.instanceId} runs ${i.platformDetails ?? i.platform} (Platform, PlatformDetails); vm-rescue rescues Windows instances only (for Linux use AWSSupport-ExecuteEC2Rescue)`,
    );
  }
  if (i.state === "terminated" || i.state === "shutting-down") {
    throw new PlanError(
      "instance-terminated",
      `instance ${i.instanceId} is ${i.state}; there is nothing to rescue (restore its root from a snapshot instead)`,
    );
  }
  if (i.rootDeviceType === "instance-store") {
    throw new PlanError(
      "instance-store-root",
      `instance ${i.instanceId} has an instance-store root (RootDeviceType); it cannot be detached or snapshotted (launch a replacement and restore from a backup)`,
    );
  }
  if (!i.root) {
    throw new PlanError(
      "no-root-device",
      `instance ${i.instanceId}: no EBS volume is attached at its root device ${i.rootDeviceName ?? "(unknown)"}. If a rescue's up stopped after detaching the root and before the swap, put the original root back first: vm-rescue rollback --cloud aws --instance-id ${i.instanceId} --region ${regionOfZone(i.availabilityZone)} (it finds the original by the rescue's tags on the backup snapshot and the copy volume; or add --original-volume vol-…), then run up again. For vm-rescue plan, give describe-instances output with RootDeviceName and BlockDeviceMappings`,
    );
  }
  const marketplace = [...i.productCodes, ...i.root.productCodes].filter((c) =>
    /marketplace/i.test(c.type),
  );
  if (marketplace.length > 0) {
    throw new PlanError(
      "marketplace-root",
      `the root volume of ${i.instanceId} carries AWS Marketplace product code(s) ${[...new Set(marketplace.map((c) => c.id))].join(", ")}: EC2 attaches such a volume only to a stopped instance of a compatible type, so it cannot be attached to a running helper. Rescue it by hand: stop a helper launched from the same Marketplace product, attach the volume as xvdf, start the helper and repair; or launch a replacement from the product and restore the data`,
    );
  }
  if (i.root.encrypted === true) {
    if (!i.root.kmsKeyId) {
      throw new PlanError(
        "kms-key-unknown",
        `the root volume ${i.root.volumeId} is encrypted but its KMS key id is not in the description; give describe-volumes output (KmsKeyId)`,
      );
    }
    if (options.kmsGrantConfirmed !== true) {
      throw new PlanError(
        "kms-grant-unconfirmed",
        `the root volume ${i.root.volumeId} is encrypted with ${i.root.kmsKeyId}: the deploying identity needs kms:CreateGrant, kms:Decrypt, kms:ReEncrypt*, kms:GenerateDataKeyWithoutPlaintext and kms:DescribeKey on it to copy and attach the volume; grant them, then set kmsGrantConfirmed=true`,
      );
    }
  }
  if (i.root.encrypted === null)
    warnings.push(
      "the root volume's encryption is not in the description (give describe-volumes output); a copy of an encrypted snapshot stays encrypted with the snapshot's key",
    );

  const region = regionOfZone(i.availabilityZone);
  const subnetId = options.subnetId ?? i.subnetId;
  if (!subnetId)
    throw new PlanError(
      "no-subnet",
      `instance ${i.instanceId} has no subnet in its description (EC2-Classic?); set subnetId to a subnet in ${i.availabilityZone}`,
    );
  if (options.subnetId && options.subnetId !== i.subnetId) {
    warnings.push(
      `the helper's subnet ${options.subnetId} must be in ${i.availabilityZone}: EBS volumes attach only within their availability zone`,
    );
  }

  const windowsVersion = detectAwsWindowsVersion(i, options);
  const helperVersion = decideHelperVersion(windowsVersion, options, warnings);
  const amiParameter = options.helperAmiParameter ?? windowsAmiParameter(helperVersion);

  networkWarnings(region, options, warnings);
  if (i.state !== "running" && i.state !== "stopped") {
    warnings.push(
      `instance ${i.instanceId} is ${i.state}; the rescue waits for it to settle and stops it (force-stopping after the timeout)`,
    );
  }
  if (mode === "inPlace") {
    warnings.push(
      "inPlace mode repairs the original root volume; the backup snapshot is the only way back (rollback creates a volume from it)",
    );
  }

  const spec = volumeSpec(i.availabilityZone, i.root, warnings);
  const copyVolume = mode === "copy" ? spec : null;
  const restoreVolume = mode === "inPlace" ? spec : null;
  const root = originalRoot(i.root.volumeId, input.rootVolumeTags ?? null, options, warnings);

  const dryRun = options.dryRun === true;
  const swapReasons: string[] = [];
  if (options.swap === false)
    swapReasons.push(
      mode === "copy"
        ? "swap=false: the repaired copy is not swapped in; the broken instance is not touched"
        : "swap=false: the repaired root goes back but the instance is not started",
    );
  if (dryRun)
    swapReasons.push(
      mode === "copy"
        ? "dryRun=true: repair.ps1 changes nothing, so nothing is swapped and the broken instance is not touched"
        : "dryRun=true: repair.ps1 changes nothing; the root goes back unchanged and the instance is not started",
    );
  const targetInstanceType = options.targetInstanceType ?? i.instanceType;
  if (options.targetInstanceType && options.targetInstanceType !== i.instanceType) {
    warnings.push(
      `the guest drivers are checked for ${options.targetInstanceType} (the instance runs ${i.instanceType ?? "an unknown type"}); vm-rescue does not change the type: change it while the instance is stopped`,
    );
  }

  const id = options.rescueId;
  const hash = createHash("sha256").update(`${i.instanceId}/${id}`).digest("hex");
  const tags: Record<string, string> = {
    ...(options.tags ?? {}),
    [ID_TAG]: id,
    [SOURCE_TAG]: i.instanceId,
  };
  const name = i.tags.Name ? `${i.tags.Name} (${i.instanceId})` : i.instanceId;

  return {
    rescueId: id,
    mode,
    region,
    partition: partitionOf(region),
    availabilityZone: i.availabilityZone,
    source: {
      instanceId: i.instanceId,
      instanceType: i.instanceType,
      state: i.state,
      windowsVersion,
      rootDeviceName: i.root.deviceName,
      rootVolumeId: root,
      currentRootVolumeId: i.root.volumeId,
      deleteOnTermination: i.root.deleteOnTermination ?? true,
      encrypted: i.root.encrypted,
      kmsKeyId: i.root.kmsKeyId,
    },
    snapshot: {
      description: `vm-rescue ${id}: backup of the root volume of ${name}`.slice(0, 255),
      waitForCompletion: mode === "copy",
    },
    copyVolume,
    restoreVolume,
    repair: {
      driver: options.driver ?? null,
      actions: options.actions ?? null,
      dryRun,
      allowIncompatibleDrivers: options.allowIncompatibleDrivers === true,
      targetInstanceType,
    },
    swap: { planned: mode === "inPlace" || swapReasons.length === 0, reasons: swapReasons },
    rollback: options.rollback === true,
    helper: {
      name: `${id}-helper`,
      instanceType: options.helperInstanceType ?? DEFAULT_HELPER_INSTANCE_TYPE,
      amiParameter,
      windowsVersion: helperVersion,
      subnetId,
      deviceName: HELPER_DEVICE_NAME,
      roleName: `vm-rescue-${id}-helper`,
      instanceProfileName: `vm-rescue-${id}-helper`,
      securityGroupName: `vm-rescue-${id}-helper`,
    },
    artifacts: {
      bucketName: `vm-rescue-${id}-${hash.slice(0, 12)}`,
      prefix: `rescue/${id}/`,
      lifecycleDays: ARTIFACT_LIFECYCLE_DAYS,
    },
    documents: { collect: `vm-rescue-${id}-collect`, repair: `vm-rescue-${id}-repair` },
    restore: {
      rootDeviceName: i.root.deviceName,
      deleteOnTermination: i.root.deleteOnTermination ?? true,
      finalState: i.state === "stopped" || i.state === "stopping" ? "stopped" : "running",
    },
    tags,
    warnings,
  };
}

/**
 * The backup snapshot's tags: the rescue's tags (vm-rescue:id, vm-rescue:source), its role and the
 * mode. The snapshot's source volume is the original root, so these tags are how the direct
 * rollback tells an inPlace rescue (the root was repaired in place: a volume from the backup goes
 * back) and finds the original of an instance left without a root.
 */
export function backupTags(plan: Pick<AwsRescuePlan, "tags" | "mode">): Record<string, string> {
  return { ...plan.tags, [ROLE_TAG]: BACKUP_ROLE, [MODE_TAG]: plan.mode };
}

/** The Windows Server version from the option, the AMI name or the platform details, else null. */
export function detectAwsWindowsVersion(
  i: AwsInstanceFacts,
  options: Pick<AwsRescueOptions, "windowsVersion"> = {},
): WindowsServerVersion | null {
  if (options.windowsVersion) return options.windowsVersion as WindowsServerVersion;
  for (const text of [i.imageName ?? "", i.platformDetails ?? ""]) {
    if (/2012[-_ ]?R2/i.test(text)) return "2012-r2";
    const m =
      /Windows_Server-(2012|2016|2019|2022|2025)|Windows Server (2012|2016|2019|2022|2025)/i.exec(
        text,
      );
    if (m) return (m[1] ?? m[2]) as WindowsServerVersion;
  }
  return null;
}
