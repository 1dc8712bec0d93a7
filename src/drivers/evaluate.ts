/**
 * Whether one row of the compatibility table fires for what the disk has: each check kind
 * (versions, presence, boot start, OS build, launch agent, ACPI ids, integration services against
 * the Hyper-V host, platform) in one place.
 */
import type { CollectOutput } from "../collect/contract";
import type { Severity } from "./types";
import { CompatibilityRule, OS_LABELS, OsName } from "./table";
import { compareVersions, parseVersion } from "./version";
import { eq, type Resolved } from "./components";
import type { CheckDriversOptions } from "./options";

const DOWNLEVEL_IC_BUILD = 9600;

export interface Outcome {
  required: string;
  severity?: Severity;
  reason?: string;
  found?: string | null;
  versionUnknown?: boolean;
}

/** Evaluates one rule; null when it does not fire. */
export function evaluate(
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
