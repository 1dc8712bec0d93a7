/**
 * Rescue outcomes for the report tests, built around the sample story (app-vm-01, cxnetmon.sys).
 * Every builder returns a fresh object.
 */
import { planRepair } from "../../src/repair/plan";
import { sampleCollect, sampleTriage } from "./facts";
import type { DriverFinding } from "../../src/drivers/types";
import type { RepairResult } from "../../src/collect/contract";
import { reportDecision, RescueOutcome } from "../../src/report/types";

const RG = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-app/providers";

export function sampleRepairResult(): RepairResult {
  return {
    schemaVersion: 1,
    kind: "repairResult",
    dryRun: false,
    results: [
      {
        action: "DisableDriver",
        status: "succeeded",
        message: "Start=4 for cxnetmon in ControlSet001",
        startedAtUtc: "2026-11-30T08:52:03Z",
        endedAtUtc: "2026-11-30T08:52:03Z",
        exitCode: null,
        undo: [
          {
            kind: "registry",
            key: "SYSTEM\\ControlSet001\\Services\\cxnetmon",
            valueName: "Start",
            previous: { type: "DWord", data: 1 },
          },
        ],
      },
    ],
  };
}

export function blockingFinding(): DriverFinding {
  return {
    component: "azure.guestAgent",
    found: "2.7.41491.900",
    required: "≥ 2.7.41491.1010",
    severity: "block",
    reason: "the guest agent is too old to report the VM as ready",
    source: "src/drivers/compatibility.json",
    remedy: "install the current Windows guest agent offline",
  };
}

/** A rescue that swapped the repaired disk in and saw the VM boot. */
export function rescuedOutcome(): RescueOutcome {
  const collect = sampleCollect();
  const triage = sampleTriage();
  const decision = planRepair({ collect, triage, findings: [], options: {} });
  const at = (min: number) => new Date(Date.UTC(2026, 10, 30, 8, 40 + min)).toISOString();
  return {
    cloud: "azure",
    vm: { resourceGroup: "rg-app", name: "app-vm-01" },
    stack: "app-vm-01-rescue",
    mode: "live",
    dryRun: false,
    startedAt: at(0),
    endedAt: at(20),
    timeline: [
      {
        name: "app-vm-01-rescue-snapshot",
        type: "azure-native:compute:Snapshot",
        op: "create",
        status: "succeeded",
        startedAt: at(0),
        endedAt: at(1),
      },
      {
        name: "app-vm-01-rescue-helper",
        type: "azure-native:compute:VirtualMachine",
        op: "create",
        status: "succeeded",
        startedAt: at(1),
        endedAt: at(4),
      },
      {
        name: "app-vm-01-rescue-helper",
        type: "azure-native:compute:VirtualMachine",
        op: "delete",
        status: "succeeded",
        startedAt: at(18),
        endedAt: at(19),
      },
    ],
    triage,
    triageSummary: ["112926-9218-01.dmp: 0x1000007E caused by cxnetmon.sys"],
    findings: [],
    decision: reportDecision(decision),
    repair: sampleRepairResult(),
    repairResultUrl: "https://appvm01rescue.blob.core.windows.net/artifacts/repair-result.json",
    swap: { attempted: true, swapped: true },
    verify: { booted: true },
    kept: [
      { kind: "snapshot", id: `${RG}/Microsoft.Compute/snapshots/app-vm-01-rescue-snapshot` },
      { kind: "originalDisk", id: `${RG}/Microsoft.Compute/disks/app-vm-01-osdisk` },
      { kind: "artifacts", id: "https://appvm01rescue.blob.core.windows.net/artifacts" },
    ],
    artifactsUrl: "https://appvm01rescue.blob.core.windows.net/artifacts",
    helperSize: "Standard_D2s_v5",
    helperRemoved: true,
    timeToRecovery: null,
    errors: [],
    warnings: [],
  };
}

/** The driver check blocked the swap: nothing was swapped. */
export function blockedOutcome(): RescueOutcome {
  const o = rescuedOutcome();
  return {
    ...o,
    findings: [blockingFinding()],
    swap: { attempted: false, swapped: false, message: "the swap gate is closed" },
    verify: { booted: null },
  };
}

/** The swap happened but the VM did not boot. */
export function failedOutcome(): RescueOutcome {
  const o = rescuedOutcome();
  return { ...o, verify: { booted: false, message: "bug check 0x7B on the serial console" } };
}
