import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import schema from "../schemas/report.schema.json";
import { main, Io } from "../cli/main";
import { Automation, EngineEvent, PulumiCliMissing, RescueStack, StreamOptions } from "../cli/automation";
import { defaultDeps } from "../cli/commands/rescue";
import { SETTINGS } from "../program";
import { blockingFinding } from "../report/testOutcomes";

const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
addFormats(ajv);
const validateReport = ajv.compile(schema);

function captureIo(isTty = false): Io & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, isTty, out: (t) => stdout.push(t), err: (t) => stderr.push(t) };
}

async function run(args: string[], isTty = false) {
  const io = captureIo(isTty);
  const code = await main(args, io);
  return { code, out: io.stdout.join(""), err: io.stderr.join("\n") };
}

const RG = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-app/providers/Microsoft.Compute";
const urn = (type: string, name: string) => `urn:pulumi:app-vm-01-rescue::vm-rescue::vm-rescue:index:AzureWindowsRescue$${type}::${name}`;

function events(op: "create" | "delete", list: [string, string][], t0: number): EngineEvent[] {
  return list.flatMap(([type, name], i) => [
    { sequence: 0, timestamp: t0 + i * 60, resourcePreEvent: { metadata: { op, urn: urn(type, name), type, provider: "" } } },
    { sequence: 0, timestamp: t0 + i * 60 + 45, resOutputsEvent: { metadata: { op, urn: urn(type, name), type, provider: "" } } },
  ]) as EngineEvent[];
}

const STEPS: [string, string][] = [
  ["azure-native:compute:Snapshot", "app-vm-01-rescue-snapshot"],
  ["azure-native:compute:VirtualMachine", "app-vm-01-rescue-helper"],
  ["pulumi-nodejs:dynamic/vm-rescue:OsDiskSwap", "app-vm-01-rescue-swap"],
];

function rescuedOutputs(): Record<string, unknown> {
  return {
    triageSummary: ["112926-9218-01.dmp: 0x1000007E SYSTEM_THREAD_EXCEPTION_NOT_HANDLED_M, caused by cxnetmon.sys"],
    findings: [],
    decision: [{ action: "DisableDriver", reason: "cxnetmon.sys caused the crash", evidence: ["dump 112926-9218-01.dmp"] }],
    repairActions: ["DisableDriver"],
    gate: { allowed: true, reasons: [] },
    repairResultUrl: "https://x.blob.core.windows.net/rescue/repair-result.json",
    swapped: true,
    booted: true,
    outcome: ["swapped", "guest agent Ready"],
    keptResources: [
      { kind: "snapshot", id: `${RG}/snapshots/app-vm-01-rescue-snapshot` },
      { kind: "originalDisk", id: `${RG}/disks/app-vm-01-os` },
      { kind: "repairedDisk", id: `${RG}/disks/app-vm-01-rescue-copy` },
      { kind: "artifacts", id: "https://x.blob.core.windows.net/rescue" },
    ],
    artifactsContainerUrl: "https://x.blob.core.windows.net/rescue",
    warnings: [],
  };
}

/** A fake Automation API: records calls, streams events, answers outputs. */
function fakeAutomation(outputs: Record<string, unknown>, opts: { noCli?: boolean; upError?: string } = {}) {
  const calls: string[] = [];
  const config: Record<string, string>[] = [];
  const automation: Automation = {
    async findCli() {
      calls.push("findCli");
      if (opts.noCli) throw new PulumiCliMissing("no `pulumi` on PATH");
    },
    async openStack(name, mustExist) {
      calls.push(`openStack ${name}${mustExist ? " (existing)" : ""}`);
      const stack: RescueStack = {
        name,
        async setConfig(s) {
          calls.push("setConfig");
          config.push(s);
        },
        async up(o: StreamOptions) {
          calls.push("up");
          for (const e of events("create", STEPS, 1_800_000_000)) o.onEvent(e);
          if (opts.upError) throw new Error(`${opts.upError}\n    at Stack.up (stack.js:1)`);
          return outputs;
        },
        async destroy(o: StreamOptions) {
          calls.push("destroy");
          for (const e of events("delete", [STEPS[1]], 1_800_000_600)) o.onEvent(e);
        },
      };
      return stack;
    },
  };
  return { automation, calls, config };
}

const original = { ...defaultDeps };
let confirmAnswer = true;
beforeEach(() => {
  defaultDeps.confirm = async () => confirmAnswer;
  defaultDeps.now = () => new Date("2027-01-15T10:00:00Z");
});
afterEach(() => Object.assign(defaultDeps, original));

const LIVE = ["rescue", "--cloud", "azure", "--resource-group", "rg-app", "--vm", "app-vm-01"];

describe("vm-rescue rescue (fake Automation API)", () => {
  test("calls up then destroy, streams one line per resource step, prints a schema-valid report, exit 0", async () => {
    const fake = fakeAutomation(rescuedOutputs());
    defaultDeps.automation = () => fake.automation;
    const r = await run([...LIVE, "--yes", "--json"]);
    expect(r.code).toBe(0);
    expect(fake.calls).toEqual(["findCli", "openStack app-vm-01-rescue", "setConfig", "up", "destroy"]);
    expect(fake.config[0]).toEqual({ cloud: "azure", resourceGroup: "rg-app", vmName: "app-vm-01" });
    const lines = r.err.split("\n").filter((l) => /^(ok|FAILED)/.test(l));
    expect(lines).toEqual([
      expect.stringMatching(/^ok +create +app-vm-01-rescue-snapshot +\(azure-native:compute:Snapshot, 45 s\)$/),
      expect.stringMatching(/^ok +create +app-vm-01-rescue-helper/),
      expect.stringMatching(/^ok +create +app-vm-01-rescue-swap/),
      expect.stringMatching(/^ok +delete +app-vm-01-rescue-helper/),
    ]);
    const report = JSON.parse(r.out);
    expect(validateReport(report)).toBe(true);
    expect(report).toMatchObject({ status: "rescued", exitCode: 0, mode: "live", helperRemoved: true, swap: { swapped: true }, verify: { booted: true } });
    expect(report.timeline).toHaveLength(4);
    expect(report.kept).toHaveLength(4);
    expect(report.decision.actions).toEqual([{ action: "DisableDriver", reason: "cxnetmon.sys caused the crash" }]);
    // helper created at +60 s, deleted by +645 s: 9.8 min
    expect(report.cost).toMatchObject({ size: "Standard_D2s_v5", minutes: 9.8 });
  });

  test("blocked by the driver check → exit 4 with next steps", async () => {
    const outputs = { ...rescuedOutputs(), findings: [blockingFinding()], swapped: false, booted: false, gate: { allowed: false, reasons: ["azure.guestAgent blocks the swap"] }, outcome: [] };
    defaultDeps.automation = () => fakeAutomation(outputs).automation;
    const r = await run([...LIVE, "--yes"]);
    expect(r.code).toBe(4);
    expect(r.out).toMatch(/^# vm-rescue report: BLOCKED/);
    expect(r.out).toMatch(/1\. Fix the guest driver azure\.guestAgent/);
  });

  test("the VM did not boot → exit 1 and rollback in the next steps", async () => {
    defaultDeps.automation = () => fakeAutomation({ ...rescuedOutputs(), booted: false, outcome: ["new bug check 0x7B"] }).automation;
    const r = await run([...LIVE, "--yes", "--json"]);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.out);
    expect(report.status).toBe("failed");
    expect(report.nextSteps.join("\n")).toMatch(/vm-rescue rollback --cloud azure --resource-group rg-app --vm app-vm-01/);
  });

  test("a failing up still tears down and reports one error line, exit 1", async () => {
    const fake = fakeAutomation({}, { upError: "update failed: quota exceeded" });
    defaultDeps.automation = () => fake.automation;
    const r = await run([...LIVE, "--yes", "--json"]);
    expect(r.code).toBe(1);
    expect(fake.calls.slice(-2)).toEqual(["up", "destroy"]);
    expect(JSON.parse(r.out).errors[0]).toBe("pulumi up failed: update failed: quota exceeded");
  });

  test("--dry-run and --no-swap become stack settings when the program has them", async () => {
    const fake = fakeAutomation({ ...rescuedOutputs(), swapped: false });
    defaultDeps.automation = () => fake.automation;
    const known = new Set(SETTINGS.map((s) => s.key));
    const r = await run([...LIVE, "--yes", "--dry-run", "--no-swap", "--driver", "cxnetmon", "--actions", "DisableDriver"]);
    if (known.has("dryRun") && known.has("swap") && known.has("driver") && known.has("actions")) {
      expect(r.code).toBe(0);
      expect(fake.config[0]).toMatchObject({ dryRun: "true", swap: "false", driver: "cxnetmon", actions: '["DisableDriver"]' });
    } else {
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/needs the stack setting/);
    }
  });
});

describe("vm-rescue rescue refuses before anything runs", () => {
  test("no Pulumi CLI → one line with how to install it, exit 2", async () => {
    const fake = fakeAutomation(rescuedOutputs(), { noCli: true });
    defaultDeps.automation = () => fake.automation;
    const r = await run([...LIVE, "--yes"]);
    expect(r.code).toBe(2);
    expect(r.err.split("\n")).toEqual([expect.stringMatching(/^vm-rescue: the Pulumi CLI was not found .*curl -fsSL https:\/\/get\.pulumi\.com \| sh/)]);
    expect(fake.calls).toEqual(["findCli"]);
  });

  test("the real detection with no pulumi on PATH → exit 2, no stack trace", async () => {
    const saved = { PATH: process.env.PATH, PULUMI_HOME: process.env.PULUMI_HOME };
    process.env.PATH = "/nonexistent";
    delete process.env.PULUMI_HOME;
    try {
      const r = await run([...LIVE, "--yes"]);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/^vm-rescue: the Pulumi CLI was not found \(no `pulumi` on PATH\)/);
      expect(r.err).not.toMatch(/\n\s+at /);
    } finally {
      process.env.PATH = saved.PATH;
      if (saved.PULUMI_HOME !== undefined) process.env.PULUMI_HOME = saved.PULUMI_HOME;
    }
  });

  test("not a terminal and no --yes → exit 2, nothing opened", async () => {
    const fake = fakeAutomation(rescuedOutputs());
    defaultDeps.automation = () => fake.automation;
    const r = await run(LIVE);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/refusing to rescue VM rg-app\/app-vm-01 .* without --yes when not on a terminal/);
    expect(fake.calls).toEqual([]);
  });

  test("on a terminal the person is asked; no means nothing runs", async () => {
    const fake = fakeAutomation(rescuedOutputs());
    defaultDeps.automation = () => fake.automation;
    confirmAnswer = false;
    const r = await run(LIVE, true);
    confirmAnswer = true;
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/not confirmed/);
    expect(fake.calls).toEqual(["findCli"]);
  });

  test("missing VM flags, unknown actions, AWS before its program exists → exit 2", async () => {
    expect((await run(["rescue", "--cloud", "azure", "--yes"])).err).toMatch(/needs --resource-group <rg> and --vm <name>/);
    expect((await run([...LIVE, "--yes", "--actions", "Format"])).code).toBe(2);
    const aws = await run(["rescue", "--cloud", "aws", "--instance-id", "i-0abc", "--yes"]);
    expect(aws.code).toBe(2);
    expect(aws.err).toMatch(/--cloud aws/);
  });
});

describe("vm-rescue rescue --simulate", () => {
  test("runs the chain against the simulated Azure and prints a complete, schema-valid report", async () => {
    const r = await run(["rescue", "--simulate", "--yes", "--json"]);
    const report = JSON.parse(r.out);
    expect(validateReport.errors ?? []).toEqual([]);
    expect(validateReport(report)).toBe(true);
    expect(report.mode).toBe("simulated");
    expect(report.vm).toMatchObject({ resourceGroup: "rg-app-prod", name: "app-vm-01" });
    expect(report.timeToRecovery.modeledSeconds).toBeGreaterThan(0);
    expect(report.timeToRecovery.criticalPath).not.toContain("app-vm-01-rescue-snapshot");
    expect(report.timeline.map((s: { name: string }) => s.name)).toEqual(expect.arrayContaining(["app-vm-01-rescue-snapshot", "app-vm-01-rescue-helper"]));
    expect(report.cost.usd).toBeGreaterThan(0);
    expect(report.status).toBe("rescued");
    expect(r.code).toBe(0);
    expect(report.triageSummary.join("\n")).toMatch(/0x1000007E.*cxnetmon\.sys/);
    expect(report.decision.actions.map((a: { action: string }) => a.action)).toContain("DisableDriver");
    expect(report.decision.actions[0].reason).toMatch(/cxnetmon\.sys caused the crash/);
    expect(report.swap).toMatchObject({ attempted: true, swapped: true });
    expect(report.verify.booted).toBe(true);
    expect(report.kept.map((k: { kind: string }) => k.kind).sort()).toEqual(["artifacts", "originalDisk", "repairedDisk", "snapshot"]);
    expect(report.nextSteps.join("\n")).toMatch(/vm-rescue rollback --cloud azure --resource-group rg-app-prod --vm app-vm-01/);
  });

  test("the Markdown report has every section", async () => {
    const r = await run(["rescue", "--simulate", "--yes"]);
    expect(r.code).toBe(0);
    for (const h of ["# vm-rescue report: RESCUED (exit 0)", "## Next steps", "## Triage", "## Repair decision", "## Swap and boot", "## Kept", "## Timeline"]) expect(r.out).toContain(h);
    expect(r.out).toMatch(/DisableDriver \| cxnetmon\.sys caused the crash/);
  });
});

describe("vm-rescue rollback", () => {
  test("sets rollback=true on the existing stack and runs up, exit 0", async () => {
    const fake = fakeAutomation({ rolledBack: true, outcome: ["original disk back"] });
    defaultDeps.automation = () => fake.automation;
    const r = await run(["rollback", "--cloud", "azure", "--resource-group", "rg-app", "--vm", "app-vm-01", "--yes"]);
    if (!SETTINGS.some((s) => s.key === "rollback")) {
      expect(r.code).toBe(2);
      return;
    }
    expect(r.code).toBe(0);
    expect(fake.calls).toEqual(["findCli", "openStack app-vm-01-rescue (existing)", "setConfig", "up"]);
    expect(fake.config[0]).toEqual({ rollback: "true" });
    expect(r.out).toMatch(/Rolled back rg-app\/app-vm-01/);
  });

  test("no Pulumi CLI → exit 2 with one line", async () => {
    defaultDeps.automation = () => fakeAutomation({}, { noCli: true }).automation;
    const r = await run(["rollback", "--resource-group", "rg-app", "--vm", "app-vm-01", "--yes"]);
    expect(r.code).toBe(2);
    expect(r.err.split("\n")).toHaveLength(1);
  });
});
