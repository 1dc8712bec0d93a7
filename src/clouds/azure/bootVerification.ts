/**
 * `BootVerification`: after the swap, waits (up to a timeout) for the VM to run with its guest
 * agent Ready and no new bug check on the serial console. Reads only; delete changes nothing. The
 * serial-console line and the boot-diagnostics SAS URLs are secret outputs.
 */
import type * as pulumi from "@pulumi/pulumi";
import { AzureComputeOps, Clock, realClock, step } from "./operations";
import { STEP_TYPES } from "../../vocabulary/tokens";
import {
  findBugCheck,
  newSerialText,
  serialBaseline,
  type SerialBaseline,
} from "../../swap/serialLog";
import {
  judgeNormalBoot,
  judgeSafeModeBoot,
  leftInSafeMode,
  planBootVerification,
  verifiedBootLine,
  type BootJudgement,
  type BootKind,
  type BootObservation,
} from "../../swap/safeMode";
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
  /** The repair set safe mode (its mode): the first boot is judged as a safe-mode boot. */
  safeBootMode?: "minimal" | "network" | null;
  /** Take the VM out of safe mode and verify a normal boot. Default true. */
  autoRevert?: boolean;
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
  /** The boots verified, in order: "normal", or "safe-mode" then "normal" after the revert. */
  verifiedBoots: BootKind[];
  /** What is left for a person (safe mode not reverted), with the exact commands. */
  leftForPerson: string[];
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

type Seen = Pick<
  BootVerificationOutputs,
  "powerState" | "agentStatus" | "bugCheck" | "screenshotUrl" | "serialLogUrl"
>;

/** Polls until `judge` gives a verdict on the boot (only serial text after `baseline` counts) or the deadline. */
async function waitForBoot(
  c: AzureComputeOps,
  i: BootVerificationInputs,
  judge: (o: BootObservation, final: boolean) => BootJudgement,
  baseline: SerialBaseline | null | undefined,
  deadline: number,
  clock: Clock,
): Promise<{ verdict: boolean | null; judgement: BootJudgement; seen: Seen }> {
  const pollMs = (i.pollSeconds ?? 30) * 1000;
  for (;;) {
    const status = await step(`reading the instance view of VM ${i.vmName}`, () =>
      c.getStatus(i.resourceGroupName, i.vmName),
    );
    // Boot diagnostics are evidence, not a condition: when they are off or unreadable, the check goes on without them.
    const { diag, serial } = await readSerialLog(c, i.resourceGroupName, i.vmName);
    // Only what the log gained since the swap: boot diagnostics may keep the crash that made the rescue necessary.
    const text = newSerialText(serial, baseline);
    const final = clock.now() >= deadline;
    const judgement = judge({ ...status, newSerialText: text }, final);
    const seen = { ...status, ...diag, bugCheck: findBugCheck(text) };
    if (judgement.verdict !== null || final) return { verdict: judgement.verdict, judgement, seen };
    await clock.sleep(Math.min(pollMs, Math.max(0, deadline - clock.now())));
  }
}

/**
 * Verifies the boot after the swap: a normal boot; or, when the repair set safe mode, a safe-mode
 * boot, then (auto-revert, the default) safe boot removed and a normal boot — or what is left for
 * a person when the revert cannot be made here.
 */
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
    verifiedBoots: [],
    leftForPerson: [],
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
  // each boot gets the whole window: a safe-mode boot may need all of it to be told apart
  const windowMs = i.timeoutMinutes * 60_000;
  const plan = planBootVerification(
    i.safeBootMode ? [{ action: "SetSafeBoot", args: { mode: i.safeBootMode } }] : [],
    { autoRevert: i.autoRevert },
  );
  const verified: BootKind[] = [];
  let baseline = i.serialBaseline;
  let last: Seen = none;
  for (const phase of plan.phases) {
    if (phase.phase === "revert") {
      const before = await readSerialLog(c, i.resourceGroupName, i.vmName);
      try {
        if (!c.clearSafeBoot) throw new Error("this cloud has no way into a VM in safe mode");
        const clear = c.clearSafeBoot.bind(c);
        await step(`taking VM ${i.vmName} out of safe mode (${phase.how})`, () =>
          clear(i.resourceGroupName, i.vmName),
        );
      } catch (e) {
        const left = [`safe mode was not reverted: ${(e as Error).message}`, ...leftInSafeMode()];
        return {
          ...i,
          ...last,
          booted: true,
          checked: true,
          rollbackOffered: false,
          verifiedBoots: verified,
          leftForPerson: left,
          reasons: [verifiedBootLine(verified, left)],
        };
      }
      baseline = serialBaseline(before.serial);
      continue;
    }
    const judge = phase.boot === "safe-mode" ? judgeSafeModeBoot : judgeNormalBoot;
    const r = await waitForBoot(c, i, judge, baseline, clock.now() + windowMs, clock);
    last = r.seen;
    if (r.verdict !== true) {
      const inSafeMode = phase.boot === "safe-mode" ? " in safe mode" : "";
      const why = r.seen.bugCheck
        ? `VM ${i.vmName} crashed again after the swap${inSafeMode}: a new bug check on the serial console (the secret output bugCheck)`
        : r.verdict === false
          ? `VM ${i.vmName} did not boot${inSafeMode}: ${r.judgement.evidence.join("; ")}`
          : `VM ${i.vmName} did not come up${inSafeMode} within ${i.timeoutMinutes} minutes (power state ${r.seen.powerState ?? "unknown"}, guest agent ${r.seen.agentStatus ?? "not reporting"})`;
      return {
        ...i,
        ...r.seen,
        booted: false,
        checked: true,
        rollbackOffered: true,
        verifiedBoots: verified,
        leftForPerson: [],
        reasons: [why, rollbackHint(i)],
      };
    }
    verified.push(phase.boot);
  }
  const safe = verified.includes("safe-mode");
  return {
    ...i,
    ...last,
    booted: true,
    checked: true,
    rollbackOffered: false,
    verifiedBoots: verified,
    leftForPerson: plan.leftForPerson,
    reasons: safe ? [verifiedBootLine(verified, plan.leftForPerson)] : [],
  };
}

/** Inputs whose change means another swap to verify (any other change keeps a good verdict). */
const SWAP_KEYS = [
  "swapped",
  "osDiskId",
  "serialBaseline",
  "swapGeneration",
  "safeBootMode",
] as const;
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
      safeBootMode: {
        type: "string",
        optional: true,
        description:
          "The safe mode the repair set (minimal, network): the first boot is a safe-mode boot.",
      },
      autoRevert: {
        type: "boolean",
        optional: true,
        description: "Take the VM out of safe mode and verify a normal boot (default true).",
      },
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
      verifiedBoots: {
        type: "array",
        items: { type: "string", description: "normal or safe-mode" },
        description: "The boots verified, in order (safe-mode, then normal after the revert).",
      },
      leftForPerson: {
        type: "array",
        items: { type: "string", description: "One step" },
        description: "What is left for a person (safe mode not reverted), with the commands.",
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
  declare readonly verifiedBoots: pulumi.Output<string[]>;
  declare readonly leftForPerson: pulumi.Output<string[]>;
  declare readonly reasons: pulumi.Output<string[]>;

  constructor(
    name: string,
    args: InputsOf<BootVerificationInputs>,
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(BootVerificationKind, name, args, opts);
  }
}
