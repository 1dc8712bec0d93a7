/**
 * What `vm-rescue plan-repair` plans from: a collect output document (1.x), an evidence folder
 * (a mounted or copied disk: the facts and the hives come from the TypeScript readers), or the
 * manifest collect.ps1 2.x printed with the files it shipped next to it. Folder and manifest bring
 * the SYSTEM hive and BCD store the plan compiles against, so `--system-hive` is not needed.
 */
import * as fs from "fs";
import * as path from "path";
import type { CollectOutput } from "../collect/contract";
import { UsageError } from "../vocabulary/exitCodes";
import type { CompileHives } from "../repair/decide";
import type { EvidenceBundle } from "../evidence/bundle";

const impl = () => ({
  ...(require("../evidence/facts") as typeof import("../evidence/facts")),
  ...(require("../repair/decide") as typeof import("../repair/decide")),
  ...(require("../report/rawEvidence") as typeof import("../report/rawEvidence")),
  ...(require("./readJson") as typeof import("./readJson")),
});

export interface PlanSource {
  /** The facts; null: a collect output document, read as before. */
  collect: CollectOutput | null;
  /** The hives the evidence holds (null: none, or a collect output document). */
  hives: CompileHives | null;
  /** The helper's build from a collect manifest. */
  helperBuild: number | null;
  /** What of the evidence could not be read (one line each). */
  problems: string[];
}

const NONE: PlanSource = { collect: null, hives: null, helperBuild: null, problems: [] };

/** The facts and hives of an evidence folder or a collect manifest; NONE for a collect output document. */
export async function planSourceOf(file: string): Promise<PlanSource> {
  const stat = fs.statSync(file, { throwIfNoEntry: false });
  if (stat === undefined)
    throw new UsageError(
      `${file} not found; give the collect output, its manifest or an evidence folder`,
    );
  const f = impl();
  if (stat.isDirectory()) {
    const bundle = f.loadEvidenceFolder(file);
    if (holdsNothing(bundle))
      throw new UsageError(
        `evidence folder ${file} holds none of a Windows disk's files (Windows\\System32\\config\\SYSTEM, BCD, minidumps, System.evtx); give a copied or mounted disk, a collect output or its manifest`,
      );
    return fromBundle(f.collectFromEvidence(bundle), bundle, null);
  }
  const text = f.readCapped(file, "collect output", f.COLLECT_OUTPUT_CAP).toString("utf8");
  const manifest = f.manifestOf(text);
  if (manifest === null) return NONE;
  const dir = path.dirname(file);
  const facts = await f.collectFromManifest(manifest, async (name, max) => {
    const at = path.join(dir, path.basename(name));
    return fs.existsSync(at)
      ? f.readCapped(at, name, { maxBytes: max, hint: "the manifest gives its size" })
      : null;
  });
  return fromBundle(facts, facts.bundle, manifest.helper?.osBuild ?? null);
}

/** A folder without any of the files the evidence is read from (an empty or wrong folder). */
function holdsNothing(b: EvidenceBundle): boolean {
  return (
    b.systemHive === null &&
    b.systemHiveLogs.length === 0 &&
    b.softwareHive === null &&
    b.bcd === null &&
    b.minidumps.length === 0 &&
    b.memoryDumpBytes === null &&
    b.systemEventLog === null &&
    b.setupApiLog === null &&
    b.pendingXml === null
  );
}

function fromBundle(
  facts: { collect: CollectOutput; problems: string[] },
  bundle: Parameters<ReturnType<typeof impl>["hivesOfBundle"]>[0],
  helperBuild: number | null,
): PlanSource {
  const opened = impl().hivesOfBundle(bundle);
  if (opened.reason !== null) throw new UsageError(opened.reason);
  return { collect: facts.collect, hives: opened.hives, helperBuild, problems: facts.problems };
}
