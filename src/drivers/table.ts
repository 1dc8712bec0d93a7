import type { GuestComponents } from "../collect/contract";
import type { Cloud, Severity } from "./types";
import table from "./compatibility.json";

/**
 * The guest-driver compatibility table (`src/drivers/compatibility.json`): one row per rule, each with
 * its source. `schemas/driver-compatibility.schema.json` describes the same shape; a test
 * validates the table against it.
 */

/** Windows Server releases the table has rows for, keyed by the name rows use. */
export const OS_BUILDS = {
  "2012": 9200,
  "2012R2": 9600,
  "2016": 14393,
  "2019": 17763,
  "2022": 20348,
  "2025": 26100,
} as const;
export type OsName = keyof typeof OS_BUILDS;

export const OS_LABELS: Record<OsName, string> = {
  "2012": "Windows Server 2012",
  "2012R2": "Windows Server 2012 R2",
  "2016": "Windows Server 2016",
  "2019": "Windows Server 2019",
  "2022": "Windows Server 2022",
  "2025": "Windows Server 2025",
};

/** The table's name for an OS build (CurrentBuildNumber), or null when the table has none. */
export function osNameForBuild(build: number): OsName | null {
  for (const [name, b] of Object.entries(OS_BUILDS)) if (b === build) return name as OsName;
  return null;
}

export type LaunchAgentKind = NonNullable<GuestComponents["ec2Launch"]>["kind"];

/**
 * Where the check finds a component in the collect output. Any of the three may be given; the
 * component is present when any of them is found. The version comes from the guest entry first,
 * then from the driver file's version resource.
 */
export interface ComponentMatch {
  /** A key of `CollectOutput.guest`. */
  guest?: keyof GuestComponents;
  /** A service key name under Services (case-insensitive). */
  service?: string;
  /** A driver file name (case-insensitive), matched against the service's resolved file or ImagePath. */
  driverFile?: string;
}

export type RuleCheck =
  /** Version at least `min`. Skipped when the component is absent. */
  | { kind: "minVersion"; min: string }
  /** Version at most `max`. Skipped when the component is absent. */
  | { kind: "maxVersion"; max: string }
  /** Version is one that was withdrawn; fires only when the driver is not disabled (Start=4). */
  | { kind: "withdrawn"; versions: string[] }
  /** Fires when the component is absent. */
  | { kind: "required" }
  /** Fires when the component is present and not disabled. */
  | { kind: "unsupported" }
  /** Fires when the service is present but not boot-start (Start≠0 or a StartOverride value ≠0). */
  | { kind: "bootStart" }
  /** Fires when the file version's build (third part) differs from the OS build. */
  | { kind: "matchesOsBuild" }
  /** Fires when the launch agent found is not one of `allowed`. Skipped when absent. */
  | { kind: "launchAgent"; allowed: LaunchAgentKind[] }
  /** Fires when `SYSTEM\ControlSet00N\Enum\ACPI\<id>` is missing (collect field `acpiEnum`). */
  | { kind: "acpiId"; id: string }
  /** Hyper-V: the guest's integration services are older than the host offers. */
  | { kind: "integrationServicesHost" }
  /** Fires whenever the row's conditions hold (a platform/OS combination that cannot work). */
  | { kind: "platform" };
export type RuleKind = RuleCheck["kind"];

export interface CompatibilityRule {
  /** Unique, stable id, e.g. "aws.ena.withdrawn". */
  id: string;
  clouds: Cloud[];
  /** OS releases the row is about, or "any". */
  os: OsName[] | "any";
  /** Component id used in findings, e.g. "aws.ena". */
  component: string;
  match?: ComponentMatch;
  /** AWS only: the target instance type's hypervisor / minimum generation. */
  when?: { hypervisor?: "nitro" | "xen"; minGeneration?: number };
  check: RuleCheck;
  severity: Severity;
  reason: string;
  remedy: string;
  /** An offline fix the planner may add. Only DisableDriver, never for boot-critical storage drivers. */
  remedyAction?: "DisableDriver";
  /** Document and section, or URL. */
  source: string;
}

export interface CompatibilityTable {
  /** Table format/content version; bump when rows change. */
  version: string;
  /** Date of the last change, YYYY-MM-DD. */
  updated: string;
  rules: CompatibilityRule[];
}

/** The bundled table (validated against its schema by the tests). */
export const COMPATIBILITY_TABLE: CompatibilityTable = table as unknown as CompatibilityTable;
