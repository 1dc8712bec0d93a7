/**
 * The evidence collect shipped, read back: the manifest (what the script copied, with sizes and
 * SHA-256) and the files themselves, fetched by name from the rescue's storage. Every file is
 * checked against its size and hash before a reader sees it; a file that does not match is left
 * out and said in `problems`, never read. The planner's input is then built by the TypeScript
 * readers alone ({@link collectFromEvidence}); nothing the script could have concluded is used.
 */
import { createHash } from "node:crypto";
import type { CollectManifest, ShippedFile } from "../../collect/manifest";
import type { EvidenceBundle } from "../bundle";
import { MAX_HIVE_BYTES } from "../hive/limits";
import { collectFromEvidence, type EvidenceFacts } from "./collectFromEvidence";
import { volumeDirtyOf } from "./volumeDirty";
import { FOLDER_CAPS } from "./loadFolder";
import type { CollectFromEvidenceOptions, EvidenceFileInfo } from "./types";

/**
 * Fetches one shipped file by name; `maxBytes` is the size the manifest gives (a fetcher reads no
 * more). Resolves to null when the file is not there.
 */
export type FetchShipped = (name: string, maxBytes: number) => Promise<Uint8Array | null>;

/** The cap per shipped name: the same caps the folder reader keeps. */
function capOf(name: string): number {
  if (/^(SYSTEM|SOFTWARE)/.test(name)) return MAX_HIVE_BYTES;
  if (name === "BCD") return FOLDER_CAPS.bcd;
  if (name === "System.evtx") return FOLDER_CAPS.eventLog;
  if (name === "setupapi.dev.log") return FOLDER_CAPS.setupApiLog;
  if (name === "pending.xml") return FOLDER_CAPS.pendingXml;
  return FOLDER_CAPS.minidump;
}

/** Where a shipped file was on the disk, as the readers cite it (`\Windows\...`). */
function diskPath(f: ShippedFile, bcdStore: string | null): string {
  if (f.name === "BCD" && bcdStore !== null) {
    const m = /^[A-Za-z]:(\\.*)$/.exec(bcdStore);
    return m ? m[1] : bcdStore;
  }
  return `\\${f.sourcePath.replace(/^\\+/, "")}`;
}

/**
 * Fetches and checks every uploaded file of the manifest and lays them out as an evidence bundle.
 * Never throws for bad or missing files: they become `problems`.
 */
export async function bundleFromManifest(
  manifest: CollectManifest,
  fetch: FetchShipped,
): Promise<EvidenceBundle> {
  const problems: string[] = manifest.errors.map((e) => `collect ${e.step}: ${e.message}`);
  const got = new Map<string, EvidenceFileInfo>();
  for (const f of manifest.files) {
    if (!f.uploaded || f.sha256 === null) {
      problems.push(`${f.name}: not shipped (${f.skipped ?? "not uploaded"})`);
      continue;
    }
    if (f.sizeBytes > capOf(f.name)) {
      problems.push(
        `${f.name}: ${f.sizeBytes} bytes, over the ${capOf(f.name)}-byte cap: not read`,
      );
      continue;
    }
    const bytes = await fetch(f.name, f.sizeBytes).catch((e: unknown) => {
      problems.push(`${f.name}: could not be fetched (${(e as Error).message.split("\n")[0]})`);
      return null;
    });
    if (bytes === null) {
      if (!problems.some((p) => p.startsWith(`${f.name}:`)))
        problems.push(`${f.name}: listed as shipped but not found in the rescue's storage`);
      continue;
    }
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (buf.length !== f.sizeBytes) {
      problems.push(`${f.name}: ${buf.length} bytes, the manifest says ${f.sizeBytes}: not read`);
      continue;
    }
    const sha = createHash("sha256").update(buf).digest("hex");
    if (sha !== f.sha256) {
      problems.push(`${f.name}: SHA-256 ${sha} differs from the manifest's ${f.sha256}: not read`);
      continue;
    }
    got.set(f.name, {
      path: diskPath(f, manifest.target.bcdStore),
      bytes: buf,
      lastWriteUtc: f.lastWriteUtc,
    });
  }
  const one = (name: string): EvidenceFileInfo | null => got.get(name) ?? null;
  const logs = ["SYSTEM.LOG1", "SYSTEM.LOG2", "SYSTEM.LOG"]
    .map(one)
    .filter((f): f is EvidenceFileInfo => f !== null);
  const dumps = [...got.keys()]
    .filter((n) => /^minidump-\d{2}\.dmp$/.test(n))
    .sort()
    .map((n) => got.get(n) as EvidenceFileInfo);
  const style = manifest.target.partitionStyle;
  return {
    route: "collect",
    systemHive: one("SYSTEM"),
    systemHiveLogs: logs,
    softwareHive: one("SOFTWARE"),
    bcd: one("BCD"),
    minidumps: dumps,
    memoryDumpBytes: manifest.memoryDump.exists ? manifest.memoryDump.sizeBytes : null,
    systemEventLog: one("System.evtx"),
    setupApiLog: one("setupapi.dev.log"),
    pendingXml: one("pending.xml"),
    disk: {
      partitionStyle: style === "MBR" || style === "GPT" ? style : null,
      generation: manifest.target.generation,
    },
    problems,
    // the incident files collect listed (never read): the playbooks' file facts
    listedFiles: (manifest.listedFiles ?? []).map((f) => ({
      path: f.path,
      sizeBytes: f.sizeBytes,
      lastWriteUtc: f.lastWriteUtc,
    })),
  };
}

/**
 * The planner's input from what collect shipped: the files checked and read by the TypeScript
 * readers, the disk's attachment (number, bus, volume) from the manifest, the guest binaries'
 * versions as Windows reported them.
 */
export async function collectFromManifest(
  manifest: CollectManifest,
  fetch: FetchShipped,
  opts: Omit<CollectFromEvidenceOptions, "target" | "binaries"> = {},
): Promise<EvidenceFacts & { bundle: EvidenceBundle }> {
  const bundle = await bundleFromManifest(manifest, fetch);
  const facts = collectFromEvidence(bundle, {
    ...opts,
    target: {
      diskNumber: manifest.target.diskNumber,
      busType: manifest.target.busType || undefined,
      windowsVolume: manifest.target.windowsVolume,
    },
    binaries: manifest.binaries,
  });
  const collect = {
    ...facts.collect,
    scriptVersion: `collect.ps1 ${manifest.scriptVersion} (files read by vm-rescue)`,
    target: {
      ...facts.collect.target,
      signatureCollision: manifest.target.signatureCollision,
    },
    volume: { ...facts.collect.volume, dirty: volumeDirtyOf(manifest.dirtyQuery) },
  };
  return { ...facts, collect, bundle };
}
