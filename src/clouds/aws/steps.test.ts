/**
 * The rescue steps against fake EC2/SSM/S3 clients and a fake clock: idempotence, timeouts,
 * VolumeInUse, a root volume that will not detach, a re-crash after the swap, and deletes that
 * never touch the cloud.
 */
import { createHash } from "node:crypto";
import { createVolumeRequest, OpsContext } from "./operations";
import {
  backupSnapshotStep,
  rollbackStep,
  rootDetachStep,
  rootSwapProvider,
  rootSwapStep,
  ssmCommandStep,
  verifyStep,
  volumeFromSnapshotStep,
} from "./steps";

interface Vol {
  state: string;
  attachments: { InstanceId: string; Device: string; State: string }[];
  tags?: Record<string, string>;
  extra?: Record<string, unknown>;
}
interface Inst {
  state: string;
  stopHangs?: boolean;
  devices: Record<string, { volumeId: string; dot: boolean }>;
}

/** A tiny EC2 world: instances, volumes, snapshots; every call is recorded. */
function world() {
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

const base = { region: "eu-west-1", timeoutSeconds: 600 };
const open = { allowed: true, reasons: [] as string[] };
const closed = { allowed: false, reasons: ["guest driver ena blocks the swap to m5.large"] };

describe("rootDetachStep", () => {
  test("stops the instance and detaches its root, keeping the volume; a second run changes nothing", async () => {
    const w = world();
    const out = await rootDetachStep(w.ctx, {
      ...base,
      instanceId: "i-broken",
      rootVolumeId: "vol-orig",
      snapshotId: "snap-1",
      gate: open,
    });
    expect(out).toEqual({
      detached: true,
      detachedVolumeId: "vol-orig",
      forcedStop: false,
      reason: "",
    });
    expect(w.instances["i-broken"].state).toBe("stopped");
    expect(w.volumes["vol-orig"].state).toBe("available");
    const before = w.calls.length;
    await rootDetachStep(w.ctx, {
      ...base,
      instanceId: "i-broken",
      rootVolumeId: "vol-orig",
      snapshotId: "snap-1",
      gate: open,
    });
    expect(w.calls.slice(before).filter((c) => !c.startsWith("Describe"))).toEqual([]);
    expect(w.calls).not.toContain("DeleteVolume");
  });

  test("a closed gate leaves the instance running with its root: no call at all, the reason in the outputs", async () => {
    const w = world();
    const out = await rootDetachStep(w.ctx, {
      ...base,
      instanceId: "i-broken",
      rootVolumeId: "vol-orig",
      snapshotId: "snap-1",
      gate: closed,
    });
    expect(out).toMatchObject({
      detached: false,
      detachedVolumeId: "",
      reason: expect.stringMatching(/not stopped.*ena blocks the swap/),
    });
    expect(w.calls).toEqual([]);
    expect(w.instances["i-broken"]).toMatchObject({
      state: "running",
      devices: { "/dev/sda1": { volumeId: "vol-orig" } },
    });
  });

  test("refuses without a backup snapshot", async () => {
    const w = world();
    await expect(
      rootDetachStep(w.ctx, {
        ...base,
        instanceId: "i-broken",
        rootVolumeId: "vol-orig",
        snapshotId: "",
        gate: open,
      }),
    ).rejects.toThrow(/no backup snapshot/);
    expect(w.calls).toEqual([]);
  });

  test("a stop that hangs in stopping is forced after half the timeout", async () => {
    const w = world();
    w.instances["i-broken"].stopHangs = true;
    const out = await rootDetachStep(w.ctx, {
      ...base,
      instanceId: "i-broken",
      rootVolumeId: "vol-orig",
      snapshotId: "snap-1",
      gate: open,
    });
    expect(out.forcedStop).toBe(true);
    expect(w.calls.filter((c) => c === "gentle" || c === "force")).toEqual(["gentle", "force"]);
  });

  test("a root volume that will not detach times out with what to do, never force-detaching", async () => {
    const w = world();
    w.hooks.detachStuck = "vol-orig";
    await expect(
      rootDetachStep(w.ctx, {
        ...base,
        instanceId: "i-broken",
        rootVolumeId: "vol-orig",
        snapshotId: "snap-1",
        gate: open,
      }),
    ).rejects.toThrow(/did not detach from i-broken within 600 s.*never force-detaches/);
    expect(w.clock()).toBeGreaterThanOrEqual(600_000);
  });
});

describe("backupSnapshotStep", () => {
  test("returns once EBS has the snapshot (pending), and adopts it on a retry", async () => {
    const w = world();
    const tags = { "vm-rescue:id": "inc-4711" };
    const a = await backupSnapshotStep(w.ctx, {
      ...base,
      volumeId: "vol-orig",
      description: "backup",
      tags,
    });
    expect(w.snapshots[a.snapshotId].state).toBe("pending");
    const b = await backupSnapshotStep(w.ctx, {
      ...base,
      volumeId: "vol-orig",
      description: "backup",
      tags,
    });
    expect(b.snapshotId).toBe(a.snapshotId);
    expect(w.calls.filter((c) => c === "CreateSnapshot")).toHaveLength(1);
  });
});

describe("ssmCommandStep", () => {
  const cmd = {
    ...base,
    instanceId: "i-helper",
    documentName: "vm-rescue-x-collect",
    parameters: { MaxEvents: ["300"] },
    bucketName: "b",
    keyPrefix: "rescue/x/",
  };

  test("waits for SSM registration and the command, and reads the full output from S3", async () => {
    const w = world();
    const out = await ssmCommandStep(w.ctx, cmd);
    expect(out).toEqual({ commandId: "cmd-1", status: "Success", stdout: '{"full":true}' });
    expect(w.ssmCalls.find((c) => c.name === "SendCommand").input).toMatchObject({
      OutputS3BucketName: "b",
      OutputS3KeyPrefix: "rescue/x",
      Parameters: { MaxEvents: ["300"] },
    });
  });

  test("inPlace: waits for the backup to complete before the command is sent", async () => {
    const w = world();
    const { snapshotId } = await backupSnapshotStep(w.ctx, {
      ...base,
      volumeId: "vol-orig",
      description: "d",
      tags: {},
    });
    w.hooks.snapshotPending = 3;
    await ssmCommandStep(w.ctx, { ...cmd, waitForSnapshotId: snapshotId });
    expect(w.snapshots[snapshotId].state).toBe("completed");
  });

  test("a helper that never registers times out naming the network path", async () => {
    const w = world();
    w.ctx.ssm = { send: async () => ({ InstanceInformationList: [] }) };
    await expect(ssmCommandStep(w.ctx, cmd)).rejects.toThrow(
      /VPC endpoints \(ssm, ec2messages, ssmmessages, s3\) or a NAT gateway/,
    );
  });
});

describe("rootSwapStep, verifyStep, rollbackStep", () => {
  const swap = {
    ...base,
    instanceId: "i-broken",
    rootDeviceName: "/dev/sda1",
    volumeId: "vol-copy",
    helperInstanceId: "i-helper",
    deleteOnTermination: true,
    gate: open,
    reattachWhenClosed: false,
  };
  const verify = {
    ...base,
    instanceId: "i-broken",
    rollbackVolumeId: "vol-orig",
    swapped: true,
    swapReason: "",
  };

  test("moves the repaired volume to the original root device name, restores DeleteOnTermination, starts; the original is kept", async () => {
    const w = world();
    w.hooks.attachFails = 2; // VolumeInUse right after the detach: retried
    const out = await rootSwapStep(w.ctx, swap);
    expect(out).toEqual({
      swapped: true,
      rootVolumeId: "vol-copy",
      previousRootVolumeId: "vol-orig",
      consoleBaseline: expect.objectContaining({ length: 23 }),
      reason: "",
    });
    expect(w.instances["i-broken"].devices["/dev/sda1"]).toEqual({
      volumeId: "vol-copy",
      dot: true,
    });
    expect(w.instances["i-broken"].state).toBe("running");
    expect(w.volumes["vol-orig"].state).toBe("available");
    expect(w.calls).not.toContain("DeleteVolume");
  });

  test("copy: a swap blocked by the driver check changes nothing and does not fail; the verification says why there is no boot", async () => {
    const w = world();
    const out = await rootSwapStep(w.ctx, { ...swap, gate: closed });
    expect(out).toEqual({
      swapped: false,
      rootVolumeId: "",
      previousRootVolumeId: "",
      consoleBaseline: null,
      reason: expect.stringMatching(
        /swap was not done and the instance is unchanged: guest driver ena/,
      ),
    });
    const v = await verifyStep(w.ctx, {
      ...verify,
      finalState: "running",
      swapped: out.swapped,
      swapReason: out.reason,
    });
    expect(v).toMatchObject({
      healthy: false,
      reason: expect.stringMatching(/no boot to verify: the swap was not done/),
    });
    expect(w.calls).toEqual([]);
  });

  test("inPlace: with the gate closed the root goes back (DeleteOnTermination restored) and the instance stays stopped", async () => {
    const w = world();
    // inPlace: the instance is stopped and its root is on the helper as xvdf.
    w.instances["i-broken"] = { state: "stopped", devices: {} };
    w.instances["i-helper"].devices.xvdf = { volumeId: "vol-orig", dot: false };
    w.volumes["vol-orig"].attachments = [
      { InstanceId: "i-helper", Device: "xvdf", State: "attached" },
    ];
    const out = await rootSwapStep(w.ctx, {
      ...swap,
      volumeId: "vol-orig",
      gate: { allowed: false, reasons: ["dryRun=true"] },
      reattachWhenClosed: true,
    });
    expect(out).toMatchObject({
      swapped: false,
      rootVolumeId: "vol-orig",
      reason: expect.stringMatching(/back in place.*left stopped: dryRun=true/),
    });
    expect(w.instances["i-broken"]).toEqual({
      state: "stopped",
      devices: { "/dev/sda1": { volumeId: "vol-orig", dot: true } },
    });
    expect(w.calls).not.toContain("StartInstances");
  });

  test("a volume in use elsewhere is refused", async () => {
    const w = world();
    w.volumes["vol-copy"].attachments = [
      { InstanceId: "i-other", Device: "xvdg", State: "attached" },
    ];
    await expect(rootSwapStep(w.ctx, swap)).rejects.toThrow(/attached to i-other/);
  });

  test("a clean boot passes; a re-crash fails the step and offers the rollback, which puts the original back", async () => {
    const w = world();
    await rootSwapStep(w.ctx, swap);
    await expect(verifyStep(w.ctx, { ...verify, finalState: "running" })).resolves.toMatchObject({
      healthy: true,
    });
    w.hooks.console = "*** STOP: 0x1000007E (0xFFFFFFFFC0000005, ...)";
    await expect(verifyStep(w.ctx, { ...verify, finalState: "running" })).rejects.toThrow(
      /did not boot cleanly.*Roll back \(puts vol-orig back as root.*: vm-rescue rollback --cloud aws --instance-id i-broken --region eu-west-1 \(or, while the stack exists: pulumi config set vm-rescue:rollback true && pulumi up\)$/,
    );
    const rb = await rollbackStep(w.ctx, {
      ...base,
      instanceId: "i-broken",
      rootDeviceName: "/dev/sda1",
      volumeId: "vol-orig",
      deleteOnTermination: true,
      finalState: "running",
    });
    expect(rb).toEqual({
      restoredVolumeId: "vol-orig",
      replacedVolumeId: "vol-copy",
      changed: true,
      consoleBaseline: expect.objectContaining({ length: w.hooks.console!.length }),
    });
    expect(w.instances["i-broken"].devices["/dev/sda1"]).toEqual({
      volumeId: "vol-orig",
      dot: true,
    });
    expect(w.volumes["vol-copy"].state).toBe("available");
  });

  test("a rollback when the original still is the root (no swap ran) stops and detaches nothing", async () => {
    const w = world();
    const rb = await rollbackStep(w.ctx, {
      ...base,
      instanceId: "i-broken",
      rootDeviceName: "/dev/sda1",
      volumeId: "vol-orig",
      deleteOnTermination: true,
      finalState: "running",
    });
    expect(rb).toEqual({
      restoredVolumeId: "vol-orig",
      replacedVolumeId: "",
      changed: false,
      consoleBaseline: null,
    });
    expect(w.calls.filter((c) => !c.startsWith("Describe"))).toEqual([]);
  });

  test("an impaired instance status is a re-crash; a stopped original is stopped again after a clean boot", async () => {
    const w = world();
    await rootSwapStep(w.ctx, swap);
    w.hooks.status = ["ok", "impaired"];
    await expect(verifyStep(w.ctx, { ...verify, finalState: "running" })).rejects.toThrow(
      /instance status check failed/,
    );
    w.hooks.status = ["ok", "ok"];
    await verifyStep(w.ctx, { ...verify, finalState: "stopped" });
    expect(w.instances["i-broken"].state).toBe("stopped");
  });

  test("the provider's delete never calls the cloud; a changed input re-runs the step", async () => {
    const w = world();
    const p = rootSwapProvider(() => w.ctx);
    const created = await p.create!(swap);
    expect(created.id).toBe("i-broken/root/vol-copy");
    const calls = w.calls.length;
    await p.delete!(created.id, created.outs);
    expect(w.calls.length).toBe(calls);
    const d = await p.diff!(created.id, created.outs, { ...swap, timeoutSeconds: 900 });
    expect(d.changes).toBe(false);
    expect(
      (await p.diff!(created.id, created.outs, { ...swap, volumeId: "vol-other" })).replaces,
    ).toEqual(["volumeId"]);
  });
});

describe("console baseline: only what the console shows after the start counts", () => {
  const swap = {
    ...base,
    instanceId: "i-broken",
    rootDeviceName: "/dev/sda1",
    volumeId: "vol-copy",
    helperInstanceId: "i-helper",
    deleteOnTermination: true,
    gate: open,
    reattachWhenClosed: false,
  };
  const verify = {
    ...base,
    instanceId: "i-broken",
    rollbackVolumeId: "vol-orig",
    swapped: true,
    swapReason: "",
    finalState: "running" as const,
  };
  const OLD_CRASH = "Boot\n*** STOP: 0x1000007E (0xFFFFFFFFC0000005, ...)\n";
  const sha = (t: string) => createHash("sha256").update(t, "utf8").digest("hex");

  test("the swap records the console before the start: the original's stop error does not count against the repaired copy", async () => {
    const w = world();
    w.hooks.console = OLD_CRASH;
    w.hooks.onStart = "Windows is Ready to use\n";
    const out = await rootSwapStep(w.ctx, swap);
    expect(out.consoleBaseline).toEqual({
      length: OLD_CRASH.length,
      sha256: sha(OLD_CRASH),
      tail: OLD_CRASH,
    });
    await expect(
      verifyStep(w.ctx, { ...verify, consoleBaseline: out.consoleBaseline }),
    ).resolves.toMatchObject({ healthy: true });
    // Without the baseline the same console reads as a re-crash: the baseline is what makes the difference.
    await expect(verifyStep(w.ctx, { ...verify, consoleBaseline: null })).rejects.toThrow(
      /stop error again/,
    );
  });

  test("a stop error written after the baseline counts", async () => {
    const w = world();
    w.hooks.console = OLD_CRASH;
    w.hooks.onStart = "*** STOP: 0x0000007B\n";
    const out = await rootSwapStep(w.ctx, swap);
    await expect(
      verifyStep(w.ctx, { ...verify, consoleBaseline: out.consoleBaseline }),
    ).rejects.toThrow(/stop error again \(STOP: 0x0000007B\)/);
  });

  test("a console reset by the start (shorter than the baseline, or starting differently) counts in full", async () => {
    const w = world();
    w.hooks.console = OLD_CRASH + OLD_CRASH;
    const out = await rootSwapStep(w.ctx, swap);
    w.hooks.console = OLD_CRASH; // shorter: reset, and the new boot crashed
    await expect(
      verifyStep(w.ctx, { ...verify, consoleBaseline: out.consoleBaseline }),
    ).rejects.toThrow(/stop error again/);
    w.hooks.console = "Boot\nWindows is Ready to use\n";
    await expect(
      verifyStep(w.ctx, { ...verify, consoleBaseline: out.consoleBaseline }),
    ).resolves.toMatchObject({ healthy: true });
    w.hooks.console = "X" + OLD_CRASH + OLD_CRASH; // as long, but not the recorded text: all of it is new
    await expect(
      verifyStep(w.ctx, { ...verify, consoleBaseline: out.consoleBaseline }),
    ).rejects.toThrow(/stop error again/);
  });

  test("the rollback records it too: the copy's stop error does not count against the original", async () => {
    const w = world();
    await rootSwapStep(w.ctx, swap);
    w.hooks.console = OLD_CRASH; // the repaired copy crashed
    w.hooks.onStart = "Windows is Ready to use\n";
    const rb = await rollbackStep(w.ctx, {
      ...base,
      instanceId: "i-broken",
      rootDeviceName: "/dev/sda1",
      volumeId: "vol-orig",
      deleteOnTermination: true,
      finalState: "running",
    });
    expect(rb.consoleBaseline).toEqual({
      length: OLD_CRASH.length,
      sha256: sha(OLD_CRASH),
      tail: OLD_CRASH,
    });
    await expect(
      verifyStep(w.ctx, { ...verify, consoleBaseline: rb.consoleBaseline }),
    ).resolves.toMatchObject({ healthy: true });
  });

  test("an unreadable console before the start: no baseline, the whole output counts", async () => {
    const w = world();
    const send = w.ctx.ec2.send.bind(w.ctx.ec2);
    w.ctx.ec2 = {
      send: async (c: any) =>
        c.constructor.name === "GetConsoleOutputCommand" &&
        w.instances["i-broken"].state !== "running"
          ? Promise.reject(new Error("throttled"))
          : send(c),
    };
    const out = await rootSwapStep(w.ctx, swap);
    expect(out).toMatchObject({ swapped: true, consoleBaseline: null });
  });
});

describe("rollbackStep on an instance without a root", () => {
  test("an up that failed between the detach and the swap: the original is attached at the root device, the instance started", async () => {
    const w = world();
    w.instances["i-broken"] = { state: "stopped", devices: {} };
    w.volumes["vol-orig"] = { state: "available", attachments: [] };
    const rb = await rollbackStep(w.ctx, {
      ...base,
      instanceId: "i-broken",
      rootDeviceName: "/dev/sda1",
      volumeId: "vol-orig",
      deleteOnTermination: false,
      finalState: "running",
    });
    expect(rb).toMatchObject({ restoredVolumeId: "vol-orig", replacedVolumeId: "", changed: true });
    expect(w.instances["i-broken"]).toEqual({
      state: "running",
      devices: { "/dev/sda1": { volumeId: "vol-orig", dot: false } },
    });
    expect(w.calls).not.toContain("DetachVolume");
  });
});

describe("volumeFromSnapshotStep", () => {
  const spec = {
    availabilityZone: "eu-west-1a",
    volumeType: "io2",
    iops: 6000,
    throughput: null,
    sizeGiB: 100,
    encrypted: true,
    kmsKeyId: "arn:aws:kms:eu-west-1:123456789012:key/k1",
  };
  const inputs = {
    ...base,
    snapshotId: "snap-b",
    originalVolumeId: "vol-orig",
    spec,
    tags: { "vm-rescue:id": "inc-4711", "vm-rescue:role": "rollback-from-backup" },
  };

  test("waits for the backup to complete, creates the volume with the original's settings tagged copy-of, waits for it; a re-run adopts it", async () => {
    const w = world();
    w.snapshots["snap-b"] = { state: "pending", volumeId: "vol-orig", tags: {} };
    w.hooks.snapshotPending = 2;
    w.hooks.volumeCreating = 2;
    const { volumeId } = await volumeFromSnapshotStep(w.ctx, inputs);
    expect(w.snapshots["snap-b"].state).toBe("completed");
    expect(w.volumes[volumeId]).toMatchObject({
      state: "available",
      tags: {
        "vm-rescue:id": "inc-4711",
        "vm-rescue:role": "rollback-from-backup",
        "vm-rescue:copy-of": "vol-orig",
      },
      extra: {
        SnapshotId: "snap-b",
        AvailabilityZone: "eu-west-1a",
        VolumeType: "io2",
        Iops: 6000,
        Size: 100,
        Encrypted: true,
        KmsKeyId: spec.kmsKeyId,
      },
    });
    expect(w.volumes[volumeId].extra).not.toHaveProperty("Throughput");
    const again = await volumeFromSnapshotStep(w.ctx, inputs);
    expect(again.volumeId).toBe(volumeId);
    expect(w.calls.filter((c) => c === "CreateVolume")).toHaveLength(1);
    expect(w.calls).not.toContain("DeleteVolume");
  });

  test("a failed backup fails the step before any volume is made", async () => {
    const w = world();
    w.snapshots["snap-b"] = { state: "error", volumeId: "vol-orig", tags: {} };
    await expect(volumeFromSnapshotStep(w.ctx, inputs)).rejects.toThrow(/snapshot snap-b failed/);
    expect(w.calls).not.toContain("CreateVolume");
  });

  test("createVolumeRequest keeps only what the type takes: gp3 IOPS and throughput, no KMS key unencrypted", () => {
    const gp3 = createVolumeRequest(
      "snap-1",
      {
        availabilityZone: "eu-west-1b",
        volumeType: "gp3",
        iops: 4000,
        throughput: 250,
        sizeGiB: 80,
        encrypted: false,
        kmsKeyId: null,
      },
      { a: "b" },
    );
    expect(gp3).toEqual({
      SnapshotId: "snap-1",
      AvailabilityZone: "eu-west-1b",
      VolumeType: "gp3",
      Iops: 4000,
      Throughput: 250,
      Size: 80,
      TagSpecifications: [{ ResourceType: "volume", Tags: [{ Key: "a", Value: "b" }] }],
    });
    const gp2 = createVolumeRequest(
      "snap-1",
      {
        availabilityZone: "eu-west-1b",
        volumeType: "gp2",
        iops: 300,
        throughput: 125,
        sizeGiB: null,
        encrypted: true,
        kmsKeyId: "k",
      },
      {},
    );
    expect(gp2).toEqual({
      SnapshotId: "snap-1",
      AvailabilityZone: "eu-west-1b",
      VolumeType: "gp2",
      Encrypted: true,
      KmsKeyId: "k",
      TagSpecifications: [{ ResourceType: "volume", Tags: [] }],
    });
  });
});
