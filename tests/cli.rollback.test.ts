/**
 * `vm-rescue rollback`: directly against the in-memory Azure compute and a fake EC2 (no stack, no
 * Pulumi CLI), and `--via-stack` against a fake Automation API.
 */
import { main, Io } from "../src/cli/main";
import { fakeStackAutomation } from "./helpers/fakeAutomation";
import { defaultDeps, rollbackDeps } from "../src/cli/deps";
import { originalToRestore } from "../src/swap/rollback";
import { SimulatedClock, SimulatedCompute } from "../src/clouds/azure/simulated";
import type { OpsContext } from "../src/clouds/aws/operations";
import { SETTINGS } from "../src/engine/settings";

async function run(args: string[], isTty = false) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const io: Io = { isTty, out: (t) => stdout.push(t), err: (t) => stderr.push(t) };
  const code = await main(args, io);
  return { code, out: stdout.join(""), err: stderr.join("\n") };
}

const SUB = "00000000-0000-0000-0000-000000000001";
const DISKS = `/subscriptions/${SUB}/resourceGroups/rg-app/providers/Microsoft.Compute/disks`;
const ORIGINAL = `${DISKS}/app-vm-01_OsDisk_1`;
const COPY = `${DISKS}/app-vm-01-app-vm-01-rescue-osdisk-copy`;
const COPY_TAGS = {
  "vm-rescue:role": "repair-copy",
  "vm-rescue:id": "app-vm-01-rescue",
  "vm-rescue:copy-of": ORIGINAL,
};

/** A VM that runs on this rescue's copy (after `vm-rescue rescue` tore the stack down). */
function azureWorld(copyTags: Record<string, string> = COPY_TAGS) {
  const compute = new SimulatedCompute();
  compute.addVm("rg-app", "app-vm-01", { osDiskId: COPY });
  compute.diskTags.set(COPY.toLowerCase(), { ...copyTags });
  compute.diskTags.set(ORIGINAL.toLowerCase(), {
    "vm-rescue:id": "app-vm-01-rescue",
    "vm-rescue:original-os-disk-of": "vm",
  });
  return compute;
}

const original = { ...rollbackDeps };
const originalRescueDeps = { ...defaultDeps };
let subscriptions: string[];
let confirmAnswer: boolean | null;
beforeEach(() => {
  subscriptions = [];
  confirmAnswer = null;
  rollbackDeps.azureSubscription = () => SUB;
  rollbackDeps.clock = new SimulatedClock();
  rollbackDeps.awsRegion = () => null;
  rollbackDeps.confirm = async () => {
    if (confirmAnswer === null) throw new Error("no question expected");
    return confirmAnswer;
  };
});
afterEach(() => {
  Object.assign(rollbackDeps, original);
  Object.assign(defaultDeps, originalRescueDeps);
});

function useCompute(compute: SimulatedCompute) {
  rollbackDeps.azureCompute = (s) => (subscriptions.push(s), compute);
}

const AZ = ["rollback", "--cloud", "azure", "--resource-group", "rg-app", "--vm", "app-vm-01"];

describe("vm-rescue rollback --cloud azure (direct)", () => {
  test("puts the original back with the rollback resource's steps, verifies the boot, exit 0", async () => {
    const compute = azureWorld();
    useCompute(compute);
    const r = await run([...AZ, "--yes"]);
    expect(r.err).not.toMatch(/vm-rescue:/);
    expect(r.code).toBe(0);
    expect(subscriptions).toEqual([SUB]);
    expect(compute.writes()).toEqual([
      `addDiskTags ${COPY} vm-rescue:id,vm-rescue:rolled-back-copy-of`,
      `addDiskTags ${ORIGINAL} vm-rescue:rollback-phase`,
      "deallocate rg-app/app-vm-01",
      `addDiskTags ${ORIGINAL} vm-rescue:rollback-phase,vm-rescue:serial-baseline`,
      `setOsDisk rg-app/app-vm-01 ${ORIGINAL}`,
      "start rg-app/app-vm-01",
      `addDiskTags ${ORIGINAL} vm-rescue:rollback-phase`,
    ]);
    expect(compute.vm("rg-app", "app-vm-01").osDiskId).toBe(ORIGINAL);
    expect(compute.diskTags.get(COPY.toLowerCase())).toMatchObject({
      "vm-rescue:rolled-back-copy-of": expect.stringMatching(/virtualMachines\/app-vm-01$/),
    });
    expect(r.out).toBe(
      `Rolled back VM rg-app/app-vm-01: the original OS disk ${ORIGINAL} is back and it booted; the repaired copy ${COPY} is kept, detached.`,
    );
  });

  test("--json; the copy's own crash in the kept serial log does not count against the original", async () => {
    const compute = azureWorld();
    compute.serialLogOnStart = "append";
    compute.vm("rg-app", "app-vm-01").serialLog =
      'Boot\r\n<INSTANCE CLASSNAME="BLUESCREEN"><VALUE>"0x7E"</VALUE></INSTANCE>\r\n';
    useCompute(compute);
    const r = await run([...AZ, "--yes", "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({
      cloud: "azure",
      target: "VM rg-app/app-vm-01",
      rolledBack: true,
      changed: true,
      originalId: ORIGINAL,
      replacedId: COPY,
      booted: true,
      reasons: [],
    });
  });

  test("the original comes back but bug-checks: exit 1 and says so", async () => {
    const compute = azureWorld();
    compute.brokenDisks.add(ORIGINAL);
    useCompute(compute);
    const r = await run([...AZ, "--yes"]);
    expect(r.code).toBe(1);
    expect(compute.vm("rg-app", "app-vm-01").osDiskId).toBe(ORIGINAL);
    expect(r.out).toMatch(
      /the original OS disk .* is back, but it did not boot: a bug check on the serial console: .*BLUESCREEN/,
    );
  });

  test("a VM already on its original disk: nothing changed, exit 0", async () => {
    const compute = azureWorld();
    compute.vm("rg-app", "app-vm-01").osDiskId = ORIGINAL;
    useCompute(compute);
    const r = await run([...AZ, "--yes"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /^Nothing to roll back: VM rg-app\/app-vm-01 already runs on its original OS disk/,
    );
    expect(compute.writes()).toEqual([]);
  });

  test("not on a rescue copy: exit 2, one line, nothing written — even when an original is given with --original-disk", async () => {
    const compute = azureWorld({});
    useCompute(compute);
    const r = await run([...AZ, "--yes"]);
    expect(r.code).toBe(2);
    expect(r.err.split("\n")).toEqual([
      expect.stringMatching(
        /^vm-rescue: VM rg-app\/app-vm-01 runs on OS disk .*copy, which is not a rescue's repaired copy \(no vm-rescue:role=repair-copy tag\); nothing to roll back/,
      ),
    ]);
    expect(compute.writes()).toEqual([]);
    const pinned = await run([...AZ, "--original-disk", ORIGINAL, "--yes"]);
    expect(pinned.code).toBe(2);
    expect(pinned.err).toMatch(/not a rescue's repaired copy.*nothing was changed/);
    expect(compute.writes()).toEqual([]);
  });

  test("the original disk no longer exists: exit 2, one line, the VM stays on the copy", async () => {
    const compute = azureWorld();
    compute.deletedDisks.add(ORIGINAL);
    useCompute(compute);
    const r = await run([...AZ, "--yes"]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      `vm-rescue: the original OS disk ${ORIGINAL} no longer exists; VM rg-app/app-vm-01 stays on ${COPY}`,
    );
    expect(compute.writes()).toEqual([]);
  });

  test("an API error midway: exit 1 with one line naming the step", async () => {
    const compute = azureWorld();
    compute.failures.set(
      "setOsDisk",
      Object.assign(new Error("Disk is busy.\n  more detail"), {
        statusCode: 409,
        code: "OperationNotAllowed",
      }),
    );
    useCompute(compute);
    const r = await run([...AZ, "--yes"]);
    expect(r.code).toBe(1);
    expect(r.err.split("\n").pop()).toBe(
      `vm-rescue: rollback of VM rg-app/app-vm-01 failed: setting ${ORIGINAL} as the OS disk of VM app-vm-01 failed (HTTP 409 OperationNotAllowed): Disk is busy.`,
    );
  });

  test("no credentials or no subscription: exit 2, one line", async () => {
    const compute = azureWorld();
    compute.failures.set(
      "getVmDisks",
      Object.assign(
        new Error(
          "DefaultAzureCredential failed to retrieve a token from the included credentials.\nAttempted credentials:",
        ),
        { name: "CredentialUnavailableError" },
      ),
    );
    useCompute(compute);
    const r = await run([...AZ, "--yes"]);
    expect(r.code).toBe(2);
    expect(r.err.split("\n")).toEqual([
      expect.stringMatching(/^vm-rescue: no usable Azure credentials \(az login/),
    ]);
    rollbackDeps.azureSubscription = () => null;
    const s = await run([...AZ, "--yes"]);
    expect(s.code).toBe(2);
    expect(s.err).toMatch(/^vm-rescue: no Azure subscription: pass --subscription/);
  });

  test("--yes as in rescue: refused off a terminal before any call; asked on a terminal, no → nothing done", async () => {
    const compute = azureWorld();
    useCompute(compute);
    const off = await run(AZ);
    expect(off.code).toBe(2);
    expect(off.err).toBe(
      "vm-rescue: refusing to roll back VM rg-app/app-vm-01 without --yes when not on a terminal",
    );
    expect(compute.calls).toEqual([]);
    confirmAnswer = false;
    const no = await run(AZ, true);
    expect(no.code).toBe(2);
    expect(no.err).toMatch(/not confirmed; nothing was done/);
    expect(compute.writes()).toEqual([]);
    confirmAnswer = true;
    expect((await run(AZ, true)).code).toBe(0);
    expect(compute.vm("rg-app", "app-vm-01").osDiskId).toBe(ORIGINAL);
  });

  test("--stack names the rescue: another rescue's copy is refused", async () => {
    const compute = azureWorld();
    useCompute(compute);
    const r = await run([...AZ, "--stack", "inc-9999", "--yes"]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/runs on the copy of rescue app-vm-01-rescue, not of inc-9999/);
    expect(compute.writes()).toEqual([]);
  });
});

describe("originalToRestore", () => {
  const o = {
    what: "OS disk",
    vmLabel: "VM x",
    originalFlag: "--original-disk",
    copyOf: (t: Record<string, string>) => t["vm-rescue:copy-of"] ?? null,
  };
  test("a copy names its original; a pinned one must agree; a copy without the tag needs the pin", () => {
    expect(originalToRestore({ id: COPY, tags: COPY_TAGS }, o)).toEqual({
      kind: "restore",
      originalId: ORIGINAL,
      rescueId: "app-vm-01-rescue",
    });
    expect(() =>
      originalToRestore({ id: COPY, tags: COPY_TAGS }, { ...o, pinned: `${DISKS}/other` }),
    ).toThrow(/differs from the original/);
    expect(() =>
      originalToRestore({ id: COPY, tags: { "vm-rescue:role": "repair-copy" } }, o),
    ).toThrow(/does not name its original .* give --original-disk/);
    expect(
      originalToRestore(
        { id: COPY, tags: { "vm-rescue:role": "repair-copy" } },
        { ...o, pinned: ORIGINAL },
      ),
    ).toMatchObject({ kind: "restore", originalId: ORIGINAL });
    expect(
      originalToRestore({ id: ORIGINAL, tags: {} }, { ...o, pinned: ORIGINAL.toUpperCase() }),
    ).toEqual({ kind: "already", originalId: ORIGINAL });
  });
});

// ---------------------------------------------------------------------------------------------
// AWS
// ---------------------------------------------------------------------------------------------

interface Vol {
  state: string;
  attachments: { InstanceId: string; Device: string; State: string }[];
  tags: Record<string, string>;
  /** Other describe-volumes fields (type, IOPS, KMS key, snapshot). */
  extra?: Record<string, unknown>;
}

const INSTANCE = "i-0a1b2c3d4e5f67890";
const RID = "rescue-0a1b2c3d4e5f67890";
const ORIG = "vol-0aaaaaaaaaaaaaaa1";
const COPYV = "vol-0ccccccccccccccc1";
const SNAP = "snap-0bbbbbbbbbbbbbbb1";
const ORIG_SPEC = {
  AvailabilityZone: "eu-west-1a",
  VolumeType: "gp3",
  Iops: 4000,
  Throughput: 250,
  Size: 100,
  Encrypted: true,
  KmsKeyId: "arn:aws:kms:eu-west-1:123456789012:key/k1",
};

/**
 * A fake EC2: the instance runs on this rescue's copy; the original root is detached and kept; the
 * backup snapshot of the original is tagged as the component tags it. The console keeps what it
 * showed (the copy's stop error, in `console`) and each start appends what the new root prints.
 */
function ec2World(
  copyTags: Record<string, string> = {
    "vm-rescue:role": "repair-copy",
    "vm-rescue:id": RID,
    "vm-rescue:source": INSTANCE,
    "vm-rescue:copy-of": ORIG,
  },
) {
  const inst = {
    state: "running",
    root: "/dev/sda1",
    devices: { "/dev/sda1": { volumeId: COPYV, dot: true } } as Record<
      string,
      { volumeId: string; dot: boolean }
    >,
  };
  const volumes: Record<string, Vol> = {
    [COPYV]: {
      state: "in-use",
      attachments: [{ InstanceId: INSTANCE, Device: "/dev/sda1", State: "attached" }],
      tags: copyTags,
      extra: { ...ORIG_SPEC, SnapshotId: SNAP },
    },
    [ORIG]: { state: "available", attachments: [], tags: {}, extra: ORIG_SPEC },
  };
  const snapshots: Record<
    string,
    { volumeId: string; state: string; startTime: string; tags: Record<string, string> }
  > = {
    [SNAP]: {
      volumeId: ORIG,
      state: "completed",
      startTime: "2026-11-29T07:00:00.000Z",
      tags: {
        "vm-rescue:id": RID,
        "vm-rescue:source": INSTANCE,
        "vm-rescue:role": "backup",
        "vm-rescue:mode": "copy",
      },
    },
  };
  const calls: string[] = [];
  const hooks: { attachError?: Error; console: string; broken: Set<string> } = {
    console: "Windows is Ready to use\n*** STOP: 0x1000007E (copy)\n",
    broken: new Set(),
  };
  const tagList = (t: Record<string, string>) =>
    Object.entries(t).map(([Key, Value]) => ({ Key, Value }));
  const matches = (
    tags: Record<string, string>,
    fields: Record<string, unknown>,
    filters: { Name: string; Values: string[] }[],
  ) =>
    filters.every((f) =>
      f.Name.startsWith("tag:")
        ? tags[f.Name.slice(4)] === f.Values[0]
        : fields[f.Name] === f.Values[0],
    );
  const ec2 = {
    async send(cmd: { constructor: { name: string }; input: any }) {
      const name = cmd.constructor.name.replace(/Command$/, "");
      const i = cmd.input;
      calls.push(name);
      switch (name) {
        case "DescribeInstances":
          return {
            Reservations: [
              {
                Instances: [
                  {
                    State: { Name: inst.state },
                    RootDeviceName: inst.root,
                    BlockDeviceMappings: Object.entries(inst.devices).map(([d, v]) => ({
                      DeviceName: d,
                      Ebs: { VolumeId: v.volumeId, DeleteOnTermination: v.dot },
                    })),
                  },
                ],
              },
            ],
          };
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
            if (!v)
              throw Object.assign(new Error(`The volume '${i.VolumeIds[0]}' does not exist.`), {
                name: "InvalidVolume.NotFound",
              });
            if (v.state === "creating") v.state = "available";
            return { Volumes: [view(i.VolumeIds[0], v)] };
          }
          return {
            Volumes: Object.entries(volumes)
              .filter(([, v]) =>
                matches(
                  v.tags,
                  {
                    "snapshot-id": v.extra?.SnapshotId,
                    "availability-zone": v.extra?.AvailabilityZone,
                  },
                  i.Filters,
                ),
              )
              .map(([id, v]) => view(id, v)),
          };
        }
        case "DescribeSnapshots": {
          const list = i.SnapshotIds
            ? i.SnapshotIds.map((id: string) => [id, snapshots[id]])
            : Object.entries(snapshots).filter(([, x]) =>
                matches(x.tags, { "volume-id": x.volumeId }, i.Filters),
              );
          return {
            Snapshots: list.map(([id, x]: [string, (typeof snapshots)[string]]) => ({
              SnapshotId: id,
              VolumeId: x.volumeId,
              State: x.state,
              StartTime: new Date(x.startTime),
              Tags: tagList(x.tags),
            })),
          };
        }
        case "CreateVolume": {
          const id = `vol-0ddddddddddddddd${Object.keys(volumes).length}`;
          const { TagSpecifications, ...extra } = i;
          volumes[id] = {
            state: "creating",
            attachments: [],
            tags: Object.fromEntries(
              TagSpecifications[0].Tags.map((t: { Key: string; Value: string }) => [
                t.Key,
                t.Value,
              ]),
            ),
            extra,
          };
          return { VolumeId: id };
        }
        case "StopInstances":
          inst.state = "stopped";
          return {};
        case "StartInstances":
          inst.state = "running";
          hooks.console += hooks.broken.has(inst.devices[inst.root]?.volumeId)
            ? "*** STOP: 0x0000007E\n"
            : "Windows is Ready to use\n";
          return {};
        case "DetachVolume": {
          const v = volumes[i.VolumeId];
          v.attachments = [];
          v.state = "available";
          delete inst.devices[i.Device];
          return {};
        }
        case "AttachVolume": {
          if (hooks.attachError) throw hooks.attachError;
          const v = volumes[i.VolumeId];
          v.attachments = [{ InstanceId: i.InstanceId, Device: i.Device, State: "attached" }];
          v.state = "in-use";
          inst.devices[i.Device] = { volumeId: i.VolumeId, dot: false };
          return {};
        }
        case "ModifyInstanceAttribute":
          inst.devices[i.BlockDeviceMappings[0].DeviceName].dot =
            i.BlockDeviceMappings[0].Ebs.DeleteOnTermination;
          return {};
        case "GetConsoleOutput":
          return {
            Output: hooks.console ? Buffer.from(hooks.console).toString("base64") : undefined,
          };
        case "DescribeInstanceStatus":
          return {
            InstanceStatuses: [
              { SystemStatus: { Status: "ok" }, InstanceStatus: { Status: "ok" } },
            ],
          };
        default:
          throw new Error(`unexpected ${name}`);
      }
    },
  };
  let t = 0;
  const ctx: OpsContext = {
    ec2,
    ssm: ec2,
    s3: ec2,
    now: () => t,
    sleep: async (ms) => void (t += ms),
    pollMs: 1000,
  };
  const regions: string[] = [];
  rollbackDeps.awsContext = (region) => (regions.push(region), ctx);
  const writes = () => calls.filter((c) => /^(Stop|Start|Detach|Attach|Modify|Create)/.test(c));
  return { inst, volumes, snapshots, calls, writes, hooks, regions };
}

/** After an inPlace rescue: the instance runs on its original root, repaired in place; the backup is tagged mode=inPlace. */
function inPlaceWorld() {
  const w = ec2World();
  delete w.volumes[COPYV];
  w.volumes[ORIG] = {
    state: "in-use",
    attachments: [{ InstanceId: INSTANCE, Device: "/dev/sda1", State: "attached" }],
    tags: {},
    extra: ORIG_SPEC,
  };
  w.inst.devices["/dev/sda1"] = { volumeId: ORIG, dot: true };
  w.snapshots[SNAP].tags["vm-rescue:mode"] = "inPlace";
  return w;
}

const AWS = ["rollback", "--cloud", "aws", "--instance-id", INSTANCE, "--region", "eu-west-1"];

describe("vm-rescue rollback --cloud aws (direct)", () => {
  test("puts the original root back with the rollback step, verifies the boot past the copy's stop error, exit 0", async () => {
    const w = ec2World();
    const r = await run([...AWS, "--yes"]);
    expect(r.err).not.toMatch(/vm-rescue:/);
    expect(r.code).toBe(0);
    expect(w.regions).toEqual(["eu-west-1"]);
    expect(w.inst.devices["/dev/sda1"]).toEqual({ volumeId: ORIG, dot: true });
    expect(w.volumes[COPYV].state).toBe("available");
    expect(w.inst.state).toBe("running");
    expect(w.writes()).toEqual([
      "StopInstances",
      "DetachVolume",
      "AttachVolume",
      "ModifyInstanceAttribute",
      "StartInstances",
    ]);
    // The instance and the root volume are read through the steps' describe operations only.
    expect(w.calls.filter((c) => c === "DescribeSnapshots")).toEqual([]);
    expect(r.out).toBe(
      `Rolled back instance ${INSTANCE} (eu-west-1): the original root volume ${ORIG} is back and it booted; the repaired copy ${COPYV} is kept, detached.`,
    );
  });

  test("a root that is neither a rescue copy nor an inPlace rescue's original: exit 2, nothing written", async () => {
    const w = ec2World({});
    const r = await run([...AWS, "--yes"]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /^vm-rescue: instance i-0a1b2c3d4e5f67890 \(eu-west-1\) runs on root volume vol-0ccccccccccccccc1, which is not a rescue's repaired copy .* nor the source of an inPlace rescue's backup snapshot \(vm-rescue:mode=inPlace\)/,
    );
    expect(w.writes()).toEqual([]);
  });

  test("the original volume no longer exists: exit 2, nothing written", async () => {
    const w = ec2World();
    delete w.volumes[ORIG];
    const r = await run([...AWS, "--yes"]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      `vm-rescue: the original root volume ${ORIG} no longer exists; instance ${INSTANCE} (eu-west-1) stays on ${COPYV}`,
    );
    expect(w.writes()).toEqual([]);
  });

  test("an API error: exit 1, one line", async () => {
    const w = ec2World();
    w.hooks.attachError = Object.assign(
      new Error("You are not authorized to perform this operation."),
      { name: "UnauthorizedOperation" },
    );
    const r = await run([...AWS, "--yes"]);
    expect(r.code).toBe(1);
    expect(r.err.split("\n").pop()).toBe(
      `vm-rescue: rollback of instance ${INSTANCE} (eu-west-1) failed: You are not authorized to perform this operation.`,
    );
  });

  test("the original comes back and prints a new stop error: exit 1; no region: exit 2; no --yes off a terminal: exit 2", async () => {
    const w = ec2World();
    w.hooks.broken.add(ORIG);
    const r = await run([...AWS, "--yes"]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(
      /is back, but it did not boot: the console shows a stop error again \(STOP: 0x0000007E\)/,
    );
    const noRegion = await run(["rollback", "--instance-id", INSTANCE, "--yes"]);
    expect(noRegion.code).toBe(2);
    expect(noRegion.err).toBe("vm-rescue: no AWS region: pass --region or set AWS_REGION");
    const calls = w.calls.length;
    expect((await run(AWS)).code).toBe(2);
    expect(w.calls).toHaveLength(calls);
  });
});

describe("vm-rescue rollback --cloud aws: inPlace rescues", () => {
  test("the root is the source of a backup tagged vm-rescue:mode=inPlace: a volume from it with the original's settings becomes the root; the repaired one is kept", async () => {
    const w = inPlaceWorld();
    const r = await run([...AWS, "--yes", "--json"]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out);
    expect(out).toMatchObject({
      rolledBack: true,
      changed: true,
      originalId: ORIG,
      replacedId: ORIG,
      fromSnapshot: SNAP,
      booted: true,
    });
    const made = w.volumes[out.restoredId];
    expect(made).toMatchObject({
      tags: {
        "vm-rescue:id": RID,
        "vm-rescue:source": INSTANCE,
        "vm-rescue:role": "rollback-from-backup",
        "vm-rescue:copy-of": ORIG,
      },
      extra: { SnapshotId: SNAP, ...ORIG_SPEC },
    });
    expect(w.inst.devices["/dev/sda1"]).toEqual({ volumeId: out.restoredId, dot: true });
    expect(w.volumes[ORIG]).toMatchObject({ state: "available", attachments: [] });
    expect(w.writes()).toEqual([
      "CreateVolume",
      "StopInstances",
      "DetachVolume",
      "AttachVolume",
      "ModifyInstanceAttribute",
      "StartInstances",
    ]);
    expect(w.calls).not.toContain("DeleteVolume");
  });

  test("the text line names the backup; a second rollback changes nothing; a copy-mode backup of the root means nothing to roll back", async () => {
    const w = inPlaceWorld();
    const r = await run([...AWS, "--yes"]);
    expect(r.out).toMatch(
      new RegExp(
        `^Rolled back instance ${INSTANCE} \\(eu-west-1\\): the root is vol-\\w+, a volume from the backup ${SNAP} \\(taken 2026-11-29T07:00:00\\.000Z\\) of the original root volume ${ORIG} and it booted; the repaired volume ${ORIG} is kept, detached\\.$`,
      ),
    );
    expect(r.err).toContain(`${SNAP} (the backup of ${ORIG}, taken 2026-11-29T07:00:00.000Z)`);
    const writes = w.writes().length;
    const again = await run([...AWS, "--yes"]);
    expect(again.code).toBe(0);
    expect(again.out).toMatch(
      new RegExp(
        `^Nothing to roll back: .* already runs on vol-\\w+, a volume from the backup ${SNAP} of the original root volume ${ORIG}\\.$`,
      ),
    );
    expect(w.writes()).toHaveLength(writes);
    const copy = inPlaceWorld();
    copy.snapshots[SNAP].tags["vm-rescue:mode"] = "copy";
    const c = await run([...AWS, "--yes"]);
    expect(c.code).toBe(0);
    expect(c.out).toBe(
      `Nothing to roll back: instance ${INSTANCE} (eu-west-1) already runs on its original root volume ${ORIG}.`,
    );
    expect(copy.writes()).toEqual([]);
  });

  test('a retried rollback after a newer copy-mode rescue answers "already back" instead of restoring an old inPlace backup', async () => {
    const w = inPlaceWorld();
    w.snapshots[SNAP].startTime = "2026-06-01T07:00:00.000Z"; // months-old inPlace rescue of the same volume
    w.snapshots["snap-0bbbbbbbbbbbbbbb2"] = {
      ...w.snapshots[SNAP],
      startTime: "2026-12-01T07:00:00.000Z",
      tags: { ...w.snapshots[SNAP].tags, "vm-rescue:id": "inc-2", "vm-rescue:mode": "copy" },
    };
    const r = await run([...AWS, "--yes"]);
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      `Nothing to roll back: instance ${INSTANCE} (eu-west-1) already runs on its original root volume ${ORIG}.`,
    );
    expect(w.writes()).toEqual([]);
    // Naming the old rescue does not bring its backup back either.
    const pinned = await run([...AWS, "--stack", RID, "--yes"]);
    expect(pinned.code).toBe(0);
    expect(w.writes()).toEqual([]);
  });

  test("the JSON result carries the backup's date", async () => {
    inPlaceWorld();
    const r = await run([...AWS, "--yes", "--json"]);
    expect(JSON.parse(r.out)).toMatchObject({
      fromSnapshot: SNAP,
      snapshotTakenAt: "2026-11-29T07:00:00.000Z",
    });
  });

  test("--stack picks the rescue: another rescue's inPlace backup is not used", async () => {
    const w = inPlaceWorld();
    const r = await run([...AWS, "--stack", "inc-9999", "--yes"]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /nor the source of an inPlace rescue's backup snapshot of rescue inc-9999/,
    );
    expect(w.writes()).toEqual([]);
  });

  test("the newest inPlace backup is the one used", async () => {
    const w = inPlaceWorld();
    w.snapshots["snap-0bbbbbbbbbbbbbbb2"] = {
      ...w.snapshots[SNAP],
      startTime: "2026-12-01T07:00:00.000Z",
      tags: { ...w.snapshots[SNAP].tags, "vm-rescue:id": "inc-2" },
    };
    const r = await run([...AWS, "--yes", "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ fromSnapshot: "snap-0bbbbbbbbbbbbbbb2" });
  });
});

describe("vm-rescue rollback --cloud aws: an instance left without a root", () => {
  /** An up that failed after the detach and before the swap: nothing at /dev/sda1, the copy on the helper. */
  function noRoot(mode: "copy" | "inPlace" = "copy") {
    const w = ec2World();
    w.inst.state = "stopped";
    delete w.inst.devices["/dev/sda1"];
    w.volumes[COPYV].attachments = [
      { InstanceId: "i-0helper000000000001", Device: "xvdf", State: "attached" },
    ];
    w.snapshots[SNAP].tags["vm-rescue:mode"] = mode;
    if (mode === "inPlace") {
      delete w.volumes[COPYV];
      w.volumes[ORIG].attachments = [
        { InstanceId: "i-0helper000000000001", Device: "xvdf", State: "attached" },
      ];
    }
    return w;
  }

  test("copy: the original found by the backup's and the copy's tags goes back at the root device, exit 0", async () => {
    const w = noRoot();
    const r = await run([...AWS, "--yes"]);
    expect(r.code).toBe(0);
    expect(w.inst).toMatchObject({
      state: "running",
      devices: { "/dev/sda1": { volumeId: ORIG, dot: false } },
    });
    expect(w.writes()).toEqual(["AttachVolume", "StartInstances"]);
    expect(r.out).toBe(
      `Rolled back instance ${INSTANCE} (eu-west-1): the original root volume ${ORIG} is back and it booted.`,
    );
    expect(r.err).toMatch(/DeleteOnTermination setting is unknown; it is left false/);
  });

  test("copy: only the copy's tag names the original (the backup's tags lost): still found", async () => {
    const w = noRoot();
    delete w.snapshots[SNAP];
    expect((await run([...AWS, "--yes"])).code).toBe(0);
    expect(w.inst.devices["/dev/sda1"].volumeId).toBe(ORIG);
  });

  test("inPlace: the original is still on the helper, so a volume from the backup goes back", async () => {
    const w = noRoot("inPlace");
    const r = await run([...AWS, "--yes", "--json"]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out);
    expect(out).toMatchObject({
      changed: true,
      originalId: ORIG,
      fromSnapshot: SNAP,
      replacedId: null,
      booted: true,
    });
    expect(w.inst.devices["/dev/sda1"].volumeId).toBe(out.restoredId);
    expect(w.volumes[ORIG].attachments).toEqual([
      { InstanceId: "i-0helper000000000001", Device: "xvdf", State: "attached" },
    ]);
  });

  test("nothing names the original: exit 2 asking for --original-volume, which then puts it back", async () => {
    const w = noRoot();
    delete w.snapshots[SNAP];
    w.volumes[COPYV].tags = {};
    const r = await run([...AWS, "--yes"]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      `vm-rescue: instance ${INSTANCE} (eu-west-1) has no volume at its root device /dev/sda1 and no backup snapshot or repair copy names its original root (tag vm-rescue:source=${INSTANCE}); give --original-volume <vol-id>`,
    );
    expect(w.writes()).toEqual([]);
    expect((await run([...AWS, "--original-volume", ORIG, "--yes"])).code).toBe(0);
    expect(w.inst.devices["/dev/sda1"].volumeId).toBe(ORIG);
  });

  test("two rescues name different originals: exit 2 naming both", async () => {
    const w = noRoot();
    w.snapshots["snap-0bbbbbbbbbbbbbbb3"] = {
      ...w.snapshots[SNAP],
      volumeId: "vol-0eeeeeeeeeeeeeee1",
      tags: { ...w.snapshots[SNAP].tags, "vm-rescue:id": "inc-2" },
    };
    const r = await run([...AWS, "--yes"]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /the rescues. tags name several original roots \(.*vol-0aaaaaaaaaaaaaaa1.*\); give --original-volume <vol-id> or --stack <rescue>/,
    );
    expect(w.writes()).toEqual([]);
    expect((await run([...AWS, "--stack", RID, "--yes"])).code).toBe(0);
    expect(w.inst.devices["/dev/sda1"].volumeId).toBe(ORIG);
  });
});

// ---------------------------------------------------------------------------------------------
// --via-stack
// ---------------------------------------------------------------------------------------------

describe("vm-rescue rollback --via-stack", () => {
  test("sets rollback=true on the existing stack and runs up, exit 0", async () => {
    const fake = fakeStackAutomation(
      { rolledBack: true, outcome: ["original disk back"] },
      { kept: true },
    );
    defaultDeps.automation = () => fake.automation;
    const r = await run([...AZ, "--via-stack", "--yes"]);
    if (!SETTINGS.some((s) => s.key === "rollback")) {
      expect(r.code).toBe(2);
      return;
    }
    expect(r.code).toBe(0);
    expect(fake.calls).toEqual([
      "findCli",
      "openStack app-vm-01-rescue (existing)",
      "setConfig",
      "installPlugins azure-native@3.28.0 random@4.21.2",
      "up",
    ]);
    expect(fake.config[0]).toEqual({
      cloud: "azure",
      resourceGroup: "rg-app",
      vmName: "app-vm-01",
      rollback: "true",
    });
    expect(r.out).toMatch(/Rolled back VM rg-app\/app-vm-01: the original OS disk is back/);
  });

  test("AWS: the default stack of the instance; inPlace says a volume from the backup went back", async () => {
    const fake = fakeStackAutomation({ mode: "copy" }, { kept: true });
    defaultDeps.automation = () => fake.automation;
    const r = await run([
      "rollback",
      "--via-stack",
      "--cloud",
      "aws",
      "--instance-id",
      "i-0a1b2c3d4e5f67890",
      "--yes",
    ]);
    expect(r.code).toBe(0);
    expect(fake.calls).toEqual([
      "findCli",
      "openStack rescue-0a1b2c3d4e5f67890 (existing)",
      "setConfig",
      "installPlugins aws@7.48.0",
      "up",
    ]);
    expect(r.out).toMatch(
      /^Rolled back instance i-0a1b2c3d4e5f67890: the original root volume is back/,
    );
    const inPlace = fakeStackAutomation({ mode: "inPlace" }, { kept: true });
    defaultDeps.automation = () => inPlace.automation;
    expect(
      (
        await run([
          "rollback",
          "--via-stack",
          "--instance-id",
          "i-0a1b2c3d4e5f67890",
          "--stack",
          "inc-4712",
          "--yes",
        ])
      ).out,
    ).toMatch(/a volume made from the backup snapshot is the root again/);
    expect(inPlace.calls[1]).toBe("openStack inc-4712 (existing)");
  });

  test("a failing up is exit 1 with one line; no Pulumi CLI is exit 2 with one line", async () => {
    defaultDeps.automation = () =>
      fakeStackAutomation({}, { upError: "VolumeInUse: vol-0a9b8c7d6e5f43210", kept: true })
        .automation;
    const r = await run([
      "rollback",
      "--via-stack",
      "--instance-id",
      "i-0a1b2c3d4e5f67890",
      "--yes",
    ]);
    expect(r.code).toBe(1);
    expect(r.err.split("\n").pop()).toBe(
      "vm-rescue: rollback on stack rescue-0a1b2c3d4e5f67890 failed: VolumeInUse: vol-0a9b8c7d6e5f43210",
    );
    defaultDeps.automation = () => fakeStackAutomation({}, { noCli: true }).automation;
    const n = await run([...AZ, "--via-stack", "--yes"]);
    expect(n.code).toBe(2);
    expect(n.err.split("\n")).toHaveLength(1);
  });

  test("a stack whose rescue finished (no resources) is refused before up: exit 2 naming the direct rollback", async () => {
    const fake = fakeStackAutomation({ rolledBack: true }, { kept: false });
    defaultDeps.automation = () => fake.automation;
    const r = await run([...AZ, "--via-stack", "--yes"]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      "vm-rescue: stack app-vm-01-rescue holds no resources (its rescue finished and was torn down): use the direct `vm-rescue rollback` without --via-stack",
    );
    expect(fake.calls).not.toContain("up");
  });
});
