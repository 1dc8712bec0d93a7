/**
 * The simulated AWS rescue on a standby helper: the simulated EC2 holds a stopped Windows instance
 * with only its root (by default one that fits the broken instance: its availability zone and
 * subnet), the stack settings name it, and after the run the teardown the steps do on
 * `pulumi destroy` runs too, so the outcome shows the helper as the rescue left it. The Azure side
 * is `standby.ts`.
 */
import { createHash } from "crypto";
import type * as pulumi from "@pulumi/pulumi";
import type { AwsInstanceFacts } from "../../describe/awsInstance";
import type { RescueOutcome } from "../../report/types";
import { awsStandbyOf, checkAwsStandbyFit, type AwsStandbyRef } from "../../topology/awsStandby";
import { standbyUseKind, type StandbyUseInputs } from "../../clouds/aws/standby";
import { readState, writeState } from "../../clouds/aws/simulated";
import { STEP_TYPES } from "../../vocabulary/tokens";
import type { AwsWindowsRescueArgs } from "../../clouds/aws/args";
import type { SimulatedAws } from "./awsCloud";

/** The standby helper of a simulated AWS rescue: true for one that fits, or its zone changed. */
export type AwsStandbyChoice = boolean | { zone?: string };

const hex = (text: string, n: number) =>
  createHash("sha256").update(text).digest("hex").slice(0, n);

/** A standby helper that fits the instance: in its availability zone and subnet. */
export function simulatedAwsStandbyHelper(i: AwsInstanceFacts): AwsStandbyRef {
  return {
    instanceId: `i-${hex(`${i.availabilityZone}/standby-helper`, 17)}`,
    subnetId: i.subnetId ?? `subnet-${hex(`${i.instanceId}/subnet`, 17)}`,
    zone: i.availabilityZone,
  };
}

/**
 * The standby helper's facts and the stack settings that hand it to the rescue, checked first as the
 * component checks them: a helper that does not fit is refused before anything runs.
 */
export function withAwsStandby(
  choice: AwsStandbyChoice | undefined,
  base: Record<string, string>,
  i: AwsInstanceFacts,
): { standby: AwsStandbyRef | undefined; settings: Record<string, string> } {
  if (!choice) return { standby: undefined, settings: base };
  const fits = simulatedAwsStandbyHelper(i);
  const h = choice === true || choice.zone === undefined ? fits : { ...fits, zone: choice.zone };
  const settings = {
    ...base,
    standbyHelperId: h.instanceId,
    standbyHelperSubnetId: h.subnetId,
    standbyHelperZone: h.zone,
  };
  const ref = awsStandbyOf(settings)!;
  checkAwsStandbyFit(ref, { instanceId: i.instanceId, availabilityZone: i.availabilityZone });
  return { standby: ref, settings };
}

/** The standby helper the arguments name, as the offline plan's simulated cloud holds it. */
export function plannedAwsStandby(args: AwsWindowsRescueArgs): AwsStandbyRef | undefined {
  return awsStandbyOf(args);
}

export interface SimulatedAwsWithStandby extends SimulatedAws {
  /** Runs what `pulumi destroy` runs of the standby's step: stopped, nothing attached. */
  teardown(): Promise<void>;
}

/**
 * The simulated AWS holding the standby helper (stopped, its root attached, running the SSM agent
 * once started), recording the standby's start for {@link SimulatedAwsWithStandby.teardown}.
 */
export function withSimulatedStandby(
  cloud: SimulatedAws,
  standby: AwsStandbyRef | undefined,
): SimulatedAwsWithStandby {
  const started: { id: string; state: StandbyUseInputs }[] = [];
  if (standby) {
    const s = readState(cloud.cloudFile);
    const root = `vol-${hex(`${standby.instanceId}/root`, 17)}`;
    s.volumes[root] = {
      state: "in-use",
      until: 0,
      availabilityZone: standby.zone,
      sizeGiB: 30,
      volumeType: "gp3",
      encrypted: true,
      attachments: [
        { instanceId: standby.instanceId, device: "/dev/sda1", state: "attached", until: 0 },
      ],
      tags: {},
    };
    s.instances[standby.instanceId] = {
      state: "stopped",
      until: 0,
      availabilityZone: standby.zone,
      rootDeviceName: "/dev/sda1",
      devices: { "/dev/sda1": { volumeId: root, deleteOnTermination: true } },
      tags: { Name: "standby-helper" },
      ssmAgent: true,
      console: "",
    };
    writeState(cloud.cloudFile, s);
  }
  const newResource = async (args: pulumi.runtime.MockResourceArgs) => {
    const created = await cloud.newResource(args);
    if (args.type === STEP_TYPES.aws.standbyUse)
      started.push({
        id: String(created.id),
        state: created.state as unknown as StandbyUseInputs,
      });
    return created;
  };
  const teardown = async () => {
    for (const s of started.reverse())
      await standbyUseKind.delete(
        {
          config: { simulatedCloud: cloud.cloudFile },
          signal: new AbortController().signal,
          deadline: Date.now() + standbyUseKind.timeouts.delete * 1000,
          log: () => undefined,
        },
        s.id,
        { ...s.state, state: "", attachedVolumeIds: [] },
      );
    started.length = 0;
  };
  return { ...cloud, newResource, teardown };
}

/** Runs the teardown and records the standby helper as it was left. */
export async function afterAwsStandbyTeardown(
  outcome: RescueOutcome,
  cloud: SimulatedAwsWithStandby,
  standby: AwsStandbyRef | undefined,
): Promise<RescueOutcome> {
  if (!standby) return outcome;
  await cloud.teardown();
  const i = readState(cloud.cloudFile).instances[standby.instanceId];
  return {
    ...outcome,
    standbyHelper: {
      id: standby.instanceId,
      powerState: i?.state ?? null,
      dataDiskIds: i
        ? Object.entries(i.devices)
            .filter(([d]) => d !== i.rootDeviceName)
            .map(([, m]) => m.volumeId)
        : [],
    },
  };
}
