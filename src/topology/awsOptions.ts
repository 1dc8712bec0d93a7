/**
 * The operator's options for an AWS rescue and their checks. Every option is checked before the
 * instance is looked at, so a bad value fails before anything is created.
 */
import { PlanError } from "../vocabulary/errors";
import { ACTION_ORDER, SERVICE_NAME_PATTERN } from "../vocabulary/repairActions";
import { WINDOWS_SERVER_BUILDS } from "./windows";

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

const RESCUE_ID = /^[a-z0-9](?:[a-z0-9-]{0,22}[a-z0-9])?$/;
const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9]+$/;
const AMI_PARAMETER = /^\/aws\/service\/ami-windows-latest\/[A-Za-z0-9_.-]{1,200}$/;
const SUBNET = /^subnet-[0-9a-f]{8,17}$/;
export const VOLUME = /^vol-[0-9a-f]{8,17}$/;
const TAG_KEY = /^(?!aws:)[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;

/** Checks every option (no instance needed) and returns the mode; throws a {@link PlanError}. */
export function validateAwsRescueOptions(o: AwsRescueOptions): AwsRescueMode {
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

export type AwsRescueMode = "copy" | "inPlace";
