/**
 * Topology of the AWS rescue under Pulumi's mocks, both modes: backup first, no public IP, no
 * ingress, least-privilege role, root device name restored, nothing deletes the original.
 */
import { runUnderMocks, RecordedResource } from "../../simulate/mockRun";
import { simulatedAws } from "../../simulate/awsCloud";
import { AwsWindowsRescue, AwsWindowsRescueArgs } from "./awsWindowsRescue";
import { sampleFacts } from "../../tests/helpers/awsInstances";

const ROOT = "vol-0a9b8c7d6e5f43210";
const DYN = "pulumi-nodejs:dynamic/vmrescue:";

async function rescue(extra: Partial<AwsWindowsRescueArgs> = {}) {
  const cloud = simulatedAws({ instance: sampleFacts() });
  const run = await runUnderMocks(
    () => {
      const r = new AwsWindowsRescue("inc-4711", { instanceId: "i-0a1b2c3d4e5f67890", kmsGrantConfirmed: true, ...extra });
      return { warnings: r.warnings, repairDecisions: r.repairDecisions, mode: r.mode };
    },
    { project: "vm-rescue", stack: "test", config: {}, cloud },
  );
  const byType = (t: string) => run.resources.filter((r) => r.type === t);
  const one = (t: string): RecordedResource => {
    const found = byType(t);
    expect(found).toHaveLength(1);
    return found[0];
  };
  return { run, byType, one };
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
    const detach = r.one(`${DYN}RootDetach`);
    expect(detach.dependencies).toContain(snap.urn);
    expect(detach.inputs).toMatchObject({ instanceId: "i-0a1b2c3d4e5f67890", rootVolumeId: ROOT });
    expect(snap.type).toBe(mode === "copy" ? "aws:ebs/snapshot:Snapshot" : `${DYN}BackupSnapshot`);
  });

  test("only the backup, the stop/detach and (inPlace) the repair's attachment and swap refer to the original root; nothing deletes it", () => {
    const allowed = [`${DYN}RootDetach`, `${DYN}BackupSnapshot`, "aws:ebs/snapshot:Snapshot", `${DYN}BootVerify`];
    if (mode === "inPlace") allowed.push("aws:ec2/volumeAttachment:VolumeAttachment", `${DYN}RootSwap`);
    for (const res of r.run.resources.filter((x) => x.custom)) {
      if (JSON.stringify(res.inputs).includes(ROOT)) expect(allowed).toContain(res.type);
    }
    for (const t of ["aws:ebs/snapshot:Snapshot", "aws:ebs/volume:Volume", "aws:s3/bucket:Bucket"]) {
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
    expect(sg.egress).toEqual([expect.objectContaining({ protocol: "tcp", fromPort: 443, toPort: 443 })]);
  });

  test("least privilege: the SSM core managed policy and s3:PutObject on the rescue's prefix, nothing else", () => {
    expect(r.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment").inputs.policyArn).toBe("arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore");
    const policy = JSON.parse(r.one("aws:iam/rolePolicy:RolePolicy").inputs.policy as string);
    expect(policy.Statement).toEqual([{ Effect: "Allow", Action: ["s3:PutObject"], Resource: [expect.stringMatching(/^arn:aws:s3:::vm-rescue-inc-4711-[0-9a-f]{12}\/rescue\/inc-4711\/\*$/)] }]);
    expect(JSON.parse(r.one("aws:iam/role:Role").inputs.assumeRolePolicy as string).Statement[0].Principal).toEqual({ Service: "ec2.amazonaws.com" });
  });

  test("the artifacts bucket is private, encrypted and expires its objects", () => {
    expect(r.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs).toMatchObject({ blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
    expect((r.one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").inputs as any).rules[0].applyServerSideEncryptionByDefault.sseAlgorithm).toBe("AES256");
    expect((r.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs as any).rules[0]).toMatchObject({ status: "Enabled", expiration: { days: 90 } });
  });

  test("the volume under repair is attached to the helper as xvdf, never detached by destroy", () => {
    const a = r.one("aws:ec2/volumeAttachment:VolumeAttachment");
    expect(a.inputs).toMatchObject({ deviceName: "xvdf", skipDestroy: true });
    expect(a.deleteBeforeReplace).toBe(true);
    // inPlace: the original root, once detached; copy: the copy, without waiting for the stop.
    if (mode === "inPlace") expect(a.dependencies).toContain(r.one(`${DYN}RootDetach`).urn);
    else expect(a.dependencies).toEqual(expect.arrayContaining([r.one("aws:ebs/volume:Volume").urn]));
    if (mode === "copy") expect(a.dependencies).not.toContain(r.one(`${DYN}RootDetach`).urn);
  });

  test("collect and repair run as schema 2.2 PowerShell documents on the helper; the repair is planned from the collect output", () => {
    const docs = r.byType("aws:ssm/document:Document").map((d) => JSON.parse(d.inputs.content as string));
    expect(docs).toHaveLength(2);
    for (const d of docs) expect(d).toMatchObject({ schemaVersion: "2.2", mainSteps: [expect.objectContaining({ action: "aws:runPowerShellScript" })] });
    const [collect, repair] = r.byType(`${DYN}SsmCommand`);
    expect(collect.inputs).toMatchObject({ keyPrefix: "rescue/inc-4711/" });
    expect(repair.dependencies).toContain(collect.urn);
    expect((repair.inputs as any).parameters.Actions[0]).toMatch(/DisableDriver/);
    expect((repair.inputs as any).waitForSnapshotId).toEqual(mode === "inPlace" ? expect.stringMatching(/^snap-/) : "");
  });

  test("the swap restores the root device name and DeleteOnTermination, then the boot is verified", () => {
    const swap = r.one(`${DYN}RootSwap`);
    expect(swap.inputs).toMatchObject({ instanceId: "i-0a1b2c3d4e5f67890", rootDeviceName: "/dev/sda1", deleteOnTermination: true, blockedReason: "" });
    expect(swap.dependencies).toContain(r.byType(`${DYN}SsmCommand`)[1].urn);
    if (mode === "inPlace") expect(swap.inputs.volumeId).toBe(ROOT);
    const verify = r.one(`${DYN}BootVerify`);
    expect(verify.inputs).toMatchObject({ finalState: "running" });
    expect(verify.dependencies).toContain(swap.urn);
    expect(r.byType(`${DYN}Rollback`)).toEqual([]);
  });
});

describe("AwsWindowsRescue variants", () => {
  test("rollback in copy mode puts the original root back", async () => {
    const r = await rescue({ rollback: true });
    expect(r.one(`${DYN}Rollback`).inputs).toMatchObject({ volumeId: ROOT, rootDeviceName: "/dev/sda1" });
  }, 60_000);

  test("swap=false stops after the repair", async () => {
    const r = await rescue({ swap: false, helperInstanceType: "m5.large" });
    expect(r.byType(`${DYN}RootSwap`)).toEqual([]);
    expect((r.one("aws:ec2/instance:Instance").inputs as any).instanceType).toBe("m5.large");
  }, 60_000);
});
