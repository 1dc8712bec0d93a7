/**
 * The generated parameter description stays in step with the scripts, and hostile values are
 * refused twice: by the TypeScript validators and by the scripts' own ValidatePattern regexes.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { ScriptParamError, psPatternToRegExp, validateScriptParams } from "./paramValidation";
import {
  COLLECT_PARAMS,
  REPAIR_PARAMS,
  validateCollectParams,
  validateRepairParams,
} from "./params.generated";
import { analyzeScriptFiles, type PsParamFacts } from "../../tests/helpers/psFacts";
import { REPO_ROOT, TOOLS } from "../../tests/helpers/paths";

/** The one table of hostile values (shared with the PowerShell binder's test). Every pattern-checked parameter must refuse each of them. */
const HOSTILE: ReadonlyArray<[string, string]> = (
  JSON.parse(readFileSync(path.join(REPO_ROOT, "tests", "fixtures", "hostile-values.json"), "utf8"))
    .values as { name: string; value: string }[]
).map((v) => [v.name, v.value]);

const scriptsDir = __dirname;
let psParams: Record<string, PsParamFacts[]>;
beforeAll(() => {
  const facts = analyzeScriptFiles(
    ["collect.ps1", "repair.ps1"].map((f) => path.join(scriptsDir, f)),
  );
  psParams = Object.fromEntries(
    Object.entries(facts).map(([f, x]) => [path.basename(f), x.params]),
  );
});

const patterned = [
  ...COLLECT_PARAMS.filter((p) => p.validatePattern).map((p) => ["collect.ps1", p] as const),
  ...REPAIR_PARAMS.filter((p) => p.validatePattern).map((p) => ["repair.ps1", p] as const),
];

describe("params.generated.ts", () => {
  it("is what the generator writes from the current scripts (run npm run gen:params when this fails)", () => {
    const fresh = execFileSync(
      process.execPath,
      ["--no-deprecation", path.join(TOOLS, "generate-params.mjs"), "--stdout"],
      { encoding: "utf8" },
    );
    expect(readFileSync(path.join(scriptsDir, "params.generated.ts"), "utf8")).toBe(fresh);
  });

  it("describes the parameters the scripts declare, with the same patterns", () => {
    for (const [script, specs] of [
      ["collect.ps1", COLLECT_PARAMS],
      ["repair.ps1", REPAIR_PARAMS],
    ] as const) {
      expect(specs.map((s) => [s.name, s.type, s.validatePattern ?? null])).toEqual(
        psParams[script].map((p) => [p.name, p.type, p.validatePattern ?? null]),
      );
    }
  });
});

describe("validators", () => {
  it("accept the sample story's repair parameters and collect defaults", () => {
    const repair = {
      Actions: ["DisableDriver", "QuarantineDriverFile", "RemoveDriverPackage", "EnableCrashDump"],
      DriverService: "cxnetmon",
      DriverFilePath: "System32\\drivers\\cxnetmon.sys",
      PublishedInf: "oem42.inf",
      CrashDumpKind: "automatic" as const,
      ProtectedServices: ["vmbus", "storvsc", "disk", "volmgr", "partmgr", "ntfs"],
      DryRun: true,
    };
    expect(validateRepairParams(repair)).toEqual(repair);
    expect(validateCollectParams({})).toEqual({});
    expect(
      validateCollectParams({ MaxMinidumps: 5, OutputPath: "C:\\vm-rescue\\collect.json" }),
    ).toEqual({ MaxMinidumps: 5, OutputPath: "C:\\vm-rescue\\collect.json" });
  });

  it.each<[string, unknown, RegExp]>([
    ["missing mandatory Actions", {}, /^repair\.ps1 -Actions: is mandatory$/],
    [
      "unknown parameter",
      { Actions: ["Chkdsk"], Force: true },
      /^repair\.ps1 -Force: unknown parameter/,
    ],
    [
      "action not in the set",
      { Actions: ["FormatDisk"] },
      /-Actions: item 0: "FormatDisk" does not match/,
    ],
    ["wrong type", { Actions: "Chkdsk" }, /-Actions: expected an array of strings/],
    [
      "switch given a string",
      { Actions: ["Chkdsk"], DryRun: "yes" },
      /-DryRun: expected true or false/,
    ],
    [
      "value outside a ValidateSet",
      { Actions: ["SetSafeBoot"], SafeBootMode: "dsrepair" },
      /-SafeBootMode: "dsrepair" is not one of minimal, network/,
    ],
    [
      "too many items",
      { Actions: Array(33).fill("Chkdsk") },
      /-Actions: 33 items is outside 1\.\.32/,
    ],
    ["not an object", "Actions=Chkdsk", /^repair\.ps1: parameters must be an object/],
  ])("refuse %s with a message naming the parameter", (_what, input, message) => {
    expect(() => validateRepairParams(input)).toThrow(ScriptParamError);
    expect(() => validateRepairParams(input)).toThrow(message);
  });

  it("refuse numbers outside ValidateRange and non-integers", () => {
    expect(() => validateCollectParams({ MaxMinidumps: 21 })).toThrow(
      "collect.ps1 -MaxMinidumps: 21 is outside 0..20",
    );
    expect(() => validateCollectParams({ DiskNumber: 1.5 })).toThrow(
      "collect.ps1 -DiskNumber: expected an integer, got 1.5",
    );
  });

  it("match like .NET: case-insensitive, whole value", () => {
    expect(
      validateRepairParams({ Actions: ["chkdsk"], PublishedInf: "OEM42.INF" }).PublishedInf,
    ).toBe("OEM42.INF");
    expect(() =>
      validateRepairParams({ Actions: ["Chkdsk"], PublishedInf: "oem42.inf.bak" }),
    ).toThrow(/-PublishedInf/);
  });
});

describe.each(HOSTILE)("hostile value: %s", (_name, value) => {
  it.each(patterned.map(([script, spec]) => [`${script} -${spec.name}`, script, spec] as const))(
    "is refused for %s",
    (_label, script, spec) => {
      const input: Record<string, unknown> = spec.name === "Actions" ? {} : { Actions: ["Chkdsk"] };
      input[spec.name] = spec.type === "string[]" ? [value] : value;
      expect(() =>
        validateScriptParams(
          script,
          script === "repair.ps1" ? REPAIR_PARAMS : COLLECT_PARAMS,
          input,
        ),
      ).toThrow(ScriptParamError);
      // The script's own pattern (read from the .ps1, not from the generated file), evaluated as .NET would.
      const fromScript = psParams[script].find((p) => p.name === spec.name)!.validatePattern!;
      expect(psPatternToRegExp(fromScript).test(value)).toBe(false);
    },
  );
});

describe("the regex dialect shared by .NET and JavaScript", () => {
  it("refuses constructs whose meaning differs between the two", () => {
    expect(() => psPatternToRegExp("^[a-z]+$")).toThrow(/use \\z/);
    expect(() => psPatternToRegExp("^\\d+\\z")).toThrow(/\\d/);
    expect(() => psPatternToRegExp("^(?!x)[a-z]+\\z")).toThrow(/lookaround/);
    expect(() => psPatternToRegExp("[a-z]+\\z")).toThrow(/anchored/);
  });

  it("treats \\z as the very end: a trailing newline does not slip through", () => {
    expect(psPatternToRegExp("^oem[0-9]{1,4}\\.inf\\z").test("oem42.inf\n")).toBe(false);
    expect(psPatternToRegExp("^oem[0-9]{1,4}\\.inf\\z").test("OEM42.inf")).toBe(true);
  });

  it("every script pattern is in the shared subset", () => {
    for (const [, spec] of patterned)
      expect(() => psPatternToRegExp(spec.validatePattern!)).not.toThrow();
  });

  it("service-name patterns refuse any value with a character outside letters, digits, _ . -", () => {
    const re = psPatternToRegExp(
      REPAIR_PARAMS.find((p) => p.name === "DriverService")!.validatePattern!,
    );
    fc.assert(
      fc.property(
        fc.string({ maxLength: 40 }),
        fc.constantFrom(..."'\";$`|&(){}[]<>\\/ \t\r\n%!*?,"),
        fc.string({ maxLength: 40 }),
        (a, bad, b) => !re.test(a + bad + b),
      ),
    );
  });
});
