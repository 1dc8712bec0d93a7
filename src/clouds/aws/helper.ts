/**
 * The helper of the AWS rescue: launched for the rescue (its role with SSM core and the right to
 * write its command output under the rescue's prefix, a security group without ingress, a Windows
 * instance without a public IP), or a standby helper a platform stack keeps stopped, started by
 * the rescue beside the snapshot and the copy (`standby.ts`) and stopped again at its teardown.
 */
import * as pulumi from "@pulumi/pulumi";
import * as ec2 from "@pulumi/aws/ec2";
import * as iam from "@pulumi/aws/iam";
import * as s3 from "@pulumi/aws/s3";
import * as ssm from "@pulumi/aws/ssm";
import type { AwsRescuePlan } from "../../topology/aws";
import type { AwsStandbyRef } from "../../topology/awsStandby";
import { ID_TAG, ROLE_TAG, HELPER_ROLE } from "../../vocabulary/tags";
import { StandbyHelperUse } from "./standby";

/**
 * The helper role's S3 rights: write its SSM command output under the rescue's prefix, and read the
 * bucket's encryption configuration (AWS's policy for SSM output to an encrypted bucket lists
 * s3:GetEncryptionConfiguration). The bucket uses SSE-S3 (AES256), for which S3 needs no key
 * permission from the writer; an SSE-KMS bucket would also need kms:GenerateDataKey (and
 * kms:Decrypt for the multipart uploads of large output) on its key.
 */
/** The trust of a helper's role: EC2 instances assume it. */
export const EC2_TRUST_POLICY = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
  ],
});

/** Every helper instance: no public IP, IMDSv2 only, an encrypted root. */
export const HELPER_HARDENING = {
  associatePublicIpAddress: false,
  metadataOptions: { httpTokens: "required", httpEndpoint: "enabled", httpPutResponseHopLimit: 1 },
  rootBlockDevice: { encrypted: true, volumeType: "gp3", deleteOnTermination: true },
};

/** A helper's only traffic: HTTPS out to SSM, EC2 messages and S3 (no inbound rule at all). */
export const HELPER_EGRESS = [
  {
    protocol: "tcp",
    fromPort: 443,
    toPort: 443,
    cidrBlocks: ["0.0.0.0/0"],
    description: "SSM, EC2 messages, S3",
  },
];

export function helperArtifactsPolicy(partition: string, bucket: string, prefix: string) {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Action: ["s3:PutObject"],
        Resource: [`arn:${partition}:s3:::${bucket}/${prefix}*`],
      },
      {
        Effect: "Allow",
        Action: ["s3:GetEncryptionConfiguration"],
        Resource: [`arn:${partition}:s3:::${bucket}`],
      },
    ],
  };
}

/** The helper the rescue's volume is attached to and its commands run on. */
export interface RescueHelper {
  /** Its instance id. */
  id: pulumi.Output<string>;
  /** What the attachment waits for: the launched instance, or the started standby. */
  resource: pulumi.Resource;
  /** What its commands wait for besides the attachment (its role's policies). */
  ready: pulumi.Resource[];
  /** The launched instance; undefined with a standby helper. */
  instance?: ec2.Instance;
  /** The standby helper's start (its delete is the teardown); undefined without one. */
  standbyUse?: StandbyHelperUse;
}

/** What the standby's start needs of the rescue. */
export interface StandbyStartArgs {
  region: pulumi.Input<string>;
  timeoutSeconds: number;
  availabilityZone: pulumi.Input<string>;
  rescueVolumeIds: pulumi.Input<string[]>;
}

/**
 * The rescue's helper. With `standby` no role, security group or instance is created: the standby
 * helper is started beside the snapshot and the copy (it needs neither); its own instance profile
 * and security group are the platform stack's (`AwsStandbyHelper`).
 */
export function createHelper(
  name: string,
  p: pulumi.Output<AwsRescuePlan>,
  bucket: s3.Bucket,
  parent: pulumi.Resource,
  standby: AwsStandbyRef | undefined,
  start: StandbyStartArgs,
): RescueHelper {
  if (standby) {
    const standbyUse = new StandbyHelperUse(
      `${name}-standby`,
      {
        ...start,
        instanceId: standby.instanceId,
        rescueId: p.rescueId,
      },
      { parent },
    );
    return {
      id: standbyUse.instanceId,
      resource: standbyUse,
      ready: [],
      standbyUse,
    };
  }
  const region = p.region;
  const opts: pulumi.CustomResourceOptions = { parent };
  // 4. The helper's identity: SSM core plus writing its command output under the rescue's prefix.
  const role = new iam.Role(
    `${name}-helper-role`,
    {
      name: p.helper.roleName,
      assumeRolePolicy: EC2_TRUST_POLICY,
      tags: p.tags,
    },
    opts,
  );
  const ssmCore = new iam.RolePolicyAttachment(
    `${name}-helper-ssm-core`,
    {
      role: role.name,
      policyArn: pulumi.interpolate`arn:${p.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore`,
    },
    opts,
  );
  const putArtifacts = new iam.RolePolicy(
    `${name}-helper-artifacts`,
    {
      role: role.name,
      policy: pulumi
        .all([p.partition, bucket.bucket, p.artifacts.prefix])
        .apply(([part, b, prefix]) => JSON.stringify(helperArtifactsPolicy(part, b, prefix))),
    },
    opts,
  );
  const profile = new iam.InstanceProfile(
    `${name}-helper-profile`,
    { name: p.helper.instanceProfileName, role: role.name, tags: p.tags },
    opts,
  );

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
      egress: HELPER_EGRESS,
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
      ...HELPER_HARDENING,
      vpcSecurityGroupIds: [sg.id],
      iamInstanceProfile: profile.name,
      tags: p.tags.apply((t) => ({
        ...t,
        Name: `${t[ID_TAG]}-helper`,
        [ROLE_TAG]: HELPER_ROLE,
      })),
    },
    { parent, dependsOn: [ssmCore, putArtifacts], deleteBeforeReplace: true },
  );

  return { id: helper.id, resource: helper, ready: [ssmCore, putArtifacts], instance: helper };
}
