import type { RepairPlan } from "../collect/contract";
import {
  EmbedError,
  SSM_DOCUMENT_MAX_BYTES,
  azureRunCommandSource,
  embedScript,
  readScript,
  repairParamsFromPlan,
  ssmCommandDocument,
} from "./embed";
import { ScriptParamError } from "./paramValidation";
import type { RepairParams } from "./params.generated";
import { analyzeScriptText } from "../../tests/helpers/psFacts";

const PROTECTED = [
  "acpi",
  "pci",
  "vmbus",
  "storvsc",
  "storport",
  "disk",
  "volmgr",
  "partmgr",
  "mountmgr",
  "ntfs",
  "netvsc",
];

const storyPlan: RepairPlan = {
  schemaVersion: 1,
  kind: "repairPlan",
  dryRun: false,
  actions: [
    {
      action: "DisableDriver",
      args: { service: "cxnetmon" },
      reason: "0x1000007E in cxnetmon.sys",
    },
    {
      action: "QuarantineDriverFile",
      args: { path: "Windows\\System32\\drivers\\cxnetmon.sys" },
      reason: "keep the file off the boot path",
    },
    {
      action: "RemoveDriverPackage",
      args: { publishedInf: "oem42.inf" },
      reason: "installed two days before the first crash",
    },
    {
      action: "EnableCrashDump",
      args: { kind: "automatic" },
      reason: "keep evidence of a next crash",
    },
  ],
};

const storyParams: RepairParams = {
  Actions: ["DisableDriver", "QuarantineDriverFile", "RemoveDriverPackage", "EnableCrashDump"],
  DriverService: "cxnetmon",
  DriverFilePath: "System32\\drivers\\cxnetmon.sys",
  PublishedInf: "oem42.inf",
  CrashDumpKind: "automatic",
  ProtectedServices: PROTECTED,
};

describe("repairParamsFromPlan", () => {
  it("turns the sample story's plan into repair.ps1 parameters", () => {
    expect(repairParamsFromPlan(storyPlan, { protectedServices: PROTECTED })).toEqual(storyParams);
  });

  it("carries dry run, force, safe-boot mode and the clean-boot list", () => {
    const plan: RepairPlan = {
      ...storyPlan,
      dryRun: true,
      actions: [
        { action: "DisableDriver", args: { service: "storvsc", force: true }, reason: "r" },
        { action: "SetSafeBoot", args: { mode: "network" }, reason: "r" },
        { action: "CleanBoot", args: { services: ["cxnetmon", "ContosoAgent"] }, reason: "r" },
      ],
    };
    expect(
      repairParamsFromPlan(plan, { protectedServices: PROTECTED, diskNumber: 2 }),
    ).toMatchObject({
      DryRun: true,
      ForceBootCritical: true,
      SafeBootMode: "network",
      CleanBootServices: ["cxnetmon", "ContosoAgent"],
      DiskNumber: 2,
    });
  });

  it("accepts the driver path spellings Windows uses", () => {
    for (const p of [
      "\\SystemRoot\\System32\\drivers\\cxnetmon.sys",
      "%SystemRoot%\\System32\\drivers\\cxnetmon.sys",
      "C:\\Windows\\System32\\drivers\\cxnetmon.sys",
      "System32/drivers/cxnetmon.sys",
    ]) {
      const plan: RepairPlan = {
        ...storyPlan,
        actions: [{ action: "QuarantineDriverFile", args: { path: p }, reason: "r" }],
      };
      expect(repairParamsFromPlan(plan, { protectedServices: [] }).DriverFilePath).toBe(
        "System32\\drivers\\cxnetmon.sys",
      );
    }
  });

  it.each<[string, RepairPlan, typeof EmbedError | typeof ScriptParamError, RegExp]>([
    [
      "two drivers in one run",
      {
        ...storyPlan,
        actions: [
          { action: "DisableDriver", args: { service: "a" }, reason: "r" },
          { action: "DisableDriver", args: { service: "b" }, reason: "r" },
        ],
      },
      EmbedError,
      /one DisableDriver service per run/,
    ],
    [
      "a path outside Windows",
      {
        ...storyPlan,
        actions: [
          { action: "QuarantineDriverFile", args: { path: "D:\\data\\x.sys" }, reason: "r" },
        ],
      },
      EmbedError,
      /not under the Windows folder/,
    ],
    [
      "a path climbing out",
      {
        ...storyPlan,
        actions: [
          {
            action: "QuarantineDriverFile",
            args: { path: "Windows\\..\\pagefile.sys" },
            reason: "r",
          },
        ],
      },
      ScriptParamError,
      /-DriverFilePath/,
    ],
    [
      "an injected service name",
      {
        ...storyPlan,
        actions: [
          { action: "DisableDriver", args: { service: "x;Remove-Item C:\\" }, reason: "r" },
        ],
      },
      ScriptParamError,
      /-DriverService/,
    ],
    ["no actions", { ...storyPlan, actions: [] }, EmbedError, /no actions/],
    [
      "not a plan",
      { ...storyPlan, kind: "collect" } as unknown as RepairPlan,
      EmbedError,
      /not a version 1 repair plan/,
    ],
  ])("refuses %s", (_what, plan, type, message) => {
    expect(() => repairParamsFromPlan(plan, { protectedServices: [] })).toThrow(type);
    expect(() => repairParamsFromPlan(plan, { protectedServices: [] })).toThrow(message);
  });
});

describe("embedScript", () => {
  it.each(["collect.ps1", "repair.ps1"] as const)(
    "puts common.ps1 into %s and keeps a clean, checked script with param() first",
    (name) => {
      const text = embedScript(name);
      expect(text).not.toContain(". (Join-Path $PSScriptRoot 'common.ps1')");
      expect(text).toContain("function Find-RescueTarget");
      expect(text.indexOf("function Mount-OfflineHive")).toBeGreaterThan(text.indexOf("param("));
      const facts = analyzeScriptText(text);
      expect(facts.syntaxErrors).toEqual([]);
      expect(facts.paramBlockFirst).toBe(true);
      expect(facts.nativeCalls.filter((c) => !c.checked)).toEqual([]);
      expect(facts.params.map((p) => p.name)).toEqual(
        analyzeScriptText(readScript(name)).params.map((p) => p.name),
      );
    },
  );
});

describe("embedScript drops common.ps1's comment-only lines", () => {
  it("only lines that are whole comments (common.ps1 has no here-string or block comment)", () => {
    const common = readScript("common.ps1");
    expect(common).not.toMatch(/@'|@"|<#|#>/);
    const sent = embedScript("repair.ps1");
    for (const line of common.split("\n").filter((l) => l.trim() && !/^\s*#/.test(l)))
      expect(sent).toContain(line);
    expect(sent).not.toContain("# One JSON file in the helper's state folder");
  });
});

describe("embedScript leaves the file's help block out of what is sent", () => {
  it.each(["repair.ps1", "collect.ps1"] as const)("%s", (name) => {
    const file = readScript(name);
    expect(file.split("\n")[0].trim()).toBe("<#");
    const sent = embedScript(name);
    expect(sent).not.toContain(".SYNOPSIS");
    expect(sent.trimStart().startsWith("[CmdletBinding()]")).toBe(true);
    // everything after the help block is sent
    const afterHelp = file
      .slice(file.indexOf("#>") + 2)
      .trim()
      .split("\n")[0];
    expect(sent).toContain(afterHelp);
  });
});

describe("azureRunCommandSource", () => {
  it("passes every value as a parameter and none in the script text", () => {
    const rc = azureRunCommandSource("repair.ps1", storyParams);
    expect(rc.parameters).toEqual([
      {
        name: "Actions",
        value: "DisableDriver,QuarantineDriverFile,RemoveDriverPackage,EnableCrashDump",
      },
      { name: "DriverService", value: "cxnetmon" },
      { name: "DriverFilePath", value: "System32\\drivers\\cxnetmon.sys" },
      { name: "PublishedInf", value: "oem42.inf" },
      { name: "CrashDumpKind", value: "automatic" },
      { name: "ProtectedServices", value: PROTECTED.join(",") },
    ]);
    expect(rc.protectedParameters).toEqual([]);
    expect(rc.source.script).toBe(embedScript("repair.ps1"));
    expect(rc.source.script).not.toMatch(/cxnetmon|oem42/i);
  });

  it("sets a switch that is on by one fixed line, never as a name/value pair", () => {
    const rc = azureRunCommandSource("repair.ps1", {
      ...storyParams,
      DryRun: true,
      ForceBootCritical: false,
    });
    expect(rc.parameters.map((p) => p.name)).not.toContain("DryRun");
    expect(rc.source.script).toContain("$DryRun = [switch]$true");
    expect(rc.source.script).not.toContain("$ForceBootCritical = [switch]$true");
    expect(analyzeScriptText(rc.source.script).syntaxErrors).toEqual([]);
  });

  it("refuses a bad value before building anything", () => {
    expect(() =>
      azureRunCommandSource("repair.ps1", {
        ...storyParams,
        DriverService: "cxnetmon'; Remove-Item C:\\ -Recurse; '",
      }),
    ).toThrow(/^repair\.ps1 -DriverService: .* does not match/);
    expect(() => azureRunCommandSource("collect.ps1", { MaxMinidumps: -1 })).toThrow(
      ScriptParamError,
    );
  });
});

describe("ssmCommandDocument", () => {
  const { document, parameters } = ssmCommandDocument("repair.ps1", storyParams);
  const step = document.mainSteps[0];

  it("is a schema 2.2 aws:runPowerShellScript document declaring every script parameter", () => {
    expect(document.schemaVersion).toBe("2.2");
    expect(step.action).toBe("aws:runPowerShellScript");
    expect(Object.keys(document.parameters)).toEqual(
      expect.arrayContaining([
        "Actions",
        "DriverService",
        "DriverFilePath",
        "PublishedInf",
        "DryRun",
        "ForceBootCritical",
      ]),
    );
    for (const p of Object.values(document.parameters)) expect(p.interpolationType).toBe("ENV_VAR");
  });

  it("binds values through SSM_ environment variables, never through {{ }} in the commands", () => {
    const commands = step.inputs.runCommand.join("\n");
    expect(commands).not.toContain("{{");
    expect(commands).toContain("$env:SSM_DriverService");
    expect(commands).not.toMatch(/cxnetmon|oem42/i);
    expect(parameters).toEqual({
      Actions: ["DisableDriver,QuarantineDriverFile,RemoveDriverPackage,EnableCrashDump"],
      DriverService: ["cxnetmon"],
      DriverFilePath: ["System32\\drivers\\cxnetmon.sys"],
      PublishedInf: ["oem42.inf"],
      CrashDumpKind: ["automatic"],
      ProtectedServices: [PROTECTED.join(",")],
    });
    expect(analyzeScriptText(commands).syntaxErrors).toEqual([]);
  });

  it("declares allowedPatterns that accept the values sent and refuse hostile ones", () => {
    for (const [name, [value]] of Object.entries(parameters)) {
      expect(new RegExp(document.parameters[name].allowedPattern!).test(value)).toBe(true);
    }
    expect(
      new RegExp(document.parameters.DriverService.allowedPattern!).test("x';Remove-Item C:\\"),
    ).toBe(false);
    expect(new RegExp(document.parameters.DriverService.allowedPattern!).test("")).toBe(true); // "" = not given
    expect(document.parameters.DryRun.allowedValues).toEqual(["true", "false"]);
    expect(document.parameters.PublishedInf.allowedPattern).toBe("^(?:oem[0-9]{1,4}\\.inf)?$");
  });

  it("stays under the 64 KB document limit for the sample story and refuses a document over it", () => {
    expect(Buffer.byteLength(JSON.stringify(document))).toBeLessThan(SSM_DOCUMENT_MAX_BYTES);
    const many = Array.from(
      { length: 500 },
      (_, i) => `ContosoService${String(i).padStart(3, "0")}_${"x".repeat(60)}`,
    );
    expect(() =>
      ssmCommandDocument("repair.ps1", { ...storyParams, CleanBootServices: many }),
    ).toThrow(/bytes with its parameters; the limit is 65536 bytes/);
  });
});
