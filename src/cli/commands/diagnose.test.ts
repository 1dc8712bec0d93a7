import * as fs from "node:fs";
import * as path from "node:path";
import { Command } from "commander";
import { main, type CliContext, type Io } from "../main";
import { registerDiagnose, type DiagnoseDeps } from "./diagnose";
import { makeTempDir } from "../../evidence/disk/testing/diskImages";
import { startRangeServer } from "../../evidence/disk/testing/rangeServer";
import { FakeEbs } from "../../evidence/disk/testing/fakeEbs";
import { simulatedSnapshotAccess } from "../../clouds/azure/simulatedSnapshots";
import { httpSasOpener } from "../../clouds/azure/snapshotRead";
import { BCD_FIXTURE } from "../../evidence/disk/testing/diskImages";
import { collectFromEvidence, loadEvidenceFolder } from "../../evidence/facts";
import {
  buildWindowsDisks,
  DUMP_FIXTURE,
  DUMP_NAME,
  EVTX_FIXTURE,
  JUNK_DUMP_NAME,
  setupApiText,
  SYSTEM_HIVE_FIXTURE,
  truncatedCopy,
  windowsDiskSkipReason,
  type WindowsDisks,
} from "../../evidence/fromDisk/testing/windowsDisk";

/**
 * `vm-rescue diagnose` on disks written by mkntfs/ntfs-3g, mtools, sgdisk and qemu-img around the
 * real SYSTEM hive, BCD and minidump: from the VHDX file and from the same bytes behind a loopback
 * HTTP range server. Skipped with one line where a tool or FUSE is unavailable.
 */
const SAS = "sv=2024-08-04&sr=b&sig=SECRET-SIGNATURE";

function io(): Io & { stdout: string[]; stderr: string[]; all(): string } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    isTty: false,
    out: (t) => stdout.push(t),
    err: (t) => stderr.push(t),
    all: () => stdout.join("") + stderr.join(""),
  };
}

async function run(args: string[]) {
  const out = io();
  const code = await main(args, out);
  return { code, out, json: () => JSON.parse(out.stdout.join("")) };
}

/** Runs diagnose with deps that main.ts does not pass (the planner seam). */
async function runWithDeps(deps: DiagnoseDeps, args: string[]) {
  const out = io();
  let code = -1;
  const ctx: CliContext = { io: out, setExit: (c) => (code = c) };
  const program = new Command("vm-rescue").exitOverride();
  registerDiagnose(program, ctx, deps);
  await program.parseAsync(["diagnose", ...args], { from: "user" });
  return { code, out };
}

function expectOneLineRefusal(result: Awaited<ReturnType<typeof run>>, message: RegExp): void {
  expect(result.code).toBe(2);
  const err = result.out.stderr.join("");
  expect(err.trim().split("\n")).toHaveLength(1);
  expect(err).toMatch(message);
  expect(err).not.toMatch(/\n\s+at /);
  expect(result.out.all()).not.toMatch(/SECRET/);
}

const dir = makeTempDir("diagnose-");
let disks: WindowsDisks | undefined;
let skip = windowsDiskSkipReason();
if (!skip) {
  const built = buildWindowsDisks(dir);
  if (typeof built === "string") skip = built;
  else disks = built;
}
if (skip) console.warn(`vm-rescue diagnose tests on built Windows disks skipped: ${skip}`);
const describeDisks = skip ? describe.skip : describe;
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describeDisks("vm-rescue diagnose on built Windows disks", () => {
  let triageCulprit: unknown;
  beforeAll(async () => {
    const triage = await run(["triage", DUMP_FIXTURE, "--json"]);
    triageCulprit = triage.json()[0].causedBy;
    expect(triageCulprit).not.toBeNull();
  });

  function expectDiagnosis(doc: Record<string, never>): void {
    expect(doc).toMatchObject({
      image: { format: "vhdx" },
      disk: { partitionStyle: "GPT", generation: 2 },
      controlSet: { name: "ControlSet001", number: 1 },
      bcd: {
        path: "\\EFI\\Microsoft\\Boot\\BCD",
        defaultLoaderPath: "\\Windows\\system32\\winload.efi",
      },
    });
    const triage = doc.triage as { file: string; causedBy: unknown; error: string | null }[];
    expect(triage[0].file).toBe(`\\Windows\\Minidump\\${DUMP_NAME}`);
    expect(triage[0].causedBy).toEqual(triageCulprit);
    expect(triage[1].error).toMatch(/not a Windows crash dump/);
    expect((doc.partitions as { role: string }[]).map((p) => p.role)).toEqual(["boot", "windows"]);
    expect(doc.problems).toContain("\\Windows\\System32\\config\\SOFTWARE: absent");
    // the planner decides from the same evidence as plan-repair: the dump names amdppm.sys
    expect(doc.plan).toMatchObject({ culprit: { module: "amdppm.sys" } });
  }

  test("--json names the control set, the default loader and the dump's culprit", async () => {
    const result = await run(["diagnose", disks!.gen2Vhdx, "--json"]);
    expect(result.code).toBe(0);
    const doc = result.json();
    expectDiagnosis(doc);
    expect(doc.route).toBe("disk-image");
    expect(doc.image.size).toBe(fs.statSync(disks!.gen2Raw).size);
    expect(doc.stats.requests).toBeGreaterThan(0);
    expect(doc.stats.bytes).toBeLessThan(fs.statSync(disks!.gen2Vhdx).size);
  });

  test("the same through the HTTP range source, and the SAS is never printed", async () => {
    const server = await startRangeServer(fs.readFileSync(disks!.gen2Vhdx), `/d/gen2.vhdx?${SAS}`);
    try {
      const result = await run(["diagnose", "--azure-snapshot-url", server.url, "--json"]);
      expect(result.code).toBe(0);
      const doc = result.json();
      expectDiagnosis(doc);
      expect(doc.route).toBe("azure-snapshot");
      expect(doc.image.source).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/d\/gen2\.vhdx$/);
      expect(doc.stats.requests).toBe(server.seen.length);
      expect(result.out.all()).not.toMatch(/SECRET/);
      const text = await run(["diagnose", "--azure-snapshot-url", server.url]);
      expect(text.code).toBe(0);
      expect(text.out.all()).not.toMatch(/SECRET/);
    } finally {
      await server.close();
    }
  });

  test("the text report says each finding on its own line", async () => {
    const result = await run(["diagnose", disks!.gen1Raw]);
    expect(result.code).toBe(0);
    const text = result.out.stdout.join("");
    expect(text).toMatch(/^disk: gen1\.raw \(raw, .*\), MBR, Gen1$/m);
    expect(text).toMatch(/^control set: ControlSet001 /m);
    expect(text).toMatch(
      /^bcd: \\Boot\\BCD: default "Windows 10" → \\Windows\\system32\\winload\.efi$/m,
    );
    expect(text).toMatch(/caused by amdppm\.sys at amdppm\.sys\+0x334c/);
    expect(text).toMatch(/^plan:\n {2}cloud: hyperv$/m);
    // the junk dump's name holds a line break and a bidi override: shown escaped, on one line
    expect(text).toMatch(/^ {2}\\Windows\\Minidump\\010120-7031-01\\x0a\\u202e\.dmp {2}error: /m);
    expect(text).not.toMatch(/\u202e/);
  });

  test("the same triage and plan as plan-repair on the same files, collected", async () => {
    // The files the disk holds, where they sit on it, as collect ships them: read from a folder.
    const folder = path.join(dir, "collected");
    const at = (...parts: string[]) => {
      fs.mkdirSync(path.join(folder, ...parts.slice(0, -1)), { recursive: true });
      return path.join(folder, ...parts);
    };
    fs.copyFileSync(SYSTEM_HIVE_FIXTURE, at("Windows", "System32", "config", "SYSTEM"));
    fs.copyFileSync(BCD_FIXTURE, at("EFI", "Microsoft", "Boot", "BCD"));
    fs.copyFileSync(EVTX_FIXTURE, at("Windows", "System32", "winevt", "Logs", "System.evtx"));
    fs.writeFileSync(at("Windows", "INF", "setupapi.dev.log"), setupApiText());
    const dump = at("Windows", "Minidump", DUMP_NAME);
    fs.copyFileSync(DUMP_FIXTURE, dump);
    fs.utimesSync(dump, new Date("2026-12-06T12:00:00Z"), new Date("2026-12-06T12:00:00Z"));
    const junk = at("Windows", "Minidump", JUNK_DUMP_NAME);
    fs.writeFileSync(junk, Buffer.from("not a minidump\n".repeat(64)));
    fs.utimesSync(junk, new Date("2020-01-01T00:00:00Z"), new Date("2020-01-01T00:00:00Z"));
    const collected = collectFromEvidence(loadEvidenceFolder(folder)).collect;
    const doc = path.join(dir, "collect-output.json");
    fs.writeFileSync(doc, JSON.stringify(collected));

    const diagnosed = (await run(["diagnose", disks!.gen2Vhdx, "--json"])).json();
    const planned = await run(["plan-repair", doc, "--cloud", diagnosed.plan.cloud, "--json"]);
    const p = planned.json();
    expect(planned.code).toBe(p.blocked ? 4 : 0);
    expect(diagnosed.plan.findings).toEqual(p.findings);
    expect(diagnosed.plan.culprit).toEqual(p.culprit);
    expect(diagnosed.plan.actions).toEqual(p.plan.actions);
    expect(diagnosed.plan.decisions).toEqual(p.decisions);
    expect(diagnosed.plan.repairParams).toEqual(p.repairParams);
    expect(diagnosed.triage[0].causedBy).toEqual(p.triage[0].causedBy);
    expect(diagnosed.triage[0].bugCheck).toEqual(p.triage[0].bugCheck);
  });

  test("a planner passed as a dependency adds its plan", async () => {
    const seen: string[] = [];
    const deps: DiagnoseDeps = {
      planFromBundle: (bundle) => {
        seen.push(bundle.systemHive?.path ?? "none");
        return { lines: ["step 1: stand-in"], json: { steps: 1 } };
      },
    };
    const json = await runWithDeps(deps, [disks!.gen2Vhdx, "--json"]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out.stdout.join("")).plan).toEqual({ steps: 1 });
    const text = await runWithDeps(deps, [disks!.gen2Vhdx]);
    expect(text.out.stdout.join("")).toMatch(/^plan:\n {2}step 1: stand-in$/m);
    expect(seen).toEqual([
      "\\Windows\\System32\\config\\SYSTEM",
      "\\Windows\\System32\\config\\SYSTEM",
    ]);
  });

  const SNAPSHOT_ID =
    "/subscriptions/6f1e3b2a-41c7-4d2e-9a55-0c8d4b7e2f10/resourceGroups/rg-app/providers/Microsoft.Compute/snapshots/app-vm-01-backup";
  const fast = httpSasOpener({ maxRetries: 2, baseDelayMs: 1, maxDelayMs: 2 });
  const snapshotState = () => ({
    [SNAPSHOT_ID.toLowerCase()]: { image: null, sas: null, grants: 0, revokes: 0 },
  });

  test("--azure-snapshot ID: read access granted, the disk read over the SAS, then revoked", async () => {
    const server = await startRangeServer(fs.readFileSync(disks!.gen2Vhdx), "/snap/abcd");
    const state = snapshotState();
    const base = server.url.split("?")[0];
    const subscriptions: string[] = [];
    const deps: DiagnoseDeps = {
      azureSnapshots: (sub) => {
        subscriptions.push(sub);
        return simulatedSnapshotAccess(state, undefined, () => base);
      },
      sasOpener: fast,
    };
    try {
      const result = await runWithDeps(deps, ["--azure-snapshot", SNAPSHOT_ID, "--json"]);
      expect(result.code).toBe(0);
      const doc = JSON.parse(result.out.stdout.join(""));
      expectDiagnosis(doc);
      expect(doc.route).toBe("azure-snapshot");
      expect(doc.image.source).toBe("azure:app-vm-01-backup");
      expect(doc.stats.requests).toBe(server.seen.length);
      expect(subscriptions).toEqual(["6f1e3b2a-41c7-4d2e-9a55-0c8d4b7e2f10"]);
      expect(state[SNAPSHOT_ID.toLowerCase()]).toMatchObject({ sas: null, grants: 1, revokes: 1 });
      expect(result.out.all()).not.toMatch(/sig=/);
    } finally {
      await server.close();
    }
  });

  test("--azure-snapshot on a cut image: exit 2, one line, and the access is revoked", async () => {
    const cut = truncatedCopy(disks!.gen2Vhdx, 0.5, "cut-snap.vhdx");
    const server = await startRangeServer(fs.readFileSync(cut), "/snap/abcd");
    const state = snapshotState();
    const base = server.url.split("?")[0];
    const deps: DiagnoseDeps = {
      azureSnapshots: () => simulatedSnapshotAccess(state, undefined, () => base),
      sasOpener: fast,
    };
    try {
      const result = await runWithDeps(deps, ["--azure-snapshot", SNAPSHOT_ID]);
      expect(result.code).toBe(2);
      const err = result.out.stderr.join("");
      expect(err.trim().split("\n")).toHaveLength(1);
      expect(err).toMatch(/outside the file/);
      expect(err).not.toMatch(/sig=/);
      expect(state[SNAPSHOT_ID.toLowerCase()]).toMatchObject({ sas: null, grants: 1, revokes: 1 });
    } finally {
      await server.close();
    }
  });

  test("--aws-snapshot ID: the blocks through the EBS direct APIs", async () => {
    const fake = FakeEbs.fromDisk("snap-0123456789abcdef0", fs.readFileSync(disks!.gen2Raw));
    const regions: (string | undefined)[] = [];
    const deps: DiagnoseDeps = {
      ebs: (region) => {
        regions.push(region);
        return fake;
      },
    };
    const args = ["--aws-snapshot", "snap-0123456789abcdef0", "--region", "eu-west-1", "--json"];
    const result = await runWithDeps(deps, args);
    expect(result.code).toBe(0);
    const doc = JSON.parse(result.out.stdout.join(""));
    expect(doc).toMatchObject({
      route: "aws-snapshot",
      image: { source: "ebs:snap-0123456789abcdef0", format: "raw", size: 1024 ** 3 },
      controlSet: { name: "ControlSet001" },
      bcd: { defaultLoaderPath: "\\Windows\\system32\\winload.efi" },
      plan: { culprit: { module: "amdppm.sys" } },
    });
    expect(doc.triage[0].causedBy).toEqual(triageCulprit);
    expect(doc.stats.requests).toBe(fake.calls.list + fake.calls.get);
    expect(doc.stats.bytes).toBe(fake.calls.get * 524288);
    expect(regions).toEqual(["eu-west-1"]);
  });

  test.each([
    [
      "a VHDX cut at half",
      () => truncatedCopy(disks!.gen2Vhdx, 0.5, "cut.vhdx"),
      /outside the file/,
    ],
    ["a raw disk cut at half", () => truncatedCopy(disks!.gen2Raw, 0.5, "cut.raw"), /GPT|outside/],
  ])("%s: exit 2, one line", async (_name, file, message) => {
    expectOneLineRefusal(await run(["diagnose", file()]), message);
  });
});

describe("vm-rescue diagnose refuses bad input in one line", () => {
  const tmp = makeTempDir("diagnose-bad-");
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const text = path.join(tmp, "notes.vhdx");
  fs.writeFileSync(text, "this is not a disk image\n".repeat(4000));

  test.each([
    ["a missing file", [path.join(tmp, "none.vhdx")], /disk image not found/],
    ["a folder", [tmp], /is not a file/],
    ["not an image", [text], /55 AA/],
    ["nothing to read", [], /needs a disk image/],
    ["two disks", [text, "--azure-snapshot-url", `https://a.example/x?${SAS}`], /one disk/],
    [
      "a malformed Azure snapshot id",
      ["--azure-snapshot", "/x/snap"],
      /not a snapshot resource id/,
    ],
    ["a malformed AWS snapshot id", ["--aws-snapshot", "snap-01"], /is not a snapshot id/],
    ["--region without an AWS snapshot", [text, "--region", "eu-west-1"], /goes with/],
    ["a SAS over plain http", ["--azure-snapshot-url", `http://a.example/x?${SAS}`], /https/],
    ["a URL that does not parse", ["--azure-snapshot-url", `::${SAS}`], /does not parse/],
  ])("%s", async (_name, args, message) => {
    expectOneLineRefusal(await run(["diagnose", ...(args as string[])]), message as RegExp);
  });

  test("an AWS snapshot without the EBS direct client or credentials is one line", async () => {
    const result = await run(["diagnose", "--aws-snapshot", "snap-0123456789abcdef0"]);
    expectOneLineRefusal(result, /@aws-sdk\/client-ebs|[Rr]egion|[Cc]redential/);
  });

  test("an expired SAS (403) is one line without the signature", async () => {
    const server = await startRangeServer(Buffer.alloc(4096), `/d/disk.vhd?${SAS}`);
    try {
      server.plan.push({ kind: "status", status: 403 });
      const result = await run(["diagnose", "--azure-snapshot-url", server.url]);
      expectOneLineRefusal(result, /answered 403 \(an expired or revoked SAS\?\)/);
    } finally {
      await server.close();
    }
  });
});
