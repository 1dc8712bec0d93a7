/**
 * The check after the repair, before the swap, over the rescue's storage whatever the cloud: the
 * plan's actions are compiled against the evidence's SYSTEM hive and BCD store (as collect shipped
 * them, size and SHA-256 checked), and every operation must be in the hives the repair shipped back
 * with nothing else changed under the keys they touch (a returned SYSTEM hive left dirty is read
 * with the SYSTEM.LOG1/LOG2 that came back with it, or is a difference). Any difference — a value not written, one
 * changed that no operation writes, a hive not returned or unreadable, a plan that cannot be
 * compiled — closes the swap gate ({@link gateAfterRepairCheck}: no setting overrides it). A
 * collect.ps1 1.x document ships no files: then nothing is checked (`checkedRaw` false, with the
 * reason) and the gate stays closed (NOT_CHECKED_1X, as the triage closed it). The clouds' `RepairCheck` steps give it their storage reads.
 */
import { createHash } from "node:crypto";
import type { RepairPlan } from "../../collect/contract";
import { shippedFileUrl } from "../../collect/layout";
import type { CollectManifest } from "../../collect/manifest";
import { parseCollectManifest, parseRepairResult } from "../../collect/validate";
import { decodeBcd } from "../../evidence/bcd";
import { bundleFromManifest } from "../../evidence/facts";
import { openHive } from "../../evidence/hive";
import { checkRepairedDisk } from "./check";
import { compileRepairPlan } from "./compile";
import { gateAfterRepairCheck } from "./gate";
import type { CompiledRepair } from "./types";
import type { RepairDifference } from "./verify";
import { COLLECT_1X_GATE_REASON, type SwapGate } from "../decide";

/** The rescue's storage as the check reads it: a document's text, a file's bytes (at most `maxBytes`; null when absent). */
export interface ShippedStore {
  readBlob(url: string): Promise<string>;
  readBlobBytes(url: string, maxBytes: number): Promise<Uint8Array | null>;
}

/** What the check is given (the clouds' step inputs, less their identity). */
export interface RepairCheckRequest {
  /** The collect output (a collect.ps1 2.x manifest, or a 1.x document). */
  collectOutputUrl: string;
  /** The artifacts location: the evidence under `collect/`, the returned hives under `repaired/`. */
  filesBase: string;
  /** repair.ps1's result, listing what it `returned`. */
  repairResultUrl: string;
  /** The plan repair.ps1 ran. */
  repairPlan: RepairPlan;
  /** The triage's swap gate. */
  triageGate: SwapGate;
  /** True when the triage planned from a collect manifest's files. */
  rawEvidence: boolean;
}

/** A collect manifest when `text` is one (null for a 1.x document); throws when it is a bad one. */
function manifestIn(text: string): CollectManifest | null {
  if (!/"kind"\s*:\s*"collect-manifest"/.test(text.slice(0, 4096))) return null;
  return parseCollectManifest(text);
}

export interface RepairCheckResult {
  /** True when the returned hives hold exactly what the plan writes (always true when not checked). */
  ok: boolean;
  /** Values and elements compared. */
  checked: number;
  differences: RepairDifference[];
  /** True when the returned hives were read and compared (a collect manifest run). */
  checkedRaw: boolean;
  /** Why nothing was checked (a collect.ps1 1.x document); absent when checked. */
  reason?: string;
  /** The swap gate after the check: the triage's, closed on any difference. */
  gate: SwapGate;
}

/** What the component exports of the check (the stack output `repairCheck`). */
export type RepairCheckSummary = Omit<RepairCheckResult, "gate">;

/** Why a 1.x collect document is not checked. */
export const NOT_CHECKED_1X =
  "the collect output is a collect.ps1 1.x document: it shipped no hives, so the repair was not checked against the disk's bytes";

type ReturnedName = "SYSTEM" | "SYSTEM.LOG1" | "SYSTEM.LOG2" | "BCD";

const missing = (what: "SYSTEM" | "BCD", found: string): RepairDifference => ({
  where: what,
  kind: "missing",
  expected: what === "SYSTEM" ? "the repaired SYSTEM hive" : "the repaired BCD store",
  found,
});

const firstLine = (e: unknown) => (e as Error).message.split("\n")[0];

/** The hive the repair returned as `name`, checked against the size and SHA-256 its result gives. */
async function returnedHive(
  blobs: ShippedStore,
  base: string,
  entry: { sizeBytes: number | null; sha256: string | null; uploaded: boolean } | undefined,
  name: ReturnedName,
  diffs: RepairDifference[],
): Promise<Buffer | null> {
  if (!entry?.uploaded || entry.sizeBytes === null) return null;
  const bytes = await blobs.readBlobBytes(shippedFileUrl(base, "repaired", name), entry.sizeBytes);
  if (bytes === null) return null;
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sha = createHash("sha256").update(buf).digest("hex");
  if (buf.length !== entry.sizeBytes || (entry.sha256 !== null && sha !== entry.sha256)) {
    diffs.push({
      where: name,
      kind: "differs",
      expected: `the ${entry.sizeBytes} bytes (SHA-256 ${entry.sha256}) the repair reported`,
      found: `${buf.length} bytes, SHA-256 ${sha}`,
    });
    return null;
  }
  return buf;
}

/** The check itself, over the container's blobs. Never throws for bad evidence: it becomes a difference. */
export async function checkRepair(
  blobs: ShippedStore,
  i: RepairCheckRequest,
): Promise<RepairCheckResult> {
  if (!i.rawEvidence)
    return {
      ok: true,
      checked: 0,
      differences: [],
      checkedRaw: false,
      reason: NOT_CHECKED_1X,
      // The triage already closed it (a 1.x document's facts are PowerShell's): kept closed here too.
      gate: i.triageGate.reasons.includes(COLLECT_1X_GATE_REASON)
        ? { ...i.triageGate, allowed: false }
        : { allowed: false, reasons: [...i.triageGate.reasons, COLLECT_1X_GATE_REASON] },
    };
  const done = (checked: number, differences: RepairDifference[]): RepairCheckResult => {
    const check = { ok: differences.length === 0, checked, differences };
    return { ...check, checkedRaw: true, gate: gateAfterRepairCheck(i.triageGate, check) };
  };
  let manifest;
  try {
    manifest = manifestIn(await blobs.readBlob(i.collectOutputUrl));
  } catch (e) {
    manifest = firstLine(e);
  }
  if (manifest === null || typeof manifest === "string")
    return done(0, [
      {
        where: "collect manifest",
        kind: "missing",
        expected: "the manifest the triage planned from",
        found: manifest ?? "the collect output is no longer a manifest",
      },
    ]);
  const bundle = await bundleFromManifest(manifest, (name, max) =>
    blobs.readBlobBytes(shippedFileUrl(i.filesBase, "collect", name), max),
  );
  const system = bundle.systemHive;
  if (system === null)
    return done(0, [
      {
        where: "SYSTEM (evidence)",
        kind: "missing",
        expected: "the SYSTEM hive collect shipped",
        found: "not readable from the rescue's storage",
      },
    ]);
  let compiled: CompiledRepair;
  try {
    const hive = openHive(system.bytes, {
      label: "SYSTEM",
      logs: bundle.systemHiveLogs.map((l) => l.bytes),
    });
    const bcd = bundle.bcd
      ? decodeBcd(openHive(bundle.bcd.bytes, { label: "BCD" }), { file: bundle.bcd.path })
      : null;
    compiled = compileRepairPlan(i.repairPlan, { system: hive, bcd }, { checkOnly: true });
  } catch (e) {
    return done(0, [
      {
        where: "plan",
        kind: "differs",
        expected: "the plan's operations compiled against the evidence",
        found: firstLine(e),
      },
    ]);
  }
  const diffs: RepairDifference[] = [];
  let returned: NonNullable<ReturnType<typeof parseRepairResult>["returned"]> = [];
  try {
    returned = parseRepairResult(await blobs.readBlob(i.repairResultUrl)).returned ?? [];
  } catch (e) {
    diffs.push({
      where: "repair result",
      kind: "missing",
      expected: "repair.ps1's result listing the hives it returned",
      found: firstLine(e),
    });
  }
  const entry = (name: ReturnedName) => returned.find((r) => r.name === name);
  const afterSystem = await returnedHive(blobs, i.filesBase, entry("SYSTEM"), "SYSTEM", diffs);
  const afterBcd = await returnedHive(blobs, i.filesBase, entry("BCD"), "BCD", diffs);
  const afterLogs = [];
  for (const log of ["SYSTEM.LOG1", "SYSTEM.LOG2"] as const) {
    const bytes = await returnedHive(blobs, i.filesBase, entry(log), log, diffs);
    if (bytes !== null) afterLogs.push({ path: `repaired/${log}`, bytes });
  }
  const check = checkRepairedDisk(compiled, {
    before: { system, systemLogs: bundle.systemHiveLogs, bcd: bundle.bcd },
    after: { system: afterSystem, systemLogs: afterLogs, bcd: afterBcd },
  });
  const all = [...diffs, ...check.differences];
  // On a manifest run every hive the evidence holds must come back, even when no operation touches it.
  const said = (w: string) => all.some((d) => d.where === w);
  const why = (name: "SYSTEM" | "BCD") =>
    entry(name)?.message ?? (entry(name) ? "not found in the rescue's storage" : "not returned");
  if (afterSystem === null && !said("SYSTEM")) all.push(missing("SYSTEM", why("SYSTEM")));
  if (bundle.bcd !== null && afterBcd === null && !said("BCD"))
    all.push(missing("BCD", why("BCD")));
  return done(check.checked, all);
}
