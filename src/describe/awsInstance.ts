/**
 * The EC2 instance description the AWS planner reads, from any of three sources, normalised into
 * one {@link AwsInstanceFacts}:
 *
 * - `aws ec2 describe-instances` JSON (`Reservations[].Instances[]` with exactly one instance, or a
 *   bare instance object), optionally with `aws ec2 describe-volumes` JSON for the root volume's
 *   type, size, IOPS, throughput and encryption (describe-instances does not carry them);
 * - what `aws.ec2.getInstance` returns (camelCase, `rootBlockDevices[0]`, `instanceState`), plus
 *   optionally what `aws.ec2.getAmi` returns for its image (platform, name, root device name).
 *
 * Only the fields the rescue needs are typed; everything else is ignored.
 */
import { PlanError } from "../vocabulary/errors";

/** One instance as `describe-instances` prints it (PascalCase). */
export interface Ec2CliInstance {
  InstanceId?: string;
  InstanceType?: string;
  ImageId?: string;
  Placement?: { AvailabilityZone?: string; Tenancy?: string } | null;
  SubnetId?: string | null;
  VpcId?: string | null;
  State?: { Name?: string; Code?: number } | null;
  Platform?: string | null;
  PlatformDetails?: string | null;
  RootDeviceName?: string | null;
  RootDeviceType?: string | null;
  BlockDeviceMappings?:
    | {
        DeviceName?: string;
        Ebs?: { VolumeId?: string; DeleteOnTermination?: boolean; Status?: string } | null;
      }[]
    | null;
  ProductCodes?: { ProductCodeId?: string; ProductCodeType?: string }[] | null;
  Tags?: { Key?: string; Value?: string }[] | null;
  PublicIpAddress?: string | null;
}

/** `describe-volumes` output (one volume). */
export interface Ec2CliVolume {
  VolumeId?: string;
  Size?: number;
  VolumeType?: string;
  Iops?: number | null;
  Throughput?: number | null;
  Encrypted?: boolean;
  KmsKeyId?: string | null;
  AvailabilityZone?: string;
  ProductCodes?: { ProductCodeId?: string; ProductCodeType?: string }[] | null;
}

/** What `aws.ec2.getInstance` returns (the parts the planner reads). */
export interface PulumiGetInstanceResult {
  id?: string;
  instanceId?: string;
  instanceType?: string;
  instanceState?: string;
  availabilityZone?: string;
  subnetId?: string;
  ami?: string;
  platform?: string | null;
  platformDetails?: string | null;
  tags?: Record<string, string> | null;
  instanceTags?: Record<string, string> | null;
  rootBlockDevices?:
    | {
        deviceName?: string;
        volumeId?: string;
        deleteOnTermination?: boolean;
        encrypted?: boolean;
        kmsKeyId?: string | null;
        iops?: number | null;
        throughput?: number | null;
        volumeSize?: number | null;
        volumeType?: string | null;
      }[]
    | null;
  ephemeralBlockDevices?: unknown[] | null;
}

/** What `aws.ec2.getAmi` returns (the parts the planner reads). */
export interface AmiFacts {
  imageId?: string;
  name?: string | null;
  description?: string | null;
  platform?: string | null;
  platformDetails?: string | null;
  rootDeviceName?: string | null;
  rootDeviceType?: string | null;
  productCodes?: { productCodeId?: string; productCodeType?: string }[] | null;
}

export interface ProductCode {
  id: string;
  type: string;
}

export interface AwsRootVolumeFacts {
  deviceName: string;
  volumeId: string;
  deleteOnTermination: boolean | null;
  /** null when neither describe-volumes nor getInstance said. */
  encrypted: boolean | null;
  kmsKeyId: string | null;
  volumeType: string | null;
  iops: number | null;
  throughput: number | null;
  sizeGiB: number | null;
  productCodes: ProductCode[];
}

export interface AwsInstanceFacts {
  instanceId: string;
  instanceType: string | null;
  availabilityZone: string;
  subnetId: string | null;
  vpcId: string | null;
  /** pending, running, stopping, stopped, shutting-down, terminated. */
  state: string;
  /** "windows" when EC2 says so, "linux/unix" when it says otherwise, null when not told. */
  platform: string | null;
  platformDetails: string | null;
  imageId: string | null;
  imageName: string | null;
  /** "ebs" or "instance-store", null when not told. */
  rootDeviceType: string | null;
  rootDeviceName: string | null;
  root: AwsRootVolumeFacts | null;
  productCodes: ProductCode[];
  tags: Record<string, string>;
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

function codes(
  list:
    | {
        ProductCodeId?: string;
        ProductCodeType?: string;
        productCodeId?: string;
        productCodeType?: string;
      }[]
    | null
    | undefined,
): ProductCode[] {
  return (list ?? []).map((c) => ({
    id: String(c.ProductCodeId ?? c.productCodeId ?? ""),
    type: String(c.ProductCodeType ?? c.productCodeType ?? ""),
  }));
}

/**
 * Picks the one instance out of `describe-instances` JSON (or accepts a bare instance object or the
 * `aws.ec2.getInstance` shape). Throws a {@link PlanError} for zero or several instances.
 */
export function asEc2Instance(json: unknown): Ec2CliInstance | PulumiGetInstanceResult {
  if (isObject(json) && Array.isArray(json.Reservations)) {
    const all = (json.Reservations as unknown[]).flatMap((r) =>
      isObject(r) && Array.isArray(r.Instances) ? (r.Instances as unknown[]) : [],
    );
    if (all.length !== 1) {
      throw new PlanError(
        "invalid-input",
        `expected exactly one instance in the describe-instances JSON, found ${all.length} (filter with --instance-ids)`,
      );
    }
    return all[0] as Ec2CliInstance;
  }
  if (isObject(json) && Array.isArray(json.Instances))
    return asEc2Instance({ Reservations: [json] });
  if (
    isObject(json) &&
    (typeof json.InstanceId === "string" ||
      typeof json.instanceId === "string" ||
      Array.isArray(json.rootBlockDevices))
  ) {
    return json as Ec2CliInstance | PulumiGetInstanceResult;
  }
  throw new PlanError(
    "invalid-input",
    "expected the JSON of one EC2 instance (aws ec2 describe-instances --instance-ids i-…): no Reservations[].Instances[] or InstanceId",
  );
}

/** The volumes of `describe-volumes` JSON (`{Volumes:[...]}`, a list, or one volume). */
export function asEc2Volumes(json: unknown): Ec2CliVolume[] {
  const list =
    isObject(json) && Array.isArray(json.Volumes)
      ? json.Volumes
      : Array.isArray(json)
        ? json
        : isObject(json) && "VolumeId" in json
          ? [json]
          : null;
  if (!list || list.some((v) => !isObject(v) || typeof v.VolumeId !== "string")) {
    throw new PlanError(
      "invalid-input",
      'expected describe-volumes JSON ({"Volumes":[{"VolumeId":…}]})',
    );
  }
  return list as Ec2CliVolume[];
}

function tagsOf(
  list: { Key?: string; Value?: string }[] | null | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of list ?? []) if (t.Key) out[t.Key] = t.Value ?? "";
  return out;
}

/**
 * A field that holds a list, checked: absent is an empty list; anything else but a list of objects
 * is refused naming the field (a hand-edited file, a wrong query), not a crash further on.
 */
export function listField<T>(value: T[] | null | undefined, field: string): T[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((x) => typeof x !== "object" || x === null))
    throw new PlanError(
      "invalid-input",
      `${field}: expected a list of objects, got ${Array.isArray(value) ? "a list with a non-object" : JSON.stringify(value).slice(0, 40)}`,
    );
  return value;
}

function need(v: string | null | undefined, what: string): string {
  if (typeof v !== "string" || v === "")
    throw new PlanError("invalid-input", `${what} is missing from the instance description`);
  return v;
}

/** Normalises any accepted description of the instance (and optionally its volumes and image). */
export function instanceFacts(
  instance: Ec2CliInstance | PulumiGetInstanceResult,
  volumes: Ec2CliVolume[] = [],
  image?: AmiFacts | null,
): AwsInstanceFacts {
  if (
    "rootBlockDevices" in instance ||
    "instanceState" in instance ||
    "availabilityZone" in instance
  ) {
    return fromGetInstance(instance as PulumiGetInstanceResult, image);
  }
  const i = instance as Ec2CliInstance;
  const instanceId = need(i.InstanceId, "InstanceId");
  listField<unknown>(i.ProductCodes, "ProductCodes");
  listField<unknown>(i.Tags, "Tags");
  const rootDeviceName = i.RootDeviceName ?? image?.rootDeviceName ?? null;
  const mapping = listField(i.BlockDeviceMappings, "BlockDeviceMappings").find(
    (m) => m.DeviceName === rootDeviceName && m.Ebs?.VolumeId,
  );
  let root: AwsRootVolumeFacts | null = null;
  if (mapping && rootDeviceName) {
    const volumeId = mapping.Ebs!.VolumeId as string;
    const v = volumes.find((x) => x.VolumeId === volumeId);
    root = {
      deviceName: rootDeviceName,
      volumeId,
      deleteOnTermination: mapping.Ebs?.DeleteOnTermination ?? null,
      encrypted: v?.Encrypted ?? null,
      kmsKeyId: v?.KmsKeyId ?? null,
      volumeType: v?.VolumeType ?? null,
      iops: v?.Iops ?? null,
      throughput: v?.Throughput ?? null,
      sizeGiB: v?.Size ?? null,
      productCodes: codes(v?.ProductCodes),
    };
  }
  return {
    instanceId,
    instanceType: i.InstanceType ?? null,
    availabilityZone: need(i.Placement?.AvailabilityZone, "Placement.AvailabilityZone"),
    subnetId: i.SubnetId ?? null,
    vpcId: i.VpcId ?? null,
    state: need(i.State?.Name, "State.Name"),
    platform:
      i.Platform ??
      image?.platform ??
      (i.PlatformDetails ? (/windows/i.test(i.PlatformDetails) ? "windows" : "linux/unix") : null),
    platformDetails: i.PlatformDetails ?? image?.platformDetails ?? null,
    imageId: i.ImageId ?? null,
    imageName: image?.name ?? null,
    rootDeviceType: i.RootDeviceType ?? image?.rootDeviceType ?? null,
    rootDeviceName,
    root,
    productCodes: [...codes(i.ProductCodes), ...codes(image?.productCodes)],
    tags: tagsOf(i.Tags),
  };
}

function fromGetInstance(i: PulumiGetInstanceResult, image?: AmiFacts | null): AwsInstanceFacts {
  const instanceId = need(i.instanceId ?? i.id, "instanceId");
  const r = listField(i.rootBlockDevices, "rootBlockDevices")[0];
  const root: AwsRootVolumeFacts | null =
    r && r.volumeId && r.deviceName
      ? {
          deviceName: r.deviceName,
          volumeId: r.volumeId,
          deleteOnTermination: r.deleteOnTermination ?? null,
          encrypted: r.encrypted ?? null,
          kmsKeyId: r.kmsKeyId || null,
          volumeType: r.volumeType ?? null,
          iops: r.iops || null,
          throughput: r.throughput || null,
          sizeGiB: r.volumeSize ?? null,
          productCodes: codes(image?.productCodes),
        }
      : null;
  const platformText = i.platform ?? image?.platform ?? null;
  const details = i.platformDetails ?? image?.platformDetails ?? null;
  return {
    instanceId,
    instanceType: i.instanceType ?? null,
    availabilityZone: need(i.availabilityZone, "availabilityZone"),
    subnetId: i.subnetId || null,
    vpcId: null,
    state: need(i.instanceState, "instanceState"),
    platform: platformText
      ? platformText.toLowerCase()
      : details
        ? /windows/i.test(details)
          ? "windows"
          : "linux/unix"
        : null,
    platformDetails: details,
    imageId: i.ami ?? null,
    imageName: image?.name ?? null,
    // getInstance lists an EBS root in rootBlockDevices; without one the root is instance store (or unknown).
    rootDeviceType: root ? "ebs" : (image?.rootDeviceType ?? null),
    rootDeviceName: root?.deviceName ?? image?.rootDeviceName ?? null,
    root,
    productCodes: codes(image?.productCodes),
    tags: { ...(i.instanceTags ?? {}), ...(i.tags ?? {}) },
  };
}

/** The region of an availability zone ("eu-west-1a" → "eu-west-1", "us-west-2-lax-1a" → "us-west-2"). */
export function regionOfZone(zone: string): string {
  const m = /^([a-z]{2}(?:-gov|-iso[a-z]*)?-[a-z]+-\d+)/.exec(zone);
  if (!m)
    throw new PlanError(
      "invalid-input",
      `availability zone ${JSON.stringify(zone)} does not name a region`,
    );
  return m[1];
}

/** The ARN partition of a region. */
export function partitionOf(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}
