import type { RepairAction } from "../collect/contract";

export type Cloud = "azure" | "aws" | "hyperv";
export type Severity = "info" | "warn" | "block";

/** One result of the guest-driver compatibility check. */
export interface DriverFinding {
  /** Component id, e.g. "aws.ena", "azure.guestAgent", "hyperv.integrationServices". */
  component: string;
  /** Version found on the disk, or null when the component is absent. */
  found: string | null;
  /** What is required, in words ("≥ 2.2.3", "present and boot-start"). */
  required: string;
  severity: Severity;
  reason: string;
  /** Where the rule comes from (document and section, or URL). */
  source: string;
  /** What a person (or the planner) should do. */
  remedy: string;
  /** A repair action the planner may add to fix this offline, when there is one. */
  remedyAction?: RepairAction;
}
