/**
 * Whether a table row applies to the hardware the disk will boot on: the AWS instance type's
 * hypervisor (Nitro or Xen) and generation. An unknown instance type makes such rows uncertain.
 */
import type { DriverFinding } from "./types";
import { classifyInstanceType, InstanceTypeInfo } from "./instanceTypes";
import type { CompatibilityRule, CompatibilityTable } from "./table";

const NITRO_SOURCE =
  "https://docs.aws.amazon.com/ec2/latest/instancetypes/ec2-nitro-instances.html (Instances built on the AWS Nitro System)";

/** The AWS instance type to check for, adding a finding when it is missing or unknown. */
export function awsTarget(
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

export interface Applies {
  holds: boolean;
  /** Set when the rule may or may not apply because the instance type is unknown. */
  uncertain?: string;
}

/** Whether a row's `when` (hypervisor, generation) holds for the instance type. */
export function conditionsHold(rule: CompatibilityRule, hw: InstanceTypeInfo | null): Applies {
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
