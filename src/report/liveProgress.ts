/**
 * Progress of a rescue while it runs: the steps' starts and ends, as the engine reports them, through
 * the phase mapping of {@link progressEvents}. A phase starts with its first step; it ends when a
 * step of a later phase starts with none of its own still running (or when the run ends). A step
 * that runs long gets a heartbeat on each {@link LiveProgress.tick}, with how long it has run.
 */
import { PROGRESS_PHASES, phaseOfStep, type ProgressEvent, type ProgressPhase } from "./progress";

interface Step {
  name: string;
  type: string;
  op: string;
}

const cloudOf = (type: string) =>
  type.startsWith("aws:") || type.startsWith("vm-rescue:aws:") ? "aws" : "azure";

export class LiveProgress {
  private t0: number | null;
  private readonly open = new Map<string, { step: Step; phase: ProgressPhase; start: number }>();
  private readonly phases = new Map<
    ProgressPhase,
    { steps: string[]; failed: boolean; ended: boolean; end: number }
  >();
  private collected = false;

  /** `startedAt`: the run's start in ms (default: the first step's start). */
  constructor(
    private readonly emit: (e: ProgressEvent) => void,
    startedAt?: number,
  ) {
    this.t0 = startedAt ?? null;
  }

  private elapsed(at: number): number {
    if (this.t0 === null) this.t0 = at;
    return Math.max(0, Math.round((at - this.t0) / 1000));
  }

  /** A step started at `at` (ms). */
  started(key: string, step: Step, at: number): void {
    const phase: ProgressPhase =
      step.op === "delete" ? "teardown" : phaseOfStep(step, cloudOf(step.type), this.collected);
    const elapsed = this.elapsed(at);
    // The earlier phases with nothing running are over.
    for (const p of PROGRESS_PHASES.slice(0, PROGRESS_PHASES.indexOf(phase)))
      this.end(p, elapsed, false);
    const span = this.phases.get(phase);
    if (!span || span.ended) {
      this.phases.set(phase, { steps: [], failed: false, ended: false, end: elapsed });
      this.emit({ event: "phase", phase, status: "started", elapsedSeconds: elapsed });
    }
    this.open.set(key, { step, phase, start: at });
  }

  /** A step that started ended at `at` (ms). */
  finished(key: string, at: number, failed: boolean): void {
    const o = this.open.get(key);
    if (!o) return;
    this.open.delete(key);
    const span = this.phases.get(o.phase)!;
    span.steps.push(o.step.name);
    span.failed ||= failed;
    span.end = Math.max(span.end, this.elapsed(at));
    if (o.phase === "collect" && !failed) this.collected = true;
  }

  private end(phase: ProgressPhase, elapsed: number, force: boolean): void {
    const running = [...this.open.values()].some((o) => o.phase === phase);
    const span = this.phases.get(phase);
    if (!span || span.ended) return;
    if (!force && running) return;
    span.ended = true;
    this.emit({
      event: "phase",
      phase,
      status: span.failed ? "failed" : "finished",
      // when its last step ended (a step still running when the run ends: the run's end)
      elapsedSeconds: running ? elapsed : span.end,
      steps: span.steps,
    });
  }

  /** A heartbeat for each step still running at `now` (ms). */
  tick(now: number): void {
    if (this.t0 === null) return;
    for (const o of this.open.values())
      this.emit({
        event: "step-running",
        phase: o.phase,
        step: o.step.name,
        runningSeconds: Math.max(0, Math.round((now - o.start) / 1000)),
        elapsedSeconds: this.elapsed(now),
      });
  }

  /** The run ended at `at` (ms): every phase still open ends. */
  close(at: number): void {
    if (this.t0 === null) return;
    const elapsed = this.elapsed(at);
    for (const p of PROGRESS_PHASES) this.end(p, elapsed, true);
  }
}
