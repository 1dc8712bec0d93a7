/**
 * The sample story as collect.ps1 2.x ships it, for the offline simulations: the raw files of the
 * bundled sample disk (`examples/snapshot/disk.img.gz`, the disk the snapshot diagnosis reads) —
 * the SYSTEM and SOFTWARE hives, the BCD store, the minidump and setupapi.dev.log, taken from the
 * image by the same NTFS reader — with the manifest naming their sizes and SHA-256; and what repair.ps1 ships back after running a plan: the SYSTEM hive and
 * BCD store with the plan's compiled operations applied in TypeScript. Collect and the snapshot
 * diagnosis so see one disk and plan alike.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { RepairPlan, RepairResult } from "../../collect/contract";
import type { CollectManifest, ShippedFile } from "../../collect/manifest";
import { decodeBcd } from "../../evidence/bcd";
import { openFileSource } from "../../evidence/disk/fileSource";
import { readEvidenceFromDisk } from "../../evidence/fromDisk";
import { openHive } from "../../evidence/hive";
import { applyHiveEdits } from "../../evidence/hive/edit";
import { compileRepairPlan } from "../../repair/operations";
import { operationsToEdits } from "../../repair/operations/hiveEdits";
import { examplesDir, sampleSnapshotImage } from "../../clouds/azure/sample";
import { simulatedRepairResult } from "./artifacts";

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** The shipped sample: the manifest (as the collect output prints it) and the files by name. */
export interface ShippedSample {
  /** The collect output: the manifest's JSON line and collect.ps1's summary line. */
  manifestText: string;
  manifest: CollectManifest;
  files: Map<string, Buffer>;
  /** The SYSTEM hive and BCD store collect shipped (the repair starts from them). */
  system: Buffer;
  bcd: Buffer;
}

let cached: Promise<ShippedSample | string> | undefined;

/** The evidence files of the bundled sample disk, read by the NTFS reader. */
async function readSampleDisk() {
  const file = await openFileSource(sampleSnapshotImage());
  try {
    return await readEvidenceFromDisk(file.source, { route: "disk-image" });
  } finally {
    await file.close();
  }
}

async function build(): Promise<ShippedSample> {
  const dir = examplesDir();
  const disk = await readSampleDisk();
  const story = JSON.parse(fs.readFileSync(path.join(dir, "collect-output.json"), "utf8")) as {
    target: CollectManifest["target"];
  };
  const need = <T>(what: string, v: T | null | undefined): T => {
    if (v === null || v === undefined) throw new Error(`the sample disk has no ${what}`);
    return v;
  };
  const system = need("SYSTEM hive", disk.systemHive).bytes;
  const setupApiLog = need("setupapi.dev.log", disk.setupApiLog);
  const bcdStore = need("BCD store in the sample target", story.target.bcdStore);
  const relative = (p: string) => p.replace(/^\\/, "");
  const listed: [string, string, Buffer][] = [
    ["SYSTEM", "Windows\\System32\\config\\SYSTEM", system],
    [
      "SOFTWARE",
      "Windows\\System32\\config\\SOFTWARE",
      need("SOFTWARE hive", disk.softwareHive).bytes,
    ],
    ["BCD", bcdStore, need("BCD store", disk.bcd).bytes],
    ...disk.minidumps.map((m, i): [string, string, Buffer] => [
      `minidump-${String(i + 1).padStart(2, "0")}.dmp`,
      relative(m.path),
      m.bytes,
    ]),
    ["setupapi.dev.log", relative(setupApiLog.path), setupApiLog.bytes],
  ];
  const files: ShippedFile[] = listed.map(([name, sourcePath, bytes]) => ({
    name,
    sourcePath,
    sizeBytes: bytes.length,
    lastWriteUtc: "2026-11-29T06:13:02Z",
    sha256: sha(bytes),
    uploaded: true,
    skipped: null,
  }));
  const manifest: CollectManifest = {
    schemaVersion: 2,
    kind: "collect-manifest",
    collectedAtUtc: "2026-11-30T08:41:17Z",
    scriptVersion: "2.0.0",
    target: story.target,
    files,
    memoryDump: { exists: false, sizeBytes: null, lastWriteUtc: null },
    binaries: [],
    errors: [],
  };
  const t = manifest.target;
  return {
    manifestText: `${JSON.stringify(manifest)}\r\nvm-rescue collect 2.0.0: disk ${t.diskNumber} ${t.windowsVolume}\r\n`,
    manifest,
    files: new Map(listed.map(([name, , bytes]) => [name, bytes])),
    system,
    bcd: need("BCD store", disk.bcd).bytes,
  };
}

/** The shipped sample, or why there is none (the sample disk could not be read). */
export function shippedSample(): Promise<ShippedSample | string> {
  cached ??= build().catch(
    (e: unknown) =>
      `the sample's raw evidence is not served (${String((e as Error).message ?? e).split("\n")[0]}): the simulated collect prints the collect.ps1 1.x sample document`,
  );
  return cached;
}

/**
 * What repair.ps1 ships back after running `plan` on the sample: the SYSTEM hive and BCD store
 * with the plan's compiled registry and BCD operations applied (unchanged in a dry run) by the
 * hive editor, and `result` with its `returned` list.
 */
export function repairedSample(sample: ShippedSample, plan: RepairPlan): RepairedSample {
  // The same plan on the same sample gives the same bytes: each is edited once per process.
  const byPlan = repaired.get(sample) ?? new Map<string, RepairedSample>();
  repaired.set(sample, byPlan);
  const key = JSON.stringify(plan);
  const known = byPlan.get(key);
  if (known) return known;
  const made = repair(sample, plan);
  byPlan.set(key, made);
  return made;
}

export interface RepairedSample {
  result: RepairResult;
  system: Buffer;
  bcd: Buffer;
}
const repaired = new WeakMap<ShippedSample, Map<string, RepairedSample>>();

function repair(sample: ShippedSample, plan: RepairPlan): RepairedSample {
  const result = simulatedRepairResult(
    plan.actions.map((a) => a.action),
    plan.dryRun,
  );
  const compiled = compileRepairPlan(plan, {
    system: openHive(sample.system, { label: "SYSTEM" }),
    bcd: decodeBcd(openHive(sample.bcd, { label: "BCD" }), { file: "BCD" }),
  });
  const ops = plan.dryRun ? [] : compiled.operations;
  const system = applyHiveEdits(sample.system, operationsToEdits(ops, "SYSTEM"));
  const bcd = applyHiveEdits(sample.bcd, operationsToEdits(ops, "BCD"));
  const returned = (name: "SYSTEM" | "BCD", bytes: Buffer) => ({
    name,
    sizeBytes: bytes.length,
    sha256: sha(bytes),
    uploaded: true,
    message: null,
  });
  return {
    system,
    bcd,
    result: {
      ...result,
      scriptVersion: "1.2.0",
      returned: [returned("SYSTEM", system), returned("BCD", bcd)],
    },
  };
}
