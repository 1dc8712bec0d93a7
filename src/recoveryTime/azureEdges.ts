/**
 * Why each wait of the Azure rescue's step graph exists (the graph `stepsFromPlan` builds from the
 * plan's resources). Every direct wait between two timed steps has a reason here; the waits that
 * keep the backup guarantee are required; the waits that would only add idle time are rejected.
 * `auditAzurePlan` checks a plan against the table (`edges.ts`), so a resource that starts waiting
 * for something new fails a test until its reason is recorded. Cloud rules cite the Azure
 * documentation (azure-compute-docs, `os-disk-swap.md`).
 */
import { auditEdges, type EdgeAudit, type EdgeReason, type RejectedEdge } from "./edges";
import { stepsFromPlan, type PlanResourceShape, type TtrOptions } from "./azure";

const BACKUP =
  "the backup guarantee: nothing reads for the repair, writes or stops before the point-in-time snapshot of the original OS disk exists";

/** The recorded waits of the Azure plan, by role (a resource's name without the rescue's prefix). */
export const AZURE_EDGE_REASONS: readonly EdgeReason[] = [
  {
    step: "copy",
    waitsFor: "snapshot",
    required: true,
    reason: `the copy is made from the backup snapshot, so it, the backup and the diagnosis read from the backup are one point in time (the broken VM may write a new crash dump between two reads of its disk); ${BACKUP}`,
  },
  {
    step: "snapshot-diagnosis",
    waitsFor: "snapshot",
    required: true,
    reason: "the diagnosis reads the backup snapshot itself (read-only SAS, range reads)",
  },
  {
    step: "stop",
    waitsFor: "snapshot",
    required: true,
    reason: `the broken VM is deallocated only once its backup exists; ${BACKUP}`,
  },
  {
    step: "helper",
    waitsFor: "nic",
    reason:
      "an Azure VM is created with an existing network interface (networkProfile names the NIC's id)",
  },
  {
    step: "copy-attach",
    waitsFor: "helper",
    reason: "a data disk is attached to an existing VM (az vm disk attach updates the VM)",
  },
  {
    step: "copy-attach",
    waitsFor: "copy",
    required: true,
    reason: "the attached disk is the copy, which must exist (and comes from the backup)",
  },
  {
    step: "copy-attach",
    waitsFor: "standby",
    reason:
      "the copy is attached to the standby helper once it runs (a running VM takes a data disk: az vm disk attach)",
  },
  {
    step: "snapshot-diagnosis",
    waitsFor: "artifacts",
    reason:
      "the diagnosis ships the evidence it read (the collect manifest and files) to the artifacts container",
  },
  {
    step: "repair",
    waitsFor: "snapshot-diagnosis",
    reason:
      "repair.ps1 runs the parameters and compiled operations the diagnosis decided from the backup (the same point in time as the copy, made from it)",
  },
  {
    step: "repair",
    waitsFor: "copy-attach",
    reason: "repair.ps1 writes the copy, attached to the helper at the LUN it looks for",
  },
  {
    step: "repair",
    waitsFor: "helper",
    reason: "repair.ps1 runs on the helper as a Run Command",
  },
  {
    step: "repair",
    waitsFor: "artifacts",
    reason:
      "the repair ships its result document and the repaired hives to the artifacts container",
  },
  {
    step: "repair",
    waitsFor: "snapshot",
    required: true,
    reason: `the repair writes the copy; ${BACKUP}`,
  },
  {
    step: "swap",
    waitsFor: "snapshot",
    required: true,
    reason: `the swap changes the broken VM's OS disk; ${BACKUP}`,
  },
  {
    step: "swap",
    waitsFor: "repair",
    reason: "the swap puts in the repaired copy, once the repair finished",
  },
  {
    step: "swap",
    waitsFor: "snapshot-diagnosis",
    reason:
      "the swap's gate is the diagnosis's, closed by the check after the repair on any difference",
  },
  {
    step: "swap",
    waitsFor: "artifacts",
    reason:
      "the check after the repair (the swap's gate) reads the repaired hives from the artifacts container",
  },
  {
    step: "swap",
    waitsFor: "helper",
    reason: "the swap detaches the copy from the helper (a disk is attached to one VM at a time)",
  },
  {
    step: "repair",
    waitsFor: "standby",
    reason: "repair.ps1 runs on the standby helper as a Run Command",
  },
  {
    step: "swap",
    waitsFor: "standby",
    reason:
      "the swap detaches the copy from the standby helper (a disk is attached to one VM at a time)",
  },
  {
    step: "swap",
    waitsFor: "copy",
    reason: "the copy is the disk swapped in",
  },
  {
    step: "verify",
    waitsFor: "swap",
    reason: "the verification watches the boot of the swapped-in copy",
  },
  {
    step: "verify",
    waitsFor: "snapshot-diagnosis",
    reason:
      "a repair that set safe mode makes the first boot a safe-mode boot (the diagnosis's plan says so)",
  },
];

/** Waits that must never be in the Azure graph, directly or through other steps. */
export const AZURE_REJECTED_EDGES: readonly RejectedEdge[] = [
  {
    step: "swap",
    waitsFor: "stop",
    why: "Azure needs no stopped VM to swap its OS disk (\"You don't need to stop the VM before you swap its OS disk\", azure-compute-docs os-disk-swap.md; azure-rescue.md §2.6): the stop runs off the swap's path",
  },
  {
    step: "repair",
    waitsFor: "stop",
    why: "the repair writes the copy on the helper, never the broken VM",
  },
  {
    step: "collect",
    waitsFor: "stop",
    why: "stop before collect: the collect reads the copy on the helper, not the broken VM",
  },
  {
    step: "repair",
    waitsFor: "collect",
    why: "no collect runs on the helper: the diagnosis read from the backup decides the repair and ships the evidence kept (the same bytes the copy was made from), so no Run Command reads the copy the repair writes (a collect there would be a write-after-read wait of 120 s on the path); a snapshot the diagnosis cannot read refuses the rescue before any repair",
  },
  {
    step: "helper",
    waitsFor: "copy",
    why: "the helper is created without the copy, in parallel with the snapshot and the copy; the attach waits for both",
  },
  {
    step: "helper",
    waitsFor: "snapshot",
    why: "the helper needs nothing of the backup; only what touches the disk waits for it",
  },
  {
    step: "standby",
    waitsFor: "copy",
    why: "the standby helper is started without the copy, in parallel with the snapshot and the copy; the attach waits for both",
  },
  {
    step: "standby",
    waitsFor: "snapshot",
    why: "the standby helper needs nothing of the backup; only what touches the disk waits for it",
  },
  {
    step: "snapshot-diagnosis",
    waitsFor: "helper",
    why: "the diagnosis reads the backup, not the helper",
  },
];

/** The role of a step id of the plan of component `componentName` (`<name>-copy` → `copy`). */
export function azureRoleOf(componentName: string): (id: string) => string | null {
  const prefix = `${componentName}-`;
  return (id) => {
    if (/^\(.*\)$/.test(id)) return id.slice(1, -1);
    return id.startsWith(prefix) ? id.slice(prefix.length) : null;
  };
}

/** Audits the step graph of an Azure plan against {@link AZURE_EDGE_REASONS} and {@link AZURE_REJECTED_EDGES}. */
export function auditAzurePlan(
  resources: readonly PlanResourceShape[],
  componentName: string,
  options: TtrOptions = {},
): EdgeAudit {
  const { steps } = stepsFromPlan(resources, options);
  return auditEdges(steps, azureRoleOf(componentName), AZURE_EDGE_REASONS, AZURE_REJECTED_EDGES);
}
