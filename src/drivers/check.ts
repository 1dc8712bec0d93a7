import type { CollectOutput, RepairAction, ServiceFacts } from "../collect/contract";
import type { Cloud, DriverFinding, Severity } from "./types";
import { classifyInstanceType, InstanceTypeInfo } from "./instanceTypes";
import {
  COMPATIBILITY_TABLE,
  CompatibilityRule,
  CompatibilityTable,
  ComponentMatch,
  OS_LABELS,
  OsName,
  osNameForBuild,
} from "./table";
import { compareVersions, parseVersion } from "./version";
import { bootCriticalReasons, findService } from "./bootCritical";

export interface CheckDriversOptions {
  cloud: Cloud;
  /** AWS: the instance type the disk will boot on (e.g. "m6i.large"). */
  instanceType?: string;
  /** Hyper-V on-premises: build number of the host the VM runs on (e.g. 17763). */
  hostBuild?: number;
  /** The table to use; the bundled one by default. */
  table?: CompatibilityTable;
}

const SEVERITY_ORDER: Record<Severity, number> = { block: 0, warn: 1, info: 2 };
const TABLE_SOURCE = "src/drivers/compatibility.json";
const NITRO_SOURCE =
  "https://docs.aws.amazon.com/ec2/latest/instancetypes/ec2-nitro-instances.html (Instances built on the AWS Nitro System)";
const DOWNLEVEL_IC_BUILD = 9600;

/** What the collect output says about one component. */
interface Resolved {
  present: boolean;
  /** Version text as reported (may be unparseable), or null. */
  version: string | null;
  /** What to show as "found". */
  display: string | null;
  service: ServiceFacts | null;
  launchKind: string | null;
}

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

// ---------------------------------------------------------------------------------------------

function awsTarget(
  instanceType: string | undefined,
  findings: DriverFinding[],
  table: CompatibilityTable,
): InstanceTypeInfo | null {
  if (instanceType === undefined) {
    const skipped = table.rules.filter((r) => r.clouds.includes("aws") && r.when).length;
    findings.push({
      component: "aws.instanceType",
      found: null,
      required: "the target instance type",
      severity: "info",
      reason: `No instance type given: ${skipped} Nitro/Xen-specific rules were not checked.`,
      source: NITRO_SOURCE,
      remedy: "Pass the instance type the disk will boot on (--instance-type) to check them.",
    });
    return null;
  }
  const info = classifyInstanceType(instanceType);
  if (info.hypervisor === "unknown") {
    findings.push({
      component: "aws.instanceType",
      found: info.instanceType,
      required: "a known Nitro or Xen instance family",
      severity: "warn",
      reason: `Cannot tell whether ${info.instanceType} is Nitro or Xen (${info.rule}); Nitro/Xen rules are shown as warnings.`,
      source: NITRO_SOURCE,
      remedy:
        "Check the instance family on the Nitro page and add it to src/drivers/instanceTypes.ts.",
    });
  }
  return info;
}

interface Applies {
  holds: boolean;
  /** Set when the rule may or may not apply because the instance type is unknown. */
  uncertain?: string;
}

function conditionsHold(rule: CompatibilityRule, hw: InstanceTypeInfo | null): Applies {
  if (!rule.when) return { holds: true };
  if (!hw) return { holds: false };
  const unsure: string[] = [];
  const { hypervisor, minGeneration } = rule.when;
  if (hypervisor) {
    if (hw.hypervisor === "unknown")
      unsure.push(`the instance type is ${hypervisor === "nitro" ? "Nitro" : "Xen"}-based`);
    else if (hw.hypervisor !== hypervisor) return { holds: false };
  }
  if (minGeneration !== undefined) {
    if (hw.generation === null)
      unsure.push(`the instance type is generation ${minGeneration} or later`);
    else if (hw.generation < minGeneration) return { holds: false };
  }
  return unsure.length ? { holds: true, uncertain: unsure.join(" and ") } : { holds: true };
}

function resolve(collect: CollectOutput, match: ComponentMatch | undefined): Resolved {
  const none: Resolved = {
    present: false,
    version: null,
    display: null,
    service: null,
    launchKind: null,
  };
  if (!match) return none;
  const guest = match.guest ? collect.guest[match.guest] : null;
  let service: ServiceFacts | null = null;
  if (match.service) service = findService(collect.services, match.service) ?? null;
  if (!service && match.driverFile) {
    const file = match.driverFile;
    service =
      collect.services.find(
        (s) => eq(baseName(s.file?.path), file) || eq(baseName(s.imagePath), file),
      ) ?? null;
  }
  if (service?.file && service.file.exists === false && !guest) service = null;
  const launchKind: string | null =
    match.guest === "ec2Launch" ? (collect.guest.ec2Launch?.kind ?? null) : null;
  const guestVersion: string | null = guest ? (guest as { version: string | null }).version : null;
  const version = guestVersion ?? service?.file?.version ?? null;
  const present = guest != null || service != null;
  const display = !present
    ? null
    : launchKind
      ? `${launchKind}${version ? ` ${version}` : ""}`
      : (version ?? "present (version unknown)");
  return { present, version, display, service, launchKind };
}

interface Outcome {
  required: string;
  severity?: Severity;
  reason?: string;
  found?: string | null;
  versionUnknown?: boolean;
}

/** Evaluates one rule; null when it does not fire. */
function evaluate(
  rule: CompatibilityRule,
  c: Resolved,
  collect: CollectOutput,
  os: OsName | null,
  opts: CheckDriversOptions,
): Outcome | null {
  const check = rule.check;
  switch (check.kind) {
    case "minVersion":
    case "maxVersion":
    case "withdrawn": {
      const required =
        check.kind === "minVersion"
          ? `≥ ${check.min}`
          : check.kind === "maxVersion"
            ? `≤ ${check.max}`
            : `not ${check.versions.join(" or ")}`;
      if (!c.present) return null;
      if (check.kind === "withdrawn" && c.service?.start === 4) return null;
      if (!parseVersion(c.version)) return unknownVersion(rule, required);
      const v = c.version!;
      const fires =
        check.kind === "minVersion"
          ? compareVersions(v, check.min) < 0
          : check.kind === "maxVersion"
            ? compareVersions(v, check.max) > 0
            : check.versions.some((w) => compareVersions(v, w) === 0);
      return fires ? { required } : null;
    }
    case "required":
      return c.present ? null : { required: "present" };
    case "unsupported":
      if (!c.present || c.service?.start === 4) return null;
      return { required: "absent or disabled" };
    case "bootStart": {
      const s = c.service;
      if (!s) return null;
      const overrides = Object.entries(s.startOverride ?? {}).filter(([, v]) => v !== 0);
      if (s.start === 0 && overrides.length === 0) return null;
      const facts = [
        `Start=${s.start ?? "absent"}`,
        ...overrides.map(([k, v]) => `StartOverride\\${k}=${v}`),
      ];
      return { required: "Start=0, no StartOverride other than 0", found: facts.join(", ") };
    }
    case "matchesOsBuild": {
      const required = `10.0.${collect.os.build}.x / 6.x.${collect.os.build}.x (the OS build)`;
      if (!c.present) return null;
      const parts = parseVersion(c.version);
      if (!parts) return unknownVersion(rule, required);
      return parts[2] === collect.os.build ? null : { required };
    }
    case "launchAgent":
      if (!c.present || !c.launchKind) return null;
      return check.allowed.includes(c.launchKind as never)
        ? null
        : { required: check.allowed.join(" or ") };
    case "acpiId": {
      const required = `Enum\\ACPI\\${check.id} present`;
      if (collect.acpiEnum == null) {
        return {
          required,
          severity: "info",
          found: null,
          reason: `The collect output does not list Enum\\ACPI, so the ${check.id} mapping could not be checked. ${rule.reason}`,
        };
      }
      const has = collect.acpiEnum.some((k) => eq(k, check.id));
      return has
        ? null
        : { required, found: `Enum\\ACPI: ${collect.acpiEnum.join(", ") || "(empty)"}` };
    }
    case "integrationServicesHost":
      return integrationServicesVsHost(rule, c, collect, opts);
    case "platform":
      return {
        required:
          rule.os === "any"
            ? "a supported platform"
            : `a platform that supports ${os ? OS_LABELS[os] : "this OS"}`,
        found: opts.instanceType ?? null,
      };
  }
}

function unknownVersion(rule: CompatibilityRule, required: string): Outcome {
  return {
    required,
    severity: rule.severity === "block" ? "warn" : "info",
    reason: `${rule.component} is present but its version could not be read, so "${required}" could not be checked. Rule: ${rule.reason}`,
    versionUnknown: true,
  };
}

/**
 * Down-level guests (2012/2012 R2) get their integration services from the host generation:
 * a guest on a host of build B should run ICs of build min(B, 9600). The host build is the one
 * given, else the host version the guest last saw through KVP.
 */
function integrationServicesVsHost(
  rule: CompatibilityRule,
  c: Resolved,
  collect: CollectOutput,
  opts: CheckDriversOptions,
): Outcome | null {
  const ic = collect.guest.hyperVIntegrationServices;
  const seenBuild = hostBuildFromVersion(ic?.hostOsMajor ?? null, ic?.hostOsMinor ?? null);
  const hostBuild = opts.hostBuild ?? seenBuild;
  if (hostBuild === null) {
    return {
      required: "the host build (--host-build)",
      severity: "info",
      reason:
        "The host version is unknown (not given, and the guest never recorded one through the Data Exchange service), so the integration services could not be compared with the host.",
    };
  }
  const expected = Math.min(hostBuild, DOWNLEVEL_IC_BUILD);
  const required = `integration services of build ≥ ${expected} (host build ${hostBuild})`;
  if (!c.present || c.version === null) {
    return {
      required,
      reason:
        "No IntegrationServicesVersion is recorded: the Data Exchange (KVP) service never ran, so Windows Update does not offer integration services to this guest.",
    };
  }
  const parts = parseVersion(c.version);
  if (!parts || parts.length < 3) return unknownVersion(rule, required);
  if (parts[2] < expected) return { required };
  return null;
}

/** Host OS major.minor as the guest records it → a build number (10.x → 14393, the first 10.0 server). */
function hostBuildFromVersion(major: number | null, minor: number | null): number | null {
  if (major === null) return null;
  if (major >= 10) return 14393;
  if (major === 6 && minor === 3) return 9600;
  if (major === 6 && minor === 2) return 9200;
  if (major === 6 && minor === 1) return 7601;
  return null;
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

function eq(a: string | null | undefined, b: string): boolean {
  return typeof a === "string" && a.toLowerCase() === b.toLowerCase();
}

function baseName(path: string | null | undefined): string | null {
  if (!path) return null;
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] || null;
}
