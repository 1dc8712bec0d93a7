import { fakeStackAutomation, type FakeStackOptions } from "./helpers/fakeAutomation";
import { onceEach } from "./helpers/cliInProcess";
import { main, Io } from "../src/cli/main";
import { EngineError, EngineEvent } from "../src/engine/automation";
import { defaultDeps } from "../src/cli/deps";
import { SETTINGS } from "../src/engine/settings";
import { blockingFinding } from "./builders/outcomes";
import { memoryReader } from "../src/engine/artifacts";
import type { ArtifactReader } from "../src/report/evidence";
import { sampleCollectOutput } from "../src/engine/simulate/azureCloud";
import { sampleAwsCollect } from "../src/engine/simulate/awsCloud";
import { sampleRepairResult } from "../src/engine/simulate/artifacts";
import * as fs from "node:fs";
import { shippedFileUrl } from "../src/collect/layout";
import {
  SAMPLE_DUMP,
  SAMPLE_TARGET,
  SYSTEM_SOURCE,
  missing,
  sampleManifest,
  sampleSystemHive,
  shippedFile,
} from "../src/evidence/facts/testing/evidence";
import { validateReport } from "./helpers/reportSchemas";

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

const RG =
  "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-app/providers/Microsoft.Compute";
const urn = (type: string, name: string) =>
  `urn:pulumi:app-vm-01-rescue::vm-rescue::vm-rescue:index:AzureWindowsRescue$${type}::${name}`;

function events(op: "create" | "delete", list: [string, string][], t0: number): EngineEvent[] {
  return list.flatMap(([type, name], i) => [
    {
      sequence: 0,
      timestamp: t0 + i * 60,
      resourcePreEvent: { metadata: { op, urn: urn(type, name), type, provider: "" } },
    },
    {
      sequence: 0,
      timestamp: t0 + i * 60 + 45,
      resOutputsEvent: { metadata: { op, urn: urn(type, name), type, provider: "" } },
    },
  ]) as EngineEvent[];
}

const STEPS: [string, string][] = [
  ["azure-native:compute:Snapshot", "app-vm-01-rescue-snapshot"],
  ["azure-native:compute:VirtualMachine", "app-vm-01-rescue-helper"],
  ["vm-rescue:azure:OsDiskSwap", "app-vm-01-rescue-swap"],
];

const COLLECT_URL = "https://x.blob.core.windows.net/rescue/collect/output.json";
const REPAIR_URL = "https://x.blob.core.windows.net/rescue/repair/output.json";

/** The artifacts container of the sample story: the collect output with its dump, the repair result. */
function sampleArtifacts(over: Record<string, string> = {}): {
  reader: ArtifactReader;
  reads: string[];
} {
  const reads: string[] = [];
  const inner = memoryReader({
    [COLLECT_URL]: JSON.stringify(sampleCollectOutput()),
    [REPAIR_URL]: JSON.stringify(sampleRepairResult()),
    ...over,
  });
  return { reads, reader: { read: (url) => (reads.push(url), inner.read(url)) } };
}

function rescuedOutputs(): Record<string, unknown> {
  return {
    triageSummary: [
      "112926-9218-01.dmp: 0x1000007E SYSTEM_THREAD_EXCEPTION_NOT_HANDLED_M, caused by cxnetmon.sys",
    ],
    findings: [],
    decision: [
      {
        action: "DisableDriver",
        reason: "cxnetmon.sys caused the crash",
        evidence: ["dump 112926-9218-01.dmp"],
      },
    ],
    repairActions: ["DisableDriver"],
    gate: { allowed: true, reasons: [] },
    collectOutputUrl: COLLECT_URL,
    repairResultUrl: REPAIR_URL,
    swapped: true,
    booted: true,
    outcome: ["swapped", "guest agent Ready"],
    keptResources: [
      { kind: "snapshot", id: `${RG}/snapshots/app-vm-01-rescue-snapshot` },
      { kind: "originalDisk", id: `${RG}/disks/app-vm-01-os` },
      { kind: "repairedDisk", id: `${RG}/disks/app-vm-01-rescue-copy` },
      { kind: "artifacts", id: "https://x.blob.core.windows.net/rescue" },
    ],
    artifactsLocation: "https://x.blob.core.windows.net/rescue",
    warnings: [],
  };
}

/** The shared fake Automation API, streaming engine events for the sample steps. */
function fakeAutomation(
  outputs: Record<string, unknown>,
  opts: Pick<FakeStackOptions, "noCli" | "upError" | "upFailure"> = {},
) {
  return fakeStackAutomation(outputs, {
    ...opts,
    upEvents: events("create", STEPS, 1_800_000_000),
    destroyEvents: events("delete", [STEPS[1]], 1_800_000_600),
  });
}

const original = { ...defaultDeps };
let confirmAnswer = true;
let artifacts = sampleArtifacts();
const readers: { cloud: string; region?: string }[] = [];
beforeEach(() => {
  defaultDeps.confirm = async () => confirmAnswer;
  defaultDeps.now = () => new Date("2027-01-15T10:00:00Z");
  artifacts = sampleArtifacts();
  readers.length = 0;
  defaultDeps.artifacts = (cloud, region) => (readers.push({ cloud, region }), artifacts.reader);
});
afterEach(() => Object.assign(defaultDeps, original));

const LIVE = ["rescue", "--cloud", "azure", "--resource-group", "rg-app", "--vm", "app-vm-01"];

describe("vm-rescue rescue (fake Automation API)", () => {
  test("calls up then destroy, streams one line per resource step, prints a schema-valid report, exit 0", async () => {
    const fake = fakeAutomation(rescuedOutputs());
    defaultDeps.automation = () => fake.automation;
    const r = await run([...LIVE, "--yes", "--json"]);
    expect(r.code).toBe(0);
    expect(fake.calls).toEqual([
      "findCli",
      "openStack app-vm-01-rescue",
      "setConfig",
      "installPlugins azure-native@3.28.0 random@4.21.2",
      "up",
      "destroy",
    ]);
    expect(fake.config[0]).toEqual({
      cloud: "azure",
      resourceGroup: "rg-app",
      vmName: "app-vm-01",
      rescueId: "app-vm-01-rescue",
    });
    const lines = r.err.split("\n").filter((l) => /^(ok|FAILED)/.test(l));
    expect(lines).toEqual([
      expect.stringMatching(
        /^ok +create +app-vm-01-rescue-snapshot +\(azure-native:compute:Snapshot, 45 s\)$/,
      ),
      expect.stringMatching(/^ok +create +app-vm-01-rescue-helper/),
      expect.stringMatching(/^ok +create +app-vm-01-rescue-swap/),
      expect.stringMatching(/^ok +delete +app-vm-01-rescue-helper/),
    ]);
    const report = JSON.parse(r.out);
    expect(validateReport(report)).toBe(true);
    expect(report).toMatchObject({
      status: "rescued",
      exitCode: 0,
      mode: "live",
      helperRemoved: true,
      swap: { swapped: true },
      verify: { booted: true },
    });
    expect(report.timeline).toHaveLength(4);
    expect(report.kept).toHaveLength(4);
    expect(report.decision.actions).toEqual([
      { action: "DisableDriver", reason: "cxnetmon.sys caused the crash" },
    ]);
    // the local re-plan (three actions) differs from what this stack ran (one): the stack's decision stays
    expect(report.warnings.join("\n")).toMatch(
      /local re-plan .* differs from the actions the stack ran \(DisableDriver\)/,
    );
    // helper created at +60 s, deleted by +645 s: 9.8 min
    expect(report.cost).toMatchObject({ size: "Standard_D2s_v5", minutes: 9.8 });
  });

  test("reads the evidence back before destroy: per-dump triage, full findings, the repair results with undo records", async () => {
    const fake = fakeAutomation({
      ...rescuedOutputs(),
      repairActions: ["DisableDriver", "QuarantineDriverFile"],
    });
    defaultDeps.automation = () => fake.automation;
    const r = await run([...LIVE, "--yes", "--json"]);
    expect(r.code).toBe(0);
    expect(artifacts.reads.sort()).toEqual([COLLECT_URL, REPAIR_URL]);
    expect(readers).toEqual([{ cloud: "azure", region: undefined }]);
    expect(
      r.err.split("\n").indexOf("reading the evidence (collect output, repair result)"),
    ).toBeLessThan(r.err.split("\n").findIndex((l) => l.startsWith("pulumi destroy")));
    const report = JSON.parse(r.out);
    expect(validateReport(report)).toBe(true);
    expect(report.triage).toEqual([
      expect.objectContaining({
        file: "112926-9218-01.dmp",
        bugCheck: expect.objectContaining({ code: "0x1000007E" }),
        causedBy: expect.objectContaining({ module: "cxnetmon.sys" }),
      }),
    ]);
    expect(
      report.findings.every(
        (f: { component: string; severity: string }) =>
          typeof f.component === "string" && f.severity !== "block",
      ),
    ).toBe(true);
    expect(report.decision.reasons[0].evidence.join(" ")).toMatch(/112926-9218-01\.dmp/);
    expect(report.decision.undo.map((u: { action: string }) => u.action)).toEqual([
      "QuarantineDriverFile",
      "DisableDriver",
    ]);
    expect(report.repair.results[0]).toMatchObject({
      action: "DisableDriver",
      status: "succeeded",
      undo: [{ kind: "registry", valueName: "Start" }],
    });
    expect(report.evidence).toEqual([
      { document: "collect output", source: COLLECT_URL, status: "read" },
      { document: "repair result", source: REPAIR_URL, status: "read" },
    ]);
  });

  (missing([], ["xz"]).length ? test.skip : test)(
    "a collect manifest: the files under the artifacts location are read, and the report cites the facts",
    async () => {
      const base = "https://x.blob.core.windows.net/rescue";
      const files: [string, string, Buffer][] = [
        ["SYSTEM", SYSTEM_SOURCE, sampleSystemHive()],
        ["minidump-01.dmp", "Windows\\Minidump\\112926-9218-01.dmp", fs.readFileSync(SAMPLE_DUMP)],
      ];
      const manifest = sampleManifest(
        files.map(([name, sourcePath, bytes]) => shippedFile(name, sourcePath, bytes)),
        { target: { ...SAMPLE_TARGET, bcdStore: null } },
      );
      const reader = memoryReader({
        [COLLECT_URL]: JSON.stringify(manifest),
        [REPAIR_URL]: JSON.stringify(sampleRepairResult()),
        ...Object.fromEntries(
          files.map(([name, , bytes]) => [shippedFileUrl(base, "collect", name), bytes]),
        ),
      });
      artifacts = { reads: [], reader };
      defaultDeps.automation = () => fakeAutomation(rescuedOutputs()).automation;
      const r = await run([...LIVE, "--yes", "--json"]);
      const report = JSON.parse(r.out);
      expect(validateReport(report)).toBe(true);
      expect(report.evidence[0]).toMatchObject({ document: "collect output", status: "read" });
      // Read from the shipped SYSTEM hive under the artifacts location, cited by hive, key and value.
      expect(report.facts).toEqual(
        expect.arrayContaining([
          { fact: "/controlSets/default", value: "1", source: "SYSTEM \\Select : Default" },
        ]),
      );
    },
  );

  test("an invalid or unreadable evidence document is one line in the report, not a crash", async () => {
    artifacts = sampleArtifacts({ [REPAIR_URL]: '{"kind":"repairResult"}' });
    defaultDeps.automation = () =>
      fakeAutomation({
        ...rescuedOutputs(),
        collectOutputUrl: "https://x.blob.core.windows.net/rescue/missing.json",
      }).automation;
    const r = await run([...LIVE, "--yes"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /the repair result is not valid \(https:\/\/x\.blob\.core\.windows\.net\/rescue\/repair\/output\.json\): invalid repair result: \(document\): missing/,
    );
    expect(r.out).toMatch(
      /the collect output could not be read \(https:\/\/x\.blob\.core\.windows\.net\/rescue\/missing\.json\): HTTP 404: no such artifact/,
    );
    expect(r.out).toMatch(/## Triage\n\n- 112926-9218-01\.dmp: 0x1000007E/);
    expect(r.out).not.toMatch(/\n\s+at /);
  });

  test("blocked by the driver check → exit 4 with next steps", async () => {
    const outputs = {
      ...rescuedOutputs(),
      collectOutputUrl: undefined,
      findings: [blockingFinding()],
      swapped: false,
      booted: false,
      gate: { allowed: false, reasons: ["azure.guestAgent blocks the swap"] },
      outcome: [],
    };
    defaultDeps.automation = () => fakeAutomation(outputs).automation;
    const r = await run([...LIVE, "--yes"]);
    expect(r.code).toBe(4);
    expect(r.out).toMatch(/^# vm-rescue report: BLOCKED/);
    expect(r.out).toMatch(/1\. Fix the guest driver azure\.guestAgent/);
  });

  test("the VM did not boot → exit 1 and rollback in the next steps", async () => {
    defaultDeps.automation = () =>
      fakeAutomation({ ...rescuedOutputs(), booted: false, outcome: ["new bug check 0x7B"] })
        .automation;
    const r = await run([...LIVE, "--yes", "--json"]);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.out);
    expect(report.status).toBe("failed");
    expect(report.nextSteps.join("\n")).toMatch(
      /vm-rescue rollback --cloud azure --resource-group rg-app --vm app-vm-01/,
    );
  });

  test("a failing up stops there: no destroy, the stack kept, the engine's line, how to resume or roll back, exit 1", async () => {
    const fake = fakeAutomation({}, { upError: "update failed: quota exceeded" });
    defaultDeps.automation = () => fake.automation;
    const r = await run([...LIVE, "--yes", "--json"]);
    expect(r.code).toBe(1);
    expect(fake.calls).not.toContain("destroy");
    expect(fake.calls[fake.calls.length - 1]).toBe("up");
    const report = JSON.parse(r.out);
    expect(report.errors[0]).toBe("pulumi up failed: update failed: quota exceeded");
    expect(report.helperRemoved).toBeNull();
    expect(r.err).toContain(
      "stack app-vm-01-rescue is kept as the update left it (nothing was destroyed): run `vm-rescue rescue --cloud azure --resource-group rg-app --vm app-vm-01` again to resume, or `vm-rescue rollback --cloud azure --resource-group rg-app --vm app-vm-01` to put the original disk back",
    );
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  test("a locked stack or pending operations: one line offering cancel + refresh", async () => {
    const fake = fakeAutomation(
      {},
      { upError: "the stack is currently locked by 1 lock(s)", upFailure: "locked" },
    );
    defaultDeps.automation = () => fake.automation;
    const r = await run([...LIVE, "--yes"]);
    expect(r.code).toBe(1);
    expect(r.err.split("\n")).toContain(
      "stack app-vm-01-rescue is locked or has pending operations: if no update runs any more, `pulumi cancel --yes --stack app-vm-01-rescue --cwd /pkg` then `pulumi refresh --yes --clear-pending-creates --stack app-vm-01-rescue --cwd /pkg`, then run the rescue again",
    );
  });

  test("a second rescue of the same VM: resumes a kept stack with its rescue id; after a finished one, new names", async () => {
    const kept = fakeStackAutomation(rescuedOutputs(), {
      config: { rescueId: "app-vm-01-rescue" },
      kept: true,
    });
    defaultDeps.automation = () => kept.automation;
    expect((await run([...LIVE, "--yes"])).code).toBe(0);
    expect(kept.config[0].rescueId).toBe("app-vm-01-rescue");
    const finished = fakeStackAutomation(rescuedOutputs(), {
      config: { rescueId: "app-vm-01-rescue" },
      kept: false,
    });
    defaultDeps.automation = () => finished.automation;
    expect((await run([...LIVE, "--yes"])).code).toBe(0);
    expect(finished.config[0].rescueId).toBe("app-vm-01-rescue-r2");
  });

  test("a plugin that cannot be installed fails before up, naming it, exit 1", async () => {
    const fake = fakeStackAutomation(rescuedOutputs(), {
      pluginError: "could not install the azure-native plugin v3.28.0 (403 Forbidden)",
    });
    defaultDeps.automation = () => fake.automation;
    const r = await run([...LIVE, "--yes", "--json"]);
    expect(r.code).toBe(1);
    expect(fake.calls).not.toContain("up");
    expect(JSON.parse(r.out).errors[0]).toMatch(
      /^could not prepare stack app-vm-01-rescue: could not install the azure-native plugin v3\.28\.0/,
    );
  });

  test("SIGINT during up aborts the signal given to up and prints one line; a second one is no crash", async () => {
    const fake = fakeAutomation(rescuedOutputs());
    let seen: AbortSignal | undefined;
    const upOf = fake.automation.openStack.bind(fake.automation);
    fake.automation.openStack = async (n, m) => {
      const s = await upOf(n, m);
      return {
        ...s,
        up: async (o) => {
          seen = o.signal;
          process.emit("SIGINT", "SIGINT");
          process.emit("SIGINT", "SIGINT");
          throw new EngineError("update canceled", o.signal?.aborted ? "canceled" : "failed");
        },
      };
    };
    defaultDeps.automation = () => fake.automation;
    const before = process.listenerCount("SIGINT");
    const r = await run([...LIVE, "--yes", "--json"]);
    expect(seen?.aborted).toBe(true);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /^SIGINT: stopping the rescue on stack app-vm-01-rescue after the steps/m,
    );
    expect(r.err).toMatch(/^SIGINT again: still stopping/m);
    expect(fake.calls).not.toContain("destroy");
    expect(process.listenerCount("SIGINT")).toBe(before);
  });

  test("--dry-run and --no-swap become stack settings when the program has them", async () => {
    const fake = fakeAutomation({ ...rescuedOutputs(), swapped: false });
    defaultDeps.automation = () => fake.automation;
    const known = new Set(SETTINGS.map((s) => s.key));
    const r = await run([
      ...LIVE,
      "--yes",
      "--dry-run",
      "--no-swap",
      "--driver",
      "cxnetmon",
      "--actions",
      "DisableDriver",
    ]);
    if (known.has("dryRun") && known.has("swap") && known.has("driver") && known.has("actions")) {
      expect(r.code).toBe(0);
      expect(fake.config[0]).toMatchObject({
        dryRun: "true",
        swap: "false",
        driver: "cxnetmon",
        actions: '["DisableDriver"]',
      });
    } else {
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/needs the stack setting/);
    }
  });
});

describe("vm-rescue rescue: live progress as the engine reports it", () => {
  test("a line when each phase starts and ends, between the steps' lines as they arrive", async () => {
    const fake = fakeAutomation(rescuedOutputs());
    defaultDeps.automation = () => fake.automation;
    const r = await run([...LIVE, "--yes", "--json"]);
    expect(r.code).toBe(0);
    const lines = r.err.split("\n").filter((l) => /^(ok|FAILED|\[)/.test(l));
    expect(lines.map((l) => l.replace(/ +\(.*$/, "").replace(/ +/g, " "))).toEqual([
      "[ 0:00] prepare started",
      "ok create app-vm-01-rescue-snapshot",
      "ok create app-vm-01-rescue-helper",
      "[ 1:45] prepare finished",
      "[ 2:00] swap started",
      "ok create app-vm-01-rescue-swap",
      "[ 2:45] swap finished",
      "[ 10:00] teardown started",
      "ok delete app-vm-01-rescue-helper",
      "[ 10:45] teardown finished",
    ]);
    expect(() => JSON.parse(r.out)).not.toThrow();
  });

  test("--progress json: NDJSON on stderr only, the report alone on stdout", async () => {
    const fake = fakeAutomation(rescuedOutputs());
    defaultDeps.automation = () => fake.automation;
    const r = await run([...LIVE, "--yes", "--json", "--progress", "json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ status: "rescued" });
    const events = r.err
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => JSON.parse(l) as { event: string; phase?: string; status?: string });
    expect(events.filter((e) => e.event === "phase").map((e) => `${e.phase} ${e.status}`)).toEqual([
      "prepare started",
      "prepare finished",
      "swap started",
      "swap finished",
      "teardown started",
      "teardown finished",
    ]);
    expect(events.filter((e) => e.event === "log").length).toBeGreaterThan(0);
  });

  test("--progress none: the steps' lines alone", async () => {
    const fake = fakeAutomation(rescuedOutputs());
    defaultDeps.automation = () => fake.automation;
    const r = await run([...LIVE, "--yes", "--json", "--progress", "none"]);
    expect(r.err).not.toMatch(/started|finished/);
    expect(r.err).toMatch(/^ok +create/m);
  });
});

describe("vm-rescue rescue refuses before anything runs", () => {
  test("no Pulumi CLI → one line with how to install it, exit 2", async () => {
    const fake = fakeAutomation(rescuedOutputs(), { noCli: true });
    defaultDeps.automation = () => fake.automation;
    const r = await run([...LIVE, "--yes"]);
    expect(r.code).toBe(2);
    expect(r.err.split("\n")).toEqual([
      expect.stringMatching(
        /^vm-rescue: the Pulumi CLI was not found .*curl -fsSL https:\/\/get\.pulumi\.com \| sh/,
      ),
    ]);
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
    expect(r.err).toMatch(
      /refusing to rescue VM rg-app\/app-vm-01 .* without --yes when not on a terminal/,
    );
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

  test.each([
    [["rescue", "--cloud", "azure", "--yes"], /needs --resource-group <rg> and --vm <name>/],
    [[...LIVE, "--yes", "--actions", "Format"], /--actions: unknown action "Format"/],
    [["rescue", "--cloud", "gcp", "--yes"], /--cloud must be azure or aws, not "gcp"/],
    [["rescue", "--cloud", "aws", "--yes"], /rescue --cloud aws needs --instance-id <i-...>/],
    [
      ["rescue", "--instance-id", "vm-01", "--yes"],
      /--instance-id must look like i-0123456789abcdef0, not "vm-01"/,
    ],
    [
      ["rescue", "--instance-id", "i-0a1b2c3d4e5f67890", "--mode", "fast", "--yes"],
      /--mode must be copy or inPlace, not "fast"/,
    ],
    [
      ["rescue", "--cloud", "aws", "--instance-id", "i-0a1b2c3d4e5f67890", "--vm", "x", "--yes"],
      /--vm is for --cloud azure, not aws/,
    ],
    [[...LIVE, "--mode", "copy", "--yes"], /--mode is for --cloud aws, not azure/],
    [
      [
        "rescue",
        "--instance-id",
        "i-0a1b2c3d4e5f67890",
        "--actions",
        "FormatDisk",
        "--yes",
        "--simulate",
      ],
      /FormatDisk/,
    ],
    [
      ["rescue", "--simulate", "--cloud", "aws", "--instance-id", "i-0fffffffffffffff0", "--yes"],
      /--instance-id i-0fffffffffffffff0 is not the instance in \S*\/examples\/aws-instance\.json \(i-0a1b2c3d4e5f67890\)/,
    ],
    [
      ["rescue", "--simulate", "--cloud", "aws", "--actions", "SetSafeBoot", "--yes"],
      /^vm-rescue: SetSafeBoot is refused on AWS: the AWS boot check cannot verify a safe-mode boot nor revert it$/,
    ],
    [
      ["rescue", "--simulate", "--aws-instance", "examples/no-such-instance.json", "--yes"],
      /--aws-instance.*no-such-instance\.json/,
    ],
  ])("usage error %# → exit 2, one line, nothing opened", async (args, message) => {
    const fake = fakeAutomation(rescuedOutputs());
    defaultDeps.automation = () => fake.automation;
    const r = await run(args as string[]);
    expect(r.code).toBe(2);
    expect(r.err.split("\n")).toEqual([expect.stringMatching(message as RegExp)]);
    expect(fake.calls).toEqual([]);
  });
});

describe("vm-rescue rescue --simulate", () => {
  // The simulated rescue depends on its command line only: each line runs once for this block.
  const simulated = onceEach((args) => run(args));

  test("runs the chain against the simulated Azure and prints a complete, schema-valid report", async () => {
    const r = await simulated(["rescue", "--simulate", "--yes", "--json"]);
    const report = JSON.parse(r.out);
    expect(validateReport.errors ?? []).toEqual([]);
    expect(validateReport(report)).toBe(true);
    expect(report.mode).toBe("simulated");
    expect(report.vm).toMatchObject({ resourceGroup: "rg-app-prod", name: "app-vm-01" });
    expect(report.timeToRecovery.modeledSeconds).toBeGreaterThan(0);
    expect(report.timeToRecovery.criticalPath).not.toContain("app-vm-01-rescue-snapshot");
    // the diagnosis read straight from the backup runs while the helper boots; the report names the route
    expect(report.timeToRecovery.criticalPath).not.toContain("app-vm-01-rescue-snapshot-diagnosis");
    expect(report.timeToRecovery.diagnosis).toEqual({
      id: "app-vm-01-rescue-snapshot-diagnosis",
      readySeconds: expect.any(Number),
      helperReadySeconds: expect.any(Number),
    });
    expect(report.timeToRecovery.diagnosis.readySeconds).toBeLessThan(
      report.timeToRecovery.diagnosis.helperReadySeconds,
    );
    // the bundled sample snapshot is read and decides the repair (no collect on the helper)
    expect(report.diagnosis).toEqual({
      route: "snapshot",
      snapshot: [
        expect.stringMatching(
          /^diagnosed from the snapshot: ControlSet001, loader \\Windows\\system32\\winload\.efi, culprit cxnetmon\.sys; plan: DisableDriver, QuarantineDriverFile, EnableEms \(\d+ requests, [\d.]+ MiB\)$/,
        ),
        "the repair was decided from the snapshot; its evidence is shipped to the artifacts container",
      ],
    });
    expect(report.timeline.map((s: { name: string }) => s.name)).toEqual(
      expect.arrayContaining(["app-vm-01-rescue-snapshot", "app-vm-01-rescue-helper"]),
    );
    expect(report.cost.usd).toBeGreaterThan(0);
    expect(report.status).toBe("rescued");
    expect(r.code).toBe(0);
    expect(report.triageSummary.join("\n")).toMatch(/0x1000007E.*cxnetmon\.sys/);
    expect(report.decision.actions.map((a: { action: string }) => a.action)).toContain(
      "DisableDriver",
    );
    expect(report.decision.actions[0].reason).toMatch(/cxnetmon\.sys caused the crash/);
    expect(report.swap).toMatchObject({ attempted: true, swapped: true });
    expect(report.verify.booted).toBe(true);
    expect(report.kept.map((k: { kind: string }) => k.kind).sort()).toEqual([
      "artifacts",
      "originalDisk",
      "repairedDisk",
      "snapshot",
    ]);
    expect(report.nextSteps.join("\n")).toMatch(
      /vm-rescue rollback --cloud azure --resource-group rg-app-prod --vm app-vm-01/,
    );
    // the evidence read back from the simulated artifacts
    expect(report.triage).toEqual([
      expect.objectContaining({
        file: "112926-9218-01.dmp",
        bugCheck: expect.objectContaining({ code: "0x1000007E" }),
      }),
    ]);
    expect(report.decision.reasons[0].evidence.length).toBeGreaterThan(0);
    expect(report.repair.results.map((x: { action: string }) => x.action)).toEqual([
      "DisableDriver",
      "QuarantineDriverFile",
      "EnableEms",
    ]);
    expect(report.repair.results[1].undo[0]).toMatchObject({ kind: "file" });
    expect(report.evidence.map((d: { status: string }) => d.status)).toEqual(["read", "read"]);
  });

  test("a safe-mode repair: the boot is checked as a safe-mode boot, safe mode reverted, a normal boot checked; the report says which", async () => {
    const r = await run(["rescue", "--simulate", "--yes", "--json", "--actions", "SetSafeBoot"]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out);
    expect(validateReport(report)).toBe(true);
    expect(report.decision.actions.map((a: { action: string }) => a.action)).toContain(
      "SetSafeBoot",
    );
    expect(report.verify).toMatchObject({ booted: true, boots: ["safe-mode", "normal"] });
    expect(report.verify.message).toMatch(
      /verified: a safe-mode boot, then safe mode reverted and a normal boot/,
    );
    const md = await run(["rescue", "--simulate", "--yes", "--actions", "SetSafeBoot"]);
    expect(md.out).toMatch(/- Boot verified: safe-mode boot, then normal boot/);
  });

  test("a normal repair: the report says a normal boot was verified", async () => {
    const report = JSON.parse((await simulated(["rescue", "--simulate", "--yes", "--json"])).out);
    expect(report.verify).toMatchObject({ booted: true, boots: ["normal"] });
  });

  test("the Markdown report has every section", async () => {
    const r = await simulated(["rescue", "--simulate", "--yes"]);
    expect(r.code).toBe(0);
    for (const h of [
      "# vm-rescue report: RESCUED (exit 0)",
      "## Next steps",
      "## Triage",
      "## Repair decision",
      "## Swap and boot",
      "## Kept",
      "## Timeline",
    ])
      expect(r.out).toContain(h);
    expect(r.out).toMatch(/DisableDriver \| cxnetmon\.sys caused the crash/);
    // The raw evidence carries no driver files: versions are unknown (info), nothing blocks.
    expect(r.out).not.toMatch(/^\| block \|/m);
    // the diagnosis read from the sample snapshot succeeded: its time and its agreement are shown
    expect(r.out).toMatch(/- Time to a diagnosis: .*; the repair was decided from it/);
    expect(r.out).toMatch(/- Facts the repair was decided from: the backup snapshot/);
    expect(r.out).toContain(
      "- Backup snapshot, read directly: the repair was decided from the snapshot;",
    );
    expect(r.out).toMatch(
      /\| 112926-9218-01\.dmp \| 0x1000007E SYSTEM_THREAD_EXCEPTION_NOT_HANDLED_M \| cxnetmon\.sys\+0x1a2b4/,
    );
    expect(r.out).not.toContain("(the result document was not read back)");
    expect(r.out).not.toContain("(none)\n-");
  });

  test("plans from the raw files collect shipped: facts cited by hive, key and value, the repair checked", async () => {
    const r = await simulated(["rescue", "--simulate", "--yes"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("| /services/");
    expect(r.out).toMatch(/\| 1 \| SYSTEM \\ControlSet001\\Services\\cxnetmon : Start \|/);
    expect(r.out).toContain("SYSTEM \\Select : Default");
    expect(r.out).toContain("## Check after the repair");
    expect(r.out).toMatch(
      /The returned hives hold every value the plan writes and nothing else changed/,
    );
    expect(r.out).not.toContain("collect.ps1 1.x document");
  });
});

describe("vm-rescue rescue --cloud aws", () => {
  const ID = "i-0a1b2c3d4e5f67890";
  const BUCKET = "vm-rescue-rescue-0a1b2c3d4e5f67890-3d14a89cfe10";
  const COLLECT = `s3://${BUCKET}/rescue/rescue-0a1b2c3d4e5f67890/cmd-collect/i-0helper/`;
  const REPAIR = `s3://${BUCKET}/rescue/rescue-0a1b2c3d4e5f67890/cmd-repair/i-0helper/`;
  const awsOutputs = (): Record<string, unknown> => ({
    mode: "inPlace",
    snapshotId: "snap-0123456789abcdef0",
    originalDiskId: "vol-0a9b8c7d6e5f43210",
    repairDiskId: "vol-0a9b8c7d6e5f43210",
    helperId: "i-0helper",
    artifactsLocation: `s3://${BUCKET}/`,
    collectStatus: "Success",
    repairStatus: "Success",
    decision: [
      "DisableDriver: cxnetmon.sys caused the crash",
      "QuarantineDriverFile: keep the file out of the boot path",
      "RemoveDriverPackage: remove oem42.inf",
      "none: EC2Launch v2 present",
    ],
    warnings: [],
    collectOutputUrl: COLLECT,
    repairResultUrl: REPAIR,
    swapped: true,
    booted: true,
    instanceType: "m5.large",
  });

  test("fake workspace: AWS settings on the instance's stack, evidence from S3, a complete report, exit 0", async () => {
    artifacts = {
      reads: [],
      reader: memoryReader({
        [COLLECT]: JSON.stringify(sampleAwsCollect()),
        [REPAIR]: JSON.stringify(sampleRepairResult()),
      }),
    };
    const fake = fakeAutomation(awsOutputs());
    defaultDeps.automation = () => fake.automation;
    const r = await run([
      "rescue",
      "--cloud",
      "aws",
      "--instance-id",
      ID,
      "--region",
      "eu-west-1",
      "--mode",
      "inPlace",
      "--kms-grant-confirmed",
      "--yes",
      "--json",
    ]);
    expect(r.code).toBe(0);
    expect(fake.calls).toEqual([
      "findCli",
      "openStack rescue-0a1b2c3d4e5f67890",
      "setConfig",
      "installPlugins aws@7.48.0",
      "up",
      "destroy",
    ]);
    expect(fake.config[0]).toEqual({
      cloud: "aws",
      instanceId: ID,
      region: "eu-west-1",
      mode: "inPlace",
      kmsGrantConfirmed: "true",
      rescueId: "rescue-0a1b2c3d4e5f67890",
    });
    expect(readers).toEqual([{ cloud: "aws", region: "eu-west-1" }]);
    const report = JSON.parse(r.out);
    expect(validateReport(report)).toBe(true);
    expect(report).toMatchObject({
      status: "rescued",
      cloud: "aws",
      vm: { instanceId: ID, region: "eu-west-1", instanceType: "m5.large" },
      swap: { swapped: true },
      verify: { booted: true },
    });
    expect(report.triage[0].causedBy.module).toBe("cxnetmon.sys");
    // the AWS sample's BCD has EMS off: the serial console is switched on with the repair
    expect(report.decision.actions.map((a: { action: string }) => a.action)).toEqual([
      "DisableDriver",
      "QuarantineDriverFile",
      "EnableEms",
    ]);
    expect(report.repair.results.length).toBeGreaterThan(0);
    // inPlace: the repaired volume is the original root, listed once
    expect(report.kept.map((k: { kind: string; id: string }) => `${k.kind} ${k.id}`)).toEqual([
      "snapshot snap-0123456789abcdef0",
      "repairedDisk vol-0a9b8c7d6e5f43210",
      `artifacts s3://${BUCKET}/`,
    ]);
    expect(report.kept[2].deleteCommand).toBe(`aws s3 rm s3://${BUCKET}/ --recursive`);
    expect(report.helperRemoved).toBe(true);
    expect(report.cost.size).toBe("t3.medium");
    expect(report.nextSteps.join("\n")).toMatch(
      /vm-rescue rollback --cloud aws --instance-id i-0a1b2c3d4e5f67890 --region eu-west-1 --stack rescue-0a1b2c3d4e5f67890/,
    );
  });

  test("--simulate: the bundled instance end to end; a complete, schema-valid report, exit 0", async () => {
    const r = await run(["rescue", "--cloud", "aws", "--simulate", "--yes", "--json"]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out);
    expect(validateReport.errors ?? []).toEqual([]);
    expect(validateReport(report)).toBe(true);
    expect(report).toMatchObject({
      status: "rescued",
      cloud: "aws",
      mode: "simulated",
      vm: { instanceId: ID, region: "eu-west-1", instanceType: "m5.large" },
    });
    expect(report.triage).toEqual([
      expect.objectContaining({
        file: "112926-9218-01.dmp",
        causedBy: expect.objectContaining({ module: "cxnetmon.sys" }),
      }),
    ]);
    expect(report.findings.filter((f: { severity: string }) => f.severity === "block")).toEqual([]);
    expect(report.decision.culprit).toMatchObject({ module: "cxnetmon.sys", service: "cxnetmon" });
    expect(report.repair.results.map((x: { action: string }) => x.action)).toEqual(
      report.decision.actions.map((a: { action: string }) => a.action),
    );
    expect(report.swap).toMatchObject({ attempted: true, swapped: true });
    expect(report.verify.booted).toBe(true);
    expect(report.kept.map((k: { kind: string }) => k.kind)).toEqual([
      "snapshot",
      "originalDisk",
      "repairedDisk",
      "artifacts",
    ]);
    expect(report.kept[1].id).toBe("vol-0a9b8c7d6e5f43210");
    expect(report.timeToRecovery.anchor.name).toBe("aws.startEC2RescueWorkflow");
    expect(report.timeToRecovery.modeledSeconds).toBeLessThan(report.timeToRecovery.anchor.seconds);
    expect(report.timeline.map((s: { name: string; op: string }) => `${s.op} ${s.name}`)).toEqual(
      expect.arrayContaining([
        "create rescue-0a1b2c3d4e5f67890-snapshot",
        "create rescue-0a1b2c3d4e5f67890-swap",
        "create rescue-0a1b2c3d4e5f67890-verify",
        "delete rescue-0a1b2c3d4e5f67890-helper",
      ]),
    );
    expect(report.cost).toMatchObject({ size: "t3.medium" });
    expect(report.evidence.map((d: { status: string }) => d.status)).toEqual(["read", "read"]);
    expect(report.warnings[0]).toMatch(
      /^simulation: kmsGrantConfirmed=true was assumed for the encrypted root vol-0a9b8c7d6e5f43210/,
    );
  });

  test("--simulate inPlace --dry-run: the root is never offered for deletion and the timeline shows it put back", async () => {
    const r = await run([
      "rescue",
      "--simulate",
      "--cloud",
      "aws",
      "--mode",
      "inPlace",
      "--dry-run",
      "--kms-grant-confirmed",
      "--yes",
      "--json",
    ]);
    const report = JSON.parse(r.out);
    expect(report.kept.find((k: { kind: string }) => k.kind === "repairedDisk")).toMatchObject({
      id: "vol-0a9b8c7d6e5f43210",
      inUse: true,
      deleteCommand: null,
    });
    expect(r.out).not.toContain("delete-volume");
    expect(report.nextSteps.join("\n")).not.toMatch(/nothing was changed/);
    const names = report.timeline.map((s: { name: string }) => s.name);
    expect(names).toEqual(
      expect.arrayContaining([
        "rescue-0a1b2c3d4e5f67890-stop-detach",
        "rescue-0a1b2c3d4e5f67890-swap",
      ]),
    );
    expect(names).not.toContain("rescue-0a1b2c3d4e5f67890-verify");
  });

  test("--simulate Markdown: findings against the instance type, repair results, inPlace mode", async () => {
    const r = await run([
      "rescue",
      "--simulate",
      "--instance-id",
      ID,
      "--mode",
      "inPlace",
      "--kms-grant-confirmed",
      "--yes",
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^# vm-rescue report: RESCUED \(exit 0\)/);
    // The shipped hive names the ENA driver but no file version of it: a warning, nothing blocks.
    expect(r.out).not.toMatch(/\| block \|/);
    expect(r.out).toMatch(
      /\| DisableDriver \| succeeded \| .* \| SYSTEM\\ControlSet001\\Services\\cxnetmon\\Start \|/,
    );
    expect(r.out).toMatch(/Modeled time to recovery: .* \(aws\.startEC2RescueWorkflow: /);
    expect(r.out).not.toMatch(/kmsGrantConfirmed=true was assumed/);
    expect(r.out).not.toContain("(none)\n-");
  });
});
