/**
 * A standby helper for the AWS rescue: a Windows instance a platform stack keeps stopped (it costs
 * only its root volume) so a rescue starts it instead of launching one. The rescue attaches the
 * volume under repair to it, so it must sit where that volume can be attached: EBS volumes attach
 * only to instances in their availability zone, and the helper's subnet is in the broken
 * instance's VPC (its security group and SSM path are that network's). What the arguments tell is
 * checked here, before anything is created; its state and the volumes it holds are read from EC2
 * by the step that starts it (`src/clouds/aws/standby.ts`).
 */
import { PlanError } from "../vocabulary/errors";

/** The standby helper's arguments (`standbyHelperId`, `standbyHelperSubnetId`, `standbyHelperZone`). */
export interface AwsStandbyArgs {
  standbyHelperId?: string;
  standbyHelperSubnetId?: string;
  standbyHelperZone?: string;
}

/** A standby helper the arguments describe completely. */
export interface AwsStandbyRef {
  instanceId: string;
  subnetId: string;
  zone: string;
}

/** Where the rescue's plan needs the helper. */
export interface AwsStandbyTarget {
  instanceId: string;
  /** The availability zone of the broken instance's root volume. */
  availabilityZone: string;
  /** The broken instance's VPC, when known. */
  vpcId?: string | null;
  /** The VPC of the standby's subnet, when known. */
  standbyVpcId?: string | null;
  /** The availability zone of the standby's subnet, when known. */
  standbySubnetZone?: string | null;
}

const INSTANCE = /^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;
const SUBNET = /^subnet-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;
const ZONE = /^[a-z]{2}(?:-[a-z]+)+-\d+[a-z]$/;

/**
 * The standby helper the arguments name, undefined without one. Throws one line naming the
 * argument when they are incomplete or malformed.
 */
export function awsStandbyOf(a: AwsStandbyArgs): AwsStandbyRef | undefined {
  const bad = (why: string) => new PlanError("invalid-input", why);
  if (!a.standbyHelperId) {
    if (a.standbyHelperSubnetId !== undefined || a.standbyHelperZone !== undefined)
      throw bad(
        "standbyHelperSubnetId and standbyHelperZone describe a standby helper: give its standbyHelperId too",
      );
    return undefined;
  }
  if (!INSTANCE.test(a.standbyHelperId))
    throw bad(
      `standbyHelperId ${JSON.stringify(a.standbyHelperId)} is not an EC2 instance id (i-…)`,
    );
  if (!a.standbyHelperSubnetId)
    throw bad(
      "standbyHelperId needs standbyHelperSubnetId (the AwsStandbyHelper component's subnetId output)",
    );
  if (!SUBNET.test(a.standbyHelperSubnetId))
    throw bad(
      `standbyHelperSubnetId ${JSON.stringify(a.standbyHelperSubnetId)} is not a subnet id (subnet-…)`,
    );
  if (!a.standbyHelperZone)
    throw bad(
      "standbyHelperId needs standbyHelperZone (the AwsStandbyHelper component's availabilityZone output)",
    );
  if (!ZONE.test(a.standbyHelperZone))
    throw bad(
      `standbyHelperZone ${JSON.stringify(a.standbyHelperZone)} is not an availability zone (such as eu-west-1a)`,
    );
  return {
    instanceId: a.standbyHelperId,
    subnetId: a.standbyHelperSubnetId,
    zone: a.standbyHelperZone,
  };
}

/** Throws one {@link PlanError} line (`standby-helper-misfit`) naming what does not fit. */
export function checkAwsStandbyFit(h: AwsStandbyRef, t: AwsStandbyTarget): AwsStandbyRef {
  const misfit = (why: string) =>
    new PlanError("standby-helper-misfit", `standby helper ${h.instanceId} ${why}`);
  if (h.instanceId === t.instanceId)
    throw misfit("is the broken instance itself: standbyHelperId must name another instance");
  if (h.zone !== t.availabilityZone)
    throw misfit(
      `is in ${h.zone} (standbyHelperZone), the root volume of ${t.instanceId} in ${t.availabilityZone}: an EBS volume attaches only to an instance in its availability zone`,
    );
  if (t.standbySubnetZone && t.standbySubnetZone !== h.zone)
    throw misfit(
      `has standbyHelperSubnetId ${h.subnetId} in ${t.standbySubnetZone}, not in standbyHelperZone ${h.zone}`,
    );
  if (t.vpcId && t.standbyVpcId && t.vpcId !== t.standbyVpcId)
    throw misfit(
      `has standbyHelperSubnetId ${h.subnetId} in ${t.standbyVpcId}, outside the VPC of ${t.instanceId} (${t.vpcId}): use a standby helper of that network`,
    );
  return h;
}
