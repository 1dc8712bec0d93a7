/**
 * The simulated EC2 against what EC2's API reference documents: state transitions, the error codes
 * of calls made in the wrong state, encryption carried from a volume to its snapshot and from a
 * snapshot to its volumes, a state file that survives the process between calls, and Parameter
 * Store's create-once parameters (SSM's API reference).
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  AttachVolumeCommand,
  CreateSnapshotCommand,
  CreateVolumeCommand,
  DeleteTagsCommand,
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  DetachVolumeCommand,
  StartInstancesCommand,
  StopInstancesCommand,
} from "@aws-sdk/client-ec2";
import {
  DeleteParameterCommand,
  GetParameterCommand,
  PutParameterCommand,
} from "@aws-sdk/client-ssm";
import { fileStore, memoryStore, simulatedContext, SIM_LATENCY_MS } from "./simulated";
import { BROKEN, COPY, HELPER, KMS, ORIG, SNAP, rescueWorld } from "./testing/world";
import { createVolumeRequest } from "./snapshots";

function sim() {
  const state = rescueWorld();
  return { state, ctx: simulatedContext(memoryStore(state)) };
}
const code = (p: Promise<unknown>) =>
  p.then(
    () => "no error",
    (e: { name: string }) => e.name,
  );

test("DetachVolume of the root of a running instance is IncorrectState; once stopped it detaches", async () => {
  const { state, ctx } = sim();
  const detach = () =>
    ctx.ec2.send(new DetachVolumeCommand({ VolumeId: ORIG, InstanceId: BROKEN }));
  expect(await code(detach())).toBe("IncorrectState");
  await ctx.ec2.send(new StopInstancesCommand({ InstanceIds: [BROKEN] }));
  expect(state.instances[BROKEN].state).toBe("stopping");
  expect(await code(detach())).toBe("IncorrectState");
  await ctx.sleep(SIM_LATENCY_MS.stop);
  expect(state.instances[BROKEN].state).toBe("stopped");
  await detach();
  const during = await ctx.ec2.send(new DescribeVolumesCommand({ VolumeIds: [ORIG] }));
  expect(during.Volumes[0].Attachments[0].State).toBe("detaching");
  expect(await code(detach())).toBe("IncorrectState");
  await ctx.sleep(SIM_LATENCY_MS.detach);
  const after = await ctx.ec2.send(new DescribeVolumesCommand({ VolumeIds: [ORIG] }));
  expect(after.Volumes[0]).toMatchObject({ State: "available", Attachments: [] });
  expect(state.instances[BROKEN].devices).toEqual({});
});

test("AttachVolume: a volume in use is VolumeInUse, a taken device InvalidParameterValue, attaching → attached", async () => {
  const { state, ctx } = sim();
  const attach = (VolumeId: string, Device: string) =>
    ctx.ec2.send(new AttachVolumeCommand({ VolumeId, InstanceId: BROKEN, Device }));
  expect(await code(attach(COPY, "/dev/sdf"))).toBe("VolumeInUse");
  state.volumes[COPY].attachments = [];
  state.volumes[COPY].state = "available";
  delete state.instances[HELPER].devices.xvdf;
  expect(await code(attach(COPY, "/dev/sda1"))).toBe("InvalidParameterValue");
  await attach(COPY, "/dev/sdf");
  expect(state.volumes[COPY].attachments[0].state).toBe("attaching");
  await ctx.sleep(SIM_LATENCY_MS.attach);
  expect(state.volumes[COPY]).toMatchObject({ state: "in-use" });
  expect(state.volumes[COPY].attachments[0].state).toBe("attached");
});

test("StartInstances: IncorrectInstanceState while stopping or without a root; pending → running", async () => {
  const { state, ctx } = sim();
  await ctx.ec2.send(new StopInstancesCommand({ InstanceIds: [BROKEN] }));
  expect(await code(ctx.ec2.send(new StartInstancesCommand({ InstanceIds: [BROKEN] })))).toBe(
    "IncorrectInstanceState",
  );
  await ctx.sleep(SIM_LATENCY_MS.stop);
  await ctx.ec2.send(new DetachVolumeCommand({ VolumeId: ORIG, InstanceId: BROKEN }));
  await ctx.sleep(SIM_LATENCY_MS.detach);
  expect(await code(ctx.ec2.send(new StartInstancesCommand({ InstanceIds: [BROKEN] })))).toBe(
    "IncorrectInstanceState",
  );
  state.instances[BROKEN].devices["/dev/sda1"] = { volumeId: ORIG, deleteOnTermination: true };
  state.volumes[ORIG].attachments = [
    { instanceId: BROKEN, device: "/dev/sda1", state: "attached", until: 0 },
  ];
  await ctx.ec2.send(new StartInstancesCommand({ InstanceIds: [BROKEN] }));
  expect(state.instances[BROKEN].state).toBe("pending");
  await ctx.sleep(SIM_LATENCY_MS.start);
  expect(state.instances[BROKEN].state).toBe("running");
});

test("a stop of a hung Windows instance stays in stopping until forced", async () => {
  const { state, ctx } = sim();
  state.instances[BROKEN].stopHangs = true;
  await ctx.ec2.send(new StopInstancesCommand({ InstanceIds: [BROKEN] }));
  await ctx.sleep(10 * SIM_LATENCY_MS.stop);
  expect(state.instances[BROKEN].state).toBe("stopping");
  await ctx.ec2.send(new StopInstancesCommand({ InstanceIds: [BROKEN], Force: true }));
  await ctx.sleep(SIM_LATENCY_MS.stop);
  expect(state.instances[BROKEN].state).toBe("stopped");
});

test("unknown ids are Invalid….NotFound", async () => {
  const { ctx } = sim();
  expect(
    await code(
      ctx.ec2.send(new DescribeInstancesCommand({ InstanceIds: ["i-0000000000000000f"] })),
    ),
  ).toBe("InvalidInstanceID.NotFound");
  expect(
    await code(ctx.ec2.send(new DescribeVolumesCommand({ VolumeIds: ["vol-0000000000000000f"] }))),
  ).toBe("InvalidVolume.NotFound");
  expect(
    await code(
      ctx.ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: ["snap-0000000000000000f"] })),
    ),
  ).toBe("InvalidSnapshot.NotFound");
});

test("KMS: a snapshot keeps its volume's key; a volume from a pending snapshot is IncorrectState; volumes keep the snapshot's key", async () => {
  const { state, ctx } = sim();
  const { SnapshotId } = await ctx.ec2.send(new CreateSnapshotCommand({ VolumeId: ORIG }));
  const described = await ctx.ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [SnapshotId] }));
  expect(described.Snapshots[0]).toMatchObject({
    State: "pending",
    Encrypted: true,
    KmsKeyId: KMS,
  });
  const fromPending = ctx.ec2.send(
    new CreateVolumeCommand({ SnapshotId, AvailabilityZone: "eu-west-1a" }),
  );
  expect(await code(fromPending)).toBe("IncorrectState");
  await ctx.sleep(SIM_LATENCY_MS.snapshot);
  expect(state.snapshots[SnapshotId].state).toBe("completed");
  // Without encryption parameters the volume keeps the snapshot's key…
  const bare = await ctx.ec2.send(
    new CreateVolumeCommand({ SnapshotId: SNAP, AvailabilityZone: "eu-west-1a" }),
  );
  expect(state.volumes[bare.VolumeId]).toMatchObject({ encrypted: true, kmsKeyId: KMS });
  // …and the rescue's request names it explicitly (the original's settings).
  const req = createVolumeRequest(
    SNAP,
    {
      availabilityZone: "eu-west-1a",
      volumeType: "gp3",
      iops: 4000,
      throughput: 250,
      sizeGiB: 100,
      encrypted: true,
      kmsKeyId: KMS,
    },
    { "vm-rescue:id": "inc-1" },
  );
  const made = await ctx.ec2.send(new CreateVolumeCommand(req));
  expect(state.volumes[made.VolumeId]).toMatchObject({
    encrypted: true,
    kmsKeyId: KMS,
    volumeType: "gp3",
    iops: 4000,
    state: "creating",
  });
  await ctx.sleep(SIM_LATENCY_MS.volume);
  expect(state.volumes[made.VolumeId].state).toBe("available");
});

test("the state file is read before and written after every call: a new process resumes from it", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aws-sim-"));
  try {
    const file = path.join(dir, "cloud.json");
    fs.writeFileSync(file, JSON.stringify(rescueWorld()));
    const one = simulatedContext(fileStore(file));
    await one.ec2.send(new StopInstancesCommand({ InstanceIds: [BROKEN] }));
    // Another "process": a fresh context over the same file sees the stop and its clock.
    const two = simulatedContext(fileStore(file));
    await two.sleep(SIM_LATENCY_MS.stop);
    const out = await one.ec2.send(new DescribeInstancesCommand({ InstanceIds: [BROKEN] }));
    expect(out.Reservations[0].Instances[0].State.Name).toBe("stopped");
    expect(JSON.parse(fs.readFileSync(file, "utf8")).calls).toEqual(["StopInstances " + BROKEN]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("large payloads live beside the state file: the JSON stays small and bytes round-trip exactly", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aws-sim-"));
  try {
    const file = path.join(dir, "cloud.json");
    const hive = crypto.randomBytes(3 << 20).toString("base64"); // 4 MiB of base64
    const dump = crypto.randomBytes(200_000).toString("base64");
    const state = rescueWorld();
    state.objectBytes = { "bucket/SYSTEM": hive, "bucket/tiny": "AAEC", "bucket/again": hive };
    state.guestFiles = {
      "vmr-collect": { "MEMORY.DMP": dump, "looks@blob:sha256:x": "@blob:sha256:x" },
    };
    const before = JSON.stringify(state);
    fileStore(file).save(state);
    fileStore(file).save(state); // written once: the same two side files
    expect(JSON.stringify(state)).toBe(before); // the caller's state is not changed
    expect(fs.statSync(file).size).toBeLessThan(64 * 1024);
    const sha = (t: string) => crypto.createHash("sha256").update(t).digest("hex");
    expect(fs.readdirSync(`${file}.blobs`).sort()).toEqual(
      [sha(hive), sha(dump), sha("@blob:sha256:x")].sort(),
    );
    expect(fs.readFileSync(path.join(`${file}.blobs`, sha(hive)), "utf8")).toBe(hive);
    // Side files removed behind the process's back are written again by the next save.
    fs.rmSync(`${file}.blobs`, { recursive: true });
    fileStore(file).save(state);
    expect(fs.readdirSync(`${file}.blobs`).sort()).toEqual(
      [sha(hive), sha(dump), sha("@blob:sha256:x")].sort(),
    );
    // A fresh module (another process's empty cache) reads the side files from disk.
    jest.isolateModules(() => {
      const fresh = require("./simulatedState") as typeof import("./simulatedState");
      const back = fresh.fileStore(file).load();
      expect(JSON.stringify(back)).toBe(before);
      const bytes = Buffer.from(back.objectBytes?.["bucket/SYSTEM"] ?? "", "base64");
      expect(bytes.equals(Buffer.from(hive, "base64"))).toBe(true);
    });
    // A damaged side file is refused, not passed on as evidence.
    fs.writeFileSync(path.join(`${file}.blobs`, sha(dump)), `${dump.slice(1)}A`);
    jest.isolateModules(() => {
      const fresh = require("./simulatedState") as typeof import("./simulatedState");
      expect(() => fresh.fileStore(file).load()).toThrow(/does not match its hash/);
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("Parameter Store: a parameter is created once (ParameterAlreadyExists without Overwrite), read back, deleted once", async () => {
  const { state, ctx } = sim();
  const put = (Value: string, Overwrite?: boolean) =>
    ctx.ssm.send(new PutParameterCommand({ Name: "/a/b", Value, Type: "String", Overwrite }));
  const get = () =>
    ctx.ssm.send(new GetParameterCommand({ Name: "/a/b" })) as Promise<{
      Parameter: { Value: string; Version: number };
    }>;
  const del = () => ctx.ssm.send(new DeleteParameterCommand({ Name: "/a/b" }));
  expect(await code(get())).toBe("ParameterNotFound");
  expect(await put("one")).toMatchObject({ Version: 1 });
  expect(await code(put("two"))).toBe("ParameterAlreadyExists");
  expect(await code(put("two", false))).toBe("ParameterAlreadyExists");
  expect((await get()).Parameter).toMatchObject({ Value: "one", Version: 1 });
  expect(await put("three", true)).toMatchObject({ Version: 2 });
  expect((await get()).Parameter.Value).toBe("three");
  // a refused call changed nothing and is not among the changes
  expect(state.calls.filter((c) => c.startsWith("PutParameter"))).toEqual([
    "PutParameter /a/b",
    "PutParameter /a/b",
  ]);
  await del();
  expect(await code(get())).toBe("ParameterNotFound");
  expect(await code(del())).toBe("ParameterNotFound");
});

test("DeleteTags: a tag given with a value goes only while it has that value; without one, whatever it holds", async () => {
  const { state, ctx } = sim();
  state.instances[HELPER].tags = { a: "1", b: "2" };
  await ctx.ec2.send(
    new DeleteTagsCommand({ Resources: [HELPER], Tags: [{ Key: "a", Value: "9" }] }),
  );
  expect(state.instances[HELPER].tags).toEqual({ a: "1", b: "2" });
  await ctx.ec2.send(
    new DeleteTagsCommand({ Resources: [HELPER], Tags: [{ Key: "a", Value: "1" }] }),
  );
  await ctx.ec2.send(new DeleteTagsCommand({ Resources: [HELPER], Tags: [{ Key: "b" }] }));
  expect(state.instances[HELPER].tags).toEqual({});
});
