/**
 * A simulated AWS for the offline plan: answers the invokes the program makes from the descriptions
 * the operator supplied (`describe-instances`, `describe-volumes`) and gives every created resource
 * the id and outputs AWS would. The rescue's steps (`vm-rescue:aws:*`) run as the provider plugin
 * runs them: the real step kinds, against a simulated EC2 (`clouds/aws/simulated.ts`) seeded with
 * the broken instance and fed with what the program creates (snapshot, copy, helper, attachment).
 * The collect step ships the sample story's raw files with their manifest (`awsShipped.ts`; a given
 * collect output is printed as it is), so the repair the plan shows is the one the planner would
 * choose for it; the repair command mends the volume it runs on and ships the SYSTEM hive back.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import type * as pulumi from "@pulumi/pulumi";
import { AWS_STEP_KINDS } from "../../clouds/aws/kinds";
import {
  BOOTED_TEXT,
  BUGCHECK_TEXT,
  emptyState,
  readState,
  writeState,
} from "../../clouds/aws/simulated";
import type { Ec2State } from "../../clouds/aws/simulated";
import { AwsInstanceFacts } from "../../describe/awsInstance";
import type { CollectOutput } from "../../collect/contract";
import type { SimulatedCloud } from "./mockRun";
import { examplesDir } from "./azureCloud";
import { awsShipped } from "./awsShipped";
import { simulationFolder } from "./folders";
import { STEP_TYPES } from "../../vocabulary/tokens";

export interface SimulatedAwsOptions {
  instance: AwsInstanceFacts;
  /** What the collect step prints; default: the sample story's collect output. */
  collectOutput?: unknown;
  /** Tags of volumes by id (ebs.getVolume), e.g. this rescue's copy as the root after a swap. */
  volumeTags?: Record<string, Record<string, string>>;
  /**
   * Volumes that exist detached beside the instance with its root's settings (the original root
   * after a swap); the original a root's vm-rescue:copy-of tag names is one without being listed.
   */
  detachedVolumes?: string[];
  /** The root is a repaired copy that boots (default: when its tags say vm-rescue:role=repair-copy). */
  rootRepaired?: boolean;
}

export interface SimulatedAws extends SimulatedCloud {
  warnings: string[];
  /** The JSON file of the simulated EC2 the steps ran against (removed by {@link dispose}). */
  cloudFile: string;
  /** What the simulated scripts shipped to the bucket, by URL (empty for a 1.x collect document). */
  shipped: Map<string, string | Buffer>;
  /** Removes the simulated EC2's folder (./folders.ts). */
  dispose(): void;
}

/** The broken instance as the simulated EC2 holds it: running on its root, which bug-checks. */
export function seedEc2(
  i: AwsInstanceFacts,
  o: Pick<SimulatedAwsOptions, "volumeTags" | "detachedVolumes" | "rootRepaired"> = {},
): Ec2State {
  const s = emptyState(i.availabilityZone.replace(/[a-z]$/, ""));
  const rootDevice = i.root?.deviceName ?? i.rootDeviceName ?? "/dev/sda1";
  // The root bug-checks, unless it is a rescue's repaired copy (the root after a swap).
  const repaired =
    o.rootRepaired ??
    (!!i.root && o.volumeTags?.[i.root.volumeId]?.["vm-rescue:role"] === "repair-copy");
  s.instances[i.instanceId] = {
    state: "running",
    until: 0,
    availabilityZone: i.availabilityZone,
    rootDeviceName: i.rootDeviceName ?? rootDevice,
    devices: i.root
      ? {
          [rootDevice]: {
            volumeId: i.root.volumeId,
            deleteOnTermination: i.root.deleteOnTermination ?? true,
          },
        }
      : {},
    tags: { ...i.tags },
    console: repaired ? BOOTED_TEXT : BUGCHECK_TEXT,
    startedAt: 0,
  };
  if (i.root)
    s.volumes[i.root.volumeId] = {
      state: "in-use",
      until: 0,
      availabilityZone: i.availabilityZone,
      sizeGiB: i.root.sizeGiB ?? 30,
      volumeType: i.root.volumeType ?? "gp3",
      ...(i.root.iops ? { iops: i.root.iops } : {}),
      ...(i.root.throughput ? { throughput: i.root.throughput } : {}),
      encrypted: i.root.encrypted ?? false,
      ...(i.root.kmsKeyId ? { kmsKeyId: i.root.kmsKeyId } : {}),
      attachments: [{ instanceId: i.instanceId, device: rootDevice, state: "attached", until: 0 }],
      tags: o.volumeTags?.[i.root.volumeId] ?? {},
      broken: !repaired,
    };
  const copyOf = i.root ? o.volumeTags?.[i.root.volumeId]?.["vm-rescue:copy-of"] : undefined;
  for (const id of [...(o.detachedVolumes ?? []), ...(copyOf ? [copyOf] : [])]) {
    const root = i.root ? s.volumes[i.root.volumeId] : undefined;
    if (root && !s.volumes[id])
      s.volumes[id] = {
        ...root,
        attachments: [],
        state: "available",
        tags: o.volumeTags?.[id] ?? {},
      };
  }
  return s;
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

export function simulatedAws(options: SimulatedAwsOptions): SimulatedAws {
  const i = options.instance;
  const warnings: string[] = [];
  const vpcId = i.vpcId ?? `vpc-${hex(`${i.subnetId}/vpc`, 17)}`;
  if (!i.vpcId)
    warnings.push(
      `no VPC in the description: the helper's security group uses a placeholder VPC (${vpcId})`,
    );

  const { dir, dispose } = simulationFolder("vm-rescue-aws-");
  const cloudFile = path.join(dir, "ec2.json");
  writeState(cloudFile, seedEc2(i, options));
  const change = (f: (s: Ec2State) => void) => {
    const s = readState(cloudFile);
    f(s);
    writeState(cloudFile, s);
  };
  const collectText = JSON.stringify(options.collectOutput ?? sampleAwsCollect());
  const guest = awsShipped(options.collectOutput !== undefined, warnings);

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

  const kinds = new Map(AWS_STEP_KINDS.map((k) => [k.token, k]));
  /** A step of the rescue, run as the plugin runs it: the real kind against the simulated EC2. */
  const runStep = async (token: string, inputs: Record<string, unknown>) => {
    const kind = kinds.get(token)!;
    if (token === STEP_TYPES.aws.repairCheck) change(await guest.beforeRepairCheck(inputs));
    const { id, outs } = await kind.create(
      {
        config: { simulatedCloud: cloudFile },
        signal: new AbortController().signal,
        deadline: Date.now() + kind.timeouts.create * 1000,
        log: () => undefined,
      },
      inputs,
    );
    return { id, state: outs as Record<string, unknown> };
  };

  const newResource = async (
    args: pulumi.runtime.MockResourceArgs,
  ): Promise<{ id: string; state: Record<string, unknown> }> => {
    const inputs = args.inputs as Record<string, unknown>;
    const h = (n: number) => hex(`${args.type}/${args.name}`, n);
    if (kinds.has(args.type)) return runStep(args.type, inputs);
    switch (args.type) {
      case "aws:ebs/snapshot:Snapshot": {
        // The same resource of the same stack is the same snapshot (a second up keeps it); one of
        // another volume is another resource.
        let id = `snap-${h(17)}`;
        change((s) => {
          const source = String(inputs.volumeId);
          if (s.snapshots[id] && s.snapshots[id].volumeId !== source)
            id = `snap-${hex(`${args.type}/${args.name}/${source}`, 17)}`;
          if (id in s.snapshots) return;
          const v = s.volumes[source];
          s.snapshots[id] = {
            volumeId: String(inputs.volumeId),
            state: "completed",
            until: 0,
            startTime: new Date(Date.UTC(2026, 0, 1) + s.clock).toISOString(),
            description: String(inputs.description ?? ""),
            encrypted: v?.encrypted ?? false,
            ...(v?.kmsKeyId ? { kmsKeyId: v.kmsKeyId } : {}),
            tags: (inputs.tags as Record<string, string>) ?? {},
            broken: v?.broken,
          };
        });
        return { id, state: { ...inputs, state: "completed" } };
      }
      case "aws:ebs/volume:Volume": {
        let id = `vol-${h(17)}`;
        change((s) => {
          // The same resource is the same volume: one from the same snapshot, or the repaired root
          // the description gives (its snapshot unknown); else a new volume.
          const source = String(inputs.snapshotId ?? "");
          const had = s.volumes[id];
          const same = !had || had.snapshotId === source || (!had.snapshotId && !had.broken);
          if (!same) id = `vol-${hex(`${args.type}/${args.name}/${source}`, 17)}`;
          if (id in s.volumes) return;
          const snap = s.snapshots[String(inputs.snapshotId)];
          const encrypted = inputs.encrypted === true || snap?.encrypted === true;
          s.volumes[id] = {
            state: "available",
            until: 0,
            availabilityZone: String(inputs.availabilityZone),
            sizeGiB: Number(inputs.size ?? 30),
            volumeType: String(inputs.type ?? "gp3"),
            encrypted,
            ...(encrypted ? { kmsKeyId: String(inputs.kmsKeyId ?? snap?.kmsKeyId ?? "") } : {}),
            snapshotId: String(inputs.snapshotId ?? ""),
            attachments: [],
            tags: (inputs.tags as Record<string, string>) ?? {},
            broken: snap?.broken,
          };
        });
        return { id, state: inputs };
      }
      case "aws:ec2/instance:Instance": {
        // The same resource of the same stack is the same instance (a second up keeps it).
        const id = `i-${h(17)}`;
        change((s) => {
          if (id in s.instances) return;
          const root = `vol-${hex(`${id}/root`, 17)}`;
          s.volumes[root] = {
            state: "in-use",
            until: 0,
            availabilityZone: i.availabilityZone,
            sizeGiB: 30,
            volumeType: "gp3",
            encrypted: false,
            attachments: [{ instanceId: id, device: "/dev/sda1", state: "attached", until: 0 }],
            tags: {},
          };
          s.instances[id] = {
            state: "running",
            until: 0,
            availabilityZone: i.availabilityZone,
            rootDeviceName: "/dev/sda1",
            devices: { "/dev/sda1": { volumeId: root, deleteOnTermination: true } },
            tags: (inputs.tags as Record<string, string>) ?? {},
            ssmAgent: true,
            console: "",
            startedAt: s.clock - 3_600_000,
          };
        });
        return { id, state: { ...inputs, privateIp: "10.20.1.50", publicIp: "" } };
      }
      case "aws:ec2/volumeAttachment:VolumeAttachment":
        change((s) => {
          const [v, inst, device] = [inputs.volumeId, inputs.instanceId, inputs.deviceName].map(
            String,
          );
          // A volume in use stays where it is (a second up keeps the attachment it recorded).
          if (!s.volumes[v] || !s.instances[inst] || s.volumes[v].attachments.length) return;
          s.volumes[v].attachments = [{ instanceId: inst, device, state: "attached", until: 0 }];
          s.volumes[v].state = "in-use";
          s.instances[inst].devices[device] = { volumeId: v, deleteOnTermination: false };
        });
        return { id: `vai-${h(8)}`, state: inputs };
      case "aws:ssm/document:Document": {
        const name = String(inputs.name);
        const collect = name.endsWith("-collect") ? await guest.collect(name, collectText) : null;
        change((s) => {
          collect?.(s);
          if (name.endsWith("-repair")) s.repairs.push(name);
        });
        return { id: name, state: inputs };
      }
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
      default:
        return { id: `${args.name}-id`, state: inputs };
    }
  };

  return {
    call,
    newResource,
    warnings,
    cloudFile,
    shipped: guest.shipped,
    dispose,
  };
}
