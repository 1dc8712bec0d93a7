/**
 * Every shape in which users have an EC2 instance's description, detected and named:
 * `describe-instances` (`Reservations[].Instances[]`), one reservation's bare `Instances` list, one
 * instance object, a `--query` result (`Reservations[].Instances[]` or `Reservations[*].Instances[*]`),
 * and `describe-volumes` (`Volumes[]`). Several instances, a volume list of another instance, a root
 * volume missing from `--volumes`, an EC2-Classic instance and redacted ids are refused in one line
 * naming the field.
 */
import { PlanError } from "../vocabulary/errors";
import {
  asEc2Volumes,
  type Ec2CliInstance,
  type Ec2CliVolume,
  type PulumiGetInstanceResult,
  listField,
} from "./awsInstance";

type Json = Record<string, unknown>;
const isObject = (x: unknown): x is Json =>
  typeof x === "object" && x !== null && !Array.isArray(x);

export interface Ec2InstanceInput {
  instance: Ec2CliInstance | PulumiGetInstanceResult;
  shape: string;
  warnings: string[];
}

const ID_FORMS: Record<string, RegExp> = {
  InstanceId: /^i-([0-9a-f]{8}|[0-9a-f]{17})$/,
  VolumeId: /^vol-([0-9a-f]{8}|[0-9a-f]{17})$/,
  SubnetId: /^subnet-([0-9a-f]{8}|[0-9a-f]{17})$/,
  VpcId: /^vpc-([0-9a-f]{8}|[0-9a-f]{17})$/,
  ImageId: /^ami-([0-9a-f]{8}|[0-9a-f]{17})$/,
};

/**
 * Ids the AWS documentation uses in its examples (`aws ec2 describe-instances --instance-ids
 * i-1234567890abcdef0`, the describe-volumes example's `vol-049df61146c4d7901`): well-formed, but a
 * description holding one was copied from the docs, not printed for a real instance.
 */
const DOCS_EXAMPLE_ID_BODIES = new Set(["1234567890abcdef0", "0abcdef1234567890"]);
const DOCS_EXAMPLE_IDS = new Set([
  "vol-049df61146c4d7901",
  "i-0123a456700123456",
  "i-9876a543210987654",
]);

/** True for an id the AWS documentation's examples use. */
export function isDocsExampleId(id: string): boolean {
  return DOCS_EXAMPLE_IDS.has(id) || DOCS_EXAMPLE_ID_BODIES.has(id.slice(id.indexOf("-") + 1));
}

/**
 * The first EC2 id field whose value is not a well-formed id (redacted `i-xxxxxxxx`,
 * `<instance-id>`) or is one of the documentation's example ids.
 */
function redactedId(x: unknown, path: string): { path: string; value: string } | null {
  if (Array.isArray(x)) {
    for (let i = 0; i < x.length; i++) {
      const hit = redactedId(x[i], `${path}[${i}]`);
      if (hit) return hit;
    }
    return null;
  }
  if (!isObject(x)) return null;
  for (const [k, v] of Object.entries(x)) {
    const at = path ? `${path}.${k}` : k;
    if (typeof v === "string" && ID_FORMS[k] && (!ID_FORMS[k].test(v) || isDocsExampleId(v)))
      return { path: at, value: v };
    if (k !== "Tags") {
      const hit = redactedId(v, at);
      if (hit) return hit;
    }
  }
  return null;
}

function refuseRedacted(x: unknown, what: string): void {
  const hit = redactedId(x, "");
  if (hit)
    throw new PlanError(
      "placeholder-id",
      isDocsExampleId(hit.value)
        ? `${what}: ${hit.path} is ${hit.value}, an example id from the AWS documentation, not a real one; give the output of the command for your instance`
        : `${what}: ${hit.path} is not an EC2 id (${JSON.stringify(hit.value)}): a placeholder or redacted; give the unedited output`,
    );
}

/** Flattens a `--query` result (lists of lists) to its instance objects. */
function flatten(x: unknown[]): unknown[] {
  return x.flatMap((e) => (Array.isArray(e) ? flatten(e) : [e]));
}

/** Detects and checks the shape of a parsed instance description; throws one-line PlanErrors. */
export function readEc2Instance(json: unknown): Ec2InstanceInput {
  let list: unknown[];
  let shape: string;
  if (isObject(json) && Array.isArray(json.Reservations)) {
    list = json.Reservations.flatMap((r) =>
      isObject(r) && Array.isArray(r.Instances) ? r.Instances : [],
    );
    shape = "describe-instances (Reservations[].Instances[])";
  } else if (isObject(json) && Array.isArray(json.Instances)) {
    list = json.Instances;
    shape = "describe-instances (a bare Instances list)";
  } else if (Array.isArray(json)) {
    list = flatten(json);
    shape = "describe-instances --query result";
  } else {
    list = [json];
    shape =
      isObject(json) && ("rootBlockDevices" in json || "instanceState" in json)
        ? "aws.ec2.getInstance result"
        : "describe-instances (one instance object)";
  }
  if (list.length !== 1)
    throw new PlanError(
      "not-one-instance",
      `--aws-instance holds ${list.length} instances; expected exactly one instance (aws ec2 describe-instances --instance-ids i-…)`,
    );
  const one = list[0];
  if (
    !isObject(one) ||
    !(
      typeof one.InstanceId === "string" ||
      typeof one.instanceId === "string" ||
      Array.isArray(one.rootBlockDevices)
    )
  )
    throw new PlanError(
      "invalid-input",
      "expected the JSON of one EC2 instance (aws ec2 describe-instances --instance-ids i-…): no InstanceId",
    );
  refuseRedacted(one, "--aws-instance");
  const full = "State" in one && "Placement" in one;
  if (full && one.VpcId == null && one.SubnetId == null)
    throw new PlanError(
      "ec2-classic",
      `instance ${String(one.InstanceId)} has no VpcId or SubnetId: an EC2-Classic instance, which vm-rescue cannot rescue (migrate it to a VPC)`,
    );
  const warnings: string[] = [];
  if (full && !one.InstanceType)
    warnings.push("the instance type is unknown (no InstanceType in the description)");
  return { instance: one as Ec2CliInstance | PulumiGetInstanceResult, shape, warnings };
}

/**
 * Checks `--volumes` against the instance: no volume attached to another instance, and the root
 * volume among them (its type, size and encryption would otherwise be guessed).
 */
export function checkVolumesOfInstance(
  volumes: Ec2CliVolume[],
  instance: Ec2CliInstance | PulumiGetInstanceResult,
): void {
  refuseRedacted(volumes, "--volumes");
  const i = instance as Ec2CliInstance;
  if (typeof i.InstanceId !== "string") return;
  for (const v of volumes as (Ec2CliVolume & { Attachments?: { InstanceId?: string }[] })[]) {
    const other = (v.Attachments ?? []).find((a) => a.InstanceId && a.InstanceId !== i.InstanceId);
    if (other)
      throw new PlanError(
        "volume-of-another-instance",
        `--volumes: ${v.VolumeId} is attached to ${other.InstanceId}, not ${i.InstanceId} (Attachments[].InstanceId); give this instance's volumes`,
      );
  }
  const root = listField(i.BlockDeviceMappings, "BlockDeviceMappings").find(
    (m) => m.DeviceName === i.RootDeviceName,
  );
  const rootId = root?.Ebs?.VolumeId;
  if (rootId && !volumes.some((v) => v.VolumeId === rootId))
    throw new PlanError(
      "root-volume-missing",
      `--volumes does not hold the root volume ${rootId} (BlockDeviceMappings at ${i.RootDeviceName}); add --volume-ids ${rootId} to describe-volumes`,
    );
}

/** Reads `--volumes` and names its shape: `describe-volumes` (`Volumes[]`), a `--query` list, one volume. */
export function readEc2Volumes(json: unknown): { volumes: Ec2CliVolume[]; shape: string } {
  const volumes = asEc2Volumes(json);
  const shape =
    isObject(json) && Array.isArray(json.Volumes)
      ? "describe-volumes (Volumes[])"
      : Array.isArray(json)
        ? "describe-volumes --query result"
        : "describe-volumes (one volume object)";
  return { volumes, shape };
}
