import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { ScriptOutputError, parseCollectOutput, parseRepairResult } from "./validate";
import { EXAMPLES, REPO_ROOT } from "../../tests/helpers/paths";

const example = (name: string) => readFileSync(path.join(EXAMPLES, name), "utf8");
const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

function problem(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ScriptOutputError);
    return (e as Error).message;
  }
  throw new Error("expected the document to be refused");
}

describe("the validators compiled ahead", () => {
  it("are what ajv compiles from today's schemas (npm run gen:validators when this fails)", () => {
    const r = spawnSync(
      process.execPath,
      [path.join(REPO_ROOT, "tools", "generate-validators.mjs"), "--check"],
      { encoding: "utf8" },
    );
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });
});

describe("parseCollectOutput", () => {
  const sample = JSON.parse(example("collect-output.json"));

  it("accepts the sample story's collect output and keeps its facts", () => {
    const doc = parseCollectOutput(example("collect-output.json"));
    expect(doc.os).toMatchObject({ build: 17763, ubr: 6414 });
    const cx = doc.services.find((s) => s.name === "cxnetmon")!;
    expect(cx).toMatchObject({
      start: 1,
      type: 1,
      group: "NDIS",
      imagePath: "\\SystemRoot\\System32\\drivers\\cxnetmon.sys",
    });
    expect(cx.file).toMatchObject({ version: "3.4.1.0", company: "Contoso Ltd." });
    expect(doc.events.find((e) => e.id === 1001)!.data.param3).toBe("112926-9218-01");
    expect(doc.driverInstalls[0]).toMatchObject({
      publishedInf: "oem42.inf",
      originalInf: "cxnetmon.inf",
      timeUtc: "2026-11-27T22:05:10Z",
    });
    expect(doc.guest.azureGuestAgent!.version).toBe("2.7.41491.1102");
    expect(doc.dumps.minidumps[0].name).toBe("112926-9218-01.dmp");
    expect(doc.services.length).toBeGreaterThanOrEqual(40);
  });

  it("accepts the whole printed output: the document, then the summary line", () => {
    const printed = `${JSON.stringify(sample)}\r\nvm-rescue collect 1.0.0: disk 2 F:\\, build 17763.6414, 43 services; full document in C:\\vm-rescue\\collect-output.json\r\n`;
    expect(parseCollectOutput(printed).kind).toBe("collect");
  });

  it.each<[string, (d: any) => void, RegExp]>([
    ["a missing field", (d) => delete d.os, /\(document\): missing os/],
    ["a wrong type", (d) => (d.os.build = "17763"), /\/os\/build: must be integer/],
    [
      "a Start value Windows does not have",
      (d) => (d.services[0].start = 7),
      /\/services\/0\/start: must be <= 4/,
    ],
    [
      "an unknown partition style",
      (d) => (d.target.partitionStyle = "RAW"),
      /\/target\/partitionStyle: must be one of "MBR", "GPT"/,
    ],
    [
      "a time that is not ISO 8601",
      (d) => (d.collectedAtUtc = "29/11/2026 06:12"),
      /\/collectedAtUtc: must match format "date-time"/,
    ],
    [
      "another kind of document",
      (d) => (d.kind = "repairResult"),
      /\/kind: must be one of "collect"/,
    ],
    [
      "a bad base64 dump",
      (d) => (d.dumps.minidumps[0].base64 = "not base64!"),
      /\/dumps\/minidumps\/0\/base64/,
    ],
    [
      "neither the setupapi log nor a driver install list",
      (d) => delete d.setupApiLog,
      /\(document\): missing setupApiLog/,
    ],
    [
      "a SYSTEMTIME that is not 16 bytes of hex",
      (d) => (d.timeZone.standardStart = "00-00-0A-00"),
      /\/timeZone\/standardStart/,
    ],
    [
      "a log offset that is negative",
      (d) => (d.setupApiLog.offset = -1),
      /\/setupApiLog\/offset: must be >= 0/,
    ],
  ])("refuses %s with a one-line message", (_what, change, message) => {
    const d = clone(sample);
    change(d);
    const text = problem(() => parseCollectOutput(d));
    expect(text).toMatch(/^invalid collect output: /);
    expect(text).toMatch(message);
    expect(text).not.toContain("\n");
  });

  it("derives driverInstalls from the shipped setupapi.dev.log, converted with the guest's time zone", () => {
    expect(sample.driverInstalls).toBeUndefined();
    const doc = parseCollectOutput(clone(sample));
    expect(doc.driverInstalls.map((i) => [i.timeUtc, i.publishedInf, i.exitStatus])).toEqual([
      ["2026-11-27T22:05:10Z", "oem42.inf", "SUCCESS"],
      ["2026-11-27T22:05:13Z", "oem42.inf", "SUCCESS"],
    ]);
    const utc = clone(sample);
    utc.timeZone = null;
    expect(parseCollectOutput(utc).driverInstalls[0].timeUtc).toBe("2026-11-27T23:05:10Z");
    const noLog = clone(sample);
    noLog.setupApiLog = null;
    expect(parseCollectOutput(noLog).driverInstalls).toEqual([]);
  });

  it("accepts a collect.ps1 1.0 document, which carried driverInstalls itself", () => {
    const old = clone(sample);
    delete old.setupApiLog;
    delete old.timeZone;
    old.scriptVersion = "1.0.0";
    old.driverInstalls = [
      {
        timeUtc: "2026-11-27T22:05:10Z",
        subject: "oem42.inf",
        publishedInf: "oem42.inf",
        originalInf: "cxnetmon.inf",
        files: ["cxnetmon.sys"],
        exitStatus: "SUCCESS",
      },
    ];
    expect(parseCollectOutput(old).driverInstalls).toEqual(old.driverInstalls);
  });

  it.each([
    ["empty output", ""],
    ["truncated JSON", example("collect-output.json").slice(0, 4096)],
    ["null", null],
    ["an array", []],
  ])("refuses %s without crashing", (_what, input) => {
    expect(problem(() => parseCollectOutput(input))).toMatch(/^invalid collect output: /);
  });
});

describe("parseRepairResult", () => {
  const sample = JSON.parse(example("repair-result.json"));

  it("accepts the sample repair result with its undo records", () => {
    const r = parseRepairResult(example("repair-result.json"));
    expect(r.results.map((x) => [x.action, x.status])).toEqual([
      ["DisableDriver", "succeeded"],
      ["QuarantineDriverFile", "succeeded"],
      ["RemoveDriverPackage", "succeeded"],
      ["EnableCrashDump", "succeeded"],
    ]);
    expect(r.results[0].undo[0]).toEqual({
      kind: "registry",
      key: "SYSTEM\\ControlSet001\\Services\\cxnetmon",
      valueName: "Start",
      previous: { type: "DWord", data: 1 },
    });
  });

  it.each<[string, (d: any) => void, RegExp]>([
    [
      "an unknown action",
      (d) => (d.results[0].action = "FormatDisk"),
      /\/results\/0\/action: must be one of/,
    ],
    [
      "an unknown status",
      (d) => (d.results[0].status = "done"),
      /\/results\/0\/status: must be one of "succeeded", "failed", "skipped"/,
    ],
    [
      "an undo record of unknown kind",
      (d) => (d.results[0].undo[0].kind = "magic"),
      /\/results\/0\/undo\/0/,
    ],
    [
      "a file undo record without its destination",
      (d) => delete d.results[1].undo[0].to,
      /\/results\/1\/undo\/0: missing to/,
    ],
  ])("refuses %s", (_what, change, message) => {
    const d = clone(sample);
    change(d);
    expect(problem(() => parseRepairResult(d))).toMatch(message);
  });
});
