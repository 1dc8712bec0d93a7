import { planAwsRescue } from "./aws";
import type { AwsRescueOptions } from "./awsOptions";
import { isPlanError } from "../vocabulary/errors";
import {
  asEc2Instance,
  instanceFacts,
  AwsInstanceFacts,
  PulumiGetInstanceResult,
} from "../describe/awsInstance";
import { sampleFacts, sampleInstanceJson } from "../../tests/helpers/awsInstances";
import { getInstanceResult } from "../engine/simulate/awsCloud";

const opts: AwsRescueOptions = { rescueId: "inc-4711", kmsGrantConfirmed: true };
const plan = (f: AwsInstanceFacts, o: Partial<AwsRescueOptions> = {}) =>
  planAwsRescue({ instance: f }, { ...opts, ...o });

function rejection(
  f: AwsInstanceFacts,
  o: Partial<AwsRescueOptions> = {},
): { code: string; message: string } {
  try {
    plan(f, o);
  } catch (e) {
    if (isPlanError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error("expected a PlanError");
}

describe("planAwsRescue: the sample m5.large (WS2019, gp3 encrypted root at /dev/sda1)", () => {
  const p = plan(sampleFacts());

  test("copy mode by default: a volume like the root, in its AZ, with its KMS key; the copy waits for the snapshot", () => {
    expect(p.mode).toBe("copy");
    expect(p.region).toBe("eu-west-1");
    expect(p.snapshot.waitForCompletion).toBe(true);
    expect(p.copyVolume).toEqual({
      availabilityZone: "eu-west-1a",
      volumeType: "gp3",
      iops: 3000,
      throughput: 125,
      sizeGiB: 100,
      encrypted: true,
      kmsKeyId: "arn:aws:kms:eu-west-1:123456789012:key/3f9c1e2a-7b4d-4c8e-9a61-2d5f0b7e8c13",
    });
  });

  test("a helper of another Windows version, t3.medium, in the instance's subnet, the volume at xvdf", () => {
    expect(p.helper).toMatchObject({
      windowsVersion: "2022",
      amiParameter: "/aws/service/ami-windows-latest/Windows_Server-2022-English-Full-Base",
      instanceType: "t3.medium",
      subnetId: "subnet-0f1e2d3c4b5a69788",
      deviceName: "xvdf",
    });
  });

  test("restores the root device name, DeleteOnTermination and the running state", () => {
    expect(p.restore).toEqual({
      rootDeviceName: "/dev/sda1",
      deleteOnTermination: true,
      finalState: "running",
    });
  });

  test("names, tags and the SSM network warning", () => {
    expect(p.artifacts.bucketName).toMatch(/^vm-rescue-inc-4711-[0-9a-f]{12}$/);
    expect(p.tags).toMatchObject({
      "vm-rescue:id": "inc-4711",
      "vm-rescue:source": "i-0a1b2c3d4e5f67890",
    });
    expect(p.warnings.join("\n")).toMatch(/com\.amazonaws\.eu-west-1\.ssmmessages/);
  });

  test("inPlace: no copy volume, the snapshot is only started", () => {
    const q = plan(sampleFacts(), { mode: "inPlace" });
    expect(q.copyVolume).toBeNull();
    expect(q.snapshot.waitForCompletion).toBe(false);
  });

  test("the aws.ec2.getInstance shape plans the same", () => {
    const facts = sampleFacts();
    const fromGet = instanceFacts(getInstanceResult(facts) as PulumiGetInstanceResult, [], {
      platform: "windows",
      name: "Windows_Server-2019-English-Full-Base-2026.02.11",
    });
    const q = plan(fromGet);
    expect(q.copyVolume).toEqual(p.copyVolume);
    expect(q.restore).toEqual(p.restore);
    expect(q.source.windowsVersion).toBe("2019");
  });

  test("a stopped instance stays stopped; the endpoints check passes with all four endpoints", () => {
    const q = plan(
      sampleFacts((i) => (i.State = { Name: "stopped" })),
      {
        vpcEndpointServices: ["ssm", "ec2messages", "ssmmessages", "s3"].map(
          (s) => `com.amazonaws.eu-west-1.${s}`,
        ),
      },
    );
    expect(q.restore.finalState).toBe("stopped");
    expect(q.warnings.join("\n")).not.toMatch(/endpoint/);
  });
});

describe("planAwsRescue rejections", () => {
  test.each([
    [
      "not-windows",
      () =>
        sampleFacts((i) => {
          delete i.Platform;
          i.PlatformDetails = "Linux/UNIX";
        }),
      {},
      /Windows instances only/,
    ],
    [
      "instance-store-root",
      () => sampleFacts((i) => (i.RootDeviceType = "instance-store")),
      {},
      /instance-store root/,
    ],
    [
      "marketplace-root",
      () =>
        sampleFacts(
          (i) => (i.ProductCodes = [{ ProductCodeId: "abc123", ProductCodeType: "marketplace" }]),
        ),
      {},
      /Marketplace.*stopped.*by hand/,
    ],
    [
      "kms-grant-unconfirmed",
      () => sampleFacts(),
      { kmsGrantConfirmed: false },
      /kms:CreateGrant.*kmsGrantConfirmed=true/,
    ],
    ["kms-key-unknown", () => sampleFacts((_i, v) => delete v[0].KmsKeyId), {}, /KmsKeyId/],
    [
      "no-root-device",
      () => sampleFacts((i) => (i.BlockDeviceMappings = [])),
      {},
      /no EBS volume is attached at its root device \/dev\/sda1\. If a rescue's up stopped after detaching the root and before the swap, put the original root back first: vm-rescue rollback --cloud aws --instance-id i-0a1b2c3d4e5f67890 --region eu-west-1 \(it finds the original by the rescue's tags .*--original-volume vol-…\), then run up again/,
    ],
    [
      "instance-terminated",
      () => sampleFacts((i) => (i.State = { Name: "terminated" })),
      {},
      /terminated/,
    ],
    ["invalid-option", () => sampleFacts(), { helperInstanceType: "big" }, /helperInstanceType/],
  ] as const)("%s", (code, facts, o, message) => {
    const r = rejection(facts(), o as Partial<AwsRescueOptions>);
    expect(r.code).toBe(code);
    expect(r.message).toMatch(message);
  });

  test("describe-instances with several instances is refused", () => {
    const json = sampleInstanceJson();
    json.Reservations[0].Instances.push(json.Reservations[0].Instances[0]);
    expect(() => asEc2Instance(json)).toThrow(
      /exactly one instance in the describe-instances JSON, found 2/,
    );
  });
});

describe("planAwsRescue: operator controls, validated before anything is registered", () => {
  test.each([
    [
      { actions: ["Format"] },
      /actions: "Format" is not a repair action; choose from .*DisableDriver/,
    ],
    [{ actions: [] }, /at least one repair action/],
    [{ driver: "cx net mon" }, /driver "cx net mon" is not a service or driver file name/],
    [{ targetInstanceType: "huge" }, /targetInstanceType "huge" is not an EC2 instance type/],
    [{ originalRootVolumeId: "disk-1" }, /originalRootVolumeId "disk-1" is not an EBS volume id/],
    [{ dryRun: "yes" as unknown as boolean }, /dryRun must be true or false/],
    [{ rollback: true, dryRun: true }, /rollback=true and dryRun=true together/],
  ])("%j is refused with one line", (o, message) => {
    const r = rejection(sampleFacts(), o as Partial<AwsRescueOptions>);
    expect(r.code).toBe("invalid-option");
    expect(r.message).toMatch(message);
    expect(r.message).not.toMatch(/\n/);
  });

  test("the guest-driver check is made for targetInstanceType, default the instance's type; the choices reach the plan", () => {
    expect(plan(sampleFacts()).repair).toEqual({
      driver: null,
      actions: null,
      dryRun: false,
      allowIncompatibleDrivers: false,
      targetInstanceType: "m5.large",
    });
    const p = plan(sampleFacts(), {
      targetInstanceType: "m6i.large",
      actions: ["DisableDriver"],
      driver: "cxnetmon",
      allowIncompatibleDrivers: true,
    });
    expect(p.repair).toEqual({
      driver: "cxnetmon",
      actions: ["DisableDriver"],
      dryRun: false,
      allowIncompatibleDrivers: true,
      targetInstanceType: "m6i.large",
    });
    expect(p.warnings.join("\n")).toMatch(
      /checked for m6i\.large \(the instance runs m5\.large\).*does not change the type/,
    );
  });

  test("copy mode plans the stop/detach/swap only with swap=true and no dry run; inPlace always puts the root back", () => {
    expect(plan(sampleFacts()).swap).toEqual({ planned: true, reasons: [] });
    expect(plan(sampleFacts(), { swap: false }).swap).toEqual({
      planned: false,
      reasons: [expect.stringMatching(/broken instance is not touched/)],
    });
    expect(plan(sampleFacts(), { dryRun: true }).swap.planned).toBe(false);
    expect(plan(sampleFacts(), { mode: "inPlace", swap: false }).swap).toEqual({
      planned: true,
      reasons: [expect.stringMatching(/not started/)],
    });
  });

  test("after the swap the root is this rescue's copy: its copy-of tag gives the original; another rescue's copy or a bad tag does not", () => {
    const f = sampleFacts();
    const original = f.root!.volumeId;
    const swapped: AwsInstanceFacts = {
      ...f,
      root: { ...f.root!, volumeId: "vol-0123456789abcdef0" },
    };
    const tagged = planAwsRescue(
      {
        instance: swapped,
        rootVolumeTags: { "vm-rescue:copy-of": original, "vm-rescue:id": "inc-4711" },
      },
      opts,
    );
    expect(tagged.source).toMatchObject({
      rootVolumeId: original,
      currentRootVolumeId: "vol-0123456789abcdef0",
    });
    expect(tagged.copyVolume).toEqual(plan(f).copyVolume);
    const other = planAwsRescue(
      {
        instance: swapped,
        rootVolumeTags: { "vm-rescue:copy-of": original, "vm-rescue:id": "inc-1" },
      },
      opts,
    );
    expect(other.source.rootVolumeId).toBe("vol-0123456789abcdef0");
    const bad = planAwsRescue(
      {
        instance: swapped,
        rootVolumeTags: { "vm-rescue:copy-of": "x", "vm-rescue:id": "inc-4711" },
      },
      opts,
    );
    expect(bad.source.rootVolumeId).toBe("vol-0123456789abcdef0");
    expect(
      planAwsRescue({ instance: swapped }, { ...opts, originalRootVolumeId: original }).source
        .rootVolumeId,
    ).toBe(original);
  });

  test("inPlace: the rollback volume copies the original's type, IOPS, throughput and KMS key", () => {
    const p = plan(sampleFacts(), { mode: "inPlace" });
    expect(p.copyVolume).toBeNull();
    expect(p.restoreVolume).toEqual(plan(sampleFacts()).copyVolume);
  });
});
