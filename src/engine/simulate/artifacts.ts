/**
 * The simulated cloud's artifacts: what the evidence step reads back after a simulated `up`. The
 * collect output is the one the simulated helper answered (the bundled sample with its minidump);
 * the repair result is `examples/repair-result.json` narrowed to the actions the stack planned.
 */
import * as fs from "fs";
import * as path from "path";
import type { RepairActionResult, RepairResult } from "../../collect/contract";
import { memoryReader } from "../artifacts";
import type { ArtifactReader, EvidenceSources } from "../../report/evidence";
import { examplesDir } from "../../clouds/azure/sample";

/** The bundled repair result of the sample story. */
export function sampleRepairResult(): RepairResult {
  return JSON.parse(
    fs.readFileSync(path.join(examplesDir(), "repair-result.json"), "utf8"),
  ) as RepairResult;
}

/**
 * What repair.ps1 would report for `actions`: the sample's result of each action (a plain success
 * for an action the sample lacks); in a dry run every action is skipped and nothing has undo records.
 */
export function simulatedRepairResult(actions: readonly string[], dryRun: boolean): RepairResult {
  const sample = sampleRepairResult();
  const at = sample.results[0]?.startedAtUtc ?? "2026-11-30T08:52:03Z";
  const results: RepairActionResult[] = actions.map((action) => {
    const known = sample.results.find((r) => r.action === action);
    const base: RepairActionResult = known ?? {
      action: action as RepairActionResult["action"],
      status: "succeeded",
      message: `${action} done (simulated)`,
      startedAtUtc: at,
      endedAtUtc: at,
      exitCode: null,
      undo: [],
    };
    return dryRun
      ? {
          ...base,
          status: "skipped",
          message: `dry run: would run ${action}`,
          exitCode: null,
          undo: [],
        }
      : base;
  });
  return { ...sample, dryRun, results };
}

/** A reader serving the simulated documents at the locations the stack exported. */
export function simulatedArtifacts(
  sources: EvidenceSources,
  collectOutput: unknown,
  repair: RepairResult,
  shipped: ReadonlyMap<string, string | Uint8Array> = new Map(),
): ArtifactReader {
  const docs: Record<string, string | Uint8Array> = {};
  if (sources.collectOutput) docs[sources.collectOutput] = JSON.stringify(collectOutput);
  if (sources.repairResult)
    docs[sources.repairResult] =
      `${JSON.stringify(repair)}\nvm-rescue repair ${repair.scriptVersion ?? ""}: ${repair.results.length} actions (simulated)`;
  // What the simulated scripts shipped (a manifest, its files, the repair's result and hives) wins.
  for (const [url, v] of shipped) docs[url] = v;
  return memoryReader(docs);
}
