/** The triage decision (pure) and the CollectTriage provider (fetch with retry) on the sample story. */
import {
  collectTriageKind,
  readCollectOutput,
  swapGate,
  triageCollectOutput,
  CollectTriageInputs,
} from "./decision";
import { fixedRuntime, testContext } from "./testing/runtime";
import { diffStep } from "../../steps/contract";
import { SimulatedClock, SimulatedCompute } from "./simulated";
import { sampleCollectOutput } from "../../engine/simulate/azureCloud";
import { COLLECT_1X_GATE_REASON } from "../../repair/decide";

/** A 1.x document's gate: always closed by NOT_CHECKED_1X, last, after the other reasons. */
const closed1x = (...others: unknown[]) => ({
  allowed: false,
  reasons: [...others, COLLECT_1X_GATE_REASON],
});

/** The sample with vmbus no longer boot-start: the Azure driver check blocks the swap. */
function withDemandStartVmbus(): Record<string, unknown> {
  const doc = sampleCollectOutput() as any;
  const vmbus = doc.services.find((s: any) => s.name.toLowerCase() === "vmbus");
  vmbus.start = 3;
  return doc;
}

describe("triageCollectOutput", () => {
  test("the sample story: the cxnetmon.sys crash, its repair and an open gate", () => {
    const o = triageCollectOutput(sampleCollectOutput());
    expect(o.summary).toEqual([
      expect.stringMatching(
        /^112926-9218-01\.dmp: 0x1000007E SYSTEM_THREAD_EXCEPTION_NOT_HANDLED_M, caused by cxnetmon\.sys\+0x/,
      ),
    ]);
    expect(o.culprit).toMatchObject({
      module: "cxnetmon.sys",
      service: "cxnetmon",
      thirdParty: true,
    });
    expect(o.repairActions).toEqual(["DisableDriver", "QuarantineDriverFile"]);
    expect(o.decision[0]).toMatchObject({
      action: "DisableDriver",
      reason: expect.stringMatching(/cxnetmon/),
    });
    expect(o.repairParams).toMatchObject({
      Actions: o.repairActions,
      DriverService: "cxnetmon",
      DiskNumber: 2,
    });
    expect(o.repairParams.ProtectedServices).toContain("storvsc");
    // Read for display, never swapped on: a 1.x document's facts are PowerShell's conclusions.
    expect(o.gate).toEqual(closed1x());
    expect(o.gate.reasons[0]).toMatch(/^NOT_CHECKED_1X: .*not read from the disk's bytes/);
  });

  test("the collect output as printed (document, then a summary line) is accepted", () => {
    const text = `${JSON.stringify(sampleCollectOutput())}\nvm-rescue collect 1.0: disk 2 F:\\, build 17763.1, ...`;
    expect(triageCollectOutput(text).repairActions).toContain("DisableDriver");
  });

  test("a dump over the size cap is reported, not parsed", () => {
    const doc = sampleCollectOutput() as any;
    Object.assign(doc.dumps.minidumps[0], { base64: null, truncated: true });
    const o = triageCollectOutput(doc);
    expect(o.triage[0].error).toMatch(/not collected/);
    expect(o.summary[0]).toMatch(/not collected/);
  });

  test("operator choices: forced actions, dry run, no swap", () => {
    const o = triageCollectOutput(sampleCollectOutput(), {
      actions: ["DisableDriver"],
      dryRun: true,
      swap: false,
    });
    expect(o.repairActions).toEqual(["DisableDriver"]);
    expect(o.repairParams.DryRun).toBe(true);
    expect(o.gate.allowed).toBe(false);
    expect(o.gate).toEqual(
      closed1x(expect.stringMatching(/^swap=false/), expect.stringMatching(/^dryRun=true/)),
    );
  });

  test("a blocking guest-driver finding closes the gate unless allowIncompatibleDrivers is set", () => {
    const blocked = triageCollectOutput(withDemandStartVmbus());
    expect(
      blocked.findings.some((f) => f.severity === "block" && f.component === "hyperv.vmbus"),
    ).toBe(true);
    expect(blocked.gate.allowed).toBe(false);
    expect(blocked.gate.reasons.join("\n")).toMatch(
      /guest driver hyperv\.vmbus blocks the swap.*allowIncompatibleDrivers=true/,
    );
    expect(
      triageCollectOutput(withDemandStartVmbus(), { allowIncompatibleDrivers: true }).gate,
    ).toEqual(closed1x());
  });

  test("bad input is one clear error", () => {
    expect(() => triageCollectOutput("collect failed: no Windows volume")).toThrow(
      /^invalid collect output: not JSON/,
    );
    expect(() => triageCollectOutput({ ...sampleCollectOutput(), kind: "repairResult" })).toThrow(
      /invalid collect output: \/kind/,
    );
    expect(() => triageCollectOutput(sampleCollectOutput(), { actions: ["FormatC"] })).toThrow(
      /FormatC/,
    );
  });

  test("swapGate lists every reason", () => {
    expect(swapGate([], false, {})).toEqual({ allowed: true, reasons: [] });
    expect(swapGate([], false, { swap: false, dryRun: true }).reasons).toHaveLength(2);
    expect(swapGate([], true, {}).reasons).toEqual([expect.stringMatching(/^nothing to repair/)]);
  });
});

describe("CollectTriage provider", () => {
  const inputs: CollectTriageInputs = {
    collectOutputUrl: "https://vmr0.blob.core.windows.net/rescue-inc-4711/collect/output.json",
    collectRunCommandId: "collect-rc",
    rescueId: "inc-4711",
    swap: true,
  };

  test("reads the blob, decides, and keeps its inputs in the outputs", async () => {
    const read = jest.fn(async () => JSON.stringify(sampleCollectOutput()));
    const r = await collectTriageKind(
      fixedRuntime(new SimulatedCompute(), new SimulatedClock(), read),
    ).create(testContext(), inputs);
    expect(read).toHaveBeenCalledWith(inputs.collectOutputUrl);
    expect(r.outs).toMatchObject({
      ...inputs,
      repairActions: ["DisableDriver", "QuarantineDriverFile"],
      gate: closed1x(),
    });
  });

  test("a 403 while the fresh role assignment propagates is retried; other errors are one line", async () => {
    const clock = new SimulatedClock();
    let calls = 0;
    const read = async () => {
      calls += 1;
      if (calls < 3)
        throw Object.assign(
          new Error(
            "This request is not authorized to perform this operation using this permission.",
          ),
          { statusCode: 403 },
        );
      return JSON.stringify(sampleCollectOutput());
    };
    await expect(readCollectOutput(inputs.collectOutputUrl, read, clock)).resolves.toContain(
      '"kind":"collect"',
    );
    expect(clock.slept).toBe(30_000);
    const missing = async () => {
      throw Object.assign(new Error("The specified blob does not exist."), { statusCode: 404 });
    };
    await expect(readCollectOutput(inputs.collectOutputUrl, missing, clock)).rejects.toThrow(
      `reading the collect output ${inputs.collectOutputUrl} failed (HTTP 404): The specified blob does not exist.`,
    );
  });

  test("a 403 that outlasts the propagation window fails", async () => {
    const clock = new SimulatedClock();
    const denied = async (): Promise<string> => {
      throw Object.assign(new Error("not authorized"), { statusCode: 403 });
    };
    await expect(readCollectOutput(inputs.collectOutputUrl, denied, clock)).rejects.toThrow(
      /failed \(HTTP 403\)/,
    );
    expect(clock.slept).toBeGreaterThanOrEqual(10 * 60_000);
  });

  test("a changed option is an update that decides again; read keeps the decision; delete changes nothing", async () => {
    const read = jest.fn(async () => JSON.stringify(sampleCollectOutput()));
    const kind = collectTriageKind(
      fixedRuntime(new SimulatedCompute(), new SimulatedClock(), read),
    );
    expect(diffStep(kind, inputs as never, { ...inputs, dryRun: true })).toMatchObject({
      changes: true,
      replaces: [],
      updates: ["dryRun"],
    });
    expect(diffStep(kind, inputs as never, { ...inputs })).toMatchObject({ changes: false });
    const ctx = testContext();
    const { outs } = await kind.create(ctx, inputs);
    const dry = await kind.update(ctx, "id", outs, { ...inputs, dryRun: true });
    expect(dry.gate.allowed).toBe(false);
    expect(await kind.read(ctx, "id", outs)).toEqual(outs);
    await expect(kind.delete(ctx, "id", outs)).resolves.toBeUndefined();
  });
});

/** A disk with nothing to go on: no dump, no crash event, crash dumps on, nothing pending. */
function nothingToRepair(): Record<string, unknown> {
  const doc = sampleCollectOutput() as any;
  doc.dumps.minidumps = [];
  doc.events = [];
  return doc;
}

describe("nothing to repair", () => {
  test("is an outcome, not an error: the gate closes with the reason and repair.ps1 only runs a harmless dry run", () => {
    const o = triageCollectOutput(nothingToRepair());
    expect(o.nothingToRepair).toBe(true);
    expect(o.repairActions).toEqual([]);
    expect(o.decision).toEqual([
      expect.objectContaining({
        action: "none",
        reason: expect.stringMatching(/No dump and no crash events/),
      }),
    ]);
    expect(o.gate.allowed).toBe(false);
    expect(o.gate.reasons[0]).toMatch(
      /^nothing to repair: the planner chose no repair action for this disk \(No dump.*\); repair\.ps1 ran only a dry run and nothing is swapped/,
    );
    expect(o.repairParams).toMatchObject({
      Actions: ["EnableCrashDump"],
      DryRun: true,
      DiskNumber: 2,
    });
    expect(o.repairParams.ProtectedServices).toContain("storvsc");
    expect(triageCollectOutput(sampleCollectOutput()).nothingToRepair).toBe(false);
  });

  test("the other gate reasons still show (swap=false)", () => {
    const o = triageCollectOutput(nothingToRepair(), { swap: false });
    expect(o.gate).toEqual(
      closed1x(expect.stringMatching(/^nothing to repair/), expect.stringMatching(/^swap=false/)),
    );
  });
});
