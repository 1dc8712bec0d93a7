import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { parseCollectOutput } from "../../collect/validate";
import { decodeValue } from "../hive/decode";
import { parseRegExport } from "../hive/testing/regExport";
import { collectFromEvidence } from ".";
import { DISK, describeIf, emptyBundle, file, fixture, missing } from "./testing/evidence";

const hive = (name: string) => fixture("hives", name);
const read = (name: string) => fs.readFileSync(hive(name));
const LOGS = ["SYSTEM_B", "SYSTEM_B.LOG1", "SYSTEM_B.LOG2"];

describeIf(missing(LOGS.map(hive)), "SYSTEM_B: a dirty hive and its transaction logs", () => {
  const bundle = (withLogs: boolean) =>
    emptyBundle({
      systemHive: file(DISK.system, read("SYSTEM_B")),
      // Given LOG2 first: the facts take them in name order, LOG1 then LOG2.
      systemHiveLogs: withLogs
        ? [
            file(`${DISK.system}.LOG2`, read("SYSTEM_B.LOG2")),
            file(`${DISK.system}.LOG1`, read("SYSTEM_B.LOG1")),
          ]
        : [],
    });

  test("replayed: the service only the logs hold is a fact, cited, and nothing says dirty", () => {
    const facts = collectFromEvidence(bundle(true));
    const index = facts.collect.services.findIndex((s) => s.name === "ad_driver");
    expect(facts.collect.services[index]).toMatchObject({
      start: 3,
      type: 1,
      errorControl: 1,
      imagePath: "\\??\\C:\\Users\\jcloudy\\AppData\\Local\\Temp\\ad_driver.sys",
      displayName: "AccessData Driver",
    });
    expect(facts.citations).toContainEqual({
      fact: `/services/${index}/start`,
      file: DISK.system,
      key: "ControlSet001\\Services\\ad_driver",
      value: "Start",
    });
    expect(facts.problems.join("\n")).not.toMatch(/hive is dirty/);
    expect(parseCollectOutput(JSON.stringify(facts.collect))).toEqual(facts.collect);
  });

  test("without its logs: read as it is, and a problems line says the hive is dirty", () => {
    const facts = collectFromEvidence(bundle(false));
    expect(facts.collect.services.map((s) => s.name)).not.toContain("ad_driver");
    expect(facts.problems.join("\n")).toMatch(
      /^system-hive: hive is dirty .* no transaction logs were given/m,
    );
  });
});

describeIf(missing([hive("corrupted_system_hive")]), "a corrupted SYSTEM hive", () => {
  test("one problems line, not a crash; the rest of the evidence is still read", () => {
    const bcd = hive("BCD");
    const facts = collectFromEvidence(
      emptyBundle({
        systemHive: file(DISK.system, read("corrupted_system_hive")),
        bcd: fs.existsSync(bcd) ? file(DISK.bcd, fs.readFileSync(bcd)) : null,
      }),
    );
    const lines = facts.problems.filter((p) => p.startsWith("system-hive:"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^system-hive: SYSTEM hive unreadable: regf .*root key/);
    expect(facts.problems).toContain(
      "control-sets: no control set was read: controlSets.current 1 stands in",
    );
    expect(facts.collect.services).toEqual([]);
    expect(facts.collect.timeZone).toBeNull();
    if (fs.existsSync(bcd)) expect(facts.collect.bcd?.defaultEntry).toMatch(/^\{733b62e5/);
  });
});

describeIf(
  missing([hive("SYSTEM_WIN7_X86")], ["hivexregedit"]),
  "SYSTEM_WIN7_X86: every service against hivexregedit's export",
  () => {
    const bytes = read("SYSTEM_WIN7_X86");
    const facts = collectFromEvidence(emptyBundle({ systemHive: file(DISK.system, bytes) }));
    const exported = parseRegExport(
      execFileSync(
        "hivexregedit",
        ["--export", hive("SYSTEM_WIN7_X86"), "\\ControlSet001\\Services"],
        {
          encoding: "utf8",
          maxBuffer: 256 * 1024 * 1024,
        },
      ),
    );
    // hivex prints key names as stored ("services"); Windows compares them without case.
    const byPath = new Map([...exported].map(([key, values]) => [key.toLowerCase(), values]));

    test("control sets, architecture and the count of services", () => {
      expect(facts.collect.controlSets).toEqual({
        current: 1,
        default: 1,
        failed: 0,
        lastKnownGood: 2,
      });
      expect(facts.collect.os.architecture).toBe("x86");
      expect(facts.collect.services).toHaveLength(467);
      expect(facts.collect.services.map((s) => s.name)).toContain(".NET CLR Data");
    });

    test("each service's values are what hivex reads for that key", () => {
      const fields = {
        start: "Start",
        type: "Type",
        errorControl: "ErrorControl",
        group: "Group",
        imagePath: "ImagePath",
        displayName: "DisplayName",
      } as const;
      const differences: string[] = [];
      for (const s of facts.collect.services) {
        const values = byPath.get(`controlset001\\services\\${s.name}`.toLowerCase());
        if (values === undefined) {
          differences.push(`${s.name}: not in the export`);
          continue;
        }
        for (const [field, name] of Object.entries(fields)) {
          const theirs = values.find((v) => v.name.toLowerCase() === name.toLowerCase());
          const decoded = theirs && decodeValue(theirs.type, theirs.bytes);
          const expected =
            typeof decoded === "number" || typeof decoded === "string" ? decoded : null;
          const ours = s[field as keyof typeof fields];
          if (ours !== expected) differences.push(`${s.name}\\${name}: ${ours} vs ${expected}`);
        }
      }
      expect(differences).toEqual([]);
    });
  },
);

describeIf(missing([fixture("evtx", "system.evtx")]), "the real System.evtx", () => {
  const bytes = fs.readFileSync(fixture("evtx", "system.evtx"));
  const facts = collectFromEvidence(emptyBundle({ systemEventLog: file(DISK.evtx, bytes) }));
  const events = facts.collect.events;

  test("boot-story events only, newest first, within 30 days of the newest record", () => {
    // The log's last month holds only 7023s (service terminated), on 2018-03-06.
    expect(events.map((e) => e.id)).toEqual(Array(10).fill(7023));
    const times = events.map((e) => Date.parse(e.timeCreatedUtc));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(events[0].timeCreatedUtc).toBe("2018-03-06T08:13:42.0091592Z");
  });

  test("each event cites its record; unnamed data is param1..N as collect names it", () => {
    const cited = facts.citations.filter((c) => c.fact.startsWith("/events/"));
    expect(cited).toHaveLength(events.length);
    expect(cited.every((c) => c.file === DISK.evtx && Number.isInteger(c.record))).toBe(true);
    const all = collectFromEvidence(emptyBundle({ systemEventLog: file(DISK.evtx, bytes) }), {
      eventDays: 3650,
    }).collect.events;
    const counts = new Map<number, number>();
    for (const e of all) counts.set(e.id, (counts.get(e.id) ?? 0) + 1);
    expect(Object.fromEntries(counts)).toEqual({
      7000: 3,
      7023: 12,
      7026: 3,
      20001: 24,
      20003: 16,
    });
    const failed = all.find((e) => e.id === 7026);
    expect(failed?.provider).toBe("Service Control Manager");
    expect(Object.keys(failed?.data ?? {})).toEqual(["param1"]);
  });

  test("maxEvents caps the list at the newest", () => {
    const capped = collectFromEvidence(emptyBundle({ systemEventLog: file(DISK.evtx, bytes) }), {
      maxEvents: 5,
    });
    expect(capped.collect.events).toEqual(events.slice(0, 5));
  });
});
