/**
 * Topology of the AWS rescue under Pulumi's mocks, both modes: backup first, no public IP, no
 * ingress, least-privilege role, root device name restored, nothing deletes the original.
 */
import * as pulumi from "@pulumi/pulumi";
import { runUnderMocks, RecordedResource } from "../../engine/simulate/mockRun";
import { registrations } from "../../../tests/helpers/registrations";
import {
  sampleAwsCollect,
  simulatedAws,
  SimulatedAwsOptions,
} from "../../engine/simulate/awsCloud";
import { disposeSimulationFolders } from "../../engine/simulate/folders";
import type { AwsInstanceFacts } from "../../describe/awsInstance";
import { AwsWindowsRescue, AwsWindowsRescueArgs } from "./component";
import { COLLECT_1X_GATE_REASON } from "../../repair/decide";
import { sampleFacts } from "../../../tests/helpers/awsInstances";

// Each simulated EC2 keeps its state and shipped hives in a folder: removed after each test.
afterEach(disposeSimulationFolders);

const ROOT = "vol-0a9b8c7d6e5f43210";
const DYN = "vm-rescue:aws:";

async function rescue(
  extra: Partial<AwsWindowsRescueArgs> = {},
  world: Partial<SimulatedAwsOptions> = {},
) {
  const cloud = simulatedAws({ instance: sampleFacts(), ...world });
  const run = await runUnderMocks(
    () => {
      const r = new AwsWindowsRescue("inc-4711", {
        instanceId: "i-0a1b2c3d4e5f67890",
        kmsGrantConfirmed: true,
        ...extra,
      });
      return {
        warnings: r.warnings,
        decision: r.decision,
        mode: r.mode,
        repairDiskId: r.repairDiskId,
        originalDiskId: r.originalDiskId,
        swapped: r.swapped,
        booted: r.booted,
        gate: r.gate,
        findings: r.findings,
        repairActions: r.repairActions,
        targetInstanceType: r.targetInstanceType,
        backupState: r.backupState,
        backupCompletedAt: r.backupCompletedAt,
      };
    },
    { project: "vm-rescue", stack: "test", config: {}, cloud },
  );
  const { byType, one, urnOf } = registrations(run.resources);
  return { run, byType, one, urnOf };
}

describe.each(["copy", "inPlace"] as const)("AwsWindowsRescue, %s mode", (mode) => {
  let r: Awaited<ReturnType<typeof rescue>>;
  beforeAll(async () => {
    r = await rescue({ mode });
  }, 60_000);

  test("the backup comes first: stop and detach wait for the snapshot, which outlives the stack", () => {
    const snap = r.run.resources.find((x) => x.name === "inc-4711-snapshot")!;
    expect(snap.retainOnDelete).toBe(true);
    expect(JSON.stringify(snap.inputs)).toContain(ROOT);
    const detach = r.one(`${DYN}RootVolumeDetach`);
    expect(detach.dependencies).toContain(snap.urn);
    expect(detach.inputs).toMatchObject({ instanceId: "i-0a1b2c3d4e5f67890", rootVolumeId: ROOT });
    expect(snap.type).toBe(mode === "copy" ? "aws:ebs/snapshot:Snapshot" : `${DYN}BackupSnapshot`);
    // The direct rollback tells an inPlace rescue, and finds the original of an instance left without a root, by these tags.
    expect((snap.inputs as any).tags).toMatchObject({
      "vm-rescue:id": "inc-4711",
      "vm-rescue:source": "i-0a1b2c3d4e5f67890",
      "vm-rescue:role": "backup",
      "vm-rescue:mode": mode,
    });
  });

  test("only the backup, the stop/detach and (inPlace) the repair's attachment and swap refer to the original root; nothing deletes it", () => {
    // The copy volume names the original only in its vm-rescue:copy-of tag.
    const allowed = [
      `${DYN}RootVolumeDetach`,
      `${DYN}BackupSnapshot`,
      "aws:ebs/snapshot:Snapshot",
      `${DYN}BootVerification`,
      "aws:ebs/volume:Volume",
    ];
    for (const v of r.byType("aws:ebs/volume:Volume"))
      expect((v.inputs as any).tags).toMatchObject({
        "vm-rescue:copy-of": ROOT,
        "vm-rescue:id": "inc-4711",
      });
    if (mode === "inPlace")
      allowed.push("aws:ec2/volumeAttachment:VolumeAttachment", `${DYN}RootVolumeSwap`);
    for (const res of r.run.resources.filter((x) => x.custom)) {
      if (JSON.stringify(res.inputs).includes(ROOT)) expect(allowed).toContain(res.type);
    }
    for (const t of [
      "aws:ebs/snapshot:Snapshot",
      "aws:ebs/volume:Volume",
      "aws:s3/bucket:Bucket",
    ]) {
      for (const res of r.byType(t)) expect(res.retainOnDelete).toBe(true);
    }
  });

  test("the helper has no public IP, IMDSv2, its security group no ingress", () => {
    const helper = r.one("aws:ec2/instance:Instance").inputs as any;
    expect(helper.associatePublicIpAddress).toBe(false);
    expect(helper.metadataOptions.httpTokens).toBe("required");
    expect(helper.subnetId).toBe("subnet-0f1e2d3c4b5a69788");
    expect(helper.availabilityZone).toBe("eu-west-1a");
    expect(helper.instanceType).toBe("t3.medium");
    expect(helper.ami).toMatch(/^ami-/);
    const sg = r.one("aws:ec2/securityGroup:SecurityGroup").inputs as any;
    expect(sg.ingress ?? []).toEqual([]);
    expect(sg.egress).toEqual([
      expect.objectContaining({ protocol: "tcp", fromPort: 443, toPort: 443 }),
    ]);
  });

  test("least privilege: the SSM core managed policy, s3:PutObject on the rescue's prefix and reading the bucket's encryption setting, nothing else", () => {
    expect(r.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment").inputs.policyArn).toBe(
      "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
    );
    const policy = JSON.parse(r.one("aws:iam/rolePolicy:RolePolicy").inputs.policy as string);
    expect(policy.Statement).toEqual([
      {
        Effect: "Allow",
        Action: ["s3:PutObject"],
        Resource: [
          expect.stringMatching(
            /^arn:aws:s3:::vm-rescue-inc-4711-[0-9a-f]{12}\/rescue\/inc-4711\/\*$/,
          ),
        ],
      },
      {
        Effect: "Allow",
        Action: ["s3:GetEncryptionConfiguration"],
        Resource: [expect.stringMatching(/^arn:aws:s3:::vm-rescue-inc-4711-[0-9a-f]{12}$/)],
      },
    ]);
    expect(
      JSON.parse(r.one("aws:iam/role:Role").inputs.assumeRolePolicy as string).Statement[0]
        .Principal,
    ).toEqual({ Service: "ec2.amazonaws.com" });
  });

  test("the artifacts bucket is private, encrypted and expires its objects", () => {
    expect(r.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs).toMatchObject({
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    expect(
      (
        r.one(
          "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        ).inputs as any
      ).rules[0].applyServerSideEncryptionByDefault.sseAlgorithm,
    ).toBe("AES256");
    expect(
      (r.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs as any)
        .rules[0],
    ).toMatchObject({ status: "Enabled", expiration: { days: 90 } });
  });

  test("the volume under repair is attached to the helper as xvdf, never detached by destroy", () => {
    const a = r.one("aws:ec2/volumeAttachment:VolumeAttachment");
    expect(a.inputs).toMatchObject({ deviceName: "xvdf", skipDestroy: true });
    expect(a.deleteBeforeReplace).toBe(true);
    // inPlace: the original root, once detached; copy: the copy, without waiting for the stop.
    if (mode === "inPlace") expect(a.dependencies).toContain(r.one(`${DYN}RootVolumeDetach`).urn);
    else
      expect(a.dependencies).toEqual(expect.arrayContaining([r.one("aws:ebs/volume:Volume").urn]));
    if (mode === "copy") expect(a.dependencies).not.toContain(r.one(`${DYN}RootVolumeDetach`).urn);
  });

  test("collect and repair run as schema 2.2 PowerShell documents on the helper; the repair is planned from the collect output", () => {
    const docs = r
      .byType("aws:ssm/document:Document")
      .map((d) => JSON.parse(d.inputs.content as string));
    expect(docs).toHaveLength(2);
    for (const d of docs)
      expect(d).toMatchObject({
        schemaVersion: "2.2",
        mainSteps: [expect.objectContaining({ action: "aws:runPowerShellScript" })],
      });
    const [collect, repair] = r.byType(`${DYN}SsmCommand`);
    expect(collect.inputs).toMatchObject({ keyPrefix: "rescue/inc-4711/" });
    expect(repair.dependencies).toContain(collect.urn);
    expect((repair.inputs as any).parameters.Actions[0]).toMatch(/DisableDriver/);
    expect((repair.inputs as any).waitForSnapshotId).toEqual(
      mode === "inPlace" ? expect.stringMatching(/^snap-/) : "",
    );
    // The repair step compiles the plan when sent, from the files collect shipped under filesBase.
    expect((repair.inputs as any).repairPlan.actions[0]).toMatchObject({ action: "DisableDriver" });
    expect((repair.inputs as any).filesBase).toMatch(/^s3:\/\//);
    expect(typeof (repair.inputs as any).collectOutput).toBe("string");
  });

  test("the swap restores the root device name and DeleteOnTermination, then the boot is verified", () => {
    const swap = r.one(`${DYN}RootVolumeSwap`);
    expect(swap.inputs).toMatchObject({
      instanceId: "i-0a1b2c3d4e5f67890",
      rootDeviceName: "/dev/sda1",
      deleteOnTermination: true,
      gate: { allowed: true, reasons: [] },
      reattachWhenClosed: mode === "inPlace",
    });
    expect(swap.dependencies).toContain(r.byType(`${DYN}SsmCommand`)[1].urn);
    expect(swap.dependencies).toContain(r.one(`${DYN}RootVolumeDetach`).urn);
    expect(r.run.outputs).toMatchObject({
      swapped: true,
      booted: true,
      gate: { allowed: true, reasons: [] },
    });
    if (mode === "inPlace") expect(swap.inputs.volumeId).toBe(ROOT);
    const verify = r.one(`${DYN}BootVerification`);
    expect(verify.inputs).toMatchObject({ finalState: "running" });
    expect(verify.dependencies).toContain(swap.urn);
    expect(r.byType(`${DYN}RootVolumeRollback`)).toEqual([]);
    // The verification, the last step, waits for the completed backup; the repair does not.
    const backup = r.one(`${DYN}BackupCompletion`);
    expect(verify.dependencies).toContain(backup.urn);
    expect(r.byType(`${DYN}SsmCommand`)[1].dependencies).not.toContain(backup.urn);
    expect(r.run.outputs).toMatchObject({
      backupState: "completed",
      backupCompletedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
  });
});

/** The sample collect output without the Nitro drivers (ENA, AWS NVMe): a Nitro target blocks the swap. */
function collectWithoutNitroDrivers() {
  const c = sampleAwsCollect();
  c.services = c.services.filter((x) => x.name !== "ena" && x.name !== "AWSNVMe");
  c.guest = { ...c.guest, awsEna: null, awsNvme: null };
  return c;
}

/**
 * The inputs of every resource, by name. The console baseline is left out: it is an output of the
 * swap (what the console showed when the swap ran), which a second up keeps from its state, while
 * each simulated run swaps afresh.
 */
const ORIGINAL_INPUTS = (r: { run: { resources: RecordedResource[] } }) =>
  Object.fromEntries(
    r.run.resources
      .filter((x) => x.custom)
      .map((x) => {
        const { consoleBaseline: _, ...inputs } = x.inputs;
        return [x.name, JSON.stringify(inputs)];
      }),
  );

describe("AwsWindowsRescue: the broken instance changes only when the gate allows (copy mode)", () => {
  test("copy: the stop runs once the backup exists, beside the collect and the repair; it only stops; the swap waits for it and the repair", async () => {
    const r = await rescue();
    const stop = r.one(`${DYN}RootVolumeDetach`);
    const [collect, repair] = r.byType(`${DYN}SsmCommand`);
    expect(stop.name).toBe("inc-4711-stop");
    expect(stop.dependencies).toContain(r.one("aws:ebs/snapshot:Snapshot").urn);
    for (const d of [collect, repair, r.one(`${DYN}RepairCheck`)])
      expect(stop.dependencies).not.toContain(d.urn);
    expect(stop.inputs).toMatchObject({ stopOnly: true, gate: { allowed: true, reasons: [] } });
    const swap = r.one(`${DYN}RootVolumeSwap`);
    expect(swap.dependencies).toEqual(expect.arrayContaining([stop.urn, repair.urn]));
  }, 60_000);

  test("copy: the root is not taken off and nothing is swapped until the repair has succeeded (a failed repair.ps1 leaves the original root in place)", async () => {
    const cloud = simulatedAws({ instance: sampleFacts() });
    const created: string[] = [];
    let finishRepair: () => void = () => undefined;
    const repairRunning = new Promise<void>((resolve) => (finishRepair = resolve));
    let repairStarted = false;
    const slowRepair = {
      ...cloud,
      newResource: async (args: Parameters<typeof cloud.newResource>[0]) => {
        created.push(args.type);
        if (args.name === "inc-4711-repair") {
          repairStarted = true;
          await repairRunning; // repair.ps1 still running (Pulumi creates no dependent of a step that then fails)
        }
        return cloud.newResource(args);
      },
    };
    const run = runUnderMocks(
      () => {
        const r = new AwsWindowsRescue("inc-4711", {
          instanceId: "i-0a1b2c3d4e5f67890",
          kmsGrantConfirmed: true,
        });
        return { swapped: r.swapped };
      },
      { project: "vm-rescue", stack: "test", config: {}, cloud: slowRepair, timeoutMs: 30_000 },
    );
    for (let i = 0; i < 100 && !repairStarted; i++) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 500));
    expect(repairStarted).toBe(true);
    // the stop (which leaves the root attached) runs beside the repair
    expect(created).toContain(`${DYN}RootVolumeDetach`);
    for (const t of ["RootVolumeSwap", "BootVerification"])
      expect(created).not.toContain(`${DYN}${t}`);
    finishRepair();
    await run;
    expect(created.indexOf(`${DYN}RootVolumeSwap`)).toBeGreaterThan(
      created.lastIndexOf(`${DYN}SsmCommand`),
    );
  }, 60_000);

  test.each([
    ["swap=false", { swap: false }, /swap=false: the repaired copy is not swapped in/],
    ["dryRun=true", { dryRun: true }, /dryRun=true/],
  ])(
    "copy, %s: no stop, no detach, no swap exist; the outputs say why",
    async (_what, extra, reason) => {
      const r = await rescue(extra as Partial<AwsWindowsRescueArgs>);
      for (const t of ["RootVolumeDetach", "RootVolumeSwap", "BootVerification"])
        expect(r.byType(`${DYN}${t}`)).toEqual([]);
      expect(r.run.outputs).toMatchObject({
        swapped: false,
        booted: false,
        gate: { allowed: false },
      });
      expect((r.run.outputs.gate as any).reasons.join("\n")).toMatch(reason);
      if ((extra as any).dryRun)
        expect((r.byType(`${DYN}SsmCommand`)[1].inputs as any).parameters.DryRun).toEqual(["true"]);
    },
    60_000,
  );

  test("a blocking driver finding for the target type closes the gate: the up succeeds, nothing on the instance changes, swapped=false with the reason", async () => {
    const r = await rescue(
      { targetInstanceType: "m5.large" },
      { collectOutput: collectWithoutNitroDrivers() },
    );
    const gate = r.run.outputs.gate as { allowed: boolean; reasons: string[] };
    expect(gate.allowed).toBe(false);
    expect(gate.reasons.join("\n")).toMatch(
      /blocks the swap to m5\.large.*allowIncompatibleDrivers=true/,
    );
    // the stop ran beside the repair and left the root attached; the closed gate keeps it there
    expect(r.one(`${DYN}RootVolumeDetach`).inputs).toMatchObject({ stopOnly: true });
    expect(r.one(`${DYN}RootVolumeSwap`).inputs).toMatchObject({
      gate: { allowed: false },
      reattachWhenClosed: false,
    });
    expect(r.run.outputs).toMatchObject({
      swapped: false,
      booted: false,
      targetInstanceType: "m5.large",
    });
    expect((r.run.outputs.findings as string[]).some((f) => /^block /.test(f))).toBe(true);
    // allowIncompatibleDrivers lifts the driver block; the given collect output is a 1.x
    // document, whose conclusions are PowerShell's, so the gate still stays closed for that alone.
    const forced = await rescue(
      { targetInstanceType: "m5.large", allowIncompatibleDrivers: true },
      { collectOutput: collectWithoutNitroDrivers() },
    );
    expect(forced.run.outputs).toMatchObject({
      swapped: false,
      gate: { allowed: false, reasons: [COLLECT_1X_GATE_REASON] },
    });
  }, 60_000);

  test("inPlace with a blocking finding: repair.ps1 runs as a dry run and the root goes back without a start", async () => {
    const r = await rescue(
      { mode: "inPlace", targetInstanceType: "m5.large" },
      { collectOutput: collectWithoutNitroDrivers() },
    );
    expect((r.byType(`${DYN}SsmCommand`)[1].inputs as any).parameters.DryRun).toEqual(["true"]);
    expect(r.one(`${DYN}RootVolumeSwap`).inputs).toMatchObject({
      gate: { allowed: false },
      reattachWhenClosed: true,
      volumeId: ROOT,
    });
    expect(r.run.outputs).toMatchObject({ swapped: false, booted: false });
  }, 60_000);

  test("actions and driver reach the repair; the collect's disk number is passed to repair.ps1", async () => {
    const r = await rescue({
      actions: ["DisableDriver", "EnableCrashDump"],
      repairDriver: "cxnetmon",
    });
    const params = (r.byType(`${DYN}SsmCommand`)[1].inputs as any).parameters;
    // EMS is off in the AWS sample: the serial console is switched on with every repair
    expect(params.Actions).toEqual(["DisableDriver,EnableCrashDump,EnableEms"]);
    expect(params.DiskNumber).toEqual([String(sampleAwsCollect().target.diskNumber)]);
    expect(r.run.outputs.repairActions).toEqual(["DisableDriver", "EnableCrashDump", "EnableEms"]);
  }, 60_000);
});

describe("AwsWindowsRescue: a second up after the swap plans with the original root", () => {
  /** The instance as getInstance shows it after the swap: the copy at /dev/sda1, running. */
  function afterSwap(copyId: string): AwsInstanceFacts {
    const i = sampleFacts();
    return { ...i, state: "running", root: { ...i.root!, volumeId: copyId } };
  }

  test("copy: the copy's vm-rescue:copy-of tag gives back the original: identical inputs; rollback puts the original back", async () => {
    const first = await rescue();
    const copyId = first.run.outputs.repairDiskId as string;
    expect(copyId).toMatch(/^vol-/);
    const copyTags = (first.one("aws:ebs/volume:Volume").inputs as any).tags;
    const again = await rescue(
      { rollback: true },
      { instance: afterSwap(copyId), volumeTags: { [copyId]: copyTags } },
    );
    const before = ORIGINAL_INPUTS(first);
    const after = ORIGINAL_INPUTS(again);
    for (const [name, inputs] of Object.entries(before))
      expect([name, after[name]]).toEqual([name, inputs]);
    expect(again.one(`${DYN}RootVolumeRollback`).inputs).toMatchObject({ volumeId: ROOT });
    expect(again.run.outputs.originalDiskId).toBe(ROOT);
  }, 120_000);

  test("without the tag the live root would be re-snapshotted; originalRootVolumeId restores the identical plan", async () => {
    const first = await rescue();
    const copyId = first.run.outputs.repairDiskId as string;
    const untagged = await rescue({}, { instance: afterSwap(copyId), rootRepaired: true });
    expect(untagged.one("aws:ebs/snapshot:Snapshot").inputs).toMatchObject({ volumeId: copyId });
    const explicit = await rescue(
      { originalRootVolumeId: ROOT },
      { instance: afterSwap(copyId), detachedVolumes: [ROOT], rootRepaired: true },
    );
    const before = ORIGINAL_INPUTS(first);
    const after = ORIGINAL_INPUTS(explicit);
    for (const [name, inputs] of Object.entries(before))
      expect([name, after[name]]).toEqual([name, inputs]);
  }, 120_000);

  test("a copy made by another rescue is not taken for this rescue's", async () => {
    const first = await rescue();
    const copyId = first.run.outputs.repairDiskId as string;
    const other = await rescue(
      {},
      {
        instance: afterSwap(copyId),
        volumeTags: { [copyId]: { "vm-rescue:copy-of": ROOT, "vm-rescue:id": "inc-9999" } },
      },
    );
    expect(other.one("aws:ebs/snapshot:Snapshot").inputs).toMatchObject({ volumeId: copyId });
    expect((other.run.outputs.warnings as string[]).join("\n")).toMatch(/made by rescue inc-9999/);
  }, 120_000);

  test("inPlace: after the reattach the root is the original: identical inputs, so no step (stop/detach) runs again", async () => {
    const first = await rescue({ mode: "inPlace" });
    const again = await rescue(
      { mode: "inPlace" },
      { instance: { ...sampleFacts(), state: "running" } },
    );
    expect(ORIGINAL_INPUTS(again)).toEqual(ORIGINAL_INPUTS(first));
  }, 120_000);

  test("inPlace rollback: a volume from the backup with the original's type, IOPS, throughput and KMS key, tagged copy-of", async () => {
    const r = await rescue({ mode: "inPlace", rollback: true });
    const restore = r.run.resources.find((x) => x.name === "inc-4711-restore")!;
    const root = sampleFacts().root!;
    expect(restore.retainOnDelete).toBe(true);
    expect(restore.inputs).toMatchObject({
      type: root.volumeType,
      iops: root.iops,
      throughput: root.throughput,
      size: root.sizeGiB,
      encrypted: true,
      kmsKeyId: root.kmsKeyId,
      tags: { "vm-rescue:copy-of": ROOT, "vm-rescue:role": "rollback-from-backup" },
    });
  }, 60_000);
});

describe("AwsWindowsRescue variants", () => {
  test("rollback in copy mode puts the original root back", async () => {
    const r = await rescue({ rollback: true });
    expect(r.one(`${DYN}RootVolumeRollback`).inputs).toMatchObject({
      volumeId: ROOT,
      rootDeviceName: "/dev/sda1",
    });
  }, 60_000);

  test("swapGeneration reaches the swap step; a negative one is refused before anything is registered", async () => {
    const r = await rescue({ swapGeneration: 2 });
    expect(r.one(`${DYN}RootVolumeSwap`).inputs).toMatchObject({ swapGeneration: 2 });
    expect(
      () => new AwsWindowsRescue("inc-4711", { instanceId: "i-1", swapGeneration: -1 }),
    ).toThrow(/swapGeneration must be a whole number/);
  }, 60_000);

  test("swap=false stops after the repair", async () => {
    const r = await rescue({ swap: false, helperInstanceType: "m5.large" });
    expect(r.byType(`${DYN}RootVolumeSwap`)).toEqual([]);
    expect((r.one("aws:ec2/instance:Instance").inputs as any).instanceType).toBe("m5.large");
  }, 60_000);
});

describe("AwsWindowsRescue: deadlines", () => {
  test.each(["copy", "inPlace"] as const)(
    "%s: the EBS snapshot gets a create timeout of at least 60 minutes; every step its kind's deadline",
    async (mode) => {
      const timeouts: Record<string, pulumi.CustomTimeouts | undefined> = {};
      const cloud = simulatedAws({ instance: sampleFacts() });
      await runUnderMocks(
        () => {
          const r = new AwsWindowsRescue(
            "inc-4711",
            { instanceId: "i-0a1b2c3d4e5f67890", kmsGrantConfirmed: true, mode },
            {
              transformations: [
                (a) => {
                  if (a.type === "aws:ebs/snapshot:Snapshot" || a.type.startsWith(DYN))
                    timeouts[a.name] = a.opts.customTimeouts;
                  return undefined;
                },
              ],
            },
          );
          return { booted: r.booted };
        },
        { project: "vm-rescue", stack: "test", config: {}, cloud },
      );
      const seconds = (d?: string) => Number(/^(\d+)s$/.exec(d ?? "")?.[1] ?? NaN);
      expect(seconds(timeouts["inc-4711-snapshot"]?.create)).toBeGreaterThanOrEqual(3600);
      expect(seconds(timeouts["inc-4711-swap"]?.create)).toBeGreaterThan(0);
      expect(seconds(timeouts["inc-4711-repair"]?.create)).toBeGreaterThan(0);
    },
    60_000,
  );
});
