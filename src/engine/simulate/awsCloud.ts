/**
 * A simulated AWS for the offline plan: answers the invokes the program makes from the descriptions
 * the operator supplied (`describe-instances`, `describe-volumes`) and gives every created resource
 * the id and outputs AWS would. The collect step answers the sample story's collect output, so the
 * repair the plan shows is the one the planner would choose for it.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import type * as pulumi from "@pulumi/pulumi";
import { AwsInstanceFacts } from "../../describe/awsInstance";
import type { CollectOutput } from "../../collect/contract";
import type { SimulatedCloud } from "./mockRun";
import { examplesDir } from "./azureCloud";
import { DYNAMIC_TYPES } from "../../vocabulary/tokens";

export interface SimulatedAwsOptions {
  instance: AwsInstanceFacts;
  /** What the collect step prints; default: the sample story's collect output. */
  collectOutput?: unknown;
  /** Tags of volumes by id (ebs.getVolume), e.g. this rescue's copy as the root after a swap. */
  volumeTags?: Record<string, Record<string, string>>;
}

export interface SimulatedAws extends SimulatedCloud {
  warnings: string[];
}

/**
 * The sample story (cxnetmon, 0x1000007E) as collect.ps1 would print it on an m5.large
 * (`examples/aws-collect-output.json`: the Nitro drivers, ENA and AWS NVMe, and EC2Launch v2
 * present), with the bundled minidump inlined as base64.
 */
export function sampleAwsCollect(): CollectOutput {
  const dir = examplesDir();
  const c = JSON.parse(
    fs.readFileSync(path.join(dir, "aws-collect-output.json"), "utf8"),
  ) as CollectOutput;
  const dump = path.join(dir, "112926-9218-01.dmp");
  if (fs.existsSync(dump)) {
    const bytes = fs.readFileSync(dump);
    c.dumps.minidumps = [
      {
        ...c.dumps.minidumps[0],
        sizeBytes: bytes.length,
        base64: bytes.toString("base64"),
        truncated: false,
      },
    ];
  }
  return c;
}

function hex(text: string, n: number): string {
  return createHash("sha256").update(text).digest("hex").slice(0, n);
}

/** The `aws.ec2.getInstance` answer for a described instance. */
export function getInstanceResult(i: AwsInstanceFacts): Record<string, unknown> {
  return {
    id: i.instanceId,
    instanceId: i.instanceId,
    instanceType: i.instanceType,
    instanceState: i.state,
    availabilityZone: i.availabilityZone,
    subnetId: i.subnetId ?? "",
    ami: i.imageId ?? "",
    tags: i.tags,
    instanceTags: i.tags,
    rootBlockDevices: i.root
      ? [
          {
            deviceName: i.root.deviceName,
            volumeId: i.root.volumeId,
            deleteOnTermination: i.root.deleteOnTermination ?? true,
            encrypted: i.root.encrypted ?? false,
            kmsKeyId: i.root.kmsKeyId ?? "",
            iops: i.root.iops ?? 0,
            throughput: i.root.throughput ?? 0,
            volumeSize: i.root.sizeGiB ?? 0,
            volumeType: i.root.volumeType ?? "",
          },
        ]
      : [],
    ebsBlockDevices: [],
    ephemeralBlockDevices: [],
  };
}

function gateOf(inputs: Record<string, unknown>): { allowed: boolean; reasons: string[] } {
  const g = inputs.gate as { allowed?: boolean; reasons?: string[] } | undefined;
  return { allowed: g?.allowed === true, reasons: g?.reasons ?? [] };
}

export function simulatedAws(options: SimulatedAwsOptions): SimulatedAws {
  const i = options.instance;
  const warnings: string[] = [];
  const vpcId = i.vpcId ?? `vpc-${hex(`${i.subnetId}/vpc`, 17)}`;
  if (!i.vpcId)
    warnings.push(
      `no VPC in the description: the helper's security group uses a placeholder VPC (${vpcId})`,
    );

  const call = (args: pulumi.runtime.MockCallArgs): Record<string, unknown> => {
    switch (args.token) {
      case "aws:ec2/getInstance:getInstance":
        return getInstanceResult(i);
      case "aws:ec2/getAmi:getAmi":
        return {
          id: i.imageId,
          imageId: i.imageId,
          name: i.imageName ?? "",
          platform: i.platform === "windows" ? "windows" : "",
          platformDetails: i.platformDetails ?? "",
          rootDeviceName: i.rootDeviceName ?? "",
          rootDeviceType: i.rootDeviceType ?? "ebs",
          productCodes: i.productCodes.map((c) => ({
            productCodeId: c.id,
            productCodeType: c.type,
          })),
        };
      case "aws:ebs/getVolume:getVolume": {
        const filter = (
          args.inputs.filters as { name: string; values: string[] }[] | undefined
        )?.find((f) => f.name === "volume-id");
        const id = filter?.values?.[0] ?? "";
        return {
          id,
          volumeId: id,
          availabilityZone: i.availabilityZone,
          tags: options.volumeTags?.[id] ?? {},
        };
      }
      case "aws:ec2/getSubnet:getSubnet":
        return { id: args.inputs.id, vpcId, availabilityZone: i.availabilityZone };
      case "aws:ssm/getParameter:getParameter":
        return {
          id: args.inputs.name,
          name: args.inputs.name,
          type: "String",
          value: `ami-${hex(String(args.inputs.name), 17)}`,
        };
      default:
        throw new Error(`the simulated AWS does not answer ${args.token}`);
    }
  };

  const newResource = (
    args: pulumi.runtime.MockResourceArgs,
  ): { id: string; state: Record<string, unknown> } => {
    const inputs = args.inputs as Record<string, unknown>;
    const h = (n: number) => hex(`${args.type}/${args.name}`, n);
    switch (args.type) {
      case "aws:ebs/snapshot:Snapshot":
        return { id: `snap-${h(17)}`, state: { ...inputs, state: "completed" } };
      case "aws:ebs/volume:Volume":
        return { id: `vol-${h(17)}`, state: inputs };
      case "aws:ec2/instance:Instance":
        return { id: `i-${h(17)}`, state: { ...inputs, privateIp: "10.20.1.50", publicIp: "" } };
      case "aws:ec2/securityGroup:SecurityGroup":
        return { id: `sg-${h(17)}`, state: inputs };
      case "aws:s3/bucket:Bucket":
        return {
          id: String(inputs.bucket),
          state: { ...inputs, arn: `arn:aws:s3:::${inputs.bucket}` },
        };
      case "aws:iam/role:Role":
      case "aws:iam/instanceProfile:InstanceProfile":
        return {
          id: String(inputs.name),
          state: {
            ...inputs,
            arn: `arn:aws:iam::123456789012:${args.type.includes("role") ? "role" : "instance-profile"}/${inputs.name}`,
          },
        };
      case "aws:ssm/document:Document":
        return { id: String(inputs.name), state: inputs };
      case DYNAMIC_TYPES.aws.command:
        return {
          id: `cmd-${h(8)}`,
          state: {
            ...inputs,
            commandId: `${h(8)}-0000-4000-8000-${h(12)}`,
            status: "Success",
            stdout: JSON.stringify(options.collectOutput ?? sampleAwsCollect()),
          },
        };
      case DYNAMIC_TYPES.aws.backupSnapshot:
        return { id: `snap-${h(17)}`, state: { ...inputs, snapshotId: `snap-${h(17)}` } };
      // The steps behave as their providers do: a closed gate changes nothing and says why.
      case DYNAMIC_TYPES.aws.detach: {
        const g = gateOf(inputs);
        return {
          id: `${inputs.instanceId}/detach`,
          state: {
            ...inputs,
            detached: g.allowed,
            detachedVolumeId: g.allowed ? inputs.rootVolumeId : "",
            forcedStop: false,
            reason: g.allowed ? "" : g.reasons.join("; "),
          },
        };
      }
      case DYNAMIC_TYPES.aws.swap: {
        const g = gateOf(inputs);
        const back = g.allowed || inputs.reattachWhenClosed === true;
        return {
          id: `${inputs.instanceId}/root`,
          state: {
            ...inputs,
            swapped: g.allowed,
            rootVolumeId: back ? inputs.volumeId : "",
            previousRootVolumeId: "",
            consoleBaseline: null,
            reason: g.allowed ? "" : g.reasons.join("; "),
          },
        };
      }
      case DYNAMIC_TYPES.aws.bootVerification:
        return {
          id: `${inputs.instanceId}/verify`,
          state: {
            ...inputs,
            healthy: inputs.swapped === true,
            reason:
              inputs.swapped === true ? "simulated" : `no boot to verify: ${inputs.swapReason}`,
          },
        };
      case DYNAMIC_TYPES.aws.rollback:
        return {
          id: `${inputs.instanceId}/rollback/${inputs.volumeId}`,
          state: {
            ...inputs,
            restoredVolumeId: inputs.volumeId,
            replacedVolumeId: "",
            changed: true,
          },
        };
      default:
        return { id: `${args.name}-id`, state: inputs };
    }
  };

  return { call, newResource, warnings };
}
