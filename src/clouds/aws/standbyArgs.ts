/**
 * The standby helper a rescue was given (`standbyHelperId`, `standbyHelperSubnetId`,
 * `standbyHelperZone`), checked against the rescue's plan where the plan is made, so a misfit
 * refuses the plan in one line (`src/topology/awsStandby.ts`). The VPCs of the standby's subnet and
 * of the instance's subnet are read with `ec2.getSubnet`.
 */
import * as pulumi from "@pulumi/pulumi";
import * as ec2 from "@pulumi/aws/ec2";
import type { AwsRescuePlan } from "../../topology/aws";
import { checkAwsStandbyFit, type AwsStandbyRef } from "../../topology/awsStandby";

/** The plan, once the standby helper (if any) was checked against it: a misfit throws. */
export function withAwsStandbyChecked(
  plan: pulumi.Output<AwsRescuePlan>,
  standby: AwsStandbyRef | undefined,
  region: string | undefined,
  opts: pulumi.InvokeOutputOptions,
): pulumi.Output<AwsRescuePlan> {
  if (!standby) return plan;
  // The zone first, without a lookup: it is what the arguments alone tell.
  const zoned = plan.apply((p) =>
    checkPlan(p, standby, {
      availabilityZone: p.availabilityZone,
      instanceId: p.source.instanceId,
    }),
  );
  const theirs = ec2.getSubnetOutput({ id: standby.subnetId, region }, opts);
  const ours = zoned.apply((p) => ec2.getSubnetOutput({ id: p.helper.subnetId, region }, opts));
  return pulumi.all([zoned, theirs, ours]).apply(([p, s, o]) =>
    checkPlan(p, standby, {
      availabilityZone: p.availabilityZone,
      instanceId: p.source.instanceId,
      vpcId: o.vpcId || null,
      standbyVpcId: s.vpcId || null,
      standbySubnetZone: s.availabilityZone || null,
    }),
  );
}

function checkPlan(
  p: AwsRescuePlan,
  standby: AwsStandbyRef,
  target: Parameters<typeof checkAwsStandbyFit>[1],
): AwsRescuePlan {
  checkAwsStandbyFit(standby, target);
  return p;
}
