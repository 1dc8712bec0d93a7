/**
 * Progress of a rescue as events: one when each phase starts and ends, and one per repair
 * operation, each with the elapsed time since the rescue started. Built from what the run observed
 * (its timeline and the repair result), so a simulated rescue shows its modeled clock.
 */
import { phaseOf } from "../recoveryTime/azure";
import type { RescueOutcome, TimelineStep } from "./types";

export const PROGRESS_PHASES = [
  "prepare",
  "collect",
  "triage",
  "repair",
  "swap",
  "verify",
  "teardown",
] as const;
export type ProgressPhase = (typeof PROGRESS_PHASES)[number];

export type ProgressEvent =
  | {
      event: "phase";
      phase: ProgressPhase;
      status: "started" | "finished" | "failed";
      elapsedSeconds: number;
      /** The resources of the phase (finished events). */
      steps?: string[];
    }
  | {
      event: "repair-operation";
      action: string;
      status: "succeeded" | "failed" | "skipped";
      message: string;
      /** Its place in the repair: operation `index` (1-based) of `count`, in the order it ran. */
      index: number;
      count: number;
      /** When the repair phase that ran it ended: the operations' own times are not observed. */
      elapsedSeconds: number;
    }
  | {
      /** A heartbeat: a step still running, and for how long. */
      event: "step-running";
      phase: ProgressPhase;
      step: string;
      runningSeconds: number;
      elapsedSeconds: number;
    };

/**
 * The phase of an AWS step. Its commands are named like Azure's (`-collect`, `-repair`, …) and its
 * swap and verification kinds read the same; the stop/detach of the broken root
 * (`vm-rescue:aws:RootVolumeDetach`) belongs to the swap in copy mode (after the repair) and to the
 * preparation in inPlace mode (the original root goes to the helper before the collect).
 */
function awsPhaseOf(
  step: Pick<TimelineStep, "name" | "type" | "op">,
  collected: boolean,
): ProgressPhase {
  const kind = step.type.split(":").pop() ?? "";
  if (kind === "RootVolumeDetach") return collected ? "swap" : "prepare";
  if (kind === "BackupSnapshot") return "prepare";
  return phaseOf({ ...step, dependsOn: [] }) ?? "prepare";
}

/** The phase of a step (started or finished) of an Azure or AWS rescue. */
export function phaseOfStep(
  step: Pick<TimelineStep, "name" | "type" | "op">,
  cloud: string,
  collected: boolean,
): ProgressPhase {
  if (step.op === "delete") return "teardown";
  if (cloud === "aws") return awsPhaseOf(step, collected);
  return phaseOf({ ...step, dependsOn: [] }) ?? "prepare";
}

/** The progress events of a rescue, in the order they happened. */
export function progressEvents(o: RescueOutcome): ProgressEvent[] {
  const t0 = Date.parse(o.startedAt);
  const at = (iso: string) => Math.max(0, Math.round((Date.parse(iso) - t0) / 1000));
  const spans = new Map<ProgressPhase, { start: number; end: number; steps: TimelineStep[] }>();
  const collect = o.timeline.find((s) => phaseOf({ ...s, dependsOn: [] }) === "collect");
  const collectEnd = collect ? at(collect.endedAt) : Infinity;
  for (const step of o.timeline) {
    const phase = phaseOfStep(step, o.cloud, at(step.startedAt) >= collectEnd);
    const span = spans.get(phase) ?? { start: Infinity, end: 0, steps: [] };
    span.start = Math.min(span.start, at(step.startedAt));
    span.end = Math.max(span.end, at(step.endedAt));
    span.steps.push(step);
    spans.set(phase, span);
  }
  const events: { e: ProgressEvent; order: number }[] = [];
  let order = 0;
  for (const phase of PROGRESS_PHASES) {
    const span = spans.get(phase);
    if (!span) continue;
    events.push({
      e: { event: "phase", phase, status: "started", elapsedSeconds: span.start },
      order: order++,
    });
    if (phase === "repair") {
      const results = o.repair?.results ?? [];
      // The operations ran in this order inside the repair command; their own times are not
      // observed (the result lists them after the command), so each carries the repair's end.
      results.forEach((r, i) =>
        events.push({
          e: {
            event: "repair-operation",
            action: r.action,
            status: r.status,
            message: r.message,
            index: i + 1,
            count: results.length,
            elapsedSeconds: span.end,
          },
          order: order++,
        }),
      );
    }
    const failed = span.steps.some((s) => s.status === "failed");
    events.push({
      e: {
        event: "phase",
        phase,
        status: failed ? "failed" : "finished",
        elapsedSeconds: span.end,
        steps: span.steps.map((s) => s.name),
      },
      order: order++,
    });
  }
  return events
    .sort((a, b) => a.e.elapsedSeconds - b.e.elapsedSeconds || a.order - b.order)
    .map((x) => x.e);
}

function clock(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = String(seconds % 60).padStart(2, "0");
  return `${String(m).padStart(3, " ")}:${s}`;
}

/** One plain line per event (a terminal or a CI log). */
export function progressLine(e: ProgressEvent): string {
  if (e.event === "phase")
    return `[${clock(e.elapsedSeconds)}] ${e.phase} ${e.status}${e.steps ? ` (${e.steps.length} step${e.steps.length === 1 ? "" : "s"})` : ""}`;
  if (e.event === "step-running")
    return `[${clock(e.elapsedSeconds)}] ${e.phase}: ${e.step} still running (${clock(e.runningSeconds).trim()})`;
  return `[${clock(e.elapsedSeconds)}] repair: operation ${e.index} of ${e.count}: ${e.action} ${e.status}: ${e.message}`;
}
