/**
 * A tiny EC2 world for the AWS steps' fine-grained tests (hooks that make a call fail or hang):
 * instances, volumes, snapshots, an SSM agent and the S3 output behind fake SDK clients and a fake
 * clock; every call is recorded. The documented EC2 behaviour lives in the product's simulated EC2
 * (`src/clouds/aws/simulated.ts`), which the kinds' contract and fault tests use.
 */
import type { OpsContext } from "../../src/clouds/aws/operations";

export interface Vol {
  state: string;
  attachments: { InstanceId: string; Device: string; State: string }[];
  tags?: Record<string, string>;
  extra?: Record<string, unknown>;
}
export interface Inst {
  state: string;
  stopHangs?: boolean;
  tags?: Record<string, string>;
  devices: Record<string, { volumeId: string; dot: boolean }>;
}

/** A tiny EC2 world: instances, volumes, snapshots; every call is recorded. */
export function world() {
  const instances: Record<string, Inst> = {
    "i-broken": { state: "running", devices: { "/dev/sda1": { volumeId: "vol-orig", dot: true } } },
    "i-helper": {
      state: "running",
      devices: {
        "/dev/sda1": { volumeId: "vol-helper", dot: true },
        xvdf: { volumeId: "vol-copy", dot: false },
      },
    },
  };
  const volumes: Record<string, Vol> = {
    "vol-orig": {
      state: "in-use",
      attachments: [{ InstanceId: "i-broken", Device: "/dev/sda1", State: "attached" }],
    },
    "vol-copy": {
      state: "in-use",
      attachments: [{ InstanceId: "i-helper", Device: "xvdf", State: "attached" }],
    },
  };
  const snapshots: Record<
    string,
    { state: string; volumeId: string; tags: Record<string, string> }
  > = {};
  const calls: string[] = [];
  let clock = 0;
  const hooks: {
    attachFails?: number;
    detachStuck?: string;
    console?: string;
    status?: [string, string];
    snapshotPending?: number;
    volumeCreating?: number;
    onStart?: string;
  } = {};
  const tagList = (t: Record<string, string> = {}) =>
    Object.entries(t).map(([Key, Value]) => ({ Key, Value }));
  const ec2 = {
    async send(cmd: any) {
      const name = cmd.constructor.name.replace(/Command$/, "");
      const i = cmd.input;
      calls.push(name);
      switch (name) {
        case "DescribeInstances": {
          const x = instances[i.InstanceIds[0]];
          return {
            Reservations: [
              {
                Instances: [
                  {
                    State: { Name: x.state },
                    RootDeviceName: "/dev/sda1",
                    Tags: tagList(x.tags),
                    BlockDeviceMappings: Object.entries(x.devices).map(([d, v]) => ({
                      DeviceName: d,
                      Ebs: { VolumeId: v.volumeId, DeleteOnTermination: v.dot },
                    })),
                  },
                ],
              },
            ],
          };
        }
        case "StopInstances": {
          const x = instances[i.InstanceIds[0]];
          if (!x.stopHangs || i.Force) x.state = "stopped";
          else x.state = "stopping";
          calls.push(i.Force ? "force" : "gentle");
          return {};
        }
        case "StartInstances":
          instances[i.InstanceIds[0]].state = "running";
          if (hooks.onStart !== undefined) hooks.console = (hooks.console ?? "") + hooks.onStart;
          return {};
        case "DescribeVolumes": {
          const view = (id: string, v: Vol) => ({
            VolumeId: id,
            State: v.state,
            Attachments: v.attachments,
            Tags: tagList(v.tags),
            ...(v.extra ?? {}),
          });
          if (i.VolumeIds) {
            const v = volumes[i.VolumeIds[0]];
            if (v.state === "creating" && (hooks.volumeCreating ?? 0) <= 0) v.state = "available";
            else if (v.state === "creating") hooks.volumeCreating!--;
            return { Volumes: [view(i.VolumeIds[0], v)] };
          }
          const match = (id: string, v: Vol) =>
            i.Filters.every((f: { Name: string; Values: string[] }) =>
              f.Name.startsWith("tag:")
                ? v.tags?.[f.Name.slice(4)] === f.Values[0]
                : f.Name === "snapshot-id"
                  ? v.extra?.SnapshotId === f.Values[0]
                  : f.Name === "availability-zone"
                    ? v.extra?.AvailabilityZone === f.Values[0]
                    : false,
            );
          return {
            Volumes: Object.entries(volumes)
              .filter(([id, v]) => match(id, v))
              .map(([id, v]) => view(id, v)),
          };
        }
        case "CreateVolume": {
          const id = `vol-new${Object.keys(volumes).length}`;
          const { TagSpecifications, ...extra } = i;
          volumes[id] = {
            state: "creating",
            attachments: [],
            tags: Object.fromEntries(TagSpecifications[0].Tags.map((t: any) => [t.Key, t.Value])),
            extra,
          };
          return { VolumeId: id };
        }
        case "DetachVolume": {
          if (hooks.detachStuck === i.VolumeId) {
            volumes[i.VolumeId].attachments[0].State = "detaching";
            return {};
          }
          const v = volumes[i.VolumeId];
          v.attachments = v.attachments.filter((a) => a.InstanceId !== i.InstanceId);
          v.state = "available";
          delete instances[i.InstanceId].devices[i.Device];
          return {};
        }
        case "AttachVolume": {
          if (hooks.attachFails && hooks.attachFails-- > 0)
            throw Object.assign(new Error("vol in use"), { name: "VolumeInUse" });
          const v = volumes[i.VolumeId];
          v.attachments = [{ InstanceId: i.InstanceId, Device: i.Device, State: "attached" }];
          v.state = "in-use";
          instances[i.InstanceId].devices[i.Device] = { volumeId: i.VolumeId, dot: false };
          return {};
        }
        case "ModifyInstanceAttribute": {
          const m = i.BlockDeviceMappings[0];
          instances[i.InstanceId].devices[m.DeviceName].dot = m.Ebs.DeleteOnTermination;
          return {};
        }
        case "CreateSnapshot": {
          const id = `snap-${Object.keys(snapshots).length + 1}`;
          snapshots[id] = {
            state: "pending",
            volumeId: i.VolumeId,
            tags: Object.fromEntries(i.TagSpecifications[0].Tags.map((t: any) => [t.Key, t.Value])),
          };
          return { SnapshotId: id };
        }
        case "DescribeSnapshots": {
          if (i.SnapshotIds) {
            const s = snapshots[i.SnapshotIds[0]];
            if (hooks.snapshotPending !== undefined && hooks.snapshotPending-- <= 0)
              s.state = "completed";
            return { Snapshots: [{ SnapshotId: i.SnapshotIds[0], State: s.state }] };
          }
          const vol = i.Filters[0].Values[0];
          const id = i.Filters[1].Values[0];
          return {
            Snapshots: Object.entries(snapshots)
              .filter(([, s]) => s.volumeId === vol && s.tags["vm-rescue:id"] === id)
              .map(([k, s]) => ({ SnapshotId: k, State: s.state })),
          };
        }
        case "CreateTags":
        case "DeleteTags": {
          for (const id of i.Resources) {
            const x = instances[id];
            if (!x) continue;
            x.tags ??= {};
            for (const t of i.Tags) {
              if (name === "CreateTags") x.tags[t.Key] = t.Value;
              else delete x.tags[t.Key];
            }
          }
          return {};
        }
        case "GetConsoleOutput":
          return {
            Output: Buffer.from(hooks.console ?? "Windows is Ready to use").toString("base64"),
          };
        case "DescribeInstanceStatus":
          return {
            InstanceStatuses: [
              {
                SystemStatus: { Status: hooks.status?.[0] ?? "ok" },
                InstanceStatus: { Status: hooks.status?.[1] ?? "ok" },
              },
            ],
          };
        default:
          throw new Error(`fake EC2 does not know ${name}`);
      }
    },
  };
  const ssmCalls: any[] = [];
  const ssm = {
    polls: 0,
    async send(cmd: any) {
      const name = cmd.constructor.name.replace(/Command$/, "");
      ssmCalls.push({ name, input: cmd.input });
      if (name === "DescribeInstanceInformation")
        return {
          InstanceInformationList: [{ PingStatus: ssm.polls++ < 2 ? "ConnectionLost" : "Online" }],
        };
      if (name === "SendCommand") return { Command: { CommandId: "cmd-1" } };
      if (name === "GetCommandInvocation")
        return {
          Status: ssm.polls++ < 5 ? "InProgress" : "Success",
          StandardOutputContent: '{"short":true}',
        };
      throw new Error(name);
    },
  };
  const s3 = {
    async send(cmd: any) {
      const name = cmd.constructor.name.replace(/Command$/, "");
      if (name === "ListObjectsV2")
        return { Contents: [{ Key: `${cmd.input.Prefix}awsrunPowerShellScript/collect/stdout` }] };
      if (name === "GetObject") return { Body: { transformToString: async () => '{"full":true}' } };
      throw new Error(name);
    },
  };
  const ctx: OpsContext = {
    ec2,
    ssm,
    s3,
    now: () => clock,
    sleep: async (ms) => void (clock += ms),
    pollMs: 10_000,
  };
  return { instances, volumes, snapshots, calls, hooks, ctx, ssmCalls, clock: () => clock };
}

/** What every step's inputs start with. */
export const base = { region: "eu-west-1", timeoutSeconds: 600 };
/** An open gate, and one a blocking driver finding closed. */
export const open = { allowed: true, reasons: [] as string[] };
export const closed = { allowed: false, reasons: ["guest driver ena blocks the swap to m5.large"] };
