/**
 * The rollback without Pulumi's engine (`vm-rescue rollback`): the original OS disk or root volume
 * back on the VM directly against the cloud — no stack and no Pulumi CLI needed, so it also works
 * after `vm-rescue rescue` tore its stack down — and `rollback=true` on the incident's stack
 * followed by `up`, for a rescue whose stack was kept. The clouds do the work (`rollBackVm`, `rollBackInstance`);
 * this picks the cloud, finds the subscription or region and turns a missing credential into one
 * line.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { packageRoot } from "../vocabulary/packageRoot";
import { AzureComputeOps, armComputeOps, Clock, realClock } from "../clouds/azure/operations";
import { rollBackVm } from "../clouds/azure/rollback";
import { OpsContext, sdkContext } from "../clouds/aws/operations";
import { rollBackInstance } from "../clouds/aws/rollback";
import type { RollbackHooks, RollbackResult } from "../swap/rollback";
import { UsageError } from "../vocabulary/exitCodes";
import type { StackOutputs } from "../vocabulary/outputs";
import { Automation, firstLine, requiredPlugins } from "./automation";
import type { RescueUi } from "./liveRescue";
import { rescueIdFromStack } from "./program";
import { SETTINGS } from "./settings";
import type { VmTarget } from "./target";
import { TimelineRecorder } from "./timeline";

/** What the direct rollback needs from the outside world; tests replace the fields. */
export interface RollbackDeps {
  azureCompute(subscriptionId: string): AzureComputeOps;
  /** The subscription when --subscription is not given: AZURE_SUBSCRIPTION_ID, else `az account show`; null when neither. */
  azureSubscription(): string | null;
  awsContext(region: string): OpsContext;
  /** The region when --region is not given (AWS_REGION / AWS_DEFAULT_REGION); null when unknown. */
  awsRegion(): string | null;
  clock: Clock;
}

/** The real clouds, credentials and clock. */
export const liveRollbackDeps: RollbackDeps = {
  azureCompute: armComputeOps,
  azureSubscription() {
    if (process.env.AZURE_SUBSCRIPTION_ID) return process.env.AZURE_SUBSCRIPTION_ID;
    try {
      return (
        execFileSync("az", ["account", "show", "--query", "id", "-o", "tsv"], {
          encoding: "utf8",
          stdio: ["ignore", "pipe", "ignore"],
          timeout: 30_000,
        }).trim() || null
      );
    } catch {
      return null;
    }
  },
  awsContext: sdkContext,
  awsRegion: () => process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? null,
  clock: realClock,
};

/** What to put back and how long to wait for the boot: the direct rollback's options. */
export interface DirectRollbackOptions {
  /** Azure: the subscription (default: the environment's). */
  subscription?: string;
  /** Azure: the disk to put back when the OS disk does not name it. */
  originalDisk?: string;
  /** AWS: the region (default: the environment's). */
  region?: string;
  /** AWS: the volume to put back when the tags do not name it. */
  originalVolume?: string;
  /** The incident's stack: only the copy of that rescue is rolled back. */
  stack?: string;
  verifyMinutes: number;
}

/**
 * The rescue id of a stack: the one its workspace config names (`Pulumi.<stack>.yaml` in the
 * project folder, where the one-shot writes it; a later rescue of the same VM gets a new
 * generation, `-r2`…), else the id the stack name gives. Read from the file, so the direct
 * rollback needs no Pulumi CLI.
 */
export function rescueIdOfStack(stack: string, workDir: string = packageRoot()): string {
  const file = path.join(workDir, `Pulumi.${stack}.yaml`);
  const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
  const m = /["']?vm-rescue:rescueId["']?\s*:\s*["']?([a-z0-9-]{1,24})["']?\s*,?\s*$/m.exec(text);
  return m ? m[1] : rescueIdFromStack(stack);
}

/** A missing or unusable credential: one line, exit 2 (nothing was done). */
export function credentialProblem(e: unknown): string | null {
  const x = e as { name?: string; message?: string };
  const text = `${x?.name ?? ""} ${x?.message ?? String(e)}`;
  if (
    /CredentialUnavailable|AggregateAuthenticationError|DefaultAzureCredential|AuthenticationRequired/i.test(
      text,
    )
  )
    return `no usable Azure credentials (az login, or the AZURE_* variables DefaultAzureCredential reads): ${firstLine(e)}`;
  if (/CredentialsProviderError|Could not load credentials|Region is missing/i.test(text))
    return `no usable AWS credentials or region (aws configure / AWS_PROFILE / AWS_REGION): ${firstLine(e)}`;
  return null;
}

/**
 * Rolls the VM back directly. A missing credential becomes a UsageError (one line, nothing was
 * done); any other failure is thrown as it is.
 */
export async function rollBackDirectly(
  target: VmTarget,
  o: DirectRollbackOptions,
  deps: RollbackDeps,
  hooks: RollbackHooks,
): Promise<RollbackResult> {
  const rescueId = o.stack ? rescueIdOfStack(o.stack) : undefined;
  try {
    return target.cloud === "azure"
      ? await rollBackVm(
          {
            resourceGroup: target.resourceGroup,
            vm: target.vm,
            label: target.label,
            subscription: () => o.subscription ?? deps.azureSubscription(),
            originalDisk: o.originalDisk,
            rescueId,
            verifyMinutes: o.verifyMinutes,
          },
          deps.azureCompute,
          deps.clock,
          hooks,
        )
      : await rollBackInstance(
          {
            instanceId: target.instanceId,
            label: target.label,
            region: () => o.region ?? deps.awsRegion(),
            originalVolume: o.originalVolume,
            rescueId,
            verifyMinutes: o.verifyMinutes,
          },
          deps.awsContext,
          hooks,
        );
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const cred = credentialProblem(e);
    if (cred) throw new UsageError(cred);
    throw e;
  }
}

/** What a direct rollback did, as the one line the command prints. */
export function rollbackResultLine(r: RollbackResult): string {
  const disk = r.cloud === "azure" ? "OS disk" : "root volume";
  const taken = r.snapshotTakenAt ? ` (taken ${r.snapshotTakenAt})` : "";
  const fromBackup = r.fromSnapshot
    ? `${r.restoredId}, a volume from the backup ${r.fromSnapshot}${taken} of the original root volume ${r.originalId}`
    : null;
  if (!r.changed)
    return `Nothing to roll back: ${r.target} already runs on ${fromBackup ?? `its original ${disk} ${r.originalId}`}.`;
  const kept = r.replacedId
    ? `; the repaired ${r.fromSnapshot ? "volume" : "copy"} ${r.replacedId} is kept, detached`
    : "";
  const boot = r.booted ? " and it booted" : `, but it did not boot: ${r.reasons.join("; ")}`;
  return fromBackup
    ? `Rolled back ${r.target}: the root is ${fromBackup}${boot}${kept}.`
    : `Rolled back ${r.target}: the original ${disk} ${r.originalId} is back${boot}${kept}.`;
}

/** What goes back: Azure and AWS copy mode the original disk/volume; AWS inPlace a volume from the backup snapshot. */
function restored(cloud: "azure" | "aws", mode: unknown): string {
  if (cloud === "azure") return "the original OS disk is back; the repaired copy is kept, detached";
  if (mode === "inPlace")
    return "a volume made from the backup snapshot is the root again; the repaired volume is kept, detached";
  return "the original root volume is back; the repaired copy is kept, detached";
}

/** Refuses a rollback through the stack when the program has no `rollback` setting (before anything runs). */
export function requireRollbackSetting(): void {
  if (!SETTINGS.some((s) => s.key === "rollback"))
    throw new UsageError(
      'rollback needs the stack setting "rollback", which this version of the program does not have',
    );
}

/** The stack settings that name the VM: the rollback sets them again with `rollback=true`. */
export function targetSettings(target: VmTarget): Record<string, string> {
  return target.cloud === "azure"
    ? { cloud: "azure", resourceGroup: target.resourceGroup, vmName: target.vm }
    : {
        cloud: "aws",
        instanceId: target.instanceId,
        ...(target.region ? { region: target.region } : {}),
      };
}

/**
 * `rollback=true` on the incident's stack, then `up` puts the replaced OS disk back. The stack is
 * the rescue's own workspace (its config keeps the rescue's options and id); the VM's settings are
 * set again from the command line, so a workspace without that config still names the VM. Only a
 * stack that still holds the rescue's resources can roll back: after a finished rescue (helper
 * destroyed) an `up` would start a new rescue, so the direct rollback is named instead. Resolves to
 * whether it rolled back and the line to print; throws {@link EngineError} or UsageError.
 */
export async function rollBackThroughStack(
  automation: Automation,
  stackName: string,
  target: VmTarget,
  ui: RescueUi,
  signal?: AbortSignal,
): Promise<{ rolledBack: boolean; line: string }> {
  const stream = ui.progress(new TimelineRecorder());
  try {
    const stack = await automation.openStack(stackName, true);
    if (!(await stack.hasResources()))
      throw new UsageError(
        `stack ${stackName} holds no resources (its rescue finished and was torn down): use the direct \`vm-rescue rollback\` without --via-stack`,
      );
    await stack.setConfig({ ...targetSettings(target), rollback: "true" });
    await stack.installPlugins(requiredPlugins(target.cloud));
    ui.log(`pulumi up (stack ${stackName}, rollback=true)`);
    const outputs: StackOutputs & { rolledBack?: unknown } = await stack.up({ ...stream, signal });
    stream.stop();
    const reasons = Array.isArray(outputs.outcome)
      ? outputs.outcome.filter((x): x is string => typeof x === "string")
      : [];
    if (outputs.rolledBack === false)
      return {
        rolledBack: false,
        line: `Rollback of ${target.label} did not happen${reasons.length ? `: ${reasons.join("; ")}` : ""}`,
      };
    return {
      rolledBack: true,
      line: `Rolled back ${target.label}: ${restored(target.cloud, outputs.mode)}${reasons.length ? ` (${reasons.join("; ")})` : ""}.`,
    };
  } finally {
    stream.stop();
  }
}
