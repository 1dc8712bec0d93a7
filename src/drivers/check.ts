/**
 * The guest-driver check: runs the compatibility table over a collected OS disk for the cloud (and,
 * on AWS, the instance type) it will boot on, and sums the findings up.
 */
import type { CollectOutput, RepairAction } from "../collect/contract";
import type { Cloud, DriverFinding, Severity } from "./types";
import { COMPATIBILITY_TABLE, CompatibilityRule, osNameForBuild } from "./table";
import { bootCriticalReasons } from "./bootCritical";
import { awsTarget, conditionsHold } from "./applicability";
import { resolve, type Resolved } from "./components";
import { evaluate } from "./evaluate";
import type { CheckDriversOptions } from "./options";
export type { CheckDriversOptions } from "./options";

const SEVERITY_ORDER: Record<Severity, number> = { block: 0, warn: 1, info: 2 };
const TABLE_SOURCE = "src/drivers/compatibility.json";

/**
 * Checks the guest drivers ("integration services") on a collected OS disk against the
 * compatibility table for the cloud (and, on AWS, the target instance type). Pure: same input,
 * same findings; blocking findings first.
 */
export function checkGuestDrivers(
  collect: CollectOutput,
  opts: CheckDriversOptions,
): DriverFinding[] {
  const table = opts.table ?? COMPATIBILITY_TABLE;
  const os = osNameForBuild(collect.os.build);
  const findings: DriverFinding[] = [];
  const versionUnknown = new Map<string, DriverFinding>();

  if (!os) {
    findings.push({
      component: "os",
      found: `build ${collect.os.build}`,
      required: "a Windows Server build in the table (9200, 9600, 14393, 17763, 20348, 26100)",
      severity: "info",
      reason: `The table has no rows for OS build ${collect.os.build} (${collect.os.productName}); only the rules for any OS were checked.`,
      source: `${TABLE_SOURCE} (table ${table.version})`,
      remedy: "Check the guest drivers by hand against the cloud's documentation for this OS.",
    });
  }

  const hw = opts.cloud === "aws" ? awsTarget(opts.instanceType, findings, table) : null;

  for (const rule of table.rules) {
    if (!rule.clouds.includes(opts.cloud)) continue;
    if (rule.os !== "any" && (!os || !rule.os.includes(os))) continue;
    const applies = conditionsHold(rule, hw);
    if (!applies.holds) continue;
    const found = resolve(collect, rule.match);
    const outcome = evaluate(rule, found, collect, os, opts);
    if (!outcome) continue;
    let severity = outcome.severity ?? rule.severity;
    let reason = outcome.reason ?? rule.reason;
    if (applies.uncertain) {
      severity = cap(severity, "warn");
      reason = `${reason} (Applies if ${applies.uncertain}; shown as a warning because the instance type is unknown.)`;
    }
    const finding: DriverFinding = {
      component: rule.component,
      found: outcome.found !== undefined ? outcome.found : found.display,
      required: outcome.required,
      severity,
      reason,
      source: rule.source,
      remedy: rule.remedy,
    };
    const action = remedyActionFor(rule, found, collect, reason);
    if (action && !outcome.versionUnknown) finding.remedyAction = action;
    if (outcome.versionUnknown) {
      // one "could not read the version" finding per component, the most severe one
      const prev = versionUnknown.get(rule.component);
      if (!prev || SEVERITY_ORDER[finding.severity] < SEVERITY_ORDER[prev.severity])
        versionUnknown.set(rule.component, finding);
      continue;
    }
    findings.push(finding);
  }
  findings.push(...versionUnknown.values());
  return findings
    .map((f, i) => ({ f, i }))
    .sort((a, b) => SEVERITY_ORDER[a.f.severity] - SEVERITY_ORDER[b.f.severity] || a.i - b.i)
    .map(({ f }) => f);
}

/** True when any finding blocks swapping the disk back. */
export function blocksSwap(findings: readonly DriverFinding[]): boolean {
  return findings.some((f) => f.severity === "block");
}

/** One line: whether the swap is blocked, counts per severity, and the components concerned. */
export function summarizeFindings(findings: readonly DriverFinding[]): string {
  const count = (s: Severity) => findings.filter((f) => f.severity === s).length;
  const counts = `${count("block")} block, ${count("warn")} warn, ${count("info")} info`;
  if (findings.length === 0) return "Guest drivers: no findings; nothing blocks the swap.";
  const serious = [
    ...new Set(findings.filter((f) => f.severity !== "info").map((f) => f.component)),
  ];
  const head = blocksSwap(findings)
    ? "Guest drivers block the swap"
    : "Guest drivers do not block the swap";
  return `${head}: ${counts}${serious.length ? ` (${serious.join(", ")})` : ""}.`;
}

/**
 * The cloud to check for when none is given: AWS with an instance type, Hyper-V with a host
 * build, else the one cloud whose guest components are on the disk. Null when that is not
 * unambiguous (none or both found).
 */
export function inferCloud(
  collect: CollectOutput,
  hints: { instanceType?: string; hostBuild?: number } = {},
): Cloud | null {
  if (hints.instanceType !== undefined) return "aws";
  if (hints.hostBuild !== undefined) return "hyperv";
  const g = collect.guest;
  const azure = g.azureGuestAgent != null;
  const aws = g.awsEna != null || g.awsNvme != null || g.awsPvDriver != null || g.ec2Launch != null;
  if (azure === aws) return null;
  return azure ? "azure" : "aws";
}

/** The row's offline fix, unless the service is one the machine cannot boot without. */
function remedyActionFor(
  rule: CompatibilityRule,
  c: Resolved,
  collect: CollectOutput,
  reason: string,
): RepairAction | undefined {
  if (rule.remedyAction !== "DisableDriver" || !c.service) return undefined;
  if (bootCriticalReasons(c.service, collect.classFilters).length > 0) return undefined;
  return { action: "DisableDriver", args: { service: c.service.name }, reason };
}

function cap(s: Severity, max: Severity): Severity {
  return SEVERITY_ORDER[s] < SEVERITY_ORDER[max] ? max : s;
}
