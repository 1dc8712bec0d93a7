/** BootVerification after a repair that set safe mode: the safe-mode boot, the revert, the normal boot. */
import { runBootVerification, type BootVerificationInputs } from "./bootVerification";
import { SimulatedClock, SimulatedCompute } from "./simulated";
import { bootInputs, startedVm } from "./testing/bootVerification";
import { SAFE_BOOT_REVERT, SAFE_BOOT_REVERTED, type AzureComputeOps } from "./operations";
import { outcomeFromOutputs } from "../../report/fromOutputs";
import { buildReport } from "../../report/build";
import type { RescueOutcome } from "../../report/types";
import { rescuedOutcome } from "../../../tests/builders/outcomes";
import { analyzeScriptText } from "../../../tests/helpers/psFacts";

/** The rescue's outcome with the swap and the boot as the report reads them from the outputs. */
function reportedOutcome(outputs: Record<string, unknown>): RescueOutcome {
  const read = outcomeFromOutputs(outputs, true);
  return { ...rescuedOutcome(), swap: read.swap, verify: read.verify };
}

const inputs = (over: Partial<BootVerificationInputs> = {}): BootVerificationInputs =>
  bootInputs({ safeBootMode: "minimal", ...over });

/** The VM just after the swap started it on the repaired copy, which has safeboot set. */
const startedInSafeMode = () => startedVm("copy", (compute) => compute.safeBootDisks.add("copy"));

describe("BootVerification of a safe-mode repair", () => {
  test("checks a safe-mode boot, reverts safe mode (auto-revert by default) and checks a normal boot", async () => {
    const compute = await startedInSafeMode();
    const r = await runBootVerification(compute, inputs(), new SimulatedClock());
    expect(r).toMatchObject({
      booted: true,
      verifiedBoots: ["safe-mode", "normal"],
      leftForPerson: [],
      agentStatus: "Ready",
    });
    expect(r.reasons).toEqual([
      "verified: a safe-mode boot, then safe mode reverted and a normal boot",
    ]);
    expect(compute.writes()).toEqual([
      "clearSafeBoot rg-app-prod/app-vm-01",
      "start rg-app-prod/app-vm-01",
    ]);
    expect(compute.safeBootDisks.size).toBe(0);
  });

  test("a disk that booted normally was not in safe mode: the safe-mode boot is not verified", async () => {
    const compute = await startedInSafeMode();
    compute.safeBootDisks.clear();
    await compute.start("rg-app-prod", "app-vm-01");
    const r = await runBootVerification(compute, inputs(), new SimulatedClock());
    expect(r.booted).toBe(false);
    expect(r.verifiedBoots).toEqual([]);
    expect(r.reasons[0]).toMatch(/did not boot in safe mode: the guest agent is Ready/);
  });

  test("autoRevert=false: only the safe-mode boot is verified and the report says what is left for a person", async () => {
    const compute = await startedInSafeMode();
    const r = await runBootVerification(
      compute,
      inputs({ autoRevert: false }),
      new SimulatedClock(),
    );
    expect(r).toMatchObject({ booted: true, verifiedBoots: ["safe-mode"] });
    expect(r.leftForPerson.join("\n")).toContain("bcdedit /deletevalue {default} safeboot");
    expect(r.reasons[0]).toMatch(/^verified: a safe-mode boot only .*left for a person/);
    expect(compute.writes()).toEqual([]);
  });

  test("a cloud with no way into a VM in safe mode leaves the revert to a person, with the commands", async () => {
    const compute = await startedInSafeMode();
    const ops: AzureComputeOps = Object.assign(Object.create(compute), {
      clearSafeBoot: undefined,
    });
    const r = await runBootVerification(ops, inputs(), new SimulatedClock());
    expect(r).toMatchObject({ booted: true, verifiedBoots: ["safe-mode"] });
    expect(r.leftForPerson[0]).toMatch(/safe mode was not reverted/);
    expect(r.leftForPerson.join("\n")).toContain("shutdown /r /t 0");
  });
});

/**
 * The VM as successive polls see it: each getStatus call takes the next observation (the last one
 * stays), and the serial log shows that poll's text. The rest is the simulated cloud.
 */
function pollSequence(
  compute: SimulatedCompute,
  seq: { powerState: string; agentStatus: string | null; serial: string }[],
): AzureComputeOps & { polls: number } {
  let n = 0;
  const at = () => seq[Math.min(n, seq.length) - 1];
  return Object.assign(Object.create(compute) as AzureComputeOps, {
    polls: 0,
    async getStatus(this: { polls: number }) {
      n += 1;
      this.polls = n;
      const s = at();
      return { powerState: s.powerState, agentStatus: s.agentStatus };
    },
    async readText() {
      return at().serial;
    },
  });
}

const SAC_UP = "Boot\r\nComputer is booting, SAC started and initialized.\r\n";
const STARTING = { powerState: "running", agentStatus: null, serial: "Boot\r\n" };

describe("the safe-mode boot is judged over the polls, not on the first", () => {
  test("an inconclusive first poll, then a Ready agent: the disk booted normally, safe mode is not verified", async () => {
    const compute = await startedInSafeMode();
    const ops = pollSequence(compute, [
      STARTING,
      { powerState: "running", agentStatus: "Ready", serial: SAC_UP },
    ]);
    const r = await runBootVerification(
      ops,
      inputs({ serialBaseline: null }),
      new SimulatedClock(),
    );
    expect(ops.polls).toBe(2);
    expect(r.booted).toBe(false);
    expect(r.verifiedBoots).toEqual([]);
    expect(r.reasons[0]).toMatch(/did not boot in safe mode: the guest agent is Ready/);
    expect(compute.writes()).toEqual([]);
  });

  test("an inconclusive first poll, then a new bug check: the safe-mode boot failed", async () => {
    const compute = await startedInSafeMode();
    const bsod =
      'Boot\r\n<INSTANCE CLASSNAME="BLUESCREEN"><PROPERTY NAME="STOPCODE">0x7E</PROPERTY>\r\n';
    const ops = pollSequence(compute, [
      STARTING,
      { powerState: "running", agentStatus: null, serial: bsod },
    ]);
    const r = await runBootVerification(
      ops,
      inputs({ serialBaseline: null }),
      new SimulatedClock(),
    );
    expect(r).toMatchObject({ booted: false, rollbackOffered: true, verifiedBoots: [] });
    expect(r.reasons[0]).toMatch(/crashed again after the swap in safe mode/);
  });

  test("confirmed once the platform reports the agent down and SAC is up, on a later poll", async () => {
    const compute = await startedInSafeMode();
    const ops = pollSequence(compute, [
      STARTING,
      STARTING,
      { powerState: "running", agentStatus: "Not Ready", serial: SAC_UP },
    ]);
    const clock = new SimulatedClock();
    const r = await runBootVerification(ops, inputs({ serialBaseline: null }), clock);
    expect(r.verifiedBoots[0]).toBe("safe-mode");
    // confirmed on the third poll, then the revert and the normal boot's polls
    expect(ops.polls).toBeGreaterThanOrEqual(3);
    expect(compute.writes()[0]).toBe("clearSafeBoot rg-app-prod/app-vm-01");
  });

  test("with no agent report and no SAC banner, only the deadline confirms it", async () => {
    const compute = await startedInSafeMode();
    const ops = pollSequence(compute, [STARTING]);
    const clock = new SimulatedClock();
    const r = await runBootVerification(
      ops,
      inputs({ serialBaseline: null, autoRevert: false }),
      clock,
    );
    expect(r.verifiedBoots).toEqual(["safe-mode"]);
    expect(clock.slept).toBe(10 * 60_000);
    expect(ops.polls).toBe(21);
  });
});

describe("live Azure: the revert is a Run Command, which a VM in safe mode cannot answer", () => {
  test("the revert is one fixed Run Command: bcdedit deletes safeboot from {current}, read back, no parameter", () => {
    expect(SAFE_BOOT_REVERT.commandId).toBe("RunPowerShellScript");
    const text = SAFE_BOOT_REVERT.script.join("\n");
    expect(text).toMatch(/& bcdedit\.exe \/deletevalue '\{current\}' safeboot/);
    expect(text).not.toMatch(/\$(args|input|env:)|param\(/i);
    const facts = analyzeScriptText(text);
    expect(facts.syntaxErrors).toEqual([]);
    expect(SAFE_BOOT_REVERTED.test("vm-rescue: safeboot removed from {current}\n")).toBe(true);
  });

  test("the revert cannot be made: leftForPerson says what to run, and the report does not say rescued", async () => {
    const compute = await startedInSafeMode();
    compute.runCommandNeedsAgent = true;
    const r = await runBootVerification(compute, inputs(), new SimulatedClock());
    expect(r).toMatchObject({ booted: true, verifiedBoots: ["safe-mode"], rollbackOffered: false });
    expect(r.leftForPerson[0]).toMatch(
      /^safe mode was not reverted: .*Run Command cannot reach VM app-vm-01: its guest agent is Not Ready/,
    );
    expect(r.leftForPerson.join("\n")).toContain("bcdedit /deletevalue {default} safeboot");
    expect(compute.safeBootDisks.has("copy")).toBe(true);

    // the component's outputs as the report reads them
    const report = buildReport(
      reportedOutcome({
        swapped: true,
        booted: r.booted,
        verifiedBoots: r.verifiedBoots,
        leftForPerson: r.leftForPerson,
        outcome: r.reasons,
      }),
    );
    expect(report.status).not.toBe("rescued");
    expect(report.summary).toMatch(/booted in safe mode, but safe mode is still set/);
    expect(report.summary).not.toMatch(/was rescued/);
    expect(report.verify.leftForPerson).toEqual(r.leftForPerson);
    expect(report.nextSteps.join("\n")).toContain(
      "Safe mode is still set: The VM boots in safe mode until safeboot is removed: in its serial console run `cmd`, `ch -si 1`, `bcdedit /deletevalue {default} safeboot`, `shutdown /r /t 0`",
    );
  });

  test("when the Run Command reaches the VM, safe mode is reverted and the report says rescued", async () => {
    const compute = await startedInSafeMode();
    const r = await runBootVerification(compute, inputs(), new SimulatedClock());
    const report = buildReport(
      reportedOutcome({
        swapped: true,
        booted: r.booted,
        verifiedBoots: r.verifiedBoots,
        leftForPerson: r.leftForPerson,
        outcome: r.reasons,
      }),
    );
    expect(report.status).toBe("rescued");
    expect(report.verify.boots).toEqual(["safe-mode", "normal"]);
  });
});
