/**
 * Turns the engine events of `up`/`destroy` into timeline steps and one readable line per finished
 * resource step. Pure apart from its own state: feed events, read steps.
 */
import type { EngineEvent } from "@pulumi/pulumi/automation";
import type { TimelineStep } from "../report/types";

/** Resources that are not steps of the rescue (the stack itself, providers). */
function ignored(type: string): boolean {
  return type === "pulumi:pulumi:Stack" || type.startsWith("pulumi:providers:");
}

function nameOf(urn: string): string {
  return urn.slice(urn.lastIndexOf("::") + 2);
}

const IDLE_OPS = new Set(["same", "read", "refresh", "discard"]);

export interface TimelineUpdate {
  /** A finished step, with the line to print; null when the event finished nothing. */
  step: TimelineStep | null;
  line: string | null;
  /** Steps still running (for a spinner). */
  running: string[];
  /** A step that started with this event, or the urn of the one it finished (live progress). */
  started?: { urn: string; name: string; type: string; op: string; at: number };
  ended?: { urn: string; at: number; failed: boolean };
}

export class TimelineRecorder {
  readonly steps: TimelineStep[] = [];
  private readonly open = new Map<
    string,
    { name: string; type: string; op: string; start: number }
  >();

  /** Feeds one engine event. */
  push(e: EngineEvent): TimelineUpdate {
    const at = (e.timestamp ?? Date.now() / 1000) * 1000;
    const pre = e.resourcePreEvent?.metadata;
    if (pre && !ignored(pre.type) && !IDLE_OPS.has(pre.op)) {
      this.open.set(pre.urn, { name: nameOf(pre.urn), type: pre.type, op: pre.op, start: at });
      return {
        ...this.update(null, null),
        started: { urn: pre.urn, name: nameOf(pre.urn), type: pre.type, op: pre.op, at },
      };
    }
    const done = e.resOutputsEvent?.metadata;
    if (done) return this.finish(done.urn, at, "succeeded");
    const failed = e.resOpFailedEvent?.metadata;
    if (failed) return this.finish(failed.urn, at, "failed");
    const diag = e.diagnosticEvent;
    if (diag && diag.severity === "error" && diag.urn && this.open.has(diag.urn)) {
      // the message of a failing step arrives as a diagnostic before (or instead of) resOpFailed
      const o = this.open.get(diag.urn)!;
      (o as { message?: string }).message = diag.message.trim().split("\n")[0];
    }
    return this.update(null, null);
  }

  private finish(urn: string, at: number, status: TimelineStep["status"]): TimelineUpdate {
    const o = this.open.get(urn);
    if (!o) return this.update(null, null);
    this.open.delete(urn);
    const message = (o as { message?: string }).message;
    const step: TimelineStep = {
      name: o.name,
      type: o.type,
      op: o.op,
      status,
      startedAt: new Date(o.start).toISOString(),
      endedAt: new Date(at).toISOString(),
      ...(message && status === "failed" ? { message } : {}),
    };
    this.steps.push(step);
    const seconds = Math.round((at - o.start) / 1000);
    const ended = { urn, at, failed: status === "failed" };
    const line = `${status === "succeeded" ? "ok    " : "FAILED"} ${o.op.padEnd(7)} ${o.name}  (${o.type}, ${seconds} s)${message && status === "failed" ? `: ${message}` : ""}`;
    return { ...this.update(step, line), ended };
  }

  private update(step: TimelineStep | null, line: string | null): TimelineUpdate {
    return { step, line, running: [...this.open.values()].map((o) => `${o.op} ${o.name}`) };
  }
}
