/**
 * The incident files the evidence lists: CrowdStrike channel files
 * (`Windows\System32\drivers\CrowdStrike\C-*.sys`, guest-drivers-and-incidents.md §4) with their
 * size and last write, from the files a disk reader listed or the binaries collect reported. Their
 * presence corroborates the playbook that removes them; nothing here reads their bytes.
 */
import type { FileFacts } from "../../collect/contract";
import type { BinaryFacts } from "../../collect/manifest";
import type { ListedFile } from "../bundle";

const CHANNEL_FILE = /^windows\\system32\\drivers\\crowdstrike\\c-[^\\]*\.sys$/i;

/** True when a volume-relative path names a CrowdStrike channel file. */
export function isIncidentFile(path: string): boolean {
  return CHANNEL_FILE.test(path.replace(/\//g, "\\").replace(/^\\+/, ""));
}

/** The channel files present, as collect's file facts (no version: channel files have none). */
export function incidentFilesOf(
  listed: readonly ListedFile[],
  binaries: readonly BinaryFacts[],
): FileFacts[] {
  const fromListing = listed.map((f) => ({
    path: f.path.replace(/^\\+/, ""),
    sizeBytes: f.sizeBytes,
    lastWriteUtc: f.lastWriteUtc,
  }));
  const fromBinaries = binaries
    .filter((b) => b.exists && b.foundPath !== null)
    .map((b) => ({ path: b.foundPath!, sizeBytes: b.sizeBytes, lastWriteUtc: b.lastWriteUtc }));
  const seen = new Set<string>();
  return [...fromListing, ...fromBinaries]
    .filter((f) => isIncidentFile(f.path))
    .filter((f) => !seen.has(f.path.toLowerCase()) && !!seen.add(f.path.toLowerCase()))
    .map((f) => ({
      path: f.path,
      exists: true,
      version: null,
      company: null,
      product: null,
      signer: null,
      lastWriteUtc: f.lastWriteUtc,
      sizeBytes: f.sizeBytes,
    }));
}
