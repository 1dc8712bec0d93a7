/**
 * `BootVerification`: after the swap, waits (up to a timeout) for the VM to run with its guest
 * agent Ready and no new bug check on the serial console. Reads only; delete changes nothing. The
 * serial-console line and the boot-diagnostics SAS URLs are secret outputs.
 */
import type * as pulumi from "@pulumi/pulumi";
import { AzureComputeOps, Clock, realClock, step } from "./operations";
import { STEP_TYPES } from "../../vocabulary/tokens";
import { findBugCheck, newSerialText, type SerialBaseline } from "../../swap/serialLog";
import type { StepKind } from "../../steps/contract";
import { SERIAL_BASELINE } from "../../steps/objectTypes";
import { StepResource, type InputsOf } from "../../steps/resource";
import { azureRuntime, boundRuntime, type RuntimeFor } from "./runtime";
import { stepTimeouts } from "./timeouts";
import { isNotFound, reasonsSpec, vmSpecs } from "./specs";

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
  c: AzureComputeOps,
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
        reasons: [
          `VM ${i.vmName} crashed again after the swap: a new bug check on the serial console (the secret output bugCheck)`,
          rollbackHint(i),
        ],
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

/** Inputs whose change means another swap to verify (any other change keeps a good verdict). */
const SWAP_KEYS = ["swapped", "osDiskId", "serialBaseline", "swapGeneration"] as const;
const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

const secretText = (description: string) =>
  ({ type: "string", optional: true, secret: true, description }) as const;

/** The verification as a step kind; `runtimeFor` is replaced in tests. */
export function bootVerificationKind(
  runtimeFor: RuntimeFor = azureRuntime,
): StepKind<BootVerificationInputs, BootVerificationOutputs> {
  const token = STEP_TYPES.azure.bootVerification;
  const run = (ctx: Parameters<RuntimeFor>[0], i: BootVerificationInputs) => {
    const rt = boundRuntime(runtimeFor(ctx, i.subscriptionId), ctx, token);
    return runBootVerification(rt.ops, i, rt.clock);
  };
  return {
    token,
    description: "Waits for the VM to boot on its new OS disk: agent Ready, no new bug check.",
    inputs: {
      ...vmSpecs,
      swapped: {
        type: "boolean",
        description: "The swap's outcome (nothing is verified if false).",
      },
      osDiskId: { type: "string", optional: true, description: "The VM's OS disk after the swap." },
      serialBaseline: {
        type: "object",
        objectType: SERIAL_BASELINE,
        optional: true,
        secret: true,
        description: "The serial log before the swap's start: only what follows it counts.",
      },
      swapGeneration: { type: "integer", optional: true, description: "The swap's generation." },
      timeoutMinutes: { type: "number", description: "How long to wait for the boot." },
      pollSeconds: { type: "number", optional: true, description: "Seconds between checks (30)." },
    },
    outputs: {
      booted: { type: "boolean", description: "True when the VM came up." },
      checked: { type: "boolean", description: "False when nothing was swapped." },
      powerState: { type: "string", optional: true, description: "The VM's power state." },
      agentStatus: { type: "string", optional: true, description: "The guest agent's status." },
      bugCheck: secretText("The serial-console line of a new bug check."),
      screenshotUrl: secretText("Short-lived SAS URL of the console screenshot."),
      serialLogUrl: secretText("Short-lived SAS URL of the serial console log."),
      rollbackOffered: {
        type: "boolean",
        description: "True when the VM did not come up (a rollback would put the original back).",
      },
      reasons: reasonsSpec("Why the boot failed and how to roll back."),
    },
    identityKeys: ["subscriptionId", "resourceGroupName", "vmName", "rescueId"],
    timeouts: stepTimeouts().verify,
    check(i) {
      // A value not known yet (a preview) is checked when it is.
      return typeof i.timeoutMinutes !== "number" ||
        (Number.isFinite(i.timeoutMinutes) && i.timeoutMinutes > 0)
        ? []
        : [`timeoutMinutes must be a positive number, got ${i.timeoutMinutes}`];
    },
    async create(ctx, i) {
      return {
        id: `${i.resourceGroupName}/${i.vmName}/boot-verification/${i.rescueId}`,
        outs: await run(ctx, i),
      };
    },
    async update(ctx, _id, olds, news) {
      const again = olds.booted !== true || SWAP_KEYS.some((k) => !same(olds[k], news[k]));
      return again ? run(ctx, news) : { ...olds, ...news };
    },
    async read(ctx, _id, state) {
      const c = boundRuntime(runtimeFor(ctx, state.subscriptionId), ctx, token).ops;
      const status = await c.getStatus(state.resourceGroupName, state.vmName).catch((e) => {
        if (isNotFound(e)) return null;
        throw e;
      });
      if (!status) return null;
      return state.checked ? { ...state, ...status } : state;
    },
    async delete() {
      // Nothing: the verification only reads.
    },
  };
}

export const BootVerificationKind = bootVerificationKind();

/** Verifies the boot after the swap. Type `vm-rescue:azure:BootVerification`. */
export class BootVerification extends StepResource {
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
    super(BootVerificationKind, name, args, opts);
  }
}
