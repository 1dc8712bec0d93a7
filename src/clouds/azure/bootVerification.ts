/**
 * `BootVerification`: after the swap, waits (up to a timeout) for the VM to run with its guest
 * agent Ready and no new bug check on the serial console. Reads only; delete changes nothing.
 */
import * as pulumi from "@pulumi/pulumi";
import { AzureComputeOps, armComputeOps, Clock, OpsFactory, realClock, step } from "./operations";
import { compiledProvider, idempotentProvider, InputsOf } from "./dynamic";
import { DYNAMIC_KINDS, DYNAMIC_MODULE } from "../../vocabulary/tokens";
import { findBugCheck, newSerialText, type SerialBaseline } from "../../swap/serialLog";

export interface BootVerificationInputs {
  subscriptionId: string;
  resourceGroupName: string;
  vmName: string;
  rescueId: string;
  /** The swap's outcome: nothing is verified when nothing was swapped. */
  swapped: boolean;
  /** The VM's OS disk after the swap (a new swap re-runs the verification). */
  osDiskId: string | null;
  /**
   * The serial log as the swap found it before starting the VM on the repaired copy: only what was
   * written after it counts. Null when it could not be read (then the whole log counts).
   */
  serialBaseline?: SerialBaseline | null;
  /** The swap's generation (a swap redone after a rollback re-runs the verification). */
  swapGeneration?: number;
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

/** The serial log of a VM now, or null (boot diagnostics off or unreadable: evidence, never a condition). */
export async function readSerialLog(
  c: AzureComputeOps,
  resourceGroupName: string,
  vmName: string,
): Promise<{
  diag: { screenshotUrl: string | null; serialLogUrl: string | null };
  serial: string | null;
}> {
  const diag = await c
    .bootDiagnostics(resourceGroupName, vmName)
    .catch(() => ({ screenshotUrl: null, serialLogUrl: null }));
  const serial = diag.serialLogUrl ? await c.readText(diag.serialLogUrl).catch(() => null) : null;
  return { diag, serial };
}

const rollbackHint = (i: BootVerificationInputs) =>
  `to put the original OS disk back: vm-rescue rollback --cloud azure --resource-group ${i.resourceGroupName} --vm ${i.vmName} (or pulumi config set rollback true && pulumi up)`;

/** Polls until booted, a bug check written after the swap's baseline, or the timeout. */
export async function runBootVerification(
  ops: () => AzureComputeOps,
  i: BootVerificationInputs,
  clock: Clock = realClock,
): Promise<BootVerificationOutputs> {
  const none = {
    powerState: null,
    agentStatus: null,
    bugCheck: null,
    screenshotUrl: null,
    serialLogUrl: null,
  };
  if (!i.swapped) {
    return {
      ...i,
      ...none,
      booted: false,
      checked: false,
      rollbackOffered: false,
      reasons: ["nothing was swapped, so the boot was not verified"],
    };
  }
  if (!Number.isFinite(i.timeoutMinutes) || i.timeoutMinutes <= 0)
    throw new Error(`timeoutMinutes must be a positive number, got ${i.timeoutMinutes}`);
  const c = ops();
  const deadline = clock.now() + i.timeoutMinutes * 60_000;
  const pollMs = (i.pollSeconds ?? 30) * 1000;
  for (;;) {
    const status = await step(`reading the instance view of VM ${i.vmName}`, () =>
      c.getStatus(i.resourceGroupName, i.vmName),
    );
    // Boot diagnostics are evidence, not a condition: when they are off or unreadable, the check goes on without them.
    const { diag, serial } = await readSerialLog(c, i.resourceGroupName, i.vmName);
    // Only what the log gained since the swap: boot diagnostics may keep the crash that made the rescue necessary.
    const bugCheck = findBugCheck(newSerialText(serial, i.serialBaseline));
    const seen = { ...status, ...diag, bugCheck };
    if (bugCheck) {
      return {
        ...i,
        ...seen,
        booted: false,
        checked: true,
        rollbackOffered: true,
        reasons: [`VM ${i.vmName} crashed again after the swap: ${bugCheck}`, rollbackHint(i)],
      };
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
          rollbackHint(i),
        ],
      };
    }
    await clock.sleep(Math.min(pollMs, Math.max(0, deadline - clock.now())));
  }
}

const KEYS: (keyof BootVerificationInputs)[] = [
  "subscriptionId",
  "resourceGroupName",
  "vmName",
  "swapped",
  "osDiskId",
  "serialBaseline",
  "swapGeneration",
  "timeoutMinutes",
];

export function bootVerificationProvider(
  opsFor: OpsFactory = armComputeOps,
  clock: Clock = realClock,
): pulumi.dynamic.ResourceProvider {
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

  constructor(
    name: string,
    args: InputsOf<BootVerificationInputs>,
    opts?: pulumi.CustomResourceOptions,
  ) {
    const outs = {
      booted: undefined,
      checked: undefined,
      powerState: undefined,
      agentStatus: undefined,
      bugCheck: undefined,
      screenshotUrl: undefined,
      serialLogUrl: undefined,
      rollbackOffered: undefined,
      reasons: undefined,
    };
    super(
      compiledProvider("bootVerification", "bootVerificationProvider"),
      name,
      { ...args, ...outs },
      { ...opts, additionalSecretOutputs: ["screenshotUrl", "serialLogUrl"] },
      DYNAMIC_MODULE,
      DYNAMIC_KINDS.azure.bootVerification,
    );
  }
}
