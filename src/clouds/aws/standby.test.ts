/**
 * The standby helper's steps against the simulated EC2: the start (stopped → pending → running,
 * then its SSM agent Online), the copy attached to it, and the teardown (running → stopping →
 * stopped, every volume besides its root detached, never terminated); misfits refused in one line.
 */
import { memoryStore, simulatedContext, type Ec2State } from "./simulated";
import {
  DescribeInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
} from "@aws-sdk/client-ec2";
import { ensureAttached, ensureStopped } from "./operations";
import { returnStandby, useStandby, type StandbyUseInputs } from "./standby";
import { RELEASE_MARGIN_MS } from "../../steps/contract";
import { standbyStopKind, stopUnclaimed } from "./standbyHelper";
import { COPY, HELPER, ORIG, standbyWorld } from "./testing/world";
import { ID_TAG, STANDBY_CLAIM_TAG } from "../../vocabulary/tags";
import { GetParameterCommand, PutParameterCommand } from "@aws-sdk/client-ssm";
import { claimParameter } from "./standbyClaim";

const CLAIM = claimParameter(HELPER);
const inputs: StandbyUseInputs = {
  region: "eu-west-1",
  instanceId: HELPER,
  availabilityZone: "eu-west-1a",
  rescueId: "inc-1",
  rescueVolumeIds: [],
};

function setup(change: (s: Ec2State) => void = () => undefined) {
  const state = standbyWorld();
  // The rescue's volumes carry its id, as the rescue tags every resource it makes.
  state.volumes[COPY].tags = { ...state.volumes[COPY].tags, [ID_TAG]: inputs.rescueId };
  change(state);
  const ctx = simulatedContext(memoryStore(state));
  const changes = () => state.calls.filter((c) => !/^Describe/.test(c));
  const claim = () => state.parameters?.[CLAIM]?.value;
  return { state, ctx, changes, claim, helper: () => state.instances[HELPER] };
}

describe("a standby helper's start, attach and teardown", () => {
  test("starts the stopped helper, waits for its SSM agent, takes the copy, and is left stopped with only its root", async () => {
    const w = setup();
    expect(w.helper().state).toBe("stopped");
    const started = await useStandby(w.ctx, inputs, 1800);
    expect(started).toEqual({ state: "running", attachedVolumeIds: [] });
    // Claimed for this rescue (the parameter, then the tag) before it is started.
    expect(w.changes()).toEqual([
      `PutParameter ${CLAIM}`,
      "CreateTags",
      `StartInstances ${HELPER}`,
    ]);
    expect(w.claim()).toBe(inputs.rescueId);
    expect(w.helper().tags[STANDBY_CLAIM_TAG]).toBe(inputs.rescueId);
    // Online only some time after the start: the step waited for it
    expect(w.state.clock - (w.helper().startedAt ?? 0)).toBeGreaterThanOrEqual(120_000);

    await ensureAttached(w.ctx, COPY, HELPER, "xvdf", 1800);
    expect(Object.keys(w.helper().devices).sort()).toEqual(["/dev/sda1", "xvdf"]);

    await returnStandby(w.ctx, inputs, 1800);
    expect(w.helper().state).toBe("stopped");
    expect(Object.keys(w.helper().devices)).toEqual(["/dev/sda1"]);
    expect(w.state.volumes[COPY]).toMatchObject({ state: "available", attachments: [] });
    // stopped first, then the volume detached, then the claim removed (the parameter last);
    // nothing terminated or deleted
    expect(w.changes().slice(3)).toEqual([
      `AttachVolume ${HELPER}`,
      `StopInstances ${HELPER}`,
      `DetachVolume ${HELPER}`,
      "DeleteTags",
      `DeleteParameter ${CLAIM}`,
    ]);
    expect(w.helper().tags[STANDBY_CLAIM_TAG]).toBeUndefined();
    expect(w.claim()).toBeUndefined();
    expect(w.state.volumes[COPY].state).not.toBe("deleted");
  });

  test("a second start on the running helper changes nothing; the teardown of a stopped, empty helper neither", async () => {
    const w = setup();
    await useStandby(w.ctx, inputs, 1800);
    const before = w.changes().length;
    await useStandby(w.ctx, inputs, 1800);
    expect(w.changes().length).toBe(before);
    await returnStandby(w.ctx, inputs, 1800);
    const stopped = w.changes().length;
    await returnStandby(w.ctx, inputs, 1800);
    expect(w.changes().length).toBe(stopped);
  });

  test("a teardown that finds another rescue's volume on the helper changes nothing and says so", async () => {
    const OTHER = "vol-0999999999999999a";
    const w = setup((s) => {
      s.volumes[OTHER] = { ...s.volumes[COPY], attachments: [], tags: { [ID_TAG]: "inc-2" } };
    });
    await useStandby(w.ctx, inputs, 1800);
    // Another rescue took the running helper before this one's teardown.
    await ensureAttached(w.ctx, COPY, HELPER, "xvdf", 1800);
    await ensureAttached(w.ctx, OTHER, HELPER, "xvdg", 1800);
    const before = w.changes().length;
    await expect(returnStandby(w.ctx, inputs, 1800)).rejects.toThrow(
      `standby helper ${HELPER} also holds ${OTHER} (another rescue?): nothing was stopped or detached`,
    );
    expect(w.changes().length).toBe(before);
    expect(w.helper().state).toBe("running");
    expect(Object.keys(w.helper().devices).sort()).toEqual(["/dev/sda1", "xvdf", "xvdg"]);
  });

  const DELETE_PARAMETER = `aws ssm delete-parameter --name ${CLAIM}`;
  const DELETE_TAG = `aws ec2 delete-tags --resources ${HELPER} --tags Key=${STANDBY_CLAIM_TAG},Value=inc-2`;
  test.each<[string, (s: Ec2State) => void, string, string]>([
    [
      "its claim parameter",
      (s) => {
        s.parameters = { [CLAIM]: { value: "inc-2", version: 1 } };
      },
      `SSM parameter ${CLAIM}`,
      DELETE_PARAMETER,
    ],
    [
      "only the tag (the console's mark)",
      (s) => {
        s.instances[HELPER].tags[STANDBY_CLAIM_TAG] = "inc-2";
      },
      `tag ${STANDBY_CLAIM_TAG}`,
      DELETE_TAG,
    ],
    [
      "both (a start that died)",
      (s) => {
        s.parameters = { [CLAIM]: { value: "inc-2", version: 1 } };
        s.instances[HELPER].tags[STANDBY_CLAIM_TAG] = "inc-2";
      },
      `SSM parameter ${CLAIM}, tag ${STANDBY_CLAIM_TAG}`,
      `${DELETE_PARAMETER}; ${DELETE_TAG}`,
    ],
  ])(
    "a helper another rescue claimed (%s) is refused at the start, naming what clears it, and left alone at teardown",
    async (_what, claimed, where, clear) => {
      const w = setup(claimed);
      const e = await useStandby(w.ctx, inputs, 1800).catch((x) => x);
      expect(e).toMatchObject({ code: "standby-helper-misfit" });
      expect(e.message).toBe(
        `standby helper ${HELPER} is claimed by rescue inc-2 (${where}): another rescue uses it; once that rescue has ended and the claim is still there, remove it (${clear})`,
      );
      expect(w.changes()).toEqual([]);
      await expect(returnStandby(w.ctx, inputs, 1800)).rejects.toThrow(
        `standby helper ${HELPER} is claimed by rescue inc-2: nothing was stopped or detached`,
      );
      expect(w.changes()).toEqual([]);
      expect(w.helper().state).toBe("stopped");
    },
  );

  test("a claim that lands between this rescue's look and its own claim wins: this one stops, changing nothing", async () => {
    const w = setup();
    // The other rescue creates the parameter just before this one's PutParameter reaches SSM.
    const send = w.ctx.ssm.send.bind(w.ctx.ssm);
    w.ctx.ssm.send = (async (command: object) => {
      if (command instanceof PutParameterCommand && command.input.Value === inputs.rescueId)
        await send(new PutParameterCommand({ ...command.input, Value: "inc-2" }));
      return send(command);
    }) as typeof w.ctx.ssm.send;
    await expect(useStandby(w.ctx, inputs, 1800)).rejects.toThrow(/is claimed by rescue inc-2/);
    // only the other rescue's claim; no tag, no start
    expect(w.changes()).toEqual([`PutParameter ${CLAIM}`]);
    expect(w.claim()).toBe("inc-2");
    expect(w.helper().state).toBe("stopped");
  });

  test("a rescue that looked before another's claim and claims after that one's start stops", async () => {
    const w = setup();
    // This rescue (inc-2) reads the helper unclaimed; then inc-1 claims it and starts it, all
    // before inc-2's own claim (the interleaving a tag and a read-back let through).
    let first = true;
    const late = {
      ...w.ctx,
      ec2: {
        send: async (c: object) => {
          const out = await w.ctx.ec2.send(c);
          if (first && c instanceof DescribeInstancesCommand) {
            first = false;
            await useStandby(w.ctx, inputs, 1800);
          }
          return out;
        },
      },
    };
    await expect(useStandby(late, { ...inputs, rescueId: "inc-2" }, 1800)).rejects.toThrow(
      /is claimed by rescue inc-1/,
    );
    expect(w.changes().filter((c) => c.startsWith("StartInstances"))).toHaveLength(1);
    expect(w.claim()).toBe("inc-1");
    expect(w.helper().tags[STANDBY_CLAIM_TAG]).toBe("inc-1");
  });

  test("SSM busy with the other rescue's claim (TooManyUpdates): its holder is read, one line", async () => {
    const w = setup((s) => {
      s.parameters = { [CLAIM]: { value: "inc-2", version: 1 } };
      s.faults.push({ op: "PutParameter", mode: "error", code: "TooManyUpdates" });
    });
    // the look before the claim saw no claim (the other rescue's landed just after)
    const get = w.ctx.ssm.send.bind(w.ctx.ssm);
    let looked = false;
    w.ctx.ssm.send = (async (c: object) => {
      if (!looked && c instanceof GetParameterCommand) {
        looked = true;
        throw Object.assign(new Error(""), { name: "ParameterNotFound" });
      }
      return get(c);
    }) as typeof w.ctx.ssm.send;
    const e = await useStandby(w.ctx, inputs, 1800).catch((x) => x);
    expect(e).toMatchObject({ code: "standby-helper-misfit" });
    expect(e.message).toMatch(`standby helper ${HELPER} is claimed by rescue inc-2 (SSM parameter`);
    expect(w.changes()).toEqual([]);
  });

  test("SSM busy once (TooManyUpdates) with nobody holding the claim: it is taken on the second try", async () => {
    const w = setup((s) => {
      s.faults.push({ op: "PutParameter", mode: "error", code: "TooManyUpdates" });
    });
    await useStandby(w.ctx, inputs, 1800);
    expect(w.claim()).toBe(inputs.rescueId);
    expect(w.helper().state).toBe("running");
  });

  test("a create whose start fails after the claim removes the claim (no resource is left to destroy) and reports its own error", async () => {
    const w = setup((s) => {
      s.faults.push({ op: "StartInstances", mode: "error", code: "InsufficientInstanceCapacity" });
    });
    const e = await useStandby(w.ctx, inputs, 1800, { creating: true }).catch((x) => x);
    expect(e.name).toBe("InsufficientInstanceCapacity");
    expect(w.claim()).toBeUndefined();
    expect(w.helper().tags[STANDBY_CLAIM_TAG]).toBeUndefined();
    expect(w.changes()).toEqual([
      `PutParameter ${CLAIM}`,
      "CreateTags",
      "DeleteTags",
      `DeleteParameter ${CLAIM}`,
    ]);
    // another rescue can take it now
    await useStandby(w.ctx, { ...inputs, rescueId: "inc-2" }, 1800);
    expect(w.claim()).toBe("inc-2");
  });

  test("a create's waits give up a minute before the step's deadline, so the claim is still released", async () => {
    const w = setup();
    // the step's deadline is less than the margin away: the engine has not aborted anything yet
    const ctx = { ...w.ctx, deadline: Date.now() + RELEASE_MARGIN_MS - 1_000 };
    const e = await useStandby(ctx, inputs, 1800, { creating: true }).catch((x) => x);
    expect(e).toMatchObject({ code: "deadline" });
    expect(w.claim()).toBeUndefined();
    expect(w.helper().tags[STANDBY_CLAIM_TAG]).toBeUndefined();
    // started, unclaimed: the next rescue (or the platform stack) takes it from there
    expect(w.helper().state).toBe("pending");
  });

  test("an update whose start fails keeps the claim: the resource stays, and its delete removes it", async () => {
    const w = setup();
    await useStandby(w.ctx, inputs, 1800, { creating: true });
    await returnStandby(w.ctx, inputs, 1800);
    // the rescue's step still exists (e.g. an update after a failure elsewhere); its claim again
    await useStandby(w.ctx, inputs, 1800);
    await ensureStopped(w.ctx, HELPER, 1800);
    w.state.faults.push({
      op: "StartInstances",
      mode: "error",
      code: "InsufficientInstanceCapacity",
    });
    const e = await useStandby(w.ctx, inputs, 1800).catch((x) => x);
    expect(e.name).toBe("InsufficientInstanceCapacity");
    expect(w.claim()).toBe(inputs.rescueId);
    expect(w.helper().tags[STANDBY_CLAIM_TAG]).toBe(inputs.rescueId);
    await expect(useStandby(w.ctx, { ...inputs, rescueId: "inc-2" }, 1800)).rejects.toThrow(
      /is claimed by rescue inc-1/,
    );
  });

  test("of two rescues that start on the helper at once, exactly one goes on", async () => {
    const w = setup();
    const other = { ...inputs, rescueId: "inc-2" };
    const [a, b] = await Promise.allSettled([
      useStandby(w.ctx, inputs, 1800),
      useStandby(w.ctx, other, 1800),
    ]);
    const won = [a, b].filter((r) => r.status === "fulfilled");
    expect(won).toHaveLength(1);
    const lost = [a, b].find((r) => r.status === "rejected") as PromiseRejectedResult;
    const winner = a.status === "fulfilled" ? inputs.rescueId : "inc-2";
    expect(lost.reason.message).toMatch(`is claimed by rescue ${winner}`);
    expect(w.claim()).toBe(winner);
    expect(w.helper().tags[STANDBY_CLAIM_TAG]).toBe(winner);
    expect(w.changes().filter((c) => c.startsWith("StartInstances"))).toHaveLength(1);
  });

  test("the teardown after the swap (the copy already off) only stops the helper", async () => {
    const w = setup((s) => {
      s.instances[HELPER].state = "running";
      s.instances[HELPER].startedAt = 0;
    });
    await returnStandby(w.ctx, inputs, 1800);
    expect(w.changes()).toEqual([`StopInstances ${HELPER}`]);
    expect(w.helper().state).toBe("stopped");
  });

  test("the teardown of a helper that is gone does nothing", async () => {
    const w = setup((s) => {
      delete s.instances[HELPER];
    });
    await expect(returnStandby(w.ctx, inputs, 1800)).resolves.toBeUndefined();
    expect(w.changes()).toEqual([]);
  });

  test("the teardown of a helper that is gone removes this rescue's claim, not another's", async () => {
    const mine = setup((s) => {
      delete s.instances[HELPER];
      s.parameters = { [CLAIM]: { value: inputs.rescueId, version: 1 } };
    });
    await returnStandby(mine.ctx, inputs, 1800);
    expect(mine.changes()).toEqual([`DeleteParameter ${CLAIM}`]);
    expect(mine.claim()).toBeUndefined();

    const theirs = setup((s) => {
      delete s.instances[HELPER];
      s.parameters = { [CLAIM]: { value: "inc-2", version: 1 } };
    });
    await returnStandby(theirs.ctx, inputs, 1800);
    expect(theirs.changes()).toEqual([]);
    expect(theirs.claim()).toBe("inc-2");
  });

  test("the copy of this rescue already on the helper (a second up) is no misfit", async () => {
    const w = setup((s) => {
      s.volumes[COPY].tags["vm-rescue:id"] = "inc-1";
      s.volumes[COPY].attachments = [
        { instanceId: HELPER, device: "xvdf", state: "attached", until: 0 },
      ];
      s.volumes[COPY].state = "in-use";
      s.instances[HELPER].devices.xvdf = { volumeId: COPY, deleteOnTermination: false };
    });
    const out = await useStandby(w.ctx, inputs, 1800);
    expect(out).toEqual({ state: "running", attachedVolumeIds: [COPY] });
  });
});

describe("a standby helper that does not fit is refused before it is started", () => {
  test.each<[string, (s: Ec2State) => void, RegExp]>([
    [
      "in another availability zone",
      (s) => {
        s.instances[HELPER].availabilityZone = "eu-west-1b";
      },
      /standby helper i-\S+ is in eu-west-1b, the volume under repair in eu-west-1a/,
    ],
    [
      "holding another rescue's volume",
      (s) => {
        s.volumes[ORIG].attachments = [
          { instanceId: HELPER, device: "xvdg", state: "attached", until: 0 },
        ];
        s.instances[HELPER].devices.xvdg = { volumeId: ORIG, deleteOnTermination: false };
      },
      /is in use: it holds vol-\S+ besides its root/,
    ],
    [
      "terminated",
      (s) => {
        s.instances[HELPER].state = "terminated";
      },
      /is terminated/,
    ],
    [
      "missing",
      (s) => {
        delete s.instances[HELPER];
      },
      /was not found/,
    ],
  ])("%s", async (_what, change, message) => {
    const w = setup(change);
    const e = await useStandby(w.ctx, inputs, 1800).catch((x) => x);
    expect(e).toMatchObject({ code: "standby-helper-misfit" });
    expect(e.message).toMatch(message);
    expect(e.message.split("\n")).toHaveLength(1);
    expect(w.changes()).toEqual([]);
  });
});

describe("the simulated EC2's start and stop, as EC2 documents them", () => {
  test("StopInstances on a running instance: stopping, then stopped; StartInstances on a stopped one: pending, then running", async () => {
    const w = setup((s) => {
      s.instances[HELPER].state = "running";
    });
    await w.ctx.ec2.send(new StopInstancesCommand({ InstanceIds: [HELPER] }));
    expect(w.helper().state).toBe("stopping");
    await w.ctx.sleep(90_000);
    expect(w.helper().state).toBe("stopped");
    await w.ctx.ec2.send(new StartInstancesCommand({ InstanceIds: [HELPER] }));
    expect(w.helper().state).toBe("pending");
    await w.ctx.sleep(120_000);
    expect(w.helper().state).toBe("running");
  });

  test("StartInstances on a stopping instance is IncorrectInstanceState", async () => {
    const w = setup((s) => {
      s.instances[HELPER].state = "stopping";
      s.instances[HELPER].until = Number.MAX_SAFE_INTEGER;
    });
    await expect(
      w.ctx.ec2.send(new StartInstancesCommand({ InstanceIds: [HELPER] })),
    ).rejects.toMatchObject({ name: "IncorrectInstanceState" });
  });
});

describe("StandbyHelperStop", () => {
  test("stops the new standby helper and does nothing on delete", async () => {
    const state = standbyWorld();
    state.instances[HELPER].state = "running";
    await ensureStopped(simulatedContext(memoryStore(state)), HELPER, 1800);
    expect(state.instances[HELPER].state).toBe("stopped");
    const before = state.calls.length;
    await standbyStopKind.delete({} as never, "x", {
      region: "eu-west-1",
      instanceId: HELPER,
      state: "stopped",
    });
    expect(state.calls.length).toBe(before);
    expect(state.instances[HELPER].state).toBe("stopped");
  });

  test.each<[string, (s: Ec2State) => void]>([
    [
      "its claim parameter",
      (s) => void (s.parameters = { [CLAIM]: { value: "inc-2", version: 1 } }),
    ],
    ["its claim tag", (s) => void (s.instances[HELPER].tags[STANDBY_CLAIM_TAG] = "inc-2")],
  ])(
    "leaves a helper a rescue has claimed (%s) running: the platform stack's update does not cut it off",
    async (_what, claim) => {
      const w = setup((s) => {
        s.instances[HELPER].state = "running";
        claim(s);
      });
      const out = await stopUnclaimed(w.ctx, { region: "eu-west-1", instanceId: HELPER }, 1800);
      expect(out.state).toBe("running");
      expect(w.changes()).toEqual([]);
      // unclaimed, it is stopped
      delete w.state.parameters;
      delete w.helper().tags[STANDBY_CLAIM_TAG];
      expect(
        (await stopUnclaimed(w.ctx, { region: "eu-west-1", instanceId: HELPER }, 1800)).state,
      ).toBe("stopped");
    },
  );
});
