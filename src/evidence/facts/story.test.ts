import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { CollectOutput } from "../../collect/contract";
import { parseCollectOutput } from "../../collect/validate";
import { decideRescue, type RescueDecision } from "../../repair/decide";
import { collectFromEvidence } from ".";
import {
  DISK,
  SAMPLE_DUMP,
  STORY_COLLECT,
  bugcheckEventLog,
  describeIf,
  file,
  fixture,
  missing,
  sampleSystemHive,
  storyBundle,
} from "./testing/evidence";

/** The bundled story as collect.ps1 told it, with the sample dump it lists over its size cap. */
function storyDocument(): CollectOutput {
  const doc = parseCollectOutput(fs.readFileSync(STORY_COLLECT, "utf8"));
  const base64 = fs.readFileSync(SAMPLE_DUMP).toString("base64");
  const minidumps = doc.dumps.minidumps.map((m) => ({ ...m, base64, truncated: false }));
  return { ...doc, dumps: { ...doc.dumps, minidumps } };
}

/** What a rescue does: the culprit and each action with its arguments. */
function outcome(d: RescueDecision) {
  return {
    culprit: d.repair.culprit,
    // EMS is an additive setting: the document says it is on, the BCD fixture that it is off
    actions: d.repair.plan.actions
      .filter((a) => a.action !== "EnableEms")
      .map((a) => ({ action: a.action, args: a.args })),
    triage: d.triage.map((t) => [t.file, t.bugCheck?.code, t.causedBy?.module]),
  };
}

describeIf(missing([], ["xz"]), "the sample story read from its evidence", () => {
  let facts: ReturnType<typeof collectFromEvidence>;
  beforeAll(() => {
    facts = collectFromEvidence(storyBundle(), { now: new Date("2026-11-30T08:41:17Z") });
  });

  test.each([
    ["azure", {}],
    ["hyperv", { hostBuild: 20348 }],
  ] as const)("%s: the same culprit and actions as the collect document's story", (cloud, more) => {
    const fromScript = decideRescue({ collect: storyDocument(), cloud, ...more });
    const fromBytes = decideRescue({ collect: facts.collect, cloud, ...more });
    expect(outcome(fromBytes)).toEqual(outcome(fromScript));
    expect(outcome(fromBytes).culprit).toMatchObject({
      module: "cxnetmon.sys",
      service: "cxnetmon",
    });
    expect(fromBytes.repair.plan.actions.map((a) => a.action)).toEqual([
      "DisableDriver",
      "QuarantineDriverFile",
      "EnableEms",
    ]);
  });

  test("the document passes the schema after a JSON round trip", () => {
    const again = parseCollectOutput(JSON.stringify(facts.collect));
    expect(again).toEqual(facts.collect);
    expect(facts.collect.driverInstalls.map((i) => i.publishedInf)).toEqual([
      "oem42.inf",
      "oem42.inf",
    ]);
  });

  test("the culprit's service is read from the hive, each value with its citation", () => {
    const index = facts.collect.services.findIndex((s) => s.name === "cxnetmon");
    expect(facts.collect.services[index]).toEqual({
      name: "cxnetmon",
      displayName: "Contoso Network Monitor",
      imagePath: "\\SystemRoot\\System32\\drivers\\cxnetmon.sys",
      start: 1,
      type: 1,
      errorControl: 1,
      group: "NDIS",
      startOverride: null,
      file: null,
    });
    const key = "ControlSet001\\Services\\cxnetmon";
    const cited = facts.citations.filter((c) => c.fact.startsWith(`/services/${index}/`));
    expect(cited).toContainEqual({
      fact: `/services/${index}/start`,
      file: DISK.system,
      key,
      value: "Start",
    });
    expect(cited.map((c) => c.fact.split("/")[3]).sort()).toEqual(
      ["displayName", "errorControl", "group", "imagePath", "name", "start", "type"].sort(),
    );
    expect(facts.citations).toContainEqual({
      fact: "/controlSets/current",
      file: DISK.system,
      key: "Select",
      value: "Default",
    });
  });

  test("service key names as the hive holds them (.NET CLR Data) are kept", () => {
    const names = facts.collect.services.map((s) => s.name);
    expect(names).toContain(".NET CLR Data");
    expect(names).toContain("storahci");
    expect(new Set(names).size).toBe(names.length);
  });

  test("control sets, crash control, time zone and architecture of the real hive", () => {
    const c = facts.collect;
    expect(c.controlSets).toEqual({ current: 1, default: 1, failed: 0, lastKnownGood: 1 });
    expect(c.dumps.crashControl?.crashDumpEnabled).toBe(7);
    expect(c.timeZone).toMatchObject({
      keyName: "Pacific Standard Time",
      bias: 480,
      daylightBias: -60,
    });
    expect(c.os.architecture).toBe("x64");
    expect(c.pendingUpdates).toEqual({
      pendingXml: false,
      regBackPopulated: false,
      pendingFileRenames: false,
    });
  });

  test("what the evidence cannot say is unknown, and problems say so", () => {
    const c = facts.collect;
    expect(c.os).toMatchObject({ productName: "", build: 0, ubr: null, editionId: null });
    expect(c.services.every((s) => s.file === null)).toBe(true);
    expect(c.volume).toEqual({ fileSystem: null, sizeBytes: null, freeBytes: null, dirty: null });
    const text = facts.problems.join("\n");
    expect(text).toMatch(/^software-hive: no SOFTWARE hive/m);
    expect(text).toMatch(/^os: .*build 0/m);
    expect(text).toMatch(/^target: .*diskNumber 0/m);
    expect(text).toMatch(/^services: file facts .* unknown/m);
    expect(text).toMatch(/112926-9218-01\.dmp: write time unknown/);
    expect(c.errors.map((e) => `${e.step}: ${e.message}`)).toEqual(facts.problems);
  });

  test("the dump is carried as collect carries it; over the size cap, without its bytes", () => {
    const [dump] = facts.collect.dumps.minidumps;
    expect(dump).toMatchObject({ name: "112926-9218-01.dmp", sizeBytes: 25772, truncated: false });
    expect(Buffer.from(dump.base64 ?? "", "base64").equals(fs.readFileSync(SAMPLE_DUMP))).toBe(
      true,
    );
    const capped = collectFromEvidence(storyBundle(), { maxMinidumpBytes: 1000 });
    expect(capped.collect.dumps.minidumps[0]).toMatchObject({ base64: null, truncated: true });
  });

  test("a target given by the caller replaces the placeholders", () => {
    const given = collectFromEvidence(storyBundle(), {
      target: { diskNumber: 3, busType: "SCSI", windowsVolume: "F:\\" },
    });
    expect(given.collect.target).toMatchObject({
      diskNumber: 3,
      busType: "SCSI",
      windowsVolume: "F:\\",
    });
    expect(given.problems.join("\n")).not.toMatch(/placeholders stand in/);
    expect(() => collectFromEvidence(storyBundle(), { target: { diskNumber: -1 } })).toThrow(
      RangeError,
    );
  });
});

describeIf(missing([fixture("hives", "BCD")], ["xz"]), "the sample story's boot settings", () => {
  test("BCD facts from the real store, cited by element", () => {
    const facts = collectFromEvidence(storyBundle());
    expect(facts.collect.bcd).toEqual({
      defaultEntry: "{733b62e5-f608-11eb-825c-c112f60133ab}",
      safeboot: null,
      safebootAlternateShell: false,
      bootStatusPolicy: null,
      recoveryEnabled: true,
      ems: false,
      bootEms: false,
    });
    expect(facts.collect.target).toMatchObject({ bcdStore: DISK.bcd, generation: 2 });
    expect(facts.citations).toContainEqual({
      fact: "/bcd/defaultEntry",
      file: DISK.bcd,
      key: "Objects\\{9dea862c-5cdd-4e70-acc1-f32b344d4795}\\Elements\\23000003",
      value: "Element",
    });
  });
});

describeIf(missing([], ["xz", "hivexget"]), "the sample hive against hivex", () => {
  test("hivexget reads the cxnetmon values the facts carry", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vmr-facts-"));
    try {
      const hive = path.join(dir, "SYSTEM");
      fs.writeFileSync(hive, sampleSystemHive());
      const get = (value: string) =>
        execFileSync("hivexget", [hive, "ControlSet001\\Services\\cxnetmon", value], {
          encoding: "utf8",
        }).trim();
      const s = collectFromEvidence(storyBundle()).collect.services.find(
        (x) => x.name === "cxnetmon",
      );
      expect(get("ImagePath")).toBe(s?.imagePath);
      expect(Number(get("Start"))).toBe(s?.start);
      expect(Number(get("Type"))).toBe(s?.type);
      expect(get("Group")).toBe(s?.group);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describeIf(missing([], ["xz"]), "the sample story with its bug-check event", () => {
  test("the event is a fact; the dump's write time is the event's, cited by record", () => {
    const time = "2026-11-29T06:13:31Z";
    const bundle = {
      ...storyBundle(),
      systemEventLog: file(DISK.evtx, bugcheckEventLog(time, "112926-9218-01", 7n)),
    };
    const facts = collectFromEvidence(bundle);
    expect(facts.collect.events).toEqual([
      {
        id: 1001,
        provider: "Microsoft-Windows-WER-SystemErrorReporting",
        timeCreatedUtc: "2026-11-29T06:13:31.0000000Z",
        level: null,
        data: {
          param1:
            "0x1000007e (0xffffffffc0000005, 0xfffff8051235a2b4, 0xffffd381e8d56e08, 0xffffd381e8d56650)",
          param2: "C:\\Windows\\Minidump\\112926-9218-01.dmp",
          param3: "112926-9218-01",
        },
      },
    ]);
    expect(facts.collect.dumps.minidumps[0].lastWriteUtc).toBe("2026-11-29T06:13:31.0000000Z");
    expect(facts.citations).toContainEqual({
      fact: "/dumps/minidumps/0/lastWriteUtc",
      file: DISK.evtx,
      record: 7,
    });
    expect(facts.problems.join("\n")).not.toMatch(/write time unknown/);
    const decided = decideRescue({ collect: facts.collect, cloud: "azure" });
    expect(decided.repair.plan.actions.map((a) => a.action)).toEqual([
      "DisableDriver",
      "QuarantineDriverFile",
      "EnableEms",
    ]);
  });
});
