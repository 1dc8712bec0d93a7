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
import { WINDOWS_SERVER_BUILDS, type WindowsServerVersion } from "./azure";
import { ACTION_ORDER, SERVICE_NAME_PATTERN } from "../vocabulary/repairActions";
import {
  ID_TAG,
  SOURCE_TAG,
  ROLE_TAG,
  COPY_OF_TAG,
  MODE_TAG,
  BACKUP_ROLE,
} from "../vocabulary/tags";

export type AwsRescueMode = "copy" | "inPlace";

/** Options an operator may set (Pulumi config / `--set key=value`). All plain values. */
export interface AwsRescueOptions {
  /** Identifies this rescue in names and tags: lowercase letters, digits and hyphens, ≤ 24 chars. */
  rescueId: string;
  /** `copy` (default): repair a new volume from the snapshot and swap it in; `inPlace`: repair the original root. */
  mode?: string;
  /** Helper instance type. Default `t3.medium` (the runbook's default). */
  helperInstanceType?: string;
  /** SSM public parameter of the helper AMI, overriding the automatic choice. */
  helperAmiParameter?: string;
  /** Subnet of the helper. Default: the instance's subnet (it must be in the same AZ). */
  subnetId?: string;
  /** Windows Server version of the broken instance when the description does not tell (2016, 2019, ...). */
  windowsVersion?: string;
  /** The operator confirms the deploying identity may use the root volume's KMS key (CreateGrant, Decrypt, ...). */
  kmsGrantConfirmed?: boolean;
  /** Service names of the VPC endpoints of the helper's VPC (describe-vpc-endpoints), when known. */
  vpcEndpointServices?: string[];
  /** The operator confirms the helper's subnet reaches SSM through a NAT gateway. */
  natConfirmed?: boolean;
  /** Extra tags on everything the rescue creates. */
  tags?: Record<string, string>;
  /** Swap the repaired volume in (default true). Copy mode: false leaves the broken instance untouched. */
  swap?: boolean;
  /** repair.ps1 only reports what it would do; nothing is swapped. */
  dryRun?: boolean;
  /** Put the replaced root back. */
  rollback?: boolean;
  /** Force the culprit (service name or .sys file on the disk) instead of the triage's choice. */
  driver?: string;
  /** repair.ps1 actions to run instead of the automatic choice. */
  actions?: string[];
  /** Swap even when the guest-driver check blocks it. */
  allowIncompatibleDrivers?: boolean;
  /** The instance type the repaired disk must boot on, for the guest-driver check. Default: the instance's current type. */
  targetInstanceType?: string;
  /** The instance's original root volume, when the live root is this rescue's copy and carries no vm-rescue:copy-of tag. */
  originalRootVolumeId?: string;
}

/** A volume's storage settings, copied from the original root. */
export interface AwsVolumeSpec {
  availabilityZone: string;
  volumeType: string;
  iops: number | null;
  throughput: number | null;
  sizeGiB: number | null;
  encrypted: boolean;
  kmsKeyId: string | null;
}

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
/** The VPC endpoint services the helper needs when it has no route to the internet. */
export const SSM_ENDPOINT_SERVICES = ["ssm", "ec2messages", "ssmmessages", "s3"] as const;

const RESCUE_ID = /^[a-z0-9](?:[a-z0-9-]{0,22}[a-z0-9])?$/;
const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9]+$/;
const AMI_PARAMETER = /^\/aws\/service\/ami-windows-latest\/[A-Za-z0-9_.-]{1,200}$/;
const SUBNET = /^subnet-[0-9a-f]{8,17}$/;
const VOLUME = /^vol-[0-9a-f]{8,17}$/;
const TAG_KEY = /^(?!aws:)[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;
const HELPER_PREFERENCE: WindowsServerVersion[] = ["2022", "2025", "2019"];
const AMI_PARAMETER_VERSIONS: Partial<Record<WindowsServerVersion, string>> = {
  "2016": "Windows_Server-2016-English-Full-Base",
  "2019": "Windows_Server-2019-English-Full-Base",
  "2022": "Windows_Server-2022-English-Full-Base",
  "2025": "Windows_Server-2025-English-Full-Base",
};

/** The SSM public parameter of the latest AWS Windows Server AMI of a version. */
export function windowsAmiParameter(version: WindowsServerVersion): string {
  const name = AMI_PARAMETER_VERSIONS[version];
  if (!name)
    throw new PlanError(
      "invalid-option",
      `there is no current AWS AMI for Windows Server ${version}`,
    );
  return `/aws/service/ami-windows-latest/${name}`;
}

/**
 * Plans the AWS rescue. Throws {@link PlanError} for an instance that cannot be rescued or a bad
 * option; never touches the network or the file system.
 */
export function planAwsRescue(input: AwsRescueInput, options: AwsRescueOptions): AwsRescuePlan {
  const i = input.instance;
  const warnings: string[] = [];
  const mode = validateOptions(options);

  if (i.platform === null) {
    throw new PlanError(
      "unknown-os",
      `instance ${i.instanceId}: the description does not say its platform; vm-rescue rescues Windows instances (describe-instances prints Platform "windows")`,
    );
  }
  if (i.platform !== "windows") {
    throw new PlanError(
      "not-windows",
      `instance ${i.instanceId} runs ${i.platformDetails ?? i.platform}; vm-rescue rescues Windows instances only (for Linux use AWSSupport-ExecuteEC2Rescue)`,
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
      `instance ${i.instanceId} has an instance-store root; it cannot be detached or snapshotted (launch a replacement and restore from a backup)`,
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

function validateOptions(o: AwsRescueOptions): AwsRescueMode {
  if (!RESCUE_ID.test(o.rescueId ?? "")) {
    throw new PlanError(
      "invalid-option",
      `rescueId ${JSON.stringify(o.rescueId)} must be 1-24 lowercase letters, digits or hyphens, starting and ending with a letter or digit`,
    );
  }
  const mode = o.mode ?? "copy";
  if (mode !== "copy" && mode !== "inPlace")
    throw new PlanError("invalid-option", `mode ${JSON.stringify(o.mode)} must be copy or inPlace`);
  if (o.helperInstanceType !== undefined && !INSTANCE_TYPE.test(o.helperInstanceType)) {
    throw new PlanError(
      "invalid-option",
      `helperInstanceType ${JSON.stringify(o.helperInstanceType)} is not an EC2 instance type such as t3.medium`,
    );
  }
  if (o.helperAmiParameter !== undefined && !AMI_PARAMETER.test(o.helperAmiParameter)) {
    throw new PlanError(
      "invalid-option",
      `helperAmiParameter ${JSON.stringify(o.helperAmiParameter)} must be a public parameter under /aws/service/ami-windows-latest/`,
    );
  }
  if (o.subnetId !== undefined && !SUBNET.test(o.subnetId))
    throw new PlanError(
      "invalid-option",
      `subnetId ${JSON.stringify(o.subnetId)} is not a subnet id (subnet-…)`,
    );
  if (o.windowsVersion !== undefined && !(o.windowsVersion in WINDOWS_SERVER_BUILDS)) {
    throw new PlanError(
      "invalid-option",
      `windowsVersion ${JSON.stringify(o.windowsVersion)} must be one of ${Object.keys(WINDOWS_SERVER_BUILDS).join(", ")}`,
    );
  }
  if (o.targetInstanceType !== undefined && !INSTANCE_TYPE.test(o.targetInstanceType)) {
    throw new PlanError(
      "invalid-option",
      `targetInstanceType ${JSON.stringify(o.targetInstanceType)} is not an EC2 instance type such as m5.large`,
    );
  }
  if (o.originalRootVolumeId !== undefined && !VOLUME.test(o.originalRootVolumeId)) {
    throw new PlanError(
      "invalid-option",
      `originalRootVolumeId ${JSON.stringify(o.originalRootVolumeId)} is not an EBS volume id (vol-…)`,
    );
  }
  if (o.driver !== undefined && !SERVICE_NAME_PATTERN.test(o.driver)) {
    throw new PlanError(
      "invalid-option",
      `driver ${JSON.stringify(o.driver)} is not a service or driver file name (letters, digits, "_", ".", "-"; at most 64)`,
    );
  }
  if (o.actions !== undefined) {
    if (!Array.isArray(o.actions) || o.actions.length === 0)
      throw new PlanError(
        "invalid-option",
        `actions must name at least one repair action (${ACTION_ORDER.join(", ")})`,
      );
    const bad = o.actions.filter((a) => !(ACTION_ORDER as readonly string[]).includes(a));
    if (bad.length > 0)
      throw new PlanError(
        "invalid-option",
        `actions: ${bad.map((a) => JSON.stringify(a)).join(", ")} ${bad.length === 1 ? "is not a repair action" : "are not repair actions"}; choose from ${ACTION_ORDER.join(", ")}`,
      );
  }
  for (const [k, v] of Object.entries({
    swap: o.swap,
    dryRun: o.dryRun,
    rollback: o.rollback,
    allowIncompatibleDrivers: o.allowIncompatibleDrivers,
    kmsGrantConfirmed: o.kmsGrantConfirmed,
    natConfirmed: o.natConfirmed,
  })) {
    if (v !== undefined && typeof v !== "boolean")
      throw new PlanError("invalid-option", `${k} must be true or false`);
  }
  if (o.rollback === true && o.dryRun === true)
    throw new PlanError(
      "invalid-option",
      "rollback=true and dryRun=true together: a dry run changes nothing, so there is nothing to roll back; set one of them",
    );
  for (const [k, v] of Object.entries(o.tags ?? {})) {
    if (!TAG_KEY.test(k) || typeof v !== "string" || !TAG_VALUE.test(v)) {
      throw new PlanError(
        "invalid-option",
        `tag ${JSON.stringify(k)}: EC2 tag keys are 1-128 and values 0-256 letters, digits, spaces and _ . : / = + - @, and keys may not start with aws:`,
      );
    }
  }
  return mode;
}

/** The original root's storage settings for a volume made from its snapshot (AWS defaults a new volume to gp2). */
function volumeSpec(
  zone: string,
  root: NonNullable<AwsInstanceFacts["root"]>,
  warnings: string[],
): AwsVolumeSpec {
  const volumeType = root.volumeType ?? "gp3";
  if (!root.volumeType)
    warnings.push(
      "the root volume's type is not in the description (give describe-volumes output); the volume made from the backup uses gp3",
    );
  if (volumeType === "standard")
    warnings.push(
      "the root volume is magnetic (standard); the volume made from the backup keeps the type, so the repair reads slowly",
    );
  const provisioned = volumeType === "io1" || volumeType === "io2" || volumeType === "gp3";
  return {
    availabilityZone: zone,
    volumeType,
    iops: provisioned ? root.iops : null,
    throughput: volumeType === "gp3" ? root.throughput : null,
    sizeGiB: root.sizeGiB,
    encrypted: root.encrypted === true,
    kmsKeyId: root.encrypted === true ? root.kmsKeyId : null,
  };
}

/**
 * The instance's original root volume. After the swap the live root is this rescue's copy (tagged
 * vm-rescue:copy-of=<original> and vm-rescue:id=<this rescue>): planning with the original keeps
 * every resource's inputs as they were, so a second `up` (e.g. rollback=true) does not snapshot
 * and copy the repaired volume, and the rollback target stays the original.
 */
export function originalRoot(
  currentRootVolumeId: string,
  rootVolumeTags: Record<string, string> | null,
  options: Pick<AwsRescueOptions, "rescueId" | "originalRootVolumeId">,
  warnings: string[],
): string {
  if (options.originalRootVolumeId) return options.originalRootVolumeId;
  const copyOf = rootVolumeTags?.[COPY_OF_TAG];
  if (!copyOf) return currentRootVolumeId;
  if (!VOLUME.test(copyOf)) {
    warnings.push(
      `the root volume ${currentRootVolumeId} has a ${COPY_OF_TAG} tag that is not a volume id (${JSON.stringify(copyOf)}); it is treated as the original root`,
    );
    return currentRootVolumeId;
  }
  const owner = rootVolumeTags?.[ID_TAG];
  if (owner !== options.rescueId) {
    warnings.push(
      `the root volume ${currentRootVolumeId} was made by rescue ${owner ?? "(unknown)"} from ${copyOf}; this rescue treats it as the root (set originalRootVolumeId to plan with ${copyOf})`,
    );
    return currentRootVolumeId;
  }
  return copyOf;
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

function decideHelperVersion(
  source: WindowsServerVersion | null,
  options: AwsRescueOptions,
  warnings: string[],
): WindowsServerVersion {
  if (options.helperAmiParameter) {
    const m = /Windows_Server-(2016|2019|2022|2025)/.exec(options.helperAmiParameter);
    const v = (m?.[1] ?? "2022") as WindowsServerVersion;
    if (source !== null && v === source) {
      warnings.push(
        `helperAmiParameter ${options.helperAmiParameter} is the same Windows version as the broken instance; the attached volume may collide on its disk signature (the scripts handle it, a different version avoids it)`,
      );
    }
    return v;
  }
  if (source === null) {
    warnings.push(
      "the broken instance's Windows version is unknown (set windowsVersion); the helper runs Windows Server 2022 and the scripts handle a disk-signature collision if one occurs",
    );
  }
  return HELPER_PREFERENCE.find((v) => v !== source) as WindowsServerVersion;
}

function networkWarnings(region: string, options: AwsRescueOptions, warnings: string[]): void {
  if (options.natConfirmed) return;
  const wanted = SSM_ENDPOINT_SERVICES.map((s) => `com.amazonaws.${region}.${s}`);
  if (options.vpcEndpointServices) {
    const missing = wanted.filter((w) => !options.vpcEndpointServices!.includes(w));
    if (missing.length > 0) {
      warnings.push(
        `the helper has no public IP and its VPC lacks the endpoint(s) ${missing.join(", ")}: without a NAT gateway SSM cannot reach it and the collect step times out`,
      );
    }
    return;
  }
  warnings.push(
    `the helper has no public IP: its subnet must reach SSM through VPC endpoints (${wanted.join(", ")}) or a NAT gateway; this could not be checked from the input (set natConfirmed=true, or give the VPC's endpoint services)`,
  );
}
