/**
 * The EC2 calls of the simulated cloud (`simulated.ts`), answered from and applied to an
 * {@link Ec2State} as EC2's API reference describes them (states, error codes, encryption).
 */
import {
  apiError,
  matches,
  tagList,
  tagsOf,
  SIM_LATENCY_MS as L,
  type Ec2State,
  type SimInstance,
  type SimVolume,
} from "./simulatedState";

/** A transition that never completes on its own (a stop hung in a boot loop). */
const NEVER = Number.MAX_SAFE_INTEGER;
/** What the console of a Windows instance shows after a boot. */
export const BOOTED_TEXT = "Windows is Ready to use\n";
export const BUGCHECK_TEXT = "*** STOP: 0x1000007E (0xC0000005) bug check\n";

function rootVolume(s: Ec2State, i: SimInstance): SimVolume | null {
  const d = i.devices[i.rootDeviceName];
  return d ? (s.volumes[d.volumeId] ?? null) : null;
}

/** Completes every transition whose time has come. */
export function settle(s: Ec2State): void {
  for (const [id, v] of Object.entries(s.volumes)) {
    if (v.state === "creating" && v.until <= s.clock) v.state = "available";
    for (const a of v.attachments)
      if (a.state === "attaching" && a.until <= s.clock) a.state = "attached";
    const gone = v.attachments.filter((a) => a.state === "detaching" && a.until <= s.clock);
    for (const a of gone) {
      const inst = s.instances[a.instanceId];
      if (inst?.devices[a.device]?.volumeId === id) delete inst.devices[a.device];
    }
    v.attachments = v.attachments.filter((a) => !gone.includes(a));
    if (v.state === "available" || v.state === "in-use")
      v.state = v.attachments.length ? "in-use" : "available";
  }
  for (const sn of Object.values(s.snapshots))
    if (sn.state === "pending" && sn.until <= s.clock) sn.state = "completed";
  for (const i of Object.values(s.instances)) {
    if (i.state === "stopping" && i.until <= s.clock) i.state = "stopped";
    if (i.state === "pending" && i.until <= s.clock) {
      i.state = "running";
      i.startedAt = i.until;
      i.console += rootVolume(s, i)?.broken ? BUGCHECK_TEXT : BOOTED_TEXT;
    }
  }
}

function instance(s: Ec2State, id: string): SimInstance {
  const i = s.instances[id];
  if (!i) throw apiError("InvalidInstanceID.NotFound", `The instance ID '${id}' does not exist`);
  return i;
}
function volume(s: Ec2State, id: string): SimVolume {
  const v = s.volumes[id];
  if (!v || v.state === "deleted")
    throw apiError("InvalidVolume.NotFound", `The volume '${id}' does not exist.`);
  return v;
}
function snapshot(s: Ec2State, id: string) {
  const sn = s.snapshots[id];
  if (!sn) throw apiError("InvalidSnapshot.NotFound", `The snapshot '${id}' does not exist.`);
  return sn;
}
/** What a tag call names: an instance, a snapshot or a volume. */
const taggable = (s: Ec2State, id: string): { tags: Record<string, string> } =>
  id.startsWith("i-") ? instance(s, id) : id.startsWith("snap-") ? snapshot(s, id) : volume(s, id);
const newId = (s: Ec2State, prefix: string) =>
  `${prefix}-${(++s.seq).toString(16).padStart(17, "0")}`;

function volumeView(s: Ec2State, id: string, v: SimVolume) {
  return {
    VolumeId: id,
    State: v.state,
    AvailabilityZone: v.availabilityZone,
    Size: v.sizeGiB,
    VolumeType: v.volumeType,
    Iops: v.iops,
    Throughput: v.throughput,
    Encrypted: v.encrypted,
    KmsKeyId: v.kmsKeyId,
    SnapshotId: v.snapshotId ?? "",
    Attachments: v.attachments.map((a) => ({
      VolumeId: id,
      InstanceId: a.instanceId,
      Device: a.device,
      State: a.state,
      DeleteOnTermination: s.instances[a.instanceId]?.devices[a.device]?.deleteOnTermination,
    })),
    Tags: tagList(v.tags),
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the request as the SDK command carries it
type Req = any;
/** Calls that only read: not recorded (the file keeps the changes, not the polls). */
const READS = /^(Describe|Get|List)/;

const ops: Record<string, (s: Ec2State, r: Req) => unknown> = {
  DescribeInstances(s, r) {
    const ids: string[] = r.InstanceIds ?? Object.keys(s.instances);
    const found = ids.map((id) => [id, instance(s, id)] as const);
    return {
      Reservations: found.map(([id, i]) => ({
        Instances: [
          {
            InstanceId: id,
            State: { Name: i.state },
            RootDeviceName: i.rootDeviceName,
            Placement: { AvailabilityZone: i.availabilityZone },
            BlockDeviceMappings: Object.entries(i.devices).map(([d, m]) => ({
              DeviceName: d,
              Ebs: {
                VolumeId: m.volumeId,
                DeleteOnTermination: m.deleteOnTermination,
                Status: s.volumes[m.volumeId]?.attachments.find((a) => a.instanceId === id)?.state,
              },
            })),
            Tags: tagList(i.tags),
          },
        ],
      })),
    };
  },
  StopInstances(s, r) {
    for (const id of r.InstanceIds as string[]) {
      const i = instance(s, id);
      if (i.state === "terminated" || i.state === "shutting-down")
        throw apiError(
          "IncorrectInstanceState",
          `This instance '${id}' is not in a state from which it can be stopped.`,
        );
      if (i.state === "stopped") continue;
      if (i.state === "stopping" && !(r.Force && i.until === NEVER)) continue;
      i.state = "stopping";
      i.until = i.stopHangs && !r.Force ? NEVER : s.clock + L.stop;
    }
    return { StoppingInstances: r.InstanceIds.map((InstanceId: string) => ({ InstanceId })) };
  },
  StartInstances(s, r) {
    for (const id of r.InstanceIds as string[]) {
      const i = instance(s, id);
      if (i.state === "running" || i.state === "pending") continue;
      if (i.state !== "stopped")
        throw apiError(
          "IncorrectInstanceState",
          `The instance '${id}' is not in a state from which it can be started.`,
        );
      const root = i.devices[i.rootDeviceName];
      const attached =
        root &&
        s.volumes[root.volumeId]?.attachments.some(
          (a) => a.instanceId === id && a.state === "attached",
        );
      if (!attached)
        throw apiError(
          "IncorrectInstanceState",
          `Invalid value '${id}' for instanceId. Instance does not have a volume attached at root (${i.rootDeviceName})`,
        );
      i.state = "pending";
      i.until = s.clock + L.start;
    }
    return { StartingInstances: r.InstanceIds.map((InstanceId: string) => ({ InstanceId })) };
  },
  DescribeVolumes(s, r) {
    const ids: string[] | undefined = r.VolumeIds;
    if (ids) return { Volumes: ids.map((id) => volumeView(s, id, volume(s, id))) };
    return {
      Volumes: Object.entries(s.volumes)
        .filter(([id, v]) =>
          matches(r.Filters, (n) =>
            n.startsWith("tag:")
              ? v.tags[n.slice(4)]
              : (
                  {
                    "volume-id": id,
                    "snapshot-id": v.snapshotId,
                    "availability-zone": v.availabilityZone,
                    status: v.state,
                    "attachment.instance-id": v.attachments[0]?.instanceId,
                  } as Record<string, string | undefined>
                )[n],
          ),
        )
        .map(([id, v]) => volumeView(s, id, v)),
    };
  },
  DetachVolume(s, r) {
    const v = volume(s, r.VolumeId);
    const a = v.attachments.find((x) => !r.InstanceId || x.instanceId === r.InstanceId);
    if (!a || a.state === "detaching")
      throw apiError("IncorrectState", `Volume '${r.VolumeId}' is in the '${v.state}' state.`);
    const i = instance(s, a.instanceId);
    if (a.device === i.rootDeviceName && i.state !== "stopped" && !r.Force)
      throw apiError(
        "IncorrectState",
        `Unable to detach root volume '${r.VolumeId}' from instance '${a.instanceId}'`,
      );
    a.state = "detaching";
    a.until = s.clock + L.detach;
    return { VolumeId: r.VolumeId, InstanceId: a.instanceId, Device: a.device, State: a.state };
  },
  AttachVolume(s, r) {
    const v = volume(s, r.VolumeId);
    const i = instance(s, r.InstanceId);
    if (v.state === "in-use")
      throw apiError("VolumeInUse", `${r.VolumeId} is already attached to an instance`);
    if (v.state !== "available")
      throw apiError("IncorrectState", `${r.VolumeId} is not 'available'.`);
    if (v.availabilityZone !== i.availabilityZone)
      throw apiError(
        "InvalidVolume.ZoneMismatch",
        `The volume '${r.VolumeId}' is not in the same availability zone as instance '${r.InstanceId}'`,
      );
    if (i.state !== "running" && i.state !== "stopped")
      throw apiError(
        "IncorrectInstanceState",
        `Instance '${r.InstanceId}' is not 'running' or 'stopped'.`,
      );
    if (i.devices[r.Device])
      throw apiError(
        "InvalidParameterValue",
        `Invalid value '${r.Device}' for unixDevice. Attachment point ${r.Device} is already in use`,
      );
    v.attachments.push({
      instanceId: r.InstanceId,
      device: r.Device,
      state: "attaching",
      until: s.clock + L.attach,
    });
    v.state = "in-use";
    i.devices[r.Device] = { volumeId: r.VolumeId, deleteOnTermination: false };
    return { VolumeId: r.VolumeId, InstanceId: r.InstanceId, Device: r.Device, State: "attaching" };
  },
  ModifyInstanceAttribute(s, r) {
    const i = instance(s, r.InstanceId);
    for (const m of r.BlockDeviceMappings ?? []) {
      const d = i.devices[m.DeviceName];
      if (!d)
        throw apiError(
          "InvalidInstanceAttributeValue",
          `No device is currently mapped at ${m.DeviceName}`,
        );
      d.deleteOnTermination = m.Ebs?.DeleteOnTermination === true;
    }
    return {};
  },
  CreateSnapshot(s, r) {
    const v = volume(s, r.VolumeId);
    const id = newId(s, "snap");
    s.snapshots[id] = {
      volumeId: r.VolumeId,
      state: "pending",
      until: s.clock + L.snapshot,
      startTime: new Date(Date.UTC(2026, 0, 1) + s.clock).toISOString(),
      description: r.Description ?? "",
      encrypted: v.encrypted,
      kmsKeyId: v.kmsKeyId,
      tags: tagsOf(r.TagSpecifications, "snapshot"),
      broken: v.broken,
    };
    return {
      SnapshotId: id,
      State: "pending",
      VolumeId: r.VolumeId,
      Encrypted: v.encrypted,
      KmsKeyId: v.kmsKeyId,
    };
  },
  DescribeSnapshots(s, r) {
    const view = (id: string) => {
      const sn = snapshot(s, id);
      return {
        SnapshotId: id,
        VolumeId: sn.volumeId,
        State: sn.state,
        Progress: sn.state === "completed" ? "100%" : "0%",
        StartTime: new Date(sn.startTime),
        ...(sn.state === "completed"
          ? { CompletionTime: new Date(Date.UTC(2026, 0, 1) + sn.until) }
          : {}),
        Description: sn.description,
        Encrypted: sn.encrypted,
        KmsKeyId: sn.kmsKeyId,
        Tags: tagList(sn.tags),
      };
    };
    if (r.SnapshotIds) return { Snapshots: (r.SnapshotIds as string[]).map(view) };
    return {
      Snapshots: Object.entries(s.snapshots)
        .filter(([id, sn]) =>
          matches(r.Filters, (n) =>
            n.startsWith("tag:")
              ? sn.tags[n.slice(4)]
              : (
                  { "snapshot-id": id, "volume-id": sn.volumeId, status: sn.state } as Record<
                    string,
                    string
                  >
                )[n],
          ),
        )
        .map(([id]) => view(id)),
    };
  },
  CreateVolume(s, r) {
    const sn = r.SnapshotId ? snapshot(s, r.SnapshotId) : null;
    if (sn && sn.state !== "completed")
      throw apiError("IncorrectState", `Snapshot is in invalid state - ${sn.state}`);
    // A volume from an encrypted snapshot is encrypted; without a KmsKeyId it keeps the snapshot's key.
    const encrypted = sn?.encrypted === true || r.Encrypted === true;
    if (r.KmsKeyId && !encrypted)
      throw apiError(
        "InvalidParameterDependency",
        "The parameter KmsKeyId requires the parameter Encrypted to be set.",
      );
    const id = newId(s, "vol");
    s.volumes[id] = {
      state: "creating",
      until: s.clock + L.volume,
      availabilityZone: r.AvailabilityZone,
      sizeGiB: r.Size ?? (sn ? (s.volumes[sn.volumeId]?.sizeGiB ?? 30) : 30),
      volumeType: r.VolumeType ?? "gp2",
      iops: r.Iops,
      throughput: r.Throughput,
      encrypted,
      kmsKeyId: encrypted ? (r.KmsKeyId ?? sn?.kmsKeyId ?? "alias/aws/ebs") : undefined,
      snapshotId: r.SnapshotId,
      attachments: [],
      tags: tagsOf(r.TagSpecifications, "volume"),
      broken: sn?.broken,
    };
    return { VolumeId: id, State: "creating" };
  },
  CreateTags(s, r) {
    for (const id of r.Resources as string[])
      for (const t of r.Tags ?? []) taggable(s, id).tags[t.Key] = t.Value ?? "";
    return {};
  },
  // As EC2 documents it: a tag given with a value is deleted only while it has that value.
  DeleteTags(s, r) {
    for (const id of r.Resources as string[])
      for (const t of r.Tags ?? []) {
        const tags = taggable(s, id).tags;
        if (t.Value === undefined || tags[t.Key] === t.Value) delete tags[t.Key];
      }
    return {};
  },
  GetConsoleOutput(s, r) {
    const i = instance(s, r.InstanceId);
    return {
      InstanceId: r.InstanceId,
      Output: i.console ? Buffer.from(i.console).toString("base64") : undefined,
    };
  },
  DescribeInstanceStatus(s, r) {
    return {
      InstanceStatuses: (r.InstanceIds as string[]).map((id) => {
        const i = instance(s, id);
        const checked = i.state === "running" && s.clock - (i.startedAt ?? 0) >= L.statusChecks;
        const status =
          i.state !== "running"
            ? "not-applicable"
            : !checked
              ? "initializing"
              : rootVolume(s, i)?.broken
                ? "impaired"
                : "ok";
        return {
          InstanceId: id,
          InstanceState: { Name: i.state },
          SystemStatus: { Status: status === "impaired" ? "ok" : status },
          InstanceStatus: { Status: status },
        };
      }),
    };
  },
};

/** The answer of an EC2 call, applied to the state; unknown calls fail loudly. */
export function ec2Answer(s: Ec2State, op: string, input: Req): unknown {
  const f = ops[op];
  if (!f) throw new Error(`the simulated EC2 does not answer ${op}`);
  const subject =
    input.InstanceId ??
    input.VolumeId ??
    input.InstanceIds?.[0] ??
    input.VolumeIds?.[0] ??
    input.SnapshotIds?.[0] ??
    input.SnapshotId ??
    "";
  if (!READS.test(op)) s.calls.push(`${op} ${subject}`.trim());
  return f(s, input);
}
