/**
 * Playbook: CrowdStrike Falcon channel file 291, 2024-07-19. Matched from evidence — channel files
 * `C-00000291*.sys` under `Windows\System32\drivers\CrowdStrike\`, with the faulting module
 * csagent.sys in a dump or a channel file written in the bad window (04:09 to before 05:27 UTC on
 * 2024-07-19). The documented fix removes the matching channel files and leaves the sensor
 * enabled: here they are quarantined (moved out of the folder, kept to put back), and csagent is
 * not disabled.
 *
 * Source: the shared reference guest-drivers-and-incidents.md §4 (CrowdStrike "Technical Details"
 * blog: file pattern and window; Microsoft Security blog 2024-07-27: 0x50, IMAGE_NAME csagent.sys;
 * KB5042421/KB5042426 and the Azure / AWS recovery articles: delete
 * `Windows\System32\drivers\CrowdStrike\C-00000291*.sys`, swap the disk back).
 */
import type { CollectOutput, FileFacts } from "../../collect/contract";
import type { TriageResult } from "../../triage/types";
import { namedModule, time } from "../evidence";
import { canonicalPath } from "../invariants/paths";
import { act, proposal } from "../proposals";
import type { Proposal } from "../types";
import type { RegistryEdit } from "./registry";

export const CROWDSTRIKE_SOURCE =
  "guest-drivers-and-incidents.md §4 (CrowdStrike Technical Details blog; Microsoft KB5042421 / KB5042426; Azure and AWS recovery articles)";
export const CHANNEL_FOLDER = "windows\\system32\\drivers\\crowdstrike";
export const CHANNEL_FILE = /^c-00000291.*\.sys$/;
/** The bad channel file's window: written from 04:09 UTC, reverted from 05:27 UTC (2024-07-19). */
export const BAD_WINDOW = { from: "2024-07-19T04:09:00Z", until: "2024-07-19T05:27:00Z" } as const;

export interface PlaybookMatch {
  id: "crowdstrike-channel-291" | "stornvme-startoverride" | "acpi-msft1000-2012r2";
  title: string;
  source: string;
  /** The facts that matched, one line each. */
  evidence: string[];
  /** The prescribed fix as the plan carries it. */
  proposals: Proposal[];
  /** Steps of the prescribed fix the repair actions cannot express, for a person (exact commands). */
  manual: string[];
  /** Services the playbook's fix leaves alone (the culprit rule must not disable them). */
  keep: string[];
  /** Registry edits of the fix no repair action expresses (also in `manual` as commands). */
  registry?: RegistryEdit[];
}

function channelFiles(collect: Pick<CollectOutput, "incidentFiles">): FileFacts[] {
  return (collect.incidentFiles ?? []).filter((f) => {
    const p = canonicalPath(f.path);
    if (!f.exists || p === null) return false;
    const at = p.lastIndexOf("\\");
    return p.slice(0, at) === CHANNEL_FOLDER && CHANNEL_FILE.test(p.slice(at + 1));
  });
}

function inBadWindow(f: FileFacts): boolean {
  const t = time(f.lastWriteUtc);
  return t !== null && t >= Date.parse(BAD_WINDOW.from) && t < Date.parse(BAD_WINDOW.until);
}

/** The CrowdStrike playbook, when the evidence matches it. */
export function matchCrowdStrike(
  collect: Pick<CollectOutput, "incidentFiles">,
  dumps: readonly TriageResult[],
): PlaybookMatch | null {
  const files = channelFiles(collect);
  if (files.length === 0) return null;
  const faulting = dumps.find((t) => t.error === null && namedModule(t) === "csagent.sys");
  const bad = files.filter(inBadWindow);
  if (!faulting && bad.length === 0) return null;
  const evidence = [
    ...files.map(
      (f) =>
        `${f.path} (${f.sizeBytes ?? "?"} bytes, written ${f.lastWriteUtc ?? "?"}${inBadWindow(f) ? ", inside the bad window 04:09–05:27 UTC" : ""})`,
    ),
    ...(faulting ? [`${faulting.file}: faulting module csagent.sys`] : []),
  ];
  const why = `CrowdStrike channel file 291 (${faulting ? "faulting module csagent.sys" : "no dump names csagent.sys"}; ${bad.length} of ${files.length} channel files written in the bad window)`;
  return {
    id: "crowdstrike-channel-291",
    title: "CrowdStrike Falcon channel file 291 (2024-07-19)",
    source: CROWDSTRIKE_SOURCE,
    evidence,
    proposals: files.map((f) =>
      proposal(
        act(
          "QuarantineDriverFile",
          { path: f.path },
          `${why}: remove ${f.path} from the CrowdStrike folder, as the documented fix does (kept in quarantine to put back); the sensor stays enabled`,
        ),
        evidence,
      ),
    ),
    manual: [],
    keep: ["csagent"],
  };
}
