/**
 * The evidence the snapshot diagnosis read, kept: its files shipped under `collect/` of the
 * artifacts container and a collect-style manifest (sizes and SHA-256) written where the collect
 * output goes, so the check after the repair reads the before-repair hives exactly as it reads a
 * collect's. The manifest marks its source: `busType` "Snapshot" (no helper numbered a disk).
 */
import { createHash } from "node:crypto";
import { shippedFileUrl } from "../../collect/layout";
import {
  MAX_SHIPPED_MINIDUMPS,
  minidumpName,
  type CollectManifest,
  type ShippedFile,
} from "../../collect/manifest";
import type { EvidenceBundle, EvidenceFile } from "../../evidence/bundle";

/** Writes one blob (bytes, or a document's text). */
export type BlobWriter = (url: string, bytes: Buffer) => Promise<void>;

/** The collect-manifest version whose contract the diagnosis manifest keeps. */
const MANIFEST_SCRIPT_VERSION = "2.0.0";

/** The files of a bundle by shipped name (the fixed names, never disk text). */
export function shippedFilesOf(bundle: EvidenceBundle): [string, EvidenceFile][] {
  const base = (p: string) => p.split("\\").pop() ?? "";
  const logs = bundle.systemHiveLogs
    .filter((l) => /^SYSTEM\.LOG[12]?$/i.test(base(l.path)))
    .map((l): [string, EvidenceFile] => [base(l.path).toUpperCase(), l]);
  const one = (name: string, f: EvidenceFile | null): [string, EvidenceFile][] =>
    f ? [[name, f]] : [];
  return [
    ...one("SYSTEM", bundle.systemHive),
    ...logs,
    ...one("SOFTWARE", bundle.softwareHive),
    ...one("BCD", bundle.bcd),
    ...one("System.evtx", bundle.systemEventLog),
    ...one("setupapi.dev.log", bundle.setupApiLog),
    ...one("pending.xml", bundle.pendingXml),
    ...bundle.minidumps
      .slice(0, MAX_SHIPPED_MINIDUMPS)
      .map((m, i): [string, EvidenceFile] => [minidumpName(i + 1), m]),
  ];
}

/** The collect-style manifest of a bundle read from a snapshot at `at` (ISO 8601). */
export function snapshotManifest(bundle: EvidenceBundle, at: string): CollectManifest {
  const files: ShippedFile[] = shippedFilesOf(bundle).map(([name, f]) => ({
    name,
    sourcePath: f.path.replace(/^\\+/, ""),
    sizeBytes: f.bytes.length,
    lastWriteUtc: (f as { lastWriteUtc?: string }).lastWriteUtc ?? at,
    sha256: createHash("sha256").update(f.bytes).digest("hex"),
    uploaded: true,
    skipped: null,
  }));
  const bcd = bundle.bcd ? bundle.bcd.path : null;
  return {
    schemaVersion: 2,
    kind: "collect-manifest",
    collectedAtUtc: at,
    scriptVersion: MANIFEST_SCRIPT_VERSION,
    target: {
      diskNumber: 0,
      busType: "Snapshot",
      partitionStyle: bundle.disk.partitionStyle ?? "",
      signatureCollision: false,
      windowsVolume: "C:\\",
      bcdStore: bcd,
      generation: bundle.disk.generation,
    },
    files,
    memoryDump: {
      exists: bundle.memoryDumpBytes !== null,
      sizeBytes: bundle.memoryDumpBytes,
      lastWriteUtc: null,
    },
    binaries: [],
    listedFiles: (bundle.listedFiles ?? []).map((f) => ({
      path: f.path,
      sizeBytes: f.sizeBytes ?? 0,
      lastWriteUtc: f.lastWriteUtc ?? at,
    })),
    errors: bundle.problems.slice(0, 50).map((message) => ({ step: "snapshot", message })),
  };
}

/** Ships the files, then the manifest (the manifest last: it names only files already written). */
export async function shipSnapshotEvidence(
  write: BlobWriter,
  filesBase: string,
  manifestUrl: string,
  bundle: EvidenceBundle,
  at: string,
): Promise<CollectManifest> {
  for (const [name, f] of shippedFilesOf(bundle))
    await write(shippedFileUrl(filesBase, "collect", name), f.bytes);
  const manifest = snapshotManifest(bundle, at);
  await write(manifestUrl, Buffer.from(JSON.stringify(manifest, null, 2), "utf8"));
  return manifest;
}
