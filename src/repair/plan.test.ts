import fc from "fast-check";
import type { RepairAction } from "../collect/contract";
import { ACTION_ORDER, type RepairActionName } from "../vocabulary/repairActions";
import type { TriageResult } from "../triage/types";
import { planRepair } from "./plan";
import type { RepairDecision, RepairOptions } from "./types";
import { validateAction } from "./validate";
import { swapGate } from "./decide";
import {
  bugcheckEvent,
  cxnetmonInstall,
  driverService,
  fileFacts,
  findingWithRemedy,
  kernelPower41,
  planErrorOf,
  sampleCollect,
  sampleTriage,
  triageOf,
} from "../../tests/builders/facts";
import type { CollectOutput, EventFacts } from "../collect/contract";
import type { DriverFinding } from "../drivers/types";

function plan(
  over: {
    collect?: CollectOutput;
    triage?: TriageResult[];
    findings?: DriverFinding[];
    options?: RepairOptions;
  } = {},
): RepairDecision {
  return planRepair({
    collect: over.collect ?? sampleCollect(),
    triage: over.triage ?? sampleTriage(),
    findings: over.findings ?? [],
    options: over.options ?? {},
  });
}

const names = (d: RepairDecision) => d.plan.actions.map((a) => a.action);
const args = (d: RepairDecision, name: RepairActionName) =>
  d.plan.actions.filter((a) => a.action === name).map((a) => a.args);

/** A collect output where the culprit's package is not in setupapi.dev.log. */
function withoutCxnetmonInstall(): CollectOutput {
  const c = sampleCollect();
  c.driverInstalls = c.driverInstalls.filter((i) => i.publishedInf !== "oem42.inf");
  return c;
}

/** The sample story with the operator asking for the package removal too. */
const removing = (over: Parameters<typeof plan>[0] = {}) =>
  plan({ ...over, options: { ...over.options, removeDriverPackage: true } });

describe("sample story: cxnetmon.sys (third-party NDIS filter) crashes app-vm-01", () => {
  const d = plan();

  test("disables the driver and quarantines its file: a plan that can be undone; the package installed two days before is named, not removed", () => {
    expect(names(d)).toEqual(["DisableDriver", "QuarantineDriverFile"]);
    expect(args(d, "DisableDriver")).toEqual([{ service: "cxnetmon" }]);
    expect(args(d, "QuarantineDriverFile")).toEqual([
      { path: "Windows\\System32\\drivers\\cxnetmon.sys" },
    ]);
    expect(d.plan).toMatchObject({ schemaVersion: 1, kind: "repairPlan", dryRun: false });
    expect(d.decisions.find((x) => x.action === "DisableDriver")!.reason).toMatch(
      /its package oem42\.inf stays installed/,
    );
    const kept = d.decisions.find(
      (x) => x.action === "none" && /oem42\.inf .* is not removed/.test(x.reason),
    )!;
    expect(kept.reason).toMatch(/removeDriverPackage/);
    expect(kept.evidence.join("\n")).toContain("2026-11-27T22:05:10Z");
  });

  test("every undo step of the default plan comes from an undo record (nothing irreversible)", () => {
    expect(d.undo.map((u) => u.action)).toEqual(["QuarantineDriverFile", "DisableDriver"]);
    for (const u of d.undo) expect(u.how).not.toMatch(/not reversible/i);
  });

  test("removeDriverPackage: true adds the removal of the culprit's package, after the reversible actions", () => {
    const r = removing();
    expect(names(r)).toEqual(["DisableDriver", "QuarantineDriverFile", "RemoveDriverPackage"]);
    expect(args(r, "RemoveDriverPackage")).toEqual([{ publishedInf: "oem42.inf" }]);
    expect(r.decisions.find((x) => x.action === "DisableDriver")!.reason).not.toMatch(
      /stays installed/,
    );
  });

  test("removeDriverPackage must be a boolean, and is refused when setupapi shows no package to remove", () => {
    expect(
      planErrorOf(() => plan({ options: { removeDriverPackage: "yes" as unknown as boolean } }))
        .code,
    ).toBe("invalid-option");
    const c = sampleCollect();
    c.driverInstalls = [];
    expect(planErrorOf(() => removing({ collect: c }))).toMatchObject({
      code: "precondition-failed",
      message: expect.stringMatching(/^RemoveDriverPackage: setupapi.dev.log shows no/),
    });
  });

  test("names the culprit and explains each action with the facts it used", () => {
    expect(d.culprit).toEqual({
      module: "cxnetmon.sys",
      service: "cxnetmon",
      thirdParty: true,
      bootCritical: false,
    });
    const disable = d.decisions.find((x) => x.action === "DisableDriver")!;
    expect(disable.reason).toMatch(/third-party/);
    expect(disable.evidence.join("\n")).toContain(
      "0x1000007E SYSTEM_THREAD_EXCEPTION_NOT_HANDLED_M",
    );
    expect(disable.evidence.join("\n")).toContain("Contoso Ltd.");
    const remove = removing().decisions.find((x) => x.action === "RemoveDriverPackage")!;
    expect(remove.evidence.join("\n")).toContain("2026-11-27T22:05:10Z");
  });

  test("the undo list reverses the plan and says how", () => {
    const r = removing();
    expect(r.undo.map((u) => u.action)).toEqual([
      "RemoveDriverPackage",
      "QuarantineDriverFile",
      "DisableDriver",
    ]);
    expect(r.undo[2].how).toContain("Services\\cxnetmon\\Start back to 1");
    expect(r.undo[0].how).toMatch(/not reversible/i);
  });

  test("the protected list and the clean-boot list are handed to the script", () => {
    expect(d.protectedServices).toEqual(
      expect.arrayContaining(["storvsc", "vmbus", "disk", "Ntfs"]),
    );
    expect(d.protectedServices).not.toContain("cxnetmon");
    expect(d.cleanBootServices).toEqual(["ContosoMonSvc", "cxnetmon"]);
  });

  test("a package installed only after the first crash is not blamed", () => {
    const c = sampleCollect();
    c.driverInstalls = [{ ...cxnetmonInstall(), timeUtc: "2026-11-29T07:00:00Z" }];
    expect(plan({ collect: c }).decisions.some((x) => /oem42/.test(x.reason))).toBe(false);
    expect(planErrorOf(() => removing({ collect: c })).code).toBe("precondition-failed");
  });

  test("of several packages that carried the driver, the one in effect (the last before the crash) is removed", () => {
    const c = sampleCollect();
    c.driverInstalls.push({
      ...cxnetmonInstall(),
      timeUtc: "2026-08-02T10:00:00Z",
      subject: "oem31.inf",
      publishedInf: "oem31.inf",
    });
    expect(args(removing({ collect: c }), "RemoveDriverPackage")).toEqual([
      { publishedInf: "oem42.inf" },
    ]);
  });

  test("the package is found by its original INF name when setupapi lists no files", () => {
    const c = sampleCollect();
    c.driverInstalls = [{ ...cxnetmonInstall(), files: [] }];
    expect(args(removing({ collect: c }), "RemoveDriverPackage")).toEqual([
      { publishedInf: "oem42.inf" },
    ]);
  });

  test("a third-party driver no service runs cannot be disabled; its package rests on the dump and setupapi.dev.log alone: safe mode instead, and the plan says why", () => {
    const c = sampleCollect();
    c.services = c.services.filter((x) => x.name !== "cxnetmon");
    const r = plan({ collect: c });
    expect(names(r)).toEqual(["SetSafeBoot"]);
    expect(r.decisions.some((x) => /no service on the disk runs it/.test(x.reason))).toBe(true);
    expect(
      r.decisions.some((x) =>
        /^Not planned: invariant corroborated-identity: RemoveDriverPackage oem42\.inf/.test(
          x.reason,
        ),
      ),
    ).toBe(true);
  });

  test("collect's file facts count only when they are for the file ImagePath names", () => {
    const c = sampleCollect();
    const s = c.services.find((x) => x.name === "cxnetmon")!;
    s.file = { ...s.file!, path: "Windows\\System32\\drivers\\other.sys", exists: false };
    const r = plan({ collect: c });
    expect(args(r, "QuarantineDriverFile")).toEqual([
      { path: "Windows\\System32\\drivers\\cxnetmon.sys" },
    ]);
    expect(r.decisions.find((x) => x.action === "QuarantineDriverFile")!.reason).toMatch(
      /no file facts for this path/,
    );
  });

  test("a driver file that is already gone is not quarantined, and the plan says why", () => {
    const c = sampleCollect();
    const s = c.services.find((x) => x.name === "cxnetmon")!;
    s.file = { ...s.file!, exists: false };
    const d2 = plan({ collect: c });
    expect(names(d2)).not.toContain("QuarantineDriverFile");
    expect(d2.decisions.some((x) => x.action === "none" && /does not exist/.test(x.reason))).toBe(
      true,
    );
  });
});

describe("crash dump configuration", () => {
  test.each([
    ["CrashDumpEnabled=0", (c: CollectOutput) => (c.dumps.crashControl!.crashDumpEnabled = 0)],
    ["no CrashControl key", (c: CollectOutput) => (c.dumps.crashControl = null)],
  ])("%s → EnableCrashDump (kernel) after the driver actions", (_what, change) => {
    const c = sampleCollect();
    change(c);
    const d = plan({ collect: c });
    expect(names(d)).toEqual(["DisableDriver", "QuarantineDriverFile", "EnableCrashDump"]);
    expect(args(d, "EnableCrashDump")).toEqual([{ kind: "kernel" }]);
  });

  test("dumps already on: only on request", () => {
    expect(names(plan())).not.toContain("EnableCrashDump");
    const d = plan({ options: { enableCrashDump: true } });
    expect(d.decisions.find((x) => x.action === "EnableCrashDump")!.reason).toMatch(/operator/);
  });

  test("EMS is an additive setting: on in every repair where it is off, unless enableEms=false", () => {
    expect(names(plan())).not.toContain("EnableEms");
    const off = sampleCollect();
    off.bcd!.ems = false;
    const d = plan({ collect: off });
    expect(names(d)).toEqual(["DisableDriver", "QuarantineDriverFile", "EnableEms"]);
    expect(d.decisions.find((x) => x.action === "EnableEms")!.reason).toMatch(/^Additive setting/);
    expect(d.undo.find((u) => u.action === "EnableEms")!.how).toMatch(/ems \{default\} off/);
    expect(names(plan({ collect: off, options: { enableEms: false } }))).not.toContain("EnableEms");
    expect(names(plan({ collect: off, options: { actions: ["DisableDriver"] } }))).toContain(
      "EnableEms",
    );
  });

  test("additive settings never come alone: nothing to repair stays nothing", () => {
    const c = sampleCollect();
    c.bcd!.ems = false;
    c.events = [];
    expect(names(plan({ collect: c, triage: [] }))).toEqual([]);
  });
});

describe("boot-critical or Microsoft culprit", () => {
  test("Microsoft's afd.sys is not disabled; the package installed just before the crash rests on timestamps alone: its driver is disabled instead of the package removed", () => {
    const d = plan({ triage: [triageOf("afd.sys")] });
    expect(names(d)).toEqual(["DisableDriver"]);
    expect(args(d, "DisableDriver")).toEqual([{ service: "cxnetmon" }]);
    expect(d.culprit).toMatchObject({ module: "afd.sys", service: "AFD", thirdParty: false });
    expect(d.decisions.find((x) => x.action === "DisableDriver")!.reason).toMatch(
      /oem42\.inf is the last third-party driver package installed before the first crash \(32 h.*not removed: .*crash dump's faulting module to be its driver.*disabled instead \(reversible\)/,
    );
  });

  test("boot-critical storvsc.sys is not disabled", () => {
    const d = plan({ triage: [triageOf("storvsc.sys")] });
    expect(args(d, "DisableDriver")).toEqual([{ service: "cxnetmon" }]);
    expect(d.culprit).toMatchObject({ service: "storvsc", bootCritical: true });
    expect(
      d.decisions.some(
        (x) => x.action === "none" && /boot-critical and is not disabled/.test(x.reason),
      ),
    ).toBe(true);
  });

  test("with no recent third-party package: safe mode (minimal, or the operator's mode) for a person to investigate", () => {
    const d = plan({ collect: withoutCxnetmonInstall(), triage: [triageOf("storvsc.sys")] });
    expect(d.plan.actions).toEqual([
      expect.objectContaining({ action: "SetSafeBoot", args: { mode: "minimal" } }),
    ]);
    const d2 = plan({
      collect: withoutCxnetmonInstall(),
      triage: [triageOf("storvsc.sys")],
      options: { safeBootMode: "network" },
    });
    expect(args(d2, "SetSafeBoot")).toEqual([{ mode: "network" }]);
  });

  test("a recent package that carries a boot-critical driver is never the one removed", () => {
    const c = sampleCollect();
    c.services.push(
      driverService("cxraid", 0, "SCSI miniport", {
        file: fileFacts("Windows\\System32\\drivers\\cxraid.sys", { company: "Contoso Ltd." }),
      }),
    );
    c.driverInstalls.push({
      timeUtc: "2026-11-28T10:00:00Z",
      subject: "oem43.inf",
      publishedInf: "oem43.inf",
      originalInf: "cxraid.inf",
      files: ["cxraid.sys"],
      exitStatus: "SUCCESS",
    });
    const d = plan({ collect: c, triage: [triageOf("afd.sys")] });
    expect(names(d)).not.toContain("RemoveDriverPackage");
    expect(args(d, "DisableDriver")).toEqual([{ service: "cxnetmon" }]);
  });

  test("a failed install is not a suspect", () => {
    const c = sampleCollect();
    c.driverInstalls = [{ ...cxnetmonInstall(), exitStatus: "FAILURE" }];
    expect(names(plan({ collect: c, triage: [triageOf("afd.sys")] }))).toEqual(["SetSafeBoot"]);
  });
});

describe("dump names only the kernel", () => {
  test.each([["ntoskrnl.exe"], [null]])(
    "causedBy %s → DISM restore health, then offline SFC",
    (module) => {
      const d = plan({ triage: [triageOf(module)] });
      expect(names(d)).toEqual(["DismRestoreHealth", "SfcOffline"]);
      expect(d.culprit).toBeNull();
      expect(d.decisions[0].evidence.join(" ")).toContain("112926-9218-01.dmp");
    },
  );
});

describe("no dump", () => {
  const events = (): EventFacts[] => [
    {
      id: 7026,
      provider: "Service Control Manager",
      timeCreatedUtc: "2026-11-29T06:20:31Z",
      level: 2,
      data: { param1: "\ncxnetmon" },
    },
    {
      id: 6008,
      provider: "EventLog",
      timeCreatedUtc: "2026-11-29T06:20:10Z",
      level: 2,
      data: { param1: "06:12:40", param2: "11/29/2026" },
    },
    kernelPower41("2026-11-29T06:20:05Z"),
  ];

  test("crash events → clean boot of the non-Microsoft services, then safe mode", () => {
    const c = sampleCollect();
    c.events = events();
    const d = plan({ collect: c, triage: [] });
    expect(names(d)).toEqual(["CleanBoot", "SetSafeBoot"]);
    expect(args(d, "CleanBoot")).toEqual([{ services: ["ContosoMonSvc", "cxnetmon"] }]);
    const clean = d.decisions.find((x) => x.action === "CleanBoot")!;
    expect(clean.reason).toContain("1× 41, 1× 6008, 1× 7026");
    expect(clean.evidence.join("\n")).toContain("cxnetmon");
    expect(d.undo[1]).toEqual({
      action: "CleanBoot",
      how: expect.stringContaining("UndoCleanBoot"),
    });
  });

  test("an unreadable dump counts as no dump, and the plan says why it was skipped", () => {
    const c = sampleCollect();
    c.events = events();
    const d = plan({
      collect: c,
      triage: [
        triageOf(null, {
          bugCheck: null,
          crashTime: null,
          error: "not a 64-bit kernel minidump (signature PAGEDUMP)",
        }),
      ],
    });
    expect(names(d)).toEqual(["CleanBoot", "SetSafeBoot"]);
    expect(d.decisions.some((x) => /PAGEDUMP/.test(x.reason))).toBe(true);
  });

  test("events older than a week before the newest do not count", () => {
    const c = sampleCollect();
    c.events = [
      kernelPower41("2026-01-01T00:00:00Z"),
      {
        id: 7000,
        provider: "Service Control Manager",
        timeCreatedUtc: "2026-11-29T06:20:00Z",
        level: 2,
        data: { param1: "Contoso Network Monitor Agent" },
      },
    ];
    const d = plan({ collect: c, triage: [] });
    expect(d.decisions.find((x) => x.action === "CleanBoot")!.reason).toContain(
      "System.evtx shows 1× 7000",
    );
  });

  test("no dump and no crash events → nothing to do, said plainly", () => {
    const c = sampleCollect();
    c.events = [];
    const d = plan({ collect: c, triage: [] });
    expect(d.plan.actions).toEqual([]);
    expect(d.decisions).toEqual([
      expect.objectContaining({
        action: "none",
        reason: expect.stringMatching(/nothing points at a cause/),
      }),
    ]);
  });
});

describe("servicing and file system", () => {
  /** A 0xC000021A dump (a session-critical process died): what a half-applied update leaves. */
  const c21a = () =>
    triageOf(null, {
      bugCheck: {
        code: "0xC000021A",
        name: "STATUS_SYSTEM_PROCESS_TERMINATED",
        parameters: ["0xffffc1012a3b4c5d", "0xc0000005", "0x0", "0x0"],
      },
    });

  test("pending.xml and a 0xC000021A dump → RevertPendingActions, with both sources", () => {
    const c = sampleCollect();
    c.pendingUpdates.pendingXml = true;
    const d = plan({ collect: c, triage: [c21a()] });
    expect(names(d)[0]).toBe("RevertPendingActions");
    expect(d.decisions[0].evidence).toEqual([
      "Windows\\WinSxS\\pending.xml exists",
      "112926-9218-01.dmp: stop code 0xC000021A STATUS_SYSTEM_PROCESS_TERMINATED",
    ]);
  });

  test.each<[string, (c: CollectOutput) => void, RegExp, [string, RegExp]]>([
    [
      "pending.xml",
      (c) => (c.pendingUpdates.pendingXml = true),
      /^Not planned: invariant corroborated-identity: RevertPendingActions: .*nothing in the crash evidence points at servicing/,
      ["invariant-violated", /^invariant corroborated-identity: RevertPendingActions: /],
    ],
    [
      "PendingFileRenameOperations",
      (c) => (c.pendingUpdates.pendingFileRenames = true),
      /^Not planned: RevertPendingActions: PendingFileRenameOperations is set but WinSxS\\pending\.xml is not/,
      ["precondition-failed", /^RevertPendingActions: no WinSxS\\pending\.xml: DISM reverts/],
    ],
  ])(
    "%s alone (the crash blames a driver) is never rolled back: the plan says why",
    (_n, set, note, [code, refusal]) => {
      const c = sampleCollect();
      set(c);
      const d = plan({ collect: c });
      expect(names(d)).toEqual(["DisableDriver", "QuarantineDriverFile"]);
      expect(d.decisions.map((x) => x.reason)).toContainEqual(expect.stringMatching(note));
      // asked for by the operator, it is refused saying why
      const e = planErrorOf(() =>
        plan({ collect: c, options: { actions: ["RevertPendingActions"] } }),
      );
      expect([e.code, e.message]).toEqual([code, expect.stringMatching(refusal)]);
    },
  );

  test.each<[string, EventFacts]>([
    [
      "a bug-check event 1001 with 0xc000021a",
      bugcheckEvent("2026-11-29T06:13:25Z", "0xc000021a", "112926-9218-01"),
    ],
    [
      "Kernel-Power 41 with BugcheckCode 3221226010",
      { ...kernelPower41("2026-11-29T06:20:05Z"), data: { BugcheckCode: "3221226010" } },
    ],
    [
      "a failed update (WindowsUpdateClient 20)",
      {
        id: 20,
        provider: "Microsoft-Windows-WindowsUpdateClient",
        timeCreatedUtc: "2026-11-29T05:58:00Z",
        level: 2,
        data: { errorCode: "0x80070002", updateTitle: "2026-11 Cumulative Update (KB5099999)" },
      },
    ],
    [
      "an update install begun just before the crash (WindowsUpdateClient 43)",
      {
        id: 43,
        provider: "Microsoft-Windows-WindowsUpdateClient",
        timeCreatedUtc: "2026-11-29T05:40:00Z",
        level: 4,
        data: { updateTitle: "2026-11 Cumulative Update (KB5099999)" },
      },
    ],
  ])("pending.xml with %s → RevertPendingActions", (_n, event) => {
    const c = sampleCollect();
    c.pendingUpdates.pendingXml = true;
    c.events = [...c.events, event];
    const d = plan({ collect: c, triage: [] });
    expect(names(d)).toContain("RevertPendingActions");
    const revert = d.decisions.find((x) => x.action === "RevertPendingActions")!;
    expect(revert.evidence[0]).toBe("Windows\\WinSxS\\pending.xml exists");
    expect(revert.evidence[1]).toMatch(new RegExp(`^event ${event.id} at `));
  });

  test("an update install begun weeks before the crash does not corroborate", () => {
    const c = sampleCollect();
    c.pendingUpdates.pendingXml = true;
    c.events = [
      ...c.events,
      {
        id: 43,
        provider: "Microsoft-Windows-WindowsUpdateClient",
        timeCreatedUtc: "2026-10-01T05:40:00Z",
        level: 4,
        data: {},
      },
    ];
    expect(names(plan({ collect: c }))).not.toContain("RevertPendingActions");
  });

  const failedUpdate = (timeCreatedUtc: string): EventFacts => ({
    id: 20,
    provider: "Microsoft-Windows-WindowsUpdateClient",
    timeCreatedUtc,
    level: 2,
    data: { errorCode: "0x80070002", updateTitle: "2019-05 Cumulative Update" },
  });

  test("an update that failed years before the crash does not corroborate", () => {
    const c = sampleCollect();
    c.pendingUpdates.pendingXml = true;
    c.events = [...c.events, failedUpdate("2019-05-14T05:40:00Z")];
    expect(names(plan({ collect: c, triage: [] }))).not.toContain("RevertPendingActions");
  });

  test("a failed update beside a dump that blames a driver does not corroborate", () => {
    const c = sampleCollect();
    c.pendingUpdates.pendingXml = true;
    c.events = [...c.events, failedUpdate("2026-11-29T05:58:00Z")];
    const d = plan({ collect: c, triage: [triageOf("cxnetmon.sys")] });
    expect(names(d)).not.toContain("RevertPendingActions");
    expect(names(d)).toContain("DisableDriver");
  });

  test("a driver the operator names does not make the automatic rollback refuse the plan", () => {
    const c = sampleCollect();
    c.pendingUpdates.pendingXml = true;
    const d = plan({ collect: c, options: { driver: "cxnetmon" } });
    expect(names(d)).toContain("DisableDriver");
    expect(names(d)).not.toContain("RevertPendingActions");
  });

  test("dirty volume → Chkdsk first; on ReFS it is not planned", () => {
    const c = sampleCollect();
    c.volume.dirty = true;
    expect(names(plan({ collect: c }))[0]).toBe("Chkdsk");
    c.volume.fileSystem = "ReFS";
    expect(names(plan({ collect: c }))).not.toContain("Chkdsk");
  });
});

describe("several dumps", () => {
  const older = (module: string) =>
    triageOf(module, { file: "112826-8953-01.dmp", crashTime: "2026-11-28T23:02:10Z" });

  test("agreement is reported", () => {
    const d = plan({ triage: [triageOf("cxnetmon.sys"), older("cxnetmon.sys")] });
    expect(d.decisions.some((x) => x.reason === "All 2 dumps agree: cxnetmon.sys")).toBe(true);
  });

  test("on disagreement the most recent wins, whatever the input order", () => {
    const d = plan({ triage: [older("storvsc.sys"), triageOf("cxnetmon.sys")] });
    expect(d.culprit?.module).toBe("cxnetmon.sys");
    const note = d.decisions.find((x) => /disagree/.test(x.reason))!;
    expect(note.reason).toContain("112926-9218-01.dmp");
    expect(note.evidence.join("\n")).toContain(
      "112826-8953-01.dmp (2026-11-28T23:02:10Z): storvsc.sys",
    );
  });

  test("the first crash of the culprit bounds the package search", () => {
    // the older dump also blames cxnetmon: a package installed between the two crashes is not the culprit's
    const c = sampleCollect();
    c.driverInstalls = [{ ...cxnetmonInstall(), timeUtc: "2026-11-29T01:00:00Z" }];
    const triage = [triageOf("cxnetmon.sys"), older("cxnetmon.sys")];
    expect(plan({ collect: c, triage }).decisions.some((x) => /oem42/.test(x.reason))).toBe(false);
    expect(planErrorOf(() => removing({ collect: c, triage })).code).toBe("precondition-failed");
  });
});

describe("driver-check findings", () => {
  test("a remedy action is added once, with the finding's reason", () => {
    const c = sampleCollect();
    c.dumps.crashControl = null;
    const d = plan({
      collect: c,
      findings: [
        findingWithRemedy(),
        findingWithRemedy({ component: "azure.other" }),
        findingWithRemedy({ remedyAction: undefined, component: "info.only" }),
      ],
    });
    expect(names(d).filter((n) => n === "EnableCrashDump")).toHaveLength(1);
    const dec = d.decisions.find((x) => x.action === "EnableCrashDump")!;
    expect(dec.evidence.filter((e) => e.startsWith("also:"))).toHaveLength(2);
  });

  test("a finding's remedy naming a service the hive does not hold is left out, naming the invariant", () => {
    const bad = findingWithRemedy({
      remedyAction: {
        action: "DisableDriver",
        args: { service: "x & reg delete HKLM" },
        reason: "bad",
      },
    });
    const d = plan({ findings: [bad] });
    expect(args(d, "DisableDriver")).toEqual([{ service: "cxnetmon" }]);
    expect(
      d.decisions.some((x) =>
        /invariant corroborated-identity: DisableDriver x & reg delete HKLM/.test(x.reason),
      ),
    ).toBe(true);
  });
});

describe("operator overrides", () => {
  test("driver= forces the culprit without a dump (by service or by file name)", () => {
    for (const driver of ["cxnetmon", "CXNETMON.sys"]) {
      const d = plan({ triage: [], options: { driver } });
      expect(names(d)).toEqual(["DisableDriver", "QuarantineDriverFile"]);
      expect(d.decisions[0].reason).toMatch(/operator named cxnetmon/);
    }
  });

  test("driver= overrides the dump's culprit", () => {
    const d = plan({ triage: [triageOf("afd.sys")], options: { driver: "cxnetmon" } });
    expect(d.culprit?.service).toBe("cxnetmon");
    expect(args(d, "DisableDriver")).toEqual([{ service: "cxnetmon" }]);
  });

  test("driver= must exist on the disk and be a valid name", () => {
    expect(planErrorOf(() => plan({ options: { driver: "nosuchdrv" } }))).toMatchObject({
      code: "unknown-driver",
      message: expect.stringContaining("nosuchdrv"),
    });
    expect(planErrorOf(() => plan({ options: { driver: 'cx net"mon' } })).code).toBe(
      "invalid-option",
    );
  });

  test("a boot-critical driver= is refused naming the invariant, whoever asks", () => {
    const e = planErrorOf(() => plan({ options: { driver: "storvsc" } }));
    expect(e.code).toBe("invariant-violated");
    expect(e.message).toMatch(/^invariant boot-critical-driver: DisableDriver storvsc/);
  });

  test("actions= replaces the automatic choice, in the safe order, and keeps the culprit for its arguments", () => {
    const d = plan({ options: { actions: ["SfcOffline", "DisableDriver"] } });
    expect(names(d)).toEqual(["DisableDriver", "SfcOffline"]);
    expect(d.decisions.some((x) => /operator chose the actions/.test(x.reason))).toBe(true);
  });

  test("actions= plus removeDriverPackage plans the removal as well", () => {
    expect(names(removing({ options: { actions: ["DisableDriver"] } }))).toEqual([
      "DisableDriver",
      "RemoveDriverPackage",
    ]);
  });

  test("removeDriverPackage with a Microsoft culprit is refused: the dump does not name the recent package's driver", () => {
    const e = planErrorOf(() => removing({ triage: [triageOf("afd.sys")] }));
    expect(e.code).toBe("invariant-violated");
    expect(e.message).toMatch(/^invariant corroborated-identity: RemoveDriverPackage oem42\.inf: /);
  });

  test("actions= with a boot-critical culprit is refused too", () => {
    expect(
      planErrorOf(() =>
        plan({ triage: [triageOf("storvsc.sys")], options: { actions: ["DisableDriver"] } }),
      ).code,
    ).toBe("invariant-violated");
  });

  test.each<[RepairActionName[], RegExp]>([
    [["RevertPendingActions"], /^RevertPendingActions: nothing is pending/],
    [["ClearSafeBoot"], /^ClearSafeBoot: the default boot entry has no safeboot/],
    [["RestoreLastKnownGood"], /^RestoreLastKnownGood: there is no last-known-good/],
  ])("actions=%j whose precondition fails is refused naming it", (actions, message) => {
    const c = sampleCollect();
    c.controlSets.lastKnownGood = 1;
    const e = planErrorOf(() => plan({ collect: c, options: { actions } }));
    expect(e.code).toBe("precondition-failed");
    expect(e.message).toMatch(message);
  });

  test("actions=DisableDriver without any culprit says how to name one", () => {
    expect(
      planErrorOf(() =>
        plan({ triage: [triageOf("ntoskrnl.exe")], options: { actions: ["DisableDriver"] } }),
      ).message,
    ).toMatch(/DisableDriver: no culprit.*driver=/);
  });

  test("unknown action names and contradictory actions are refused", () => {
    expect(
      planErrorOf(() => plan({ options: { actions: ["FormatDisk" as RepairActionName] } })),
    ).toMatchObject({ code: "invalid-option", message: expect.stringContaining("FormatDisk") });
    const c = sampleCollect();
    c.bcd!.safeboot = "minimal";
    expect(
      planErrorOf(() =>
        plan({ collect: c, options: { actions: ["SetSafeBoot", "ClearSafeBoot"] } }),
      ).code,
    ).toBe("conflicting-actions");
    expect(names(plan({ collect: c, options: { actions: ["ClearSafeBoot"] } }))).toEqual([
      "ClearSafeBoot",
    ]);
  });

  test("dryRun marks the plan and changes nothing else", () => {
    const d = plan({ options: { dryRun: true } });
    expect(d.plan.dryRun).toBe(true);
    expect(d.plan.actions).toEqual(plan().plan.actions);
  });

  test("an invalid safeBootMode is refused", () => {
    expect(
      planErrorOf(() => plan({ options: { safeBootMode: "dsrepair" as "minimal" } })).code,
    ).toBe("invalid-option");
  });
});

describe("argument validation", () => {
  const ok: RepairAction = {
    action: "QuarantineDriverFile",
    args: { path: "Windows\\System32\\drivers\\cxnetmon.sys" },
    reason: "r",
  };
  test.each([
    "Windows\\System32\\..\\..\\Users\\x.sys",
    "C:\\Windows\\System32\\drivers\\cxnetmon.sys",
    "\\\\server\\share\\x.sys",
    "Program Files\\Contoso\\cxnetmon.sys",
    'Windows\\System32\\drivers\\cx"netmon.sys',
  ])("QuarantineDriverFile refuses %s", (path) => {
    expect(() => validateAction({ ...ok, args: { path } })).toThrow(/^QuarantineDriverFile: path/);
  });
  test("accepts a plain path under Windows", () => {
    expect(() => validateAction(ok)).not.toThrow();
  });
  test("RemoveDriverPackage only takes oemNN.inf", () => {
    expect(() =>
      validateAction({
        action: "RemoveDriverPackage",
        args: { publishedInf: "netvsc.inf" },
        reason: "r",
      }),
    ).toThrow(/oemNN\.inf/);
  });
});

describe("every plan is ordered, free of duplicates and never disables a protected service by itself", () => {
  test("property over the rule inputs", () => {
    const modules = ["cxnetmon.sys", "storvsc.sys", "afd.sys", "ntoskrnl.exe", "unknown.sys", null];
    fc.assert(
      fc.property(
        fc.record({
          modules: fc.array(fc.constantFrom(...modules), { maxLength: 3 }),
          pending: fc.boolean(),
          dirty: fc.boolean(),
          dumpsOff: fc.boolean(),
          ems: fc.boolean(),
          events: fc.boolean(),
          recentPkg: fc.boolean(),
        }),
        (r) => {
          const c = sampleCollect();
          c.pendingUpdates.pendingXml = r.pending;
          c.volume.dirty = r.dirty;
          if (r.dumpsOff) c.dumps.crashControl = null;
          if (!r.events) c.events = [];
          if (!r.recentPkg)
            c.driverInstalls = c.driverInstalls.filter((i) => i.publishedInf !== "oem42.inf");
          const triage = r.modules.map((m, i) =>
            triageOf(m, {
              file: `1129${26 - i}-1-01.dmp`,
              crashTime: `2026-11-${29 - i}T06:12:44Z`,
            }),
          );
          const d = planRepair({ collect: c, triage, findings: [], options: { enableEms: r.ems } });
          const order = d.plan.actions.map((a) => ACTION_ORDER.indexOf(a.action));
          expect(order).toEqual([...order].sort((a, b) => a - b));
          const keys = d.plan.actions.map((a) => JSON.stringify(a));
          expect(new Set(keys).size).toBe(keys.length);
          for (const a of d.plan.actions)
            if (a.action === "DisableDriver")
              expect(d.protectedServices).not.toContain(a.args.service);
          expect(d.undo.map((u) => u.action)).toEqual(
            d.plan.actions.map((a) => a.action).reverse(),
          );
          for (const a of d.plan.actions) expect(a.reason.length).toBeGreaterThan(10);
        },
      ),
      { numRuns: 150 },
    );
  });
});

test("bugcheck events alone date the first crash when the dump has no time", () => {
  const c = sampleCollect();
  c.events = [bugcheckEvent("2026-11-29T06:13:25Z", "0x1000007e", "112926-9218-01")];
  const d = plan({ collect: c, triage: [triageOf("afd.sys", { crashTime: null })] });
  expect(d.decisions.find((x) => x.action === "DisableDriver")!.reason).toMatch(
    /\(32 h before 2026-11-29T06:13:25Z\)/,
  );
});

describe("safe mode on AWS (its boot check cannot verify or revert it)", () => {
  test("the operator's SetSafeBoot is refused in one line", () => {
    const e = planErrorOf(() =>
      planRepair({
        collect: sampleCollect(),
        triage: sampleTriage(),
        findings: [],
        options: { actions: ["SetSafeBoot"] },
        cloud: "aws",
      }),
    );
    expect(e.code).toBe("unsupported-on-cloud");
    expect(e.message).toMatch(/^SetSafeBoot is refused on AWS: [^\n]*$/);
  });

  test("the safe-mode fallback is left for a person instead, and the gate stays closed", () => {
    const input = {
      collect: withoutCxnetmonInstall(),
      triage: [triageOf("storvsc.sys")],
      findings: [],
      options: {},
    };
    expect(names(planRepair(input))).toEqual(["SetSafeBoot"]);
    const d = planRepair({ ...input, cloud: "aws" });
    expect(names(d)).not.toContain("SetSafeBoot");
    expect(d.leftForPerson).toEqual([expect.stringMatching(/safe mode is not planned on AWS/)]);
    expect(
      swapGate([], false, { leftForPerson: d.leftForPerson }).reasons.some((r) =>
        /^left for a person before the swap: safe mode is not planned on AWS/.test(r),
      ),
    ).toBe(true);
  });
});
