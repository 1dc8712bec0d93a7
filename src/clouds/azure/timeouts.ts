/**
 * How long each Azure operation of the rescue may take before it gives up: the latency model's
 * typical duration (`src/recoveryTime/latency-model.json`, `azure.*` and `scripts.*`) times
 * {@link TIMEOUT_MARGIN}. One source for the step kinds' deadlines and the custom timeouts of the
 * snapshot, the copy and the Run Commands.
 */
import { loadLatencyModel, opSeconds, type LatencyModel } from "../../recoveryTime/model";
import type { StepTimeouts } from "../../steps/contract";
import { ROLE_PROPAGATION_MINUTES } from "./blobRead";

/** A deadline is this many times the typical duration: a slow region or a large disk still fits. */
export const TIMEOUT_MARGIN = 10;

let cached: LatencyModel | undefined;
const model = (): LatencyModel => (cached ??= loadLatencyModel());

/** Seconds the operations (`azure.<op>`, `scripts.<op>`) may take together: typical × margin. */
export function allowedSeconds(...ops: string[]): number {
  return TIMEOUT_MARGIN * ops.reduce((sum, op) => sum + opSeconds(model(), op), 0);
}

/** `"<n>s"`, the form of Pulumi's custom timeouts. */
export const duration = (seconds: number): string => `${Math.ceil(seconds)}s`;

/** A Run Command's custom timeout: the script's own limit plus the Run Command overhead's allowance. */
export function runCommandTimeout(scriptTimeoutSeconds: number): string {
  return duration(scriptTimeoutSeconds + allowedSeconds("azure.runCommand.overhead"));
}

/** The custom timeouts of the azure-native resources the rescue creates. */
export function resourceTimeouts() {
  return {
    snapshot: { create: duration(allowedSeconds("azure.snapshot.create")) },
    copyDisk: { create: duration(allowedSeconds("azure.disk.copy")) },
  };
}

/** What reading a VM or disk may take (one ARM read; the model prices the lightest ARM write). */
const readSeconds = () => allowedSeconds("azure.nic.create");

/** The deadlines of the step kinds. */
export function stepTimeouts() {
  // The swap deallocates only a VM the stop left running (a resumed or re-run rescue).
  const swap = allowedSeconds(
    "azure.vm.detachDataDisk",
    "azure.vm.deallocate",
    "azure.vm.osDiskSwap",
    "azure.vm.start.windows",
  );
  const attach = allowedSeconds("azure.vm.attachDataDisk");
  const stop = allowedSeconds("azure.vm.deallocate");
  const rollback = allowedSeconds(
    "azure.vm.deallocate",
    "azure.vm.osDiskSwap",
    "azure.vm.start.windows",
  );
  const verify = allowedSeconds("azure.vm.start.windows", "azure.vm.bootVerify");
  const triage = ROLE_PROPAGATION_MINUTES * 60 + allowedSeconds("scripts.triage.local");
  const t = (create: number): StepTimeouts => ({
    create,
    update: create,
    read: readSeconds(),
    delete: readSeconds(),
  });
  const snapshotDiagnosis = allowedSeconds(
    "azure.snapshot.grantAccess",
    "azure.snapshot.readEvidence",
    "scripts.triage.local",
  );
  return {
    swap: t(swap),
    rollback: t(rollback),
    verify: t(verify),
    triage: t(triage),
    snapshotDiagnosis: t(snapshotDiagnosis),
    // its delete detaches the copy from the helper
    attach: { ...t(attach), delete: allowedSeconds("azure.vm.detachDataDisk") },
    stop: t(stop),
  };
}
