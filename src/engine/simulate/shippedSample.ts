/**
 * The sample story as collect.ps1 2.x ships it, for the offline simulations: the raw files of
 * `examples/` (the sample SYSTEM and SOFTWARE hives of `examples/evidence/`, built from real hives
 * with hivexregedit; the sample minidump; the story's setupapi.dev.log) with the manifest naming their
 * sizes and SHA-256, and what repair.ps1 1.2 ships back after running a plan: the SYSTEM hive with
 * the plan's compiled registry operations applied in TypeScript ({@link setDwordsInPlace}: existing
 * DWORD values set in place, the only writes the sample plans make). The repository holds no BCD
 * store, so none is shipped and none returned. The hive is compressed with xz: without the `xz`
 * tool the simulations fall back to the collect.ps1 1.x document and say so.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { RepairPlan, RepairResult } from "../../collect/contract";
import type { CollectManifest, ShippedFile } from "../../collect/manifest";
import { openHive } from "../../evidence/hive";
import { setDwordsInPlace } from "../../evidence/hive/setDword";
import { compileRepairPlan } from "../../repair/operations";
import { examplesDir } from "../../clouds/azure/sample";

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** The shipped sample: the manifest (as the collect output prints it) and the files by name. */
export interface ShippedSample {
  /** The collect output: the manifest's JSON line and collect.ps1's summary line. */
  manifestText: string;
  manifest: CollectManifest;
  files: Map<string, Buffer>;
  /** The SYSTEM hive collect shipped (the repair starts from it). */
  system: Buffer;
}

let cached: ShippedSample | string | undefined;

function decompressHive(file: string): Buffer {
  return execFileSync("xz", ["-dc", file], {
    maxBuffer: 64 * 1024 * 1024,
    stdio: ["ignore", "pipe", "ignore"],
  });
}

function build(): ShippedSample {
  const dir = examplesDir();
  const system = decompressHive(path.join(dir, "evidence", "SYSTEM.xz"));
  const story = JSON.parse(fs.readFileSync(path.join(dir, "collect-output.json"), "utf8")) as {
    setupApiLog: { text: string };
    target: CollectManifest["target"];
  };
  const listed: [string, string, Buffer][] = [
    ["SYSTEM", "Windows\\System32\\config\\SYSTEM", system],
    [
      "SOFTWARE",
      "Windows\\System32\\config\\SOFTWARE",
      fs.readFileSync(path.join(dir, "evidence", "SOFTWARE")),
    ],
    [
      "minidump-01.dmp",
      "Windows\\Minidump\\112926-9218-01.dmp",
      fs.readFileSync(path.join(dir, "112926-9218-01.dmp")),
    ],
    ["setupapi.dev.log", "Windows\\INF\\setupapi.dev.log", Buffer.from(story.setupApiLog.text)],
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
  };
}

/** The shipped sample, or why there is none (no `xz` to decompress the sample hive). */
export function shippedSample(): ShippedSample | string {
  if (cached === undefined) {
    try {
      cached = build();
    } catch (e) {
      cached = `the sample's raw evidence is not served (${(e as Error).message.split("\n")[0]}): the simulated collect prints the collect.ps1 1.x sample document`;
    }
  }
  return cached;
}

/**
 * What repair.ps1 1.2 ships back after running `plan` on the sample: the SYSTEM hive with the
 * plan's registry writes applied (unchanged in a dry run) and `result` with its `returned` list.
 */
export function repairedSample(
  sample: ShippedSample,
  plan: RepairPlan,
  result: RepairResult,
): { result: RepairResult; system: Buffer } {
  const compiled = compileRepairPlan(plan, {
    system: openHive(sample.system, { label: "SYSTEM" }),
    bcd: null,
  });
  const writes = plan.dryRun
    ? []
    : compiled.operations.flatMap((o) => {
        if (o.op === "createKey" || o.op === "setElement")
          throw new Error(`the simulated repair cannot apply ${o.op} (${o.action})`);
        if (o.op !== "setValue") return [];
        if (o.value.type !== "REG_DWORD")
          throw new Error(`the simulated repair cannot write ${o.value.type} ${o.key} : ${o.name}`);
        return [{ key: o.key, name: o.name, data: o.value.data }];
      });
  const system = setDwordsInPlace(sample.system, writes);
  return {
    system,
    result: {
      ...result,
      scriptVersion: "1.2.0",
      returned: [
        {
          name: "SYSTEM",
          sizeBytes: system.length,
          sha256: sha(system),
          uploaded: true,
          message: null,
        },
        {
          name: "BCD",
          sizeBytes: null,
          sha256: null,
          uploaded: false,
          message: "no BCD store in the evidence",
        },
      ],
    },
  };
}
