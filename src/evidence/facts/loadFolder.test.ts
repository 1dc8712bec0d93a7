import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { decideRescue } from "../../repair/decide";
import { FOLDER_CAPS, collectFromEvidence, loadEvidenceFolder } from ".";
import {
  SAMPLE_DUMP,
  describeIf,
  fixture,
  missing,
  sampleSystemHive,
  storySetupApiLog,
} from "./testing/evidence";

const DUMP_TIME = new Date("2026-11-29T06:13:02Z");

let root: string;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "vmr-folder-"));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** Writes `files` (relative path → bytes) under a new folder and returns it. */
function folder(name: string, files: Record<string, Buffer | string>): string {
  const dir = path.join(root, name);
  for (const [rel, bytes] of Object.entries(files)) {
    const at = path.join(dir, ...rel.split("/"));
    fs.mkdirSync(path.dirname(at), { recursive: true });
    fs.writeFileSync(at, bytes);
  }
  return dir;
}

describeIf(missing([], ["xz"]), "a folder laid out like the disk", () => {
  const bcd = fixture("hives", "BCD");
  let dir: string;
  beforeAll(() => {
    // Names in the case Windows leaves them, which is not always the case asked for.
    dir = folder("disk", {
      "Windows/system32/CONFIG/system": sampleSystemHive(),
      "Windows/minidump/112926-9218-01.dmp": fs.readFileSync(SAMPLE_DUMP),
      "Windows/inf/SetupAPI.dev.log": storySetupApiLog(),
      "Windows/MEMORY.DMP": Buffer.alloc(1234),
      ...(fs.existsSync(bcd) ? { "EFI/Microsoft/Boot/BCD": fs.readFileSync(bcd) } : {}),
    });
    const dump = path.join(dir, "Windows", "minidump", "112926-9218-01.dmp");
    fs.utimesSync(dump, DUMP_TIME, DUMP_TIME);
  });

  test("each file under its path on the disk, with its time", () => {
    const bundle = loadEvidenceFolder(dir);
    expect(bundle.systemHive?.path).toBe("\\Windows\\System32\\config\\SYSTEM");
    expect(bundle.systemHive?.bytes.equals(sampleSystemHive())).toBe(true);
    expect(bundle.minidumps.map((m) => m.path)).toEqual([
      "\\Windows\\Minidump\\112926-9218-01.dmp",
    ]);
    expect(bundle.setupApiLog?.path).toBe("\\Windows\\INF\\setupapi.dev.log");
    expect(bundle.memoryDumpBytes).toBe(1234);
    expect(bundle.systemEventLog).toBeNull();
    if (fs.existsSync(bcd)) {
      expect(bundle.bcd?.path).toBe("\\EFI\\Microsoft\\Boot\\BCD");
      expect(bundle.disk.generation).toBe(2);
    }
    expect(bundle.problems).toEqual([]);
  });

  test("the facts of the folder decide the story; the dump's time is its file's", () => {
    const facts = collectFromEvidence(loadEvidenceFolder(dir));
    const decided = decideRescue({ collect: facts.collect, cloud: "azure" });
    expect(decided.repair.culprit).toMatchObject({ module: "cxnetmon.sys", service: "cxnetmon" });
    expect(decided.repair.plan.actions.map((a) => a.action)).toEqual([
      "DisableDriver",
      "QuarantineDriverFile",
      "EnableEms",
    ]);
    expect(facts.collect.dumps.minidumps[0].lastWriteUtc).toBe("2026-11-29T06:13:02.000Z");
    expect(facts.collect.dumps.memoryDmp).toEqual({
      exists: true,
      sizeBytes: 1234,
      lastWriteUtc: null,
    });
    expect(facts.problems.join("\n")).not.toMatch(/write time unknown/);
  });
});

describe("a flat folder of evidence files", () => {
  test("found by name in any case; MEMORY.DMP is sized, not a minidump; no generation", () => {
    const dir = folder("flat", {
      system: "not really a hive",
      "SYSTEM.LOG1": "log one",
      "system.log2": "log two",
      BCD: "store",
      "a.dmp": "dump a",
      "MEMORY.DMP": "big",
      "System.evtx": "events",
      "setupapi.dev.log": "text",
      "pending.xml": "<xml/>",
      "unrelated.txt": "x",
    });
    const bundle = loadEvidenceFolder(dir, { route: "disk-image" });
    expect(bundle.route).toBe("disk-image");
    expect(bundle.systemHive?.bytes.toString()).toBe("not really a hive");
    expect(bundle.systemHiveLogs.map((l) => l.path)).toEqual([
      "\\Windows\\System32\\config\\SYSTEM.LOG1",
      "\\Windows\\System32\\config\\SYSTEM.LOG2",
    ]);
    expect(bundle.bcd?.path).toBe("BCD");
    expect(bundle.disk).toEqual({ partitionStyle: null, generation: null });
    expect(bundle.minidumps.map((m) => m.path)).toEqual(["\\Windows\\Minidump\\a.dmp"]);
    expect(bundle.memoryDumpBytes).toBe(3);
    expect(bundle.pendingXml?.path).toBe("\\Windows\\WinSxS\\pending.xml");
    const facts = collectFromEvidence(bundle);
    expect(facts.collect.pendingUpdates.pendingXml).toBe(true);
    expect(facts.problems.join("\n")).toMatch(/SYSTEM hive unreadable/);
  });

  test("links are not followed: a SYSTEM that points elsewhere is not read", () => {
    const outside = path.join(root, "outside-secret");
    fs.writeFileSync(outside, "secret");
    const dir = folder("links", { "a.dmp": "dump" });
    fs.symlinkSync(outside, path.join(dir, "SYSTEM"));
    fs.symlinkSync(outside, path.join(dir, "b.dmp"));
    const bundle = loadEvidenceFolder(dir);
    expect(bundle.systemHive).toBeNull();
    expect(bundle.minidumps.map((m) => m.path)).toEqual(["\\Windows\\Minidump\\a.dmp"]);
    expect(bundle.problems).toEqual([`\\Windows\\System32\\config\\SYSTEM: not found in ${dir}`]);
  });

  test("caps: a log too long keeps its tail, a dump too long is left out and said", () => {
    const dir = folder("caps", {});
    fs.mkdirSync(dir, { recursive: true });
    const log = path.join(dir, "setupapi.dev.log");
    const size = FOLDER_CAPS.setupApiLog + 1000;
    fs.writeFileSync(log, "");
    fs.truncateSync(log, size - 4);
    fs.appendFileSync(log, "END\n");
    const dump = path.join(dir, "huge.dmp");
    fs.writeFileSync(dump, "");
    fs.truncateSync(dump, FOLDER_CAPS.minidump + 1);
    const bundle = loadEvidenceFolder(dir);
    expect(bundle.setupApiLog?.bytes.length).toBe(FOLDER_CAPS.setupApiLog);
    expect(bundle.setupApiLog?.bytes.subarray(-4).toString()).toBe("END\n");
    expect(bundle.minidumps).toEqual([]);
    expect(bundle.problems).toContainEqual(
      `\\Windows\\Minidump\\huge.dmp: ${FOLDER_CAPS.minidump + 1} bytes, over the ${FOLDER_CAPS.minidump}-byte cap: not read`,
    );
    const text = collectFromEvidence(bundle).collect.setupApiLog;
    expect(text).toMatchObject({ sizeBytes: size, offset: size - 1024 * 1024, truncated: true });
    expect(text?.text.endsWith("END\n")).toBe(true);
  });

  test("not a folder: an error", () => {
    const file = path.join(root, "plain-file");
    fs.writeFileSync(file, "x");
    expect(() => loadEvidenceFolder(file)).toThrow(/not a folder/);
    expect(() => loadEvidenceFolder(path.join(root, "absent"))).toThrow();
  });
});
