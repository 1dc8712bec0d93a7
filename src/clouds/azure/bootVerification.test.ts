/** BootVerification against the in-memory compute and a clock that only moves when slept on. */
import { bootVerificationKind, runBootVerification } from "./bootVerification";
import { diffStep } from "../../steps/contract";
import { fixedRuntime, testContext } from "./testing/runtime";
import { serialBaseline } from "../../swap/serialLog";
import { SimulatedClock, SimulatedCompute } from "./simulated";
import { bootInputs, startedVm } from "./testing/bootVerification";

const inputs = bootInputs;

/** The VM just after the swap started it, on `disk`. */
const started = (disk: "copy" | "original") =>
  startedVm(disk, (compute) => compute.brokenDisks.add("original"));

describe("BootVerification", () => {
  test("a VM that runs with its agent Ready and a clean serial log has booted", async () => {
    const compute = await started("copy");
    const clock = new SimulatedClock();
    const r = await bootVerificationKind(fixedRuntime(compute, clock)).create(
      testContext(),
      inputs(),
    );
    expect(r.outs).toMatchObject({
      booted: true,
      checked: true,
      powerState: "running",
      agentStatus: "Ready",
      bugCheck: null,
      rollbackOffered: false,
      reasons: [],
    });
    expect(r.outs.screenshotUrl).toMatch(/screenshot\.bmp/);
    expect(r.outs.serialLogUrl).toMatch(/serialconsole\.log/);
    expect(compute.writes()).toEqual([]);
  });

  test("a VM that bug-checks again is not booted and a rollback is offered", async () => {
    const compute = await started("original");
    const r = await runBootVerification(compute, inputs(), new SimulatedClock());
    expect(r).toMatchObject({
      booted: false,
      rollbackOffered: true,
      bugCheck: expect.stringMatching(/BLUESCREEN/),
    });
    expect(r.reasons).toEqual([
      expect.stringMatching(/crashed again after the swap/),
      expect.stringMatching(
        /vm-rescue rollback --cloud azure --resource-group rg-app-prod --vm app-vm-01 \(or pulumi config set rollback true/,
      ),
    ]);
  });

  test("a VM whose agent never gets Ready times out after the given minutes, polling meanwhile", async () => {
    const compute = await started("copy");
    compute.behaviour.set("rg-app-prod/app-vm-01", "hangs");
    await compute.start("rg-app-prod", "app-vm-01");
    compute.calls.length = 0;
    const clock = new SimulatedClock();
    const r = await runBootVerification(
      compute,
      inputs({ timeoutMinutes: 10, pollSeconds: 60 }),
      clock,
    );
    expect(r).toMatchObject({ booted: false, rollbackOffered: true, agentStatus: "Not Ready" });
    expect(r.reasons[0]).toMatch(
      /did not come up within 10 minutes \(power state running, guest agent Not Ready\)/,
    );
    expect(clock.slept).toBe(10 * 60_000);
    expect(compute.calls.filter((c) => c.startsWith("getStatus"))).toHaveLength(11);
  });

  test("a VM that comes up on a later poll is booted", async () => {
    const compute = await started("copy");
    const vm = compute.vm("rg-app-prod", "app-vm-01");
    vm.agentStatus = null;
    const clock = new SimulatedClock();
    const sleep = clock.sleep.bind(clock);
    clock.sleep = async (ms) => {
      await sleep(ms);
      if (clock.slept >= 90_000) vm.agentStatus = "Ready";
    };
    const r = await runBootVerification(compute, inputs(), clock);
    expect(r.booted).toBe(true);
    expect(clock.slept).toBe(90_000);
  });

  test("nothing swapped: nothing checked, no compute call", async () => {
    const compute = new SimulatedCompute();
    const r = await runBootVerification(
      compute,
      inputs({ swapped: false, osDiskId: null }),
      new SimulatedClock(),
    );
    expect(r).toMatchObject({ booted: false, checked: false, rollbackOffered: false });
    expect(compute.calls).toEqual([]);
  });

  test("boot diagnostics are evidence only: when they fail the verification goes on", async () => {
    const compute = await started("copy");
    compute.failures.set("bootDiagnostics", new Error("boot diagnostics are disabled"));
    const r = await runBootVerification(compute, inputs(), new SimulatedClock());
    expect(r).toMatchObject({ booted: true, screenshotUrl: null, serialLogUrl: null });
  });

  test("an instance-view API error is one clear line; a bad timeout is refused", async () => {
    const compute = await started("copy");
    compute.failures.set(
      "getStatus",
      Object.assign(new Error("The client does not have authorization."), {
        statusCode: 403,
        code: "AuthorizationFailed",
      }),
    );
    await expect(runBootVerification(compute, inputs(), new SimulatedClock())).rejects.toThrow(
      "reading the instance view of VM app-vm-01 failed (HTTP 403 AuthorizationFailed): The client does not have authorization.",
    );
    await expect(
      runBootVerification(compute, inputs({ timeoutMinutes: 0 }), new SimulatedClock()),
    ).rejects.toThrow(/timeoutMinutes/);
  });

  test("a new swap is an update that re-runs the verification; other changes keep a good verdict; delete touches nothing", async () => {
    const compute = await started("copy");
    const kind = bootVerificationKind(fixedRuntime(compute, new SimulatedClock()));
    const d = (o: object, n: object) => diffStep(kind, o as never, n as never);
    expect(d(inputs({ swapped: false, osDiskId: null }), inputs())).toMatchObject({
      changes: true,
      replaces: [],
    });
    expect(d(inputs(), inputs({ serialBaseline: { length: 3, sha256: "x" } }))).toMatchObject({
      changes: true,
      replaces: [],
    });
    expect(d(inputs(), inputs({ vmName: "other" })).replaces).toEqual(["vmName"]);
    const ctx = testContext();
    const { outs } = await kind.create(ctx, inputs());
    compute.calls.length = 0;
    const same = await kind.update(ctx, "id", outs, inputs({ pollSeconds: 5 }));
    expect(same).toMatchObject({ booted: true, pollSeconds: 5 });
    expect(compute.calls).toEqual([]);
    await kind.update(ctx, "id", outs, inputs({ swapGeneration: 1 }));
    expect(compute.calls[0]).toBe("getStatus rg-app-prod/app-vm-01");
    compute.calls.length = 0;
    await kind.delete(ctx, "id", outs);
    expect(compute.calls).toEqual([]);
  });

  test("read reports the VM's power and agent state now, and null when the VM is gone", async () => {
    const compute = await started("copy");
    const kind = bootVerificationKind(fixedRuntime(compute, new SimulatedClock()));
    const ctx = testContext();
    const { outs } = await kind.create(ctx, inputs());
    await compute.deallocate("rg-app-prod", "app-vm-01");
    expect(await kind.read(ctx, "id", outs)).toMatchObject({
      booted: true,
      powerState: "deallocated",
      agentStatus: null,
    });
    compute.vms.clear();
    expect(await kind.read(ctx, "id", outs)).toBeNull();
  });
});

const OLD_CRASH =
  'Boot\r\n<INSTANCE CLASSNAME="BLUESCREEN"><PROPERTY NAME="STOPCODE" TYPE="string"><VALUE>"0x1000007E"</VALUE></PROPERTY></INSTANCE>\r\n';
describe("BootVerification looks only past the swap's baseline", () => {
  /** A VM whose boot diagnostics kept the pre-swap crash, then started with `behaviour`. */
  async function keptLog(behaviour: "boots" | "bsod") {
    const compute = new SimulatedCompute();
    compute.serialLogOnStart = "append";
    compute.addVm("rg-app-prod", "app-vm-01", {
      osDiskId: "copy",
      powerState: "deallocated",
      agentStatus: null,
      serialLog: OLD_CRASH,
    });
    compute.behaviour.set("rg-app-prod/app-vm-01", behaviour);
    await compute.start("rg-app-prod", "app-vm-01");
    return compute;
  }

  test("the pre-swap crash before the baseline does not count: booted", async () => {
    const compute = await keptLog("boots");
    const r = await runBootVerification(
      compute,
      inputs({ serialBaseline: serialBaseline(OLD_CRASH) }),
      new SimulatedClock(),
    );
    expect(r).toMatchObject({ booted: true, bugCheck: null, rollbackOffered: false });
  });

  test("a crash written after the baseline counts", async () => {
    const compute = await keptLog("bsod");
    const r = await runBootVerification(
      compute,
      inputs({ serialBaseline: serialBaseline(OLD_CRASH) }),
      new SimulatedClock(),
    );
    expect(r).toMatchObject({
      booted: false,
      rollbackOffered: true,
      bugCheck: expect.stringMatching(/BLUESCREEN/),
    });
  });

  test("a log reset at the start (shorter than the baseline) is all new: a crash in it counts, a good boot passes", async () => {
    const baseline = serialBaseline(OLD_CRASH + OLD_CRASH + OLD_CRASH);
    const crashed = new SimulatedCompute();
    crashed.addVm("rg-app-prod", "app-vm-01", {
      osDiskId: "copy",
      powerState: "deallocated",
      agentStatus: null,
    });
    crashed.behaviour.set("rg-app-prod/app-vm-01", "bsod");
    await crashed.start("rg-app-prod", "app-vm-01");
    expect(
      await runBootVerification(
        crashed,
        inputs({ serialBaseline: baseline }),
        new SimulatedClock(),
      ),
    ).toMatchObject({ booted: false, bugCheck: expect.stringMatching(/BLUESCREEN/) });
    const fine = await started("copy");
    expect(
      await runBootVerification(fine, inputs({ serialBaseline: baseline }), new SimulatedClock()),
    ).toMatchObject({ booted: true });
  });
});
