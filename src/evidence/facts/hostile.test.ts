import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseCollectOutput } from "../../collect/validate";
import { collectFromEvidence } from ".";
import {
  DISK,
  describeIf,
  emptyBundle,
  file,
  missing,
  sampleSystemHive,
  storyBundle,
} from "./testing/evidence";

const junk = (n: number, seed = 1) => {
  const out = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i += 1) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
};

describe("evidence that is not what it says it is", () => {
  test("junk in every place: one problems line each, a valid document, no throw", () => {
    const facts = collectFromEvidence(
      emptyBundle({
        systemHive: file(DISK.system, junk(8192)),
        softwareHive: file("\\Windows\\System32\\config\\SOFTWARE", Buffer.from("regf")),
        bcd: file(DISK.bcd, junk(4096, 7)),
        systemEventLog: file(DISK.evtx, junk(100)),
        setupApiLog: file(DISK.setupApi, junk(300)),
        minidumps: [
          file("\\Windows\\Minidump\\evil:name.dmp", junk(10)),
          file("\\Windows\\Minidump\\not-a-dump.txt", junk(10)),
          file("\\Windows\\Minidump\\UPPER.DMP", junk(10)),
        ],
        problems: ["\\Windows\\MEMORY.DMP: unreadable"],
      }),
    );
    const steps = facts.collect.errors.map((e) => e.step);
    for (const step of ["system-hive", "software-hive", "bcd", "events"]) {
      expect(steps).toContain(step);
    }
    expect(facts.problems).toContain("evidence: \\Windows\\MEMORY.DMP: unreadable");
    expect(facts.collect.dumps.minidumps.map((m) => m.name)).toEqual(["UPPER.dmp"]);
    expect(facts.collect.dumps.minidumpCount).toBe(3);
    expect(parseCollectOutput(JSON.stringify(facts.collect))).toEqual(facts.collect);
  });

  test("an empty bundle gives a valid document that knows nothing", () => {
    const facts = collectFromEvidence(emptyBundle());
    expect(facts.collect.services).toEqual([]);
    expect(facts.collect.bcd).toBeNull();
    expect(facts.collect.setupApiLog).toBeNull();
    expect(facts.problems.join("\n")).toMatch(/no SYSTEM hive in the evidence/);
  });
});

describeIf(missing([], ["xz"]), "the sample hive with bytes flipped", () => {
  test("never a throw, always a valid document, whatever part stays readable", () => {
    const original = sampleSystemHive();
    const services: number[] = [];
    for (let round = 1; round <= 8; round += 1) {
      const bytes = Buffer.from(original);
      const noise = junk(8 * round, round);
      for (let i = 0; i < 2 * round - 1; i += 1) {
        bytes[4096 + (noise.readUInt32LE(i * 4) % (bytes.length - 4096))] ^= noise[i] | 1;
      }
      const cut = round % 4 === 0 ? bytes.subarray(0, bytes.length - round * 100_003) : bytes;
      const facts = collectFromEvidence({ ...storyBundle(), systemHive: file(DISK.system, cut) });
      expect(() => parseCollectOutput(JSON.stringify(facts.collect))).not.toThrow();
      services.push(facts.collect.services.length);
    }
    // Some rounds keep the services readable, others lose them: both paths were taken.
    expect(Math.max(...services)).toBeGreaterThan(700);
    expect(Math.min(...services)).toBeLessThan(700);
  });
});

describeIf(
  missing([], ["xz", "hivexregedit"]),
  "hostile values merged into the sample hive",
  () => {
    let facts: ReturnType<typeof collectFromEvidence>;
    beforeAll(() => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vmr-hostile-"));
      try {
        const hive = path.join(dir, "SYSTEM");
        fs.writeFileSync(hive, sampleSystemHive());
        const reg = path.join(dir, "hostile.reg");
        fs.writeFileSync(
          reg,
          [
            "Windows Registry Editor Version 5.00",
            "",
            "[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Services\\__proto__]",
            '"Start"=dword:00000007',
            '"ImagePath"=dword:00000001',
            '"Group"="a\\u202egroup"',
            "",
            "[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Services\\__proto__\\StartOverride]",
            '"__proto__"=dword:00000000',
            '"x/y~z"=dword:00000002',
            '"text"="3"',
            "",
            "[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Control\\TimeZoneInformation]",
            '"Bias"=dword:ffff0000',
            '"StandardStart"=hex:01,02',
            "",
          ].join("\n"),
        );
        execFileSync("hivexregedit", [
          "--merge",
          "--prefix",
          "HKEY_LOCAL_MACHINE\\SYSTEM",
          "--encoding",
          "UTF-16LE",
          hive,
          reg,
        ]);
        facts = collectFromEvidence({
          ...storyBundle(),
          systemHive: file(DISK.system, fs.readFileSync(hive)),
        });
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    test("a service called __proto__ is a service, its odd values null and said", () => {
      const index = facts.collect.services.findIndex((s) => s.name === "__proto__");
      const s = facts.collect.services[index];
      expect(s).toMatchObject({ start: null, imagePath: null });
      expect(Object.getPrototypeOf(s.startOverride)).toBe(Object.prototype);
      expect(Object.keys(s.startOverride ?? {})).toEqual(["__proto__", "x/y~z"]);
      expect(s.startOverride?.["x/y~z"]).toBe(2);
      expect(facts.citations).toContainEqual({
        fact: `/services/${index}/startOverride/x~1y~0z`,
        file: DISK.system,
        key: "ControlSet001\\Services\\__proto__\\StartOverride",
        value: "x/y~z",
      });
      const line = facts.problems.find((p) => p.startsWith("services: ") && p.includes("null"));
      expect(line).toMatch(/__proto__\\Start \(7, outside 0\.\.4\)|__proto__\\ImagePath/);
    });

    test("a bias past a day and a short SYSTEMTIME are null, with problems lines", () => {
      expect(facts.collect.timeZone).toMatchObject({ bias: null, standardStart: null });
      expect(facts.problems.filter((p) => p.startsWith("timeZone: "))).toHaveLength(2);
      expect(parseCollectOutput(JSON.stringify(facts.collect))).toEqual(facts.collect);
    });

    test("the story still decides the same: the planner reads the other facts unharmed", () => {
      expect(facts.collect.services.find((s) => s.name === "cxnetmon")?.start).toBe(1);
    });
  },
);
