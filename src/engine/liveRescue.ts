/**
 * A live rescue through the Automation API: `up` on the incident's stack, the evidence read back
 * while the stack still grants access to the artifacts, `destroy` (kept resources stay), each step
 * streamed; failures become part of the outcome the report is built from.
 */
import { Automation, firstLine, StreamOptions } from "./automation";
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

/** Runs a stack operation; returns the error line instead of throwing. */
async function attempt<T>(f: () => Promise<T>): Promise<{ value: T | null; error: string | null }> {
  try {
    return { value: await f(), error: null };
  } catch (e) {
    return { value: null, error: firstLine(e) };
  }
}

const DEFAULT_HELPER_SIZE = { azure: "helperVmSize", aws: "helperInstanceType" } as const;

/**
 * up → outputs → evidence (read while the stack still grants access to the artifacts) → destroy,
 * each step streamed; failures become part of the outcome.
 */
export async function liveRescue(
  automation: Automation,
  deps: LiveRescueDeps,
  stackName: string,
  settings: Record<string, string>,
  t: { target: VmTarget; choices: RescueChoices },
  ui: RescueUi,
): Promise<RescueOutcome> {
  const startedAt = deps.now().toISOString();
  const recorder = new TimelineRecorder();
  const stream = ui.progress(recorder);
  const errors: string[] = [];
  const cloud = t.target.cloud;
  let outputs: StackOutputs = {};
  let helperRemoved: boolean | null = null;
  let evidence: Evidence | null = null;
  const opened = await attempt(() => automation.openStack(stackName, false));
  if (opened.error) errors.push(`could not open stack ${stackName}: ${opened.error}`);
  const stack = opened.value;
  if (stack) {
    const configured = await attempt(() => stack.setConfig(settings));
    if (configured.error) errors.push(`could not set the stack config: ${configured.error}`);
    else {
      ui.log(`pulumi up (stack ${stackName})`);
      const up = await attempt(() => stack.up(stream));
      if (up.error) errors.push(`pulumi up failed: ${up.error}`);
      outputs = up.value ?? {};
      const sources = evidenceSources(outputs);
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
      const down = await attempt(() => stack.destroy(stream));
      if (down.error) errors.push(`pulumi destroy failed: ${down.error}`);
      helperRemoved = down.error === null;
    }
  }
  stream.stop();
  const fromOutputs = outcomeFromOutputs(outputs, !t.choices.noSwap && !t.choices.dryRun);
  const key = DEFAULT_HELPER_SIZE[cloud];
  const vm: VmIdentity =
    t.target.cloud === "azure"
      ? { resourceGroup: t.target.resourceGroup, name: t.target.vm }
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
    timeToRecovery: null,
    errors,
  };
}
