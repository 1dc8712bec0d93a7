/**
 * `AwsStandbyHelper`: a Windows helper instance a platform stack keeps for rescues, stopped so it
 * costs only its root volume. A rescue given its outputs (`standbyHelperId`,
 * `standbyHelperSubnetId`, `standbyHelperZone`) starts it instead of launching a helper and leaves
 * it stopped with nothing attached (`standby.ts`). Like the rescue's own helper: no public IP, a
 * security group without inbound rules (HTTPS out for SSM and S3), IMDSv2, an instance profile with
 * AmazonSSMManagedInstanceCore. Its role may also write SSM command output under `rescue/` of the
 * rescues' artifacts buckets (`vm-rescue-*`), which the rescue creates later with unknown names.
 *
 * It is left stopped by a step (`vm-rescue:aws:StandbyHelperStop`) rather than by
 * `aws.ec2transitgateway.InstanceState`: that resource reads the instance's state on a refresh and
 * stops it on the next `up`, which would stop a helper in the middle of a rescue; the step stops it
 * once, after its creation, and does nothing on destroy (the instance goes with the stack).
 */
import * as pulumi from "@pulumi/pulumi";
import * as ec2 from "@pulumi/aws/ec2";
import * as iam from "@pulumi/aws/iam";
import * as ssm from "@pulumi/aws/ssm";
import type { StepKind } from "../../steps/contract";
import { StepResource, type InputsOf } from "../../steps/resource";
import { COMPONENT_TYPES, STEP_TYPES } from "../../vocabulary/tokens";
import { CLAIM_TAG_PATH, ROLE_TAG, HELPER_ROLE } from "../../vocabulary/tags";
import { DEFAULT_HELPER_INSTANCE_TYPE } from "../../topology/aws";
import { windowsAmiParameter } from "../../topology/awsHelper";
import { partitionOf, regionOfZone } from "../../describe/awsInstance";
import { ensureStopped, type OpsContext } from "./operations";
import { EC2_TRUST_POLICY, HELPER_EGRESS, HELPER_HARDENING, helperArtifactsPolicy } from "./helper";
import { describeStandby } from "./standby";
import { claimHolder } from "./standbyClaim";
import { modeled, opsOf, STEP_INPUT_SPECS, type StepInputs } from "./stepKit";

/** Arguments of {@link AwsStandbyHelper}. Plain values only (any Pulumi language uses it). */
export interface AwsStandbyHelperArgs {
  /** Subnet of the helper: a subnet of the VPC of the instances it rescues. */
  subnetId: string;
  /** The subnet's availability zone (e.g. eu-west-1a): it rescues the instances of this zone. */
  availabilityZone: string;
  /** Region. Default: the AWS provider's region. */
  region?: string;
  /** Instance type. Default `t3.medium`. */
  instanceType?: string;
  /** `/aws/service/ami-windows-latest/…` parameter of its AMI. Default Windows Server 2022; keep it a version the instances it rescues do not run (a copy of the same image may come up with a disk-signature collision). */
  amiParameter?: string;
  /** Its Name tag. Default: the component name. */
  instanceName?: string;
  /** Extra tags on its resources. */
  tags?: { [key: string]: string };
}

export const DEFAULT_STANDBY_AMI_PARAMETER = windowsAmiParameter("2022");

interface StandbyStopInputs extends StepInputs {
  instanceId: string;
}
interface StandbyStopOutputs extends StandbyStopInputs {
  state: string;
}

/**
 * Stops the helper, unless a rescue has claimed it: an update of the platform stack during a rescue
 * leaves the helper to that rescue, whose teardown stops it.
 */
export async function stopUnclaimed(
  ops: OpsContext,
  i: StandbyStopInputs,
  timeout: number,
): Promise<StandbyStopOutputs> {
  const h = await describeStandby(ops, i.instanceId);
  if (h?.claim || (await claimHolder(ops, i.instanceId)) !== null)
    return { ...i, state: h?.state ?? "unknown" };
  await ensureStopped(ops, i.instanceId, timeout);
  return { ...i, state: "stopped" };
}

/** Stops the new standby helper (`vm-rescue:aws:StandbyHelperStop`); nothing on delete. */
export const standbyStopKind: StepKind<StandbyStopInputs, StandbyStopOutputs> = {
  token: STEP_TYPES.aws.standbyStop,
  description: "Stops a standby helper instance after its creation, so it costs only its root.",
  inputs: {
    ...STEP_INPUT_SPECS,
    instanceId: { type: "string", description: "The standby helper instance." },
  },
  outputs: {
    state: {
      type: "string",
      description: "Its state after the step: stopped, or as it was when a rescue has claimed it.",
    },
  },
  identityKeys: ["instanceId"],
  timeouts: {
    create: modeled("aws.instance.stop.windows"),
    update: modeled("aws.instance.stop.windows"),
    read: modeled("aws.ssm.command.overhead"),
    delete: modeled("aws.ssm.command.overhead"),
  },
  async create(ctx, i) {
    const { ops, timeout } = opsOf(ctx, i);
    return { id: `${i.instanceId}/standby-stop`, outs: await stopUnclaimed(ops, i, timeout) };
  },
  async update(ctx, _id, _olds, news) {
    const { ops, timeout } = opsOf(ctx, news);
    return stopUnclaimed(ops, news, timeout);
  },
  async read(ctx, _id, state) {
    const { ops } = opsOf(ctx, state);
    const h = await describeStandby(ops, state.instanceId);
    return h ? { ...state, state: h.state } : null;
  },
  // Nothing: the instance itself goes with the stack.
  async delete() {},
};

class StandbyHelperStop extends StepResource {
  declare readonly state: pulumi.Output<string>;
  constructor(
    name: string,
    args: InputsOf<StandbyStopInputs>,
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(standbyStopKind, name, args, opts);
  }
}

/**
 * One standby helper instance in a subnet and availability zone, left stopped. Its outputs are what
 * a rescue's `standbyHelperId`, `standbyHelperSubnetId` and `standbyHelperZone` take.
 */
export class AwsStandbyHelper extends pulumi.ComponentResource {
  /** Its instance id (a rescue's `standbyHelperId`). */
  public readonly helperId: pulumi.Output<string>;
  /** Its subnet (a rescue's `standbyHelperSubnetId`). */
  public readonly subnetId: pulumi.Output<string>;
  /** Its availability zone (a rescue's `standbyHelperZone`). */
  public readonly availabilityZone: pulumi.Output<string>;
  /** Its instance profile. */
  public readonly instanceProfileName: pulumi.Output<string>;
  /** Its state once created: stopped. */
  public readonly state: pulumi.Output<string>;

  constructor(name: string, args: AwsStandbyHelperArgs, opts?: pulumi.ComponentResourceOptions) {
    super(COMPONENT_TYPES.awsStandbyHelper, name, args, opts);
    const parent = { parent: this };
    const region = args.region;
    const tags = { ...(args.tags ?? {}), [ROLE_TAG]: HELPER_ROLE };
    const partition = partitionOf(regionOfZone(args.availabilityZone));
    const iamName = `vm-rescue-standby-${name}`.slice(0, 64);
    const role = new iam.Role(
      `${name}-role`,
      {
        name: iamName,
        assumeRolePolicy: EC2_TRUST_POLICY,
        tags,
      },
      parent,
    );
    const ssmCore = new iam.RolePolicyAttachment(
      `${name}-ssm-core`,
      {
        role: role.name,
        policyArn: `arn:${partition}:iam::aws:policy/AmazonSSMManagedInstanceCore`,
      },
      parent,
    );
    const output = new iam.RolePolicy(
      `${name}-rescue-output`,
      {
        role: role.name,
        policy: JSON.stringify(helperArtifactsPolicy(partition, "vm-rescue-*", "rescue/")),
      },
      parent,
    );
    const profile = new iam.InstanceProfile(
      `${name}-profile`,
      { name: iamName, role: role.name, tags },
      parent,
    );
    const subnet = ec2.getSubnetOutput({ id: args.subnetId, region }, parent);
    const sg = new ec2.SecurityGroup(
      `${name}-sg`,
      {
        region,
        description: "vm-rescue standby helper: no inbound; HTTPS out to SSM and S3",
        vpcId: subnet.vpcId,
        ingress: [],
        egress: HELPER_EGRESS,
        tags,
      },
      parent,
    );
    const ami = ssm.getParameterOutput(
      { name: args.amiParameter ?? DEFAULT_STANDBY_AMI_PARAMETER, region },
      parent,
    );
    const instance = new ec2.Instance(
      `${name}-instance`,
      {
        region,
        ami: ami.value,
        instanceType: args.instanceType ?? DEFAULT_HELPER_INSTANCE_TYPE,
        subnetId: args.subnetId,
        availabilityZone: args.availabilityZone,
        ...HELPER_HARDENING,
        vpcSecurityGroupIds: [sg.id],
        iamInstanceProfile: profile.name,
        tags: { ...tags, Name: args.instanceName ?? name },
      },
      // Rescues attach and detach volumes and tag their claim outside Pulumi: an update of this
      // stack leaves both alone. The AMI parameter moves to each month's image: a new AMI would
      // replace (terminate) the helper, perhaps under a rescue; replace it deliberately
      // (`pulumi up --replace`) instead.
      {
        parent: this,
        dependsOn: [ssmCore, output],
        ignoreChanges: ["ebsBlockDevices", "ami", CLAIM_TAG_PATH],
      },
    );
    const stop = new StandbyHelperStop(
      `${name}-stop`,
      { region: region ?? instance.region, instanceId: instance.id },
      parent,
    );
    this.helperId = instance.id;
    this.subnetId = pulumi.output(args.subnetId);
    this.availabilityZone = pulumi.output(args.availabilityZone);
    this.instanceProfileName = profile.name;
    this.state = stop.state;
    this.registerOutputs({
      helperId: this.helperId,
      subnetId: this.subnetId,
      availabilityZone: this.availabilityZone,
      instanceProfileName: this.instanceProfileName,
      state: this.state,
    });
  }
}
