/**
 * The AWS standby helper under Pulumi's mocks: the rescue on a standby helper launches no helper
 * instance (no role, profile or security group), starts the standby beside the snapshot and the
 * copy, runs its commands on it, and its teardown (the step's delete, after the swap's) leaves it
 * stopped with only its root; misfit arguments are refused; `AwsStandbyHelper` creates one stopped
 * helper with no public IP and no inbound rule.
 */
import { runUnderMocks } from "../../engine/simulate/mockRun";
import { registrations } from "../../../tests/helpers/registrations";
import { simulatedAws } from "../../engine/simulate/awsCloud";
import { disposeSimulationFolders } from "../../engine/simulate/folders";
import { claimParameter } from "./standbyClaim";
import { simulatedAwsStandbyHelper, withSimulatedStandby } from "../../engine/simulate/awsStandby";
import { readState } from "./simulated";
import { COMPONENT_TYPES, STEP_TYPES } from "../../vocabulary/tokens";
import { isPlanError } from "../../vocabulary/errors";
import { AwsWindowsRescue, type AwsWindowsRescueArgs } from "./component";
import { AwsStandbyHelper } from "./standbyHelper";
import { sampleFacts } from "../../../tests/helpers/awsInstances";

// Each simulated EC2 keeps its state and shipped hives in a folder; a describe's tests share one.
afterAll(disposeSimulationFolders);

const instance = sampleFacts();
const ref = simulatedAwsStandbyHelper(instance);
const standbyArgs = {
  standbyHelperId: ref.instanceId,
  standbyHelperSubnetId: ref.subnetId,
  standbyHelperZone: ref.zone,
};

/** The rescue under mocks. */
async function rescue(extra: Partial<AwsWindowsRescueArgs> = standbyArgs) {
  const base = withSimulatedStandby(simulatedAws({ instance }), ref);
  const cloud = base;
  const run = await runUnderMocks(
    () => {
      const r = new AwsWindowsRescue("inc-4711", {
        instanceId: instance.instanceId,
        kmsGrantConfirmed: true,
        ...extra,
      });
      return { helperId: r.helperId, swapped: r.swapped, booted: r.booted };
    },
    { project: "vm-rescue", stack: "test", config: {}, cloud, timeoutMs: 90_000 },
  );
  return {
    run,
    cloud: base,
    ...registrations(run.resources),
    helper: () => readState(base.cloudFile).instances[ref.instanceId],
  };
}

describe("AwsWindowsRescue on a standby helper", () => {
  let r: Awaited<ReturnType<typeof rescue>>;
  beforeAll(async () => {
    r = await rescue();
  }, 120_000);

  test("launches no helper instance, role, profile or security group; starts the standby instead", () => {
    for (const t of [
      "aws:ec2/instance:Instance",
      "aws:iam/role:Role",
      "aws:iam/instanceProfile:InstanceProfile",
      "aws:ec2/securityGroup:SecurityGroup",
    ])
      expect(r.byType(t)).toEqual([]);
    const use = r.one(STEP_TYPES.aws.standbyUse);
    expect(use.inputs).toMatchObject({
      instanceId: ref.instanceId,
      availabilityZone: instance.availabilityZone,
      rescueId: "inc-4711",
    });
    // started beside the snapshot and the copy; the copy is attached to it afterwards
    const copy = r.one("aws:ebs/volume:Volume").urn;
    const snapshot = r.one("aws:ebs/snapshot:Snapshot").urn;
    expect(use.dependencies).not.toContain(copy);
    expect(use.dependencies).not.toContain(snapshot);
    const attach = r.one("aws:ec2/volumeAttachment:VolumeAttachment");
    expect(attach.inputs.instanceId).toBe(ref.instanceId);
    expect(attach.dependencies).toEqual(expect.arrayContaining([use.urn, copy]));
    expect(r.run.outputs.helperId).toBe(ref.instanceId);
  });

  test("the commands run on the standby; the swap takes the volume off it and waits for its start, so its teardown comes after the swap's", () => {
    const use = r.one(STEP_TYPES.aws.standbyUse);
    const commands = r.byType(STEP_TYPES.aws.command);
    expect(commands.map((c) => c.inputs.instanceId)).toEqual([ref.instanceId, ref.instanceId]);
    const swap = r.one(STEP_TYPES.aws.swap);
    expect(swap.inputs.helperInstanceId).toBe(ref.instanceId);
    // Pulumi deletes a resource only after everything that depends on it: the swap first.
    expect(swap.dependencies).toContain(use.urn);
  });

  test("the rescue swaps and boots; the teardown leaves the standby stopped with only its root", async () => {
    expect(r.run.outputs).toMatchObject({ swapped: true, booted: true });
    expect(r.helper().state).toBe("running");
    const claim = () => readState(r.cloud.cloudFile).parameters?.[claimParameter(ref.instanceId)];
    expect(claim()?.value).toBe("inc-4711");
    await r.cloud.teardown();
    expect(r.helper().state).toBe("stopped");
    expect(Object.keys(r.helper().devices)).toEqual([r.helper().rootDeviceName]);
    expect(claim()).toBeUndefined();
  });
});

test("inPlace: the standby may hold the original root, and does not wait for its detach", async () => {
  const r = await rescue({ ...standbyArgs, mode: "inPlace" });
  const use = r.one(STEP_TYPES.aws.standbyUse);
  expect(use.inputs.rescueVolumeIds).toEqual([instance.root!.volumeId]);
  expect(use.dependencies).not.toContain(r.one(STEP_TYPES.aws.detach).urn);
  expect(r.byType("aws:ec2/instance:Instance")).toEqual([]);
}, 120_000);

describe("misfit standby arguments are refused in one line naming the argument", () => {
  test.each<[string, Partial<AwsWindowsRescueArgs>, string, RegExp]>([
    [
      "a malformed id",
      { ...standbyArgs, standbyHelperId: "standby-1" },
      "invalid-input",
      /^standbyHelperId "standby-1" is not an EC2 instance id/,
    ],
    [
      "an id without its subnet",
      { ...standbyArgs, standbyHelperSubnetId: undefined },
      "invalid-input",
      /^standbyHelperId needs standbyHelperSubnetId/,
    ],
    [
      "an id without its zone",
      { ...standbyArgs, standbyHelperZone: undefined },
      "invalid-input",
      /^standbyHelperId needs standbyHelperZone/,
    ],
    [
      "a subnet without an id",
      { standbyHelperSubnetId: ref.subnetId },
      "invalid-input",
      /give its standbyHelperId too/,
    ],
  ])(
    "%s, before anything is registered",
    async (_what, args, code, message) => {
      const e = await rescue(args).catch((x) => x);
      expect(isPlanError(e, code)).toBe(true);
      expect(e.message).toMatch(message);
      expect(e.message.split("\n")).toHaveLength(1);
    },
    120_000,
  );
});

// Another zone or VPC is refused by the plan where the plan is made (src/topology/awsStandby.test.ts,
// tests/cli.awsStandby.test.ts for the simulated rescue and `vm-rescue plan`).

describe("AwsStandbyHelper", () => {
  test("creates one helper with no public IP, no inbound rule and an SSM profile, and leaves it stopped", async () => {
    const cloud = simulatedAws({ instance });
    const run = await runUnderMocks(
      () => {
        const h = new AwsStandbyHelper("standby-1a", {
          subnetId: ref.subnetId,
          availabilityZone: ref.zone,
        });
        return {
          helperId: h.helperId,
          subnetId: h.subnetId,
          availabilityZone: h.availabilityZone,
          state: h.state,
        };
      },
      { project: "vm-rescue", stack: "test", config: {}, cloud },
    );
    const { one } = registrations(run.resources);
    expect(one("aws:ec2/securityGroup:SecurityGroup").inputs.ingress).toEqual([]);
    const vm = one("aws:ec2/instance:Instance");
    expect(vm.inputs).toMatchObject({
      associatePublicIpAddress: false,
      subnetId: ref.subnetId,
      availabilityZone: ref.zone,
      iamInstanceProfile: expect.any(String),
      metadataOptions: { httpTokens: "required" },
    });
    // Next month's AMI must not replace (terminate) a helper a rescue may be using.
    // a rescue's volumes and claim tag are not the platform stack's to undo
    expect(vm.ignoreChanges).toEqual(
      expect.arrayContaining(["ami", "ebsBlockDevices", 'tags["vm-rescue:standby-claim"]']),
    );
    expect(one("aws:iam/rolePolicyAttachment:RolePolicyAttachment").inputs.policyArn).toMatch(
      /:policy\/AmazonSSMManagedInstanceCore$/,
    );
    const stop = one(STEP_TYPES.aws.standbyStop);
    expect(stop.dependencies).toContain(vm.urn);
    expect(one(COMPONENT_TYPES.awsStandbyHelper).name).toBe("standby-1a");
    expect(run.outputs).toMatchObject({
      helperId: expect.stringMatching(/^i-/),
      subnetId: ref.subnetId,
      availabilityZone: ref.zone,
      state: "stopped",
    });
    const id = String(run.outputs.helperId);
    expect(readState(cloud.cloudFile).instances[id].state).toBe("stopped");
  }, 120_000);
});
