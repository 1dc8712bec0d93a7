/**
 * A live rescue through the Automation API: `up` on the incident's stack, the evidence read back
 * while the stack still grants access to the artifacts, `destroy` (kept resources stay), each step
 * streamed; failures become part of the outcome the report is built from. A failed `up` keeps the
 * stack for a resume or a rollback through it.
 */
import { Automation, EngineError, requiredPlugins, StreamOptions } from "./automation";
import { rescueIdFromStack } from "./program";
import { SETTINGS } from "./settings";
import { TimelineRecorder } from "./timeline";
import type { RescueChoices } from "./simulate/rescue";
import type { VmTarget } from "./target";
import { evidenceSources, outcomeFromOutputs } from "../report/fromOutputs";
import {
  applyEvidence,
  readEvidence,
  type ArtifactReader,
  type Evidence,
} from "../report/evidence";
import type { RescueCloud, RescueOutcome, VmIdentity } from "../report/types";
import type { RepairActionName } from "../vocabulary/repairActions";
import type { StackOutputs } from "../vocabulary/outputs";

/** What a live rescue needs from the outside world besides the Automation API; tests pass fakes. */
export interface LiveRescueDeps {
  now(): Date;
  /** Reads the evidence documents from the artifacts container (Azure) or bucket (AWS). */
  artifacts(cloud: RescueCloud, region?: string): ArtifactReader;
}

/** Where a live rescue reports as it goes: one line per step, and the engine events' progress. */
export interface RescueUi {
  log(line: string): void;
  progress(recorder: TimelineRecorder): StreamOptions & { stop(): void };
}

/** Runs a stack operation; returns the error instead of throwing. */
async function attempt<T>(
  f: () => Promise<T>,
): Promise<{ value: T | null; error: EngineError | null }> {
  try {
    return { value: await f(), error: null };
  } catch (e) {
    return { value: null, error: EngineError.from(e) };
  }
}

const DEFAULT_HELPER_SIZE = { azure: "helperVmSize", aws: "helperInstanceType" } as const;

/**
 * The settings one run's flags choose: the workspace keeps the stack's config between runs, so a
 * choice of an earlier run (a dry run, a forced driver, a rollback through the stack) that this
 * run does not make is removed rather than silently carried over.
 */
export const RUN_OPTIONS = [
  "driver",
  "actions",
  "dryRun",
  "swap",
  "rollback",
  "region",
  "mode",
  "kmsGrantConfirmed",
];

/**
 * The rescue id of this run. A stack that still holds resources is an earlier rescue kept after a
 * failed up: its id is reused, so `up` resumes on the same state and adopts what it created. A
 * stack that holds none finished (or never ran): a first rescue gets the stack's id; a later one a
 * new generation (`-r2`, `-r3`…), because the finished rescue's retained snapshot, copy and
 * artifacts keep their names outside the state and the same names would collide with them.
 */
export function rescueIdFor(
  stackName: string,
  previous: string | undefined,
  kept: boolean,
): string {
  const base = rescueIdFromStack(stackName);
  if (!previous) return base;
  if (kept) return previous;
  const gen = previous === base ? 1 : Number(/-r(\d+)$/.exec(previous)?.[1] ?? 1);
  const suffix = `-r${gen + 1}`;
  return `${base.slice(0, 24 - suffix.length).replace(/-+$/, "")}${suffix}`;
}

/** The flags that name the VM on the command line (for the commands a failure prints). */
export function targetFlags(target: VmTarget, stackName: string): string {
  const vm =
    target.cloud === "azure"
      ? `--cloud azure --resource-group ${target.resourceGroup} --vm ${target.vm}`
      : `--cloud aws --instance-id ${target.instanceId}${target.region ? ` --region ${target.region}` : ""}`;
  return stackName === target.defaultStack ? vm : `${vm} --stack ${stackName}`;
}

/** The one line that offers `cancel` + `refresh` for a stack left locked or with pending operations. */
export function unlockLine(stackName: string, workDir: string): string {
  const at = `--stack ${stackName} --cwd ${workDir}`;
  return `stack ${stackName} is locked or has pending operations: if no update runs any more, \`pulumi cancel --yes ${at}\` then \`pulumi refresh --yes --clear-pending-creates ${at}\`, then run the rescue again`;
}

/** What to do after an up that failed: the stack is kept; resume, or roll back. */
function afterFailedUp(
  ui: RescueUi,
  error: EngineError,
  stackName: string,
  target: VmTarget,
  workDir: string,
  subscription?: string,
): void {
  if (error.kind !== "failed") ui.log(unlockLine(stackName, workDir));
  const sub = subscription ? ` --subscription ${subscription}` : "";
  ui.log(
    `stack ${stackName} is kept as the update left it (nothing was destroyed): run \`vm-rescue rescue ${targetFlags(target, stackName)}\` again to resume, or \`vm-rescue rollback ${targetFlags(target, stackName)}${sub}\` to put the original disk back`,
  );
}

/**
 * config → plugins → up → outputs → evidence (read while the stack still grants access to the
 * artifacts) → destroy, each step streamed; failures become part of the outcome. A failed `up`
 * stops there: no destroy, the stack keeps the record of what was done, and the lines printed say
 * how to resume or roll back.
 */
export async function liveRescue(
  automation: Automation,
  deps: LiveRescueDeps,
  stackName: string,
  settings: Record<string, string>,
  t: { target: VmTarget; choices: RescueChoices },
  ui: RescueUi,
  signal?: AbortSignal,
): Promise<RescueOutcome> {
  const startedAt = deps.now().toISOString();
  // the subscription the stack is held to (a fleet's stacks): named in the rollback commands
  const subscription = settings["azure-native:subscriptionId"];
  const recorder = new TimelineRecorder();
  const stream = ui.progress(recorder);
  const run = { ...stream, signal };
  const errors: string[] = [];
  const cloud = t.target.cloud;
  let outputs: StackOutputs = {};
  let helperRemoved: boolean | null = null;
  let evidence: Evidence | null = null;
  const opened = await attempt(() => automation.openStack(stackName, false));
  if (opened.error) {
    errors.push(`could not open stack ${stackName}: ${opened.error.message}`);
    if (opened.error.kind === "locked") ui.log(unlockLine(stackName, automation.workDir));
  }
  const stack = opened.value;
  const prepared =
    stack &&
    (await attempt(async () => {
      const previous = await stack.config();
      const kept = await stack.hasResources();
      const rescueId = rescueIdFor(stackName, previous.rescueId, kept);
      if (kept) ui.log(`stack ${stackName} holds the kept rescue ${rescueId}: resuming it`);
      const stale = RUN_OPTIONS.filter((k) => k in previous && !(k in settings));
      if (stale.length > 0) await stack.removeConfig(stale);
      await stack.setConfig({ ...settings, rescueId });
      await stack.installPlugins(requiredPlugins(cloud));
    }));
  if (prepared && prepared.error)
    errors.push(`could not prepare stack ${stackName}: ${prepared.error.message}`);
  else if (stack) {
    ui.log(`pulumi up (stack ${stackName})`);
    const up = await attempt(() => stack.up(run));
    outputs = up.value ?? {};
    if (up.error) {
      errors.push(`pulumi up failed: ${up.error.message}`);
      afterFailedUp(ui, up.error, stackName, t.target, automation.workDir, subscription);
    } else {
      // The artifacts location: where the files collect shipped and the hives the repair returned sit,
      // so the report cites each fact's hive, key and value and shows the check after the repair.
      const sources = {
        ...evidenceSources(outputs),
        filesBase:
          typeof outputs.artifactsLocation === "string" && outputs.artifactsLocation !== ""
            ? outputs.artifactsLocation
            : null,
      };
      if (sources.collectOutput || sources.repairResult) {
        ui.log("reading the evidence (collect output, repair result)");
        const region = t.target.cloud === "aws" ? t.target.region : undefined;
        evidence = await readEvidence(deps.artifacts(cloud, region), sources, {
          cloud,
          instanceType:
            typeof outputs.instanceType === "string" && outputs.instanceType !== ""
              ? outputs.instanceType
              : null,
          choice: {
            driver: t.choices.driver,
            actions: t.choices.actions as RepairActionName[] | undefined,
            dryRun: t.choices.dryRun,
          },
          stackActions: Array.isArray(outputs.repairActions)
            ? (outputs.repairActions as string[])
            : null,
        });
      }
      ui.log(`pulumi destroy (stack ${stackName}; kept resources stay)`);
      const down = await attempt(() => stack.destroy(run));
      if (down.error) errors.push(`pulumi destroy failed: ${down.error.message}`);
      helperRemoved = down.error === null;
    }
  }
  stream.stop();
  const fromOutputs = outcomeFromOutputs(outputs, !t.choices.noSwap && !t.choices.dryRun);
  const key = DEFAULT_HELPER_SIZE[cloud];
  const vm: VmIdentity =
    t.target.cloud === "azure"
      ? {
          resourceGroup: t.target.resourceGroup,
          name: t.target.vm,
          ...(subscription
            ? {
                id: `/subscriptions/${subscription}/resourceGroups/${t.target.resourceGroup}/providers/Microsoft.Compute/virtualMachines/${t.target.vm}`,
              }
            : {}),
        }
      : {
          instanceId: t.target.instanceId,
          ...(t.target.region ? { region: t.target.region } : {}),
          ...(typeof outputs.instanceType === "string" && outputs.instanceType
            ? { instanceType: outputs.instanceType }
            : {}),
        };
  return {
    cloud,
    vm,
    stack: stackName,
    mode: "live",
    dryRun: t.choices.dryRun === true,
    startedAt,
    endedAt: deps.now().toISOString(),
    timeline: recorder.steps,
    ...(evidence ? applyEvidence(fromOutputs, evidence) : fromOutputs),
    helperSize:
      settings[key] ?? (SETTINGS.find((s) => s.key === key)?.default as string | undefined) ?? null,
    helperRemoved,
    projectDir: automation.workDir,
    timeToRecovery: null,
    errors,
  };
}
