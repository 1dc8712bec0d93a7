/**
 * The report's evidence when collect shipped raw files (collect.ps1 2.x): the manifest names the
 * files, which are fetched from the rescue's storage, checked against their sizes and hashes and
 * read by the TypeScript readers. The facts the decision rests on are cited, and when the repair
 * shipped its hives back they are checked against the plan's operations. Reading is the only
 * effect; nothing here throws for bad evidence.
 */
import { CONTRACT_VERSION, type RepairAction, type RepairResult } from "../collect/contract";
import { shippedFileUrl } from "../collect/layout";
import { REPAIRED_NAMES, type CollectManifest } from "../collect/manifest";
import { parseCollectManifest } from "../collect/validate";
import { decodeBcd } from "../evidence/bcd";
import type { EvidenceBundle } from "../evidence/bundle";
import { bundleFromManifest, collectFromEvidence, type EvidenceFacts } from "../evidence/facts";
import { openHive } from "../evidence/hive";
import {
  checkRepairedDisk,
  compileRepairPlan,
  type RepairVerification,
} from "../repair/operations";
/** Reads one artifact by URL (Azure blob URL, `s3://bucket/key`, or a folder `s3://bucket/prefix/`). */
export interface ArtifactReader {
  read(urlOrKey: string): Promise<string>;
  /** A shipped file's bytes, at most `maxBytes`; null when it is not there. */
  readBytes?(urlOrKey: string, maxBytes: number): Promise<Uint8Array | null>;
}

/** The manifest in a collect document's text, or null when it is a collect.ps1 1.x document. */
export function manifestOf(text: string): CollectManifest | null {
  if (!/"kind"\s*:\s*"collect-manifest"/.test(text.slice(0, 4096))) return null;
  return parseCollectManifest(text);
}

export interface RawEvidence {
  bundle: EvidenceBundle;
  facts: EvidenceFacts;
}

/** Fetches and reads the files a manifest lists. */
export async function readShipped(
  reader: ArtifactReader,
  base: string,
  manifest: CollectManifest,
): Promise<RawEvidence> {
  const readBytes = reader.readBytes?.bind(reader);
  const bundle = await bundleFromManifest(manifest, async (name, max) =>
    readBytes ? readBytes(shippedFileUrl(base, "collect", name), max) : null,
  );
  const facts = collectFromEvidence(bundle, {
    target: {
      diskNumber: manifest.target.diskNumber,
      busType: manifest.target.busType || undefined,
      windowsVolume: manifest.target.windowsVolume,
    },
    binaries: manifest.binaries,
  });
  return { bundle, facts };
}

/**
 * The check of the repaired hives, when the repair shipped them back: the plan's actions compiled
 * against the evidence, compared with the returned SYSTEM hive and BCD store. Null when there is
 * nothing to check (no repair result, a dry run that shipped nothing, no SYSTEM in the evidence).
 */
export async function checkShippedRepair(
  reader: ArtifactReader,
  base: string,
  raw: RawEvidence,
  actions: readonly RepairAction[],
  repair: RepairResult | null,
): Promise<{ check: RepairVerification | null; warning: string | null }> {
  const returned = repair?.returned ?? [];
  const system = raw.bundle.systemHive;
  if (repair === null || returned.length === 0 || system === null || actions.length === 0)
    return { check: null, warning: null };
  let compiled;
  try {
    const hive = openHive(system.bytes, {
      label: "SYSTEM",
      logs: raw.bundle.systemHiveLogs.map((l) => l.bytes),
    });
    const bcd = raw.bundle.bcd
      ? decodeBcd(openHive(raw.bundle.bcd.bytes, { label: "BCD" }), { file: raw.bundle.bcd.path })
      : null;
    compiled = compileRepairPlan(
      {
        schemaVersion: CONTRACT_VERSION,
        kind: "repairPlan",
        dryRun: repair.dryRun,
        actions: [...actions],
      },
      { system: hive, bcd },
      { checkOnly: true },
    );
  } catch (e) {
    return {
      check: null,
      warning: `the repair could not be checked: ${(e as Error).message.split("\n")[0]}`,
    };
  }
  const fetch = async (name: (typeof REPAIRED_NAMES)[number]): Promise<Buffer | null> => {
    const r = returned.find((x) => x.name === name);
    if (!r?.uploaded || r.sizeBytes === null || !reader.readBytes) return null;
    const bytes = await reader
      .readBytes(shippedFileUrl(base, "repaired", name), r.sizeBytes)
      .catch(() => null);
    return bytes === null ? null : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  };
  const [afterSystem, log1, log2, afterBcd] = await Promise.all(REPAIRED_NAMES.map(fetch));
  const systemLogs = (
    [
      ["SYSTEM.LOG1", log1],
      ["SYSTEM.LOG2", log2],
    ] as const
  ).flatMap(([name, bytes]) => (bytes === null ? [] : [{ path: `repaired/${name}`, bytes }]));
  const check = checkRepairedDisk(compiled, {
    before: { system, systemLogs: raw.bundle.systemHiveLogs, bcd: raw.bundle.bcd },
    after: { system: afterSystem, systemLogs, bcd: afterBcd },
  });
  return { check, warning: null };
}
