/** BootVerification against the in-memory compute and a clock that only moves when slept on. */
import {
  bootVerificationProvider,
  BootVerificationInputs,
  findBugCheck,
  newSerialText,
  runBootVerification,
  serialBaseline,
} from "./bootVerification";
import { SimulatedClock, SimulatedCompute } from "./simulated";

const inputs = (over: Partial<BootVerificationInputs> = {}): BootVerificationInputs => ({
  subscriptionId: "6f1e3b2a-41c7-4d2e-9a55-0c8d4b7e2f10",
  resourceGroupName: "rg-app-prod",
  vmName: "app-vm-01",
  rescueId: "inc-4711",
  swapped: true,
  osDiskId: "copy",
  timeoutMinutes: 10,
  pollSeconds: 30,
  ...over,
});

/** The VM just after the swap started it, on `disk`. */
async function started(disk: "copy" | "original") {
  const compute = new SimulatedCompute();
  compute.addVm("rg-app-prod", "app-vm-01", {
    osDiskId: disk,
    powerState: "deallocated",
    agentStatus: null,
  });
  compute.brokenDisks.add("original");
  await compute.start("rg-app-prod", "app-vm-01");
  compute.calls.length = 0;
  return compute;
}

describe("BootVerification", () => {
  test("a VM that runs with its agent Ready and a clean serial log has booted", async () => {
    const compute = await started("copy");
    const clock = new SimulatedClock();
    const r = await bootVerificationProvider(() => compute, clock).create(inputs());
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
    const r = await runBootVerification(() => compute, inputs(), new SimulatedClock());
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
      () => compute,
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
    const r = await runBootVerification(() => compute, inputs(), clock);
    expect(r.booted).toBe(true);
    expect(clock.slept).toBe(90_000);
  });

  test("nothing swapped: nothing checked, no compute call", async () => {
    const factory = jest.fn();
    const r = await runBootVerification(
      factory,
      inputs({ swapped: false, osDiskId: null }),
      new SimulatedClock(),
    );
    expect(r).toMatchObject({ booted: false, checked: false, rollbackOffered: false });
    expect(factory).not.toHaveBeenCalled();
  });

  test("boot diagnostics are evidence only: when they fail the verification goes on", async () => {
    const compute = await started("copy");
    compute.failures.set("bootDiagnostics", new Error("boot diagnostics are disabled"));
    const r = await runBootVerification(() => compute, inputs(), new SimulatedClock());
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
    await expect(
      runBootVerification(() => compute, inputs(), new SimulatedClock()),
    ).rejects.toThrow(
      "reading the instance view of VM app-vm-01 failed (HTTP 403 AuthorizationFailed): The client does not have authorization.",
    );
    await expect(
      runBootVerification(() => compute, inputs({ timeoutMinutes: 0 }), new SimulatedClock()),
    ).rejects.toThrow(/timeoutMinutes/);
  });

  test("a new swap re-runs the verification; delete touches nothing", async () => {
    const compute = await started("copy");
    const provider = bootVerificationProvider(() => compute, new SimulatedClock());
    expect(
      await provider.diff!("id", inputs({ swapped: false, osDiskId: null }), inputs()),
    ).toMatchObject({ changes: true });
    expect(
      await provider.diff!("id", inputs(), inputs({ serialBaseline: { length: 3, sha256: "x" } })),
    ).toMatchObject({ changes: true });
    expect(await provider.diff!("id", inputs(), inputs({ swapGeneration: 1 }))).toMatchObject({
      changes: true,
    });
    expect(await provider.diff!("id", inputs(), inputs({ pollSeconds: 5 }))).toMatchObject({
      changes: false,
    });
    await provider.delete!("id", inputs());
    expect(compute.calls).toEqual([]);
  });
});

const OLD_CRASH =
  'Boot\r\n<INSTANCE CLASSNAME="BLUESCREEN"><PROPERTY NAME="STOPCODE" TYPE="string"><VALUE>"0x1000007E"</VALUE></PROPERTY></INSTANCE>\r\n';
const GOOD_BOOT = "Boot\r\nComputer is booting, SAC started and initialized.\r\n";

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
      () => compute,
      inputs({ serialBaseline: serialBaseline(OLD_CRASH) }),
      new SimulatedClock(),
    );
    expect(r).toMatchObject({ booted: true, bugCheck: null, rollbackOffered: false });
  });

  test("a crash written after the baseline counts", async () => {
    const compute = await keptLog("bsod");
    const r = await runBootVerification(
      () => compute,
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
        () => crashed,
        inputs({ serialBaseline: baseline }),
        new SimulatedClock(),
      ),
    ).toMatchObject({ booted: false, bugCheck: expect.stringMatching(/BLUESCREEN/) });
    const fine = await started("copy");
    expect(
      await runBootVerification(
        () => fine,
        inputs({ serialBaseline: baseline }),
        new SimulatedClock(),
      ),
    ).toMatchObject({ booted: true });
  });
});

describe("newSerialText", () => {
  const base = serialBaseline(OLD_CRASH);
  test("no baseline or no log: the whole log", () => {
    expect(newSerialText(OLD_CRASH, null)).toBe(OLD_CRASH);
    expect(newSerialText(OLD_CRASH, undefined)).toBe(OLD_CRASH);
    expect(newSerialText(null, base)).toBeNull();
  });
  test("a log that still starts with the recorded text: only what follows", () => {
    expect(newSerialText(OLD_CRASH + GOOD_BOOT, base)).toBe(GOOD_BOOT);
    expect(newSerialText(OLD_CRASH, base)).toBe("");
  });
  test("shorter than the baseline (reset) or starting differently (rotated): the whole log", () => {
    expect(newSerialText(GOOD_BOOT.slice(0, 10), base)).toBe(GOOD_BOOT.slice(0, 10));
    const rotated = OLD_CRASH.replace("0x1000007E", "0x0000007B") + GOOD_BOOT;
    expect(newSerialText(rotated, base)).toBe(rotated);
  });
  test("a console that returns only its latest window (EC2: 64 KB) and scrolled: the text after the recorded tail", () => {
    const window = (text: string) => text.slice(-64 * 1024);
    let loop = "";
    for (let i = 0; loop.length < 90_000; i++)
      loop += `boot attempt ${i}\r\n*** STOP: 0x1000007E (0xFFFFFFFFC0000005,0xFFFFF8051235A2B4,0x0,0x0)\r\n`;
    const before = window(loop);
    const after = window(loop + GOOD_BOOT);
    expect(after.startsWith(before)).toBe(false);
    const fresh = newSerialText(after, serialBaseline(before));
    expect(fresh).toBe(GOOD_BOOT);
    expect(findBugCheck(fresh)).toBeNull();
    // a baseline recorded before tails existed cannot find its place: all of it counts (a false re-crash, never a missed one)
    const { tail: _tail, ...old } = serialBaseline(before)!;
    expect(newSerialText(after, old)).toBe(after);
  });
  test("serialBaseline records length and SHA-256", () => {
    expect(serialBaseline("abc")).toEqual({
      length: 3,
      sha256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
      tail: "abc",
    });
    expect(serialBaseline(null)).toBeNull();
  });
});

describe("findBugCheck", () => {
  test.each([
    [
      '<INSTANCE CLASSNAME="BLUESCREEN"><PROPERTY NAME="STOPCODE" TYPE="string"><VALUE>"0x7E"</VALUE>',
      true,
    ],
    ["*** STOP: 0x0000007B (0xFFFFF880009A9928,0xFFFFFFFFC0000034,0x0,0x0)", true],
    ["The computer has rebooted from a bugcheck.  The bugcheck was: 0x0000007e", true],
    ["Computer is booting, SAC started and initialized.", false],
    ["", false],
  ])("%s → %s", (log, found) => {
    expect(findBugCheck(`Boot\r\n${log}\r\n`) !== null).toBe(found);
  });
  test("no log, no bug check", () => expect(findBugCheck(null)).toBeNull());
});
