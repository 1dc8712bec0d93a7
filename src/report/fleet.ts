/**
 * The fleet report: one line per VM (its outcome, stack, modeled time), the fleet's totals and its
 * modeled time under the concurrency limits. `schemas/fleet-report.schema.json` describes the JSON.
 */
import { formatDuration } from "../recoveryTime/azure";
import type { RescueCloud, RescueStatus } from "./types";

export const FLEET_REPORT_VERSION = 1 as const;

/** What became of one VM: a rescue status, or refused by the plan (nothing created). */
export type FleetOutcome = RescueStatus | "refused";

export const FLEET_OUTCOMES: readonly FleetOutcome[] = [
  "rescued",
  "prepared",
  "blocked",
  "failed",
  "refused",
];

export interface FleetVmResult {
  /** ARM id (lower case) or instance id: the key of the fleet state and of the shards. */
  id: string;
  cloud: RescueCloud;
  label: string;
  /** Region or location (and zone) the limits count in. */
  region: string;
  /** Subscription or account the limits count in. */
  account: string;
  outcome: FleetOutcome;
  /** The stack of the VM's rescue; null when refused. */
  stack: string | null;
  /** One line: the rescue report's summary, or why the plan refused the VM. */
  summary: string;
  /** The plan's refusal code (e.g. "not-windows"), when refused. */
  refusal?: string;
  /** The modeled time of this VM's rescue; null when it was not modeled (refused, failed). */
  modeledSeconds: number | null;
  /** Attempts the rescue took (throttling retries included); 0 when refused or resumed. */
  attempts: number;
  /** True when an earlier run rescued it and this run skipped it (from the fleet state). */
  resumed: boolean;
  errors: string[];
}

export interface FleetLimits {
  concurrency: number;
  perRegion: number | null;
  perAccount: number | null;
}

export interface FleetTotals {
  vms: number;
  rescued: number;
  prepared: number;
  blocked: number;
  failed: number;
  refused: number;
  resumed: number;
  byCloud: Record<RescueCloud, number>;
}

export interface FleetReport {
  fleetReportVersion: typeof FLEET_REPORT_VERSION;
  mode: "live" | "simulated";
  /** The limits the rescues ran under. */
  limits: FleetLimits;
  /** Which share of the fleet this run took ("2/4"); null for the whole fleet or a merge. */
  shard: string | null;
  startedAt: string;
  vms: FleetVmResult[];
  totals: FleetTotals;
  /** The modeled time of the whole fleet under the limits (each VM's modeled time, scheduled). */
  modeledSeconds: number;
  /** 0: every VM rescued or prepared; 4: some blocked or refused; 1: some failed. */
  exitCode: 0 | 1 | 4;
}

/** A fleet-file entry that could not be read as a VM (listed as `entry-<index>`). */
export function isUnreadableEntry(v: Pick<FleetVmResult, "id">): boolean {
  return /^entry-\d+$/.test(v.id);
}

/** The totals of a list of VM results. */
export function fleetTotals(vms: readonly FleetVmResult[]): FleetTotals {
  const count = (o: FleetOutcome) => vms.filter((v) => v.outcome === o).length;
  return {
    vms: vms.length,
    rescued: count("rescued"),
    prepared: count("prepared"),
    blocked: count("blocked"),
    failed: count("failed"),
    refused: count("refused"),
    resumed: vms.filter((v) => v.resumed).length,
    // an entry of the fleet file that is no VM has no cloud: counted in vms only
    byCloud: {
      azure: vms.filter((v) => v.cloud === "azure" && !isUnreadableEntry(v)).length,
      aws: vms.filter((v) => v.cloud === "aws" && !isUnreadableEntry(v)).length,
    },
  };
}

/** The fleet's exit code: any failure 1, else any blocked or refused VM 4, else 0. */
export function fleetExitCode(totals: FleetTotals): 0 | 1 | 4 {
  if (totals.failed > 0) return 1;
  if (totals.blocked + totals.refused > 0) return 4;
  return 0;
}

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** The fleet report as Markdown (a pipeline's job summary). */
export function renderFleetMarkdown(r: FleetReport): string {
  const t = r.totals;
  const limits = [
    `concurrency ${r.limits.concurrency}`,
    ...(r.limits.perRegion ? [`${r.limits.perRegion} per region`] : []),
    ...(r.limits.perAccount ? [`${r.limits.perAccount} per subscription/account`] : []),
  ].join(", ");
  const unreadable = t.vms - t.byCloud.azure - t.byCloud.aws;
  const lines = [
    `# Fleet rescue${r.shard ? ` (shard ${r.shard})` : ""}${r.mode === "simulated" ? " [simulated]" : ""}`,
    "",
    `${t.vms} VMs (${t.byCloud.azure} Azure, ${t.byCloud.aws} AWS${unreadable ? `, ${unreadable} unreadable` : ""}): ${t.rescued} rescued, ${t.prepared} prepared, ${t.blocked} blocked, ${t.failed} failed, ${t.refused} refused${t.resumed ? `; ${t.resumed} rescued by an earlier run` : ""}.`,
    "",
    `Modeled fleet time: ${formatDuration(r.modeledSeconds)} (${limits}).`,
    "",
    "| VM | Cloud | Region | Outcome | Modeled | Summary |",
    "|---|---|---|---|---|---|",
    ...r.vms.map(
      (v) =>
        `| ${cell(v.label)} | ${isUnreadableEntry(v) ? "–" : v.cloud} | ${cell(v.region)} | ${v.outcome}${v.resumed ? " (earlier run)" : ""} | ${v.modeledSeconds === null ? "–" : formatDuration(v.modeledSeconds)} | ${cell(v.summary)} |`,
    ),
  ];
  const errors = r.vms.filter((v) => v.errors.length > 0);
  if (errors.length > 0) {
    lines.push("", "## Errors", "");
    for (const v of errors) for (const e of v.errors) lines.push(`- ${v.label}: ${e}`);
  }
  return lines.join("\n");
}
