/**
 * `BootVerification`: after the swap, waits (up to a timeout) for the VM to run with its guest
 * agent Ready and no new bug check on the serial console. Reads only; delete changes nothing.
 */
import * as pulumi from "@pulumi/pulumi";
import { AzureComputeOps, armComputeOps, Clock, realClock, step } from "./computeOps";
import { compiledProvider, DYNAMIC_MODULE, idempotentProvider, InputsOf } from "./dynamic";
import type { OpsFactory } from "./diskSwap";

export interface BootVerificationInputs {
  subscriptionId: string;
  resourceGroupName: string;
  vmName: string;
  rescueId: string;
  /** The swap's outcome: nothing is verified when nothing was swapped. */
  swapped: boolean;
  /** The VM's OS disk after the swap (a new swap re-runs the verification). */
  osDiskId: string | null;
  timeoutMinutes: number;
  /** Seconds between checks. Default 30. */
  pollSeconds?: number;
}

export interface BootVerificationOutputs extends BootVerificationInputs {
  booted: boolean;
  /** False when nothing was swapped (then nothing was checked). */
  checked: boolean;
  powerState: string | null;
  agentStatus: string | null;
  /** The serial-log line that shows a new bug check, or null. */
  bugCheck: string | null;
  screenshotUrl: string | null;
  serialLogUrl: string | null;
  /** True when the VM did not come up: `pulumi config set rollback true` puts the original disk back. */
  rollbackOffered: boolean;
  reasons: string[];
}

/**
 * The first serial-console line that reports a bug check (SAC's BLUESCREEN instance, a STOP code,
 * or a bug-check line), or null.
 */
export function findBugCheck(serialLog: string | null): string | null {
  if (!serialLog) return null;
  const line = serialLog
    .split(/\r?\n/)
    .find((l) => /CLASSNAME="BLUESCREEN"|NAME="STOPCODE"|\*\*\* STOP: 0x|\bBugCheck\b|\bbug ?check(?:ed)?\b/i.test(l));
  return line === undefined ? null : line.trim().slice(0, 300);
}

const ROLLBACK_HINT = "to put the original OS disk back: pulumi config set rollback true && pulumi up";

/** Polls until booted, a new bug check, or the timeout. */
export async function runBootVerification(ops: () => AzureComputeOps, i: BootVerificationInputs, clock: Clock = realClock): Promise<BootVerificationOutputs> {
  const none = { powerState: null, agentStatus: null, bugCheck: null, screenshotUrl: null, serialLogUrl: null };
  if (!i.swapped) {
    return { ...i, ...none, booted: false, checked: false, rollbackOffered: false, reasons: ["nothing was swapped, so the boot was not verified"] };
  }
  if (!Number.isFinite(i.timeoutMinutes) || i.timeoutMinutes <= 0) throw new Error(`timeoutMinutes must be a positive number, got ${i.timeoutMinutes}`);
  const c = ops();
  const deadline = clock.now() + i.timeoutMinutes * 60_000;
  const pollMs = (i.pollSeconds ?? 30) * 1000;
  for (;;) {
    const status = await step(`reading the instance view of VM ${i.vmName}`, () => c.getStatus(i.resourceGroupName, i.vmName));
    // Boot diagnostics are evidence, not a condition: when they are off or unreadable, the check goes on without them.
    const diag = await c.bootDiagnostics(i.resourceGroupName, i.vmName).catch(() => ({ screenshotUrl: null, serialLogUrl: null }));
    const serial = diag.serialLogUrl ? await c.readText(diag.serialLogUrl).catch(() => null) : null;
    const bugCheck = findBugCheck(serial);
    const seen = { ...status, ...diag, bugCheck };
    if (bugCheck) {
      return { ...i, ...seen, booted: false, checked: true, rollbackOffered: true, reasons: [`VM ${i.vmName} crashed again after the swap: ${bugCheck}`, ROLLBACK_HINT] };
    }
    if (status.powerState === "running" && status.agentStatus === "Ready") {
      return { ...i, ...seen, booted: true, checked: true, rollbackOffered: false, reasons: [] };
    }
    if (clock.now() >= deadline) {
      return {
        ...i,
        ...seen,
        booted: false,
        checked: true,
        rollbackOffered: true,
        reasons: [
          `VM ${i.vmName} did not come up within ${i.timeoutMinutes} minutes (power state ${status.powerState ?? "unknown"}, guest agent ${status.agentStatus ?? "not reporting"})`,
          ROLLBACK_HINT,
        ],
      };
    }
    await clock.sleep(Math.min(pollMs, Math.max(0, deadline - clock.now())));
  }
}

const KEYS: (keyof BootVerificationInputs)[] = ["subscriptionId", "resourceGroupName", "vmName", "swapped", "osDiskId", "timeoutMinutes"];

export function bootVerificationProvider(opsFor: OpsFactory = armComputeOps, clock: Clock = realClock): pulumi.dynamic.ResourceProvider {
  return idempotentProvider<BootVerificationInputs, BootVerificationOutputs>(
    KEYS,
    (i) => `${i.resourceGroupName}/${i.vmName}/boot-verification/${i.rescueId}`,
    (i) => runBootVerification(() => opsFor(i.subscriptionId), i, clock),
  );
}

/** Verifies the boot after the swap. Type `pulumi-nodejs:dynamic/vm-rescue:BootVerification`. The boot-diagnostics URLs are short-lived SAS URLs, kept secret. */
export class BootVerification extends pulumi.dynamic.Resource {
  declare readonly booted: pulumi.Output<boolean>;
  declare readonly checked: pulumi.Output<boolean>;
  declare readonly powerState: pulumi.Output<string | null>;
  declare readonly agentStatus: pulumi.Output<string | null>;
  declare readonly bugCheck: pulumi.Output<string | null>;
  declare readonly screenshotUrl: pulumi.Output<string | null>;
  declare readonly serialLogUrl: pulumi.Output<string | null>;
  declare readonly rollbackOffered: pulumi.Output<boolean>;
  declare readonly reasons: pulumi.Output<string[]>;

  constructor(name: string, args: InputsOf<BootVerificationInputs>, opts?: pulumi.CustomResourceOptions) {
    const outs = { booted: undefined, checked: undefined, powerState: undefined, agentStatus: undefined, bugCheck: undefined, screenshotUrl: undefined, serialLogUrl: undefined, rollbackOffered: undefined, reasons: undefined };
    super(compiledProvider("bootVerification", "bootVerificationProvider"), name, { ...args, ...outs }, { ...opts, additionalSecretOutputs: ["screenshotUrl", "serialLogUrl"] }, DYNAMIC_MODULE, "BootVerification");
  }
}
