/**
 * Test kit for the evidence → facts step: where the sample evidence and the shared fixtures are,
 * the sample SYSTEM hive decompressed (`xz -dc`, once), and bundles made of them. Describe blocks
 * skip with one console.warn line when something they need is absent.
 */
import { createHash } from "node:crypto";
import type { CollectTarget } from "../../../collect/contract";
import type { CollectManifest, ShippedFile } from "../../../collect/manifest";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { EvidenceBundle, EvidenceFile } from "../../bundle";
import { ChunkBuilder, evtxFile, str } from "../../evtx/testing/builder";
import { haveTool } from "../../hive/testing/fixtures";

export const REPO_ROOT = path.resolve(__dirname, "..", "..", "..", "..");
export const EXAMPLES = path.join(REPO_ROOT, "examples");
/** `<repo>/../shared/fixtures`: real data never copied into the repository. */
export const FIXTURES = path.resolve(REPO_ROOT, "..", "shared", "fixtures");
export const SAMPLE_SYSTEM_XZ = path.join(EXAMPLES, "evidence", "SYSTEM.xz");
export const SAMPLE_DUMP = path.join(EXAMPLES, "112926-9218-01.dmp");
export const STORY_COLLECT = path.join(EXAMPLES, "collect-output.json");

export const fixture = (...parts: string[]): string => path.join(FIXTURES, ...parts);

export const DISK = {
  system: "\\Windows\\System32\\config\\SYSTEM",
  bcd: "\\EFI\\Microsoft\\Boot\\BCD",
  evtx: "\\Windows\\System32\\winevt\\Logs\\System.evtx",
  setupApi: "\\Windows\\INF\\setupapi.dev.log",
} as const;

let sample: Buffer | undefined;

/** The sample story's SYSTEM hive (examples/evidence/SYSTEM.xz, decompressed). */
export function sampleSystemHive(): Buffer {
  sample ??= execFileSync("xz", ["-dc", SAMPLE_SYSTEM_XZ], { maxBuffer: 64 * 1024 * 1024 });
  return sample;
}

/** `describe`, or `describe.skip` after one warning line naming what is missing. */
export function describeIf(missing: string[], title: string, body: () => void): void {
  if (missing.length === 0) {
    describe(title, body);
    return;
  }
  console.warn(`skipping "${title}": missing ${missing.join(", ")}`);
  describe.skip(title, () => test(`needs ${missing.join(", ")}`, () => undefined));
}

/** What is missing of the given fixture files and tools. */
export function missing(fixtures: string[], tools: string[] = []): string[] {
  return [...fixtures.filter((f) => !fs.existsSync(f)), ...tools.filter((t) => !haveTool(t))];
}

/** A bundle with nothing in it; tests add what they test. */
export function emptyBundle(over: Partial<EvidenceBundle> = {}): EvidenceBundle {
  return {
    route: "collect",
    systemHive: null,
    systemHiveLogs: [],
    softwareHive: null,
    bcd: null,
    minidumps: [],
    memoryDumpBytes: null,
    systemEventLog: null,
    setupApiLog: null,
    pendingXml: null,
    disk: { partitionStyle: null, generation: null },
    problems: [],
    ...over,
  };
}

export function file(diskPath: string, bytes: Buffer): EvidenceFile {
  return { path: diskPath, bytes };
}

/** The setupapi.dev.log text of the bundled story (examples/collect-output.json). */
export function storySetupApiLog(): Buffer {
  const doc = JSON.parse(fs.readFileSync(STORY_COLLECT, "utf8")) as {
    setupApiLog: { text: string };
  };
  return Buffer.from(doc.setupApiLog.text, "utf8");
}

/**
 * The sample story as raw evidence: the sample SYSTEM hive, the sample dump, the story's
 * setupapi.dev.log and, when the fixtures are present, the real BCD store.
 */
export function storyBundle(): EvidenceBundle {
  const bcd = fixture("hives", "BCD");
  return emptyBundle({
    systemHive: file(DISK.system, sampleSystemHive()),
    bcd: fs.existsSync(bcd) ? file(DISK.bcd, fs.readFileSync(bcd)) : null,
    minidumps: [file("\\Windows\\Minidump\\112926-9218-01.dmp", fs.readFileSync(SAMPLE_DUMP))],
    setupApiLog: file(DISK.setupApi, storySetupApiLog()),
    disk: { partitionStyle: "GPT", generation: 2 },
  });
}

/** FILETIME (100 ns since 1601) of an ISO time. */
function filetime(iso: string): bigint {
  return (BigInt(Date.parse(iso)) + 11_644_473_600_000n) * 10_000n;
}

/**
 * A System.evtx holding one bug-check event (1001, WER-SystemErrorReporting) with the story's
 * inserts, written with the EVTX test builder: for what no real log here holds, a 1001 that names
 * the sample dump.
 */
export function bugcheckEventLog(time: string, reportId: string, record = 42n): Buffer {
  const b = new ChunkBuilder();
  const id = Buffer.alloc(2);
  id.writeUInt16LE(1001);
  const data = (t: ChunkBuilder, name: string, index: number) =>
    t.open("Data", true).attrList().attr("Name").text(name).closeStart().subst(index).end();
  b.record(record, filetime(time), (r) =>
    r.template(
      (t) => {
        t.open("Event").closeStart();
        t.open("System").closeStart();
        t.open("Provider", true).attrList().attr("Name").subst(0).closeEmpty();
        t.element("EventID", (e) => e.subst(1, false, 0x06));
        t.end();
        t.open("EventData").closeStart();
        data(t, "param1", 2);
        data(t, "param2", 3);
        data(t, "param3", 4);
        t.end();
        t.end();
      },
      [
        str("Microsoft-Windows-WER-SystemErrorReporting"),
        { type: 0x06, bytes: id },
        str(
          "0x1000007e (0xffffffffc0000005, 0xfffff8051235a2b4, 0xffffd381e8d56e08, 0xffffd381e8d56650)",
        ),
        str(`C:\\Windows\\Minidump\\${reportId}.dmp`),
        str(reportId),
      ],
    ),
  );
  return evtxFile([b.finish()]);
}

/** A manifest entry of a file collect shipped and uploaded, with its real size and SHA-256. */
export function shippedFile(name: string, sourcePath: string, bytes: Buffer): ShippedFile {
  return {
    name,
    sourcePath,
    sizeBytes: bytes.length,
    lastWriteUtc: "2026-11-29T06:13:02Z",
    sha256: createHash("sha256").update(bytes).digest("hex"),
    uploaded: true,
    skipped: null,
  };
}

/** The disk collect found in the samples: disk 2 on SCSI, GPT, Windows on F:, the ESP's BCD on S:. */
export const SAMPLE_TARGET: CollectTarget = {
  diskNumber: 2,
  busType: "SCSI",
  partitionStyle: "GPT",
  signatureCollision: false,
  windowsVolume: "F:\\",
  bcdStore: "S:\\EFI\\Microsoft\\Boot\\BCD",
  generation: 2,
};

/** The manifest path collect ships the SYSTEM hive from (volume-relative). */
export const SYSTEM_SOURCE = "Windows\\System32\\config\\SYSTEM";

/**
 * A collect.ps1 2.x manifest of the sample target naming `files` (nothing else found unless
 * given); `over` replaces whole top-level fields (`target: { ...SAMPLE_TARGET, … }` for another disk).
 */
export function sampleManifest(
  files: ShippedFile[],
  over: Partial<CollectManifest> = {},
): Record<string, unknown> {
  return {
    schemaVersion: 2,
    kind: "collect-manifest",
    collectedAtUtc: "2026-12-06T07:00:00Z",
    scriptVersion: "2.0.0",
    target: { ...SAMPLE_TARGET },
    files,
    memoryDump: { exists: false, sizeBytes: null, lastWriteUtc: null },
    binaries: [],
    errors: [],
    ...over,
  };
}
