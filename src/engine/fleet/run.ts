/**
 * The fleet rescue: plan every VM first (refusals listed, nothing created for them), then rescue the
 * planned ones under the limits, one stack per VM, recording each outcome in the fleet state as it
 * lands so that a second run skips the rescued and continues the rest; then one report.
 */
import * as fs from "fs";
import * as path from "path";
import { createHash } from "crypto";
import { PlanError } from "../../vocabulary/errors";
import { UsageError } from "../../vocabulary/exitCodes";
import { FLEET_STATE_CAP, readJsonFile } from "../readJson";
import type { RescueReport } from "../../report/types";
import {
  FLEET_REPORT_VERSION,
  FleetLimits,
  FleetReport,
  FleetVmResult,
  fleetExitCode,
  fleetTotals,
} from "../../report/fleet";
import type { FleetVm, UnreadableEntry } from "./inventory";
import { fleetStacks } from "./stacks";
import { Limits, RetryPolicy, modeledSchedule, runBounded, withBackoff } from "./scheduler";

/** How the fleet plans and rescues one VM: live (Automation API) or simulated. */
export interface FleetRunner {
  mode: "live" | "simulated";
  /** Checks the VM can be rescued on the given stack (throws PlanError when not). */
  plan(vm: FleetVm, stack: string): Promise<void>;
  /** Rescues it on its own stack. */
  rescue(vm: FleetVm, stack: string, attempt: number): Promise<RescueReport>;
}

/** A share of the fleet: shard `index` (1-based) of `count`. */
export interface Shard {
  index: number;
  count: number;
}

/** Parses "K/N" (1 ≤ K ≤ N). */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count)
    throw new RangeError(`a shard is K/N with 1 ≤ K ≤ N, not ${JSON.stringify(text)}`);
  return { index, count };
}

/** The shard (1-based) a VM belongs to: a hash of its id, stable across runs and machines. */
export function shardOf(id: string, count: number): number {
  const h = createHash("sha256").update(id.toLowerCase()).digest();
  return (h.readUInt32BE(0) % count) + 1;
}

/** What the fleet state file keeps: each VM's last result, by id. */
export interface FleetState {
  fleetStateVersion: 1;
  vms: Record<string, FleetVmResult>;
}

/** The fleet state in a JSON file, rewritten (atomically) after each VM. */
export class FleetStateFile {
  private state: FleetState;
  constructor(readonly file: string) {
    if (!fs.existsSync(file)) {
      this.state = { fleetStateVersion: 1, vms: {} };
      return;
    }
    const json = readJsonFile(file, "--state: the fleet state", FLEET_STATE_CAP);
    const bad = (field: string, what: string) =>
      new UsageError(`${file}: ${field}: ${what} (not a fleet state file; --state)`);
    if (typeof json !== "object" || json === null || Array.isArray(json))
      throw bad("(document)", "expected an object");
    const state = json as Partial<FleetState>;
    if (state.fleetStateVersion !== 1)
      throw bad("fleetStateVersion", `expected 1, got ${JSON.stringify(state.fleetStateVersion)}`);
    if (typeof state.vms !== "object" || state.vms === null || Array.isArray(state.vms))
      throw bad("vms", "expected an object of VM results by id");
    for (const [id, vm] of Object.entries(state.vms))
      if (typeof vm !== "object" || vm === null || typeof vm.outcome !== "string")
        throw bad(`vms.${id}.outcome`, "expected a VM result with an outcome");
    this.state = state as FleetState;
  }
  get(id: string): FleetVmResult | undefined {
    return this.state.vms[id];
  }
  record(result: FleetVmResult): void {
    this.state.vms[result.id] = result;
    const tmp = path.join(path.dirname(this.file), `.${path.basename(this.file)}.${process.pid}`);
    fs.writeFileSync(tmp, JSON.stringify(this.state, null, 2) + "\n");
    fs.renameSync(tmp, this.file);
  }
}

/** What happens as the fleet runs, one event at a time (for progress lines). */
export type FleetEvent =
  | { kind: "refused"; vm: FleetVmResult }
  | { kind: "skipped"; vm: FleetVmResult }
  | { kind: "start"; id: string; label: string; stack: string }
  | { kind: "retry"; id: string; attempt: number; delayMs: number; message: string }
  | { kind: "done"; vm: FleetVmResult };

export interface FleetOptions {
  limits: Limits;
  retry?: RetryPolicy;
  state?: { get(id: string): FleetVmResult | undefined; record(r: FleetVmResult): void };
  shard?: Shard;
  startedAt: Date;
  onEvent?: (e: FleetEvent) => void;
  /** Once aborted (SIGINT/SIGTERM) no waiting VM's rescue starts; the ones in flight finish. */
  signal?: AbortSignal;
}

/** Thrown by a runner for a rescue it did not start because the fleet was stopped. */
export class NotStarted extends Error {
  constructor() {
    super("not started: the fleet was stopped");
  }
}

function base(vm: FleetVm): Pick<FleetVmResult, "id" | "cloud" | "label" | "region" | "account"> {
  return { id: vm.id, cloud: vm.cloud, label: vm.label, region: vm.region, account: vm.account };
}

function message(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split("\n")[0];
}

/** Plans, rescues and reports a fleet (or its shard). */
export async function runFleet(
  inventory: { vms: FleetVm[]; unreadable: UnreadableEntry[] },
  options: FleetOptions,
  runner: FleetRunner,
): Promise<FleetReport> {
  const emit = options.onEvent ?? (() => undefined);
  const shard = options.shard;
  // Named over the whole fleet (every shard reads all of it): no two VMs share a stack.
  const stacks = fleetStacks(inventory.vms);
  const mine = inventory.vms.filter((v) => !shard || shardOf(v.id, shard.count) === shard.index);
  const results: FleetVmResult[] = [];
  // Unreadable entries have no id to shard by: the first shard reports them.
  if (!shard || shard.index === 1)
    for (const u of inventory.unreadable) {
      const vm: FleetVmResult = {
        id: `entry-${u.index}`,
        cloud: "azure",
        label: `entry ${u.index} of the fleet file`,
        region: "unknown",
        account: "unknown",
        outcome: "refused",
        stack: null,
        summary: u.reason,
        refusal: "invalid-input",
        modeledSeconds: null,
        attempts: 0,
        resumed: false,
        errors: [],
      };
      results.push(vm);
      emit({ kind: "refused", vm });
    }

  // 1. Plan everything first.
  const planned: (FleetVm & { stack: string })[] = [];
  for (const vm of mine) {
    const earlier = options.state?.get(vm.id);
    if (earlier?.outcome === "rescued") {
      const skipped = { ...earlier, resumed: true, attempts: 0 };
      results.push(skipped);
      emit({ kind: "skipped", vm: skipped });
      continue;
    }
    try {
      // The stack an earlier run used (names shift when a same-named VM joins the fleet): a kept
      // rescue resumes on its own stack.
      const stack = earlier?.stack ?? stacks.get(vm.id)!;
      await runner.plan(vm, stack);
      planned.push({ ...vm, stack });
    } catch (e) {
      if (!(e instanceof PlanError)) throw e;
      const refused: FleetVmResult = {
        ...base(vm),
        outcome: "refused",
        stack: null,
        summary: e.message,
        refusal: e.code,
        modeledSeconds: null,
        attempts: 0,
        resumed: false,
        errors: [],
      };
      results.push(refused);
      options.state?.record(refused);
      emit({ kind: "refused", vm: refused });
    }
  }

  // 2. Rescue the planned VMs under the limits; each result is recorded (and reported) as it lands,
  // so that a run killed midway leaves the state of the VMs it finished.
  const land = (result: FleetVmResult): FleetVmResult => {
    options.state?.record(result);
    results.push(result);
    emit({ kind: "done", vm: result });
    return result;
  };
  const notStarted = (vm: FleetVm & { stack: string }): FleetVmResult => {
    const result = {
      ...failed(vm, 0, new NotStarted().message),
      summary: new NotStarted().message,
    };
    results.push(result);
    emit({ kind: "done", vm: result });
    return result;
  };
  const runs = await runBounded(
    planned,
    options.limits,
    async (vm) => {
      let attempts = 0;
      emit({ kind: "start", id: vm.id, label: vm.label, stack: vm.stack });
      try {
        const report = await withBackoff(
          vm,
          (v, attempt) => {
            attempts = attempt;
            return runner.rescue(v, v.stack, attempt);
          },
          {
            ...options.retry,
            onRetry: (job, attempt, delayMs, error) => {
              emit({ kind: "retry", id: job.id, attempt, delayMs, message: message(error) });
              options.retry?.onRetry?.(job, attempt, delayMs, error);
            },
          },
        );
        return land(resultOf(vm, report, attempts));
      } catch (e) {
        // Not started: left out of the state, so that a rerun rescues it.
        if (e instanceof NotStarted) return notStarted(vm);
        return land(failed(vm, attempts, message(e)));
      }
    },
    options.signal,
  );
  for (const { job, value, started } of runs)
    if (started === false) notStarted(job);
    // A callback that threw while landing (e.g. the state file could not be written) still counts.
    else if (value === undefined) land(failed(job, 0, "the rescue did not report"));
  return fleetReport(results, {
    mode: runner.mode,
    limits: limitsOf(options.limits),
    shard: shard ? `${shard.index}/${shard.count}` : null,
    startedAt: options.startedAt.toISOString(),
  });
}

function resultOf(
  vm: FleetVm & { stack: string },
  r: RescueReport,
  attempts: number,
): FleetVmResult {
  return {
    ...base(vm),
    outcome: r.status,
    stack: vm.stack,
    summary: r.summary,
    modeledSeconds: r.timeToRecovery?.modeledSeconds ?? null,
    attempts,
    resumed: false,
    errors: r.errors,
  };
}

function failed(vm: FleetVm & { stack: string }, attempts: number, error: string): FleetVmResult {
  return {
    ...base(vm),
    outcome: "failed",
    stack: vm.stack,
    summary: `the rescue failed: ${error}`,
    modeledSeconds: null,
    attempts,
    resumed: false,
    errors: [error],
  };
}

export function limitsOf(l: Limits): FleetLimits {
  return {
    concurrency: l.concurrency,
    perRegion: l.perRegion ?? null,
    perAccount: l.perAccount ?? null,
  };
}

/** The report of a list of VM results: sorted by id, totals, the modeled fleet time. */
export function fleetReport(
  results: readonly FleetVmResult[],
  head: Pick<FleetReport, "mode" | "limits" | "shard" | "startedAt">,
): FleetReport {
  const vms = [...results].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const totals = fleetTotals(vms);
  // Resumed VMs took no time in this run; the modeled time is that of the VMs rescued now.
  const { totalSeconds } = modeledSchedule(
    vms
      .filter((v) => !v.resumed && v.modeledSeconds !== null)
      .map((v) => ({ ...v, seconds: v.modeledSeconds as number })),
    {
      concurrency: head.limits.concurrency,
      perRegion: head.limits.perRegion ?? undefined,
      perAccount: head.limits.perAccount ?? undefined,
    },
  );
  return {
    fleetReportVersion: FLEET_REPORT_VERSION,
    ...head,
    vms,
    totals,
    modeledSeconds: totalSeconds,
    exitCode: fleetExitCode(totals),
  };
}

/**
 * Joins the reports of a fleet's shards into the report one run would have given: every shard
 * 1..N once, the same limits and mode; the modeled time recomputed over all VMs.
 */
export function mergeFleetReports(reports: readonly FleetReport[]): FleetReport {
  if (reports.length === 0) throw new RangeError("fleet merge needs at least one report");
  const shards = reports.map((r) => (r.shard ? parseShard(r.shard) : { index: 1, count: 1 }));
  const count = shards[0].count;
  const seen = new Set(shards.map((s) => s.index));
  if (shards.some((s) => s.count !== count) || seen.size !== reports.length || seen.size !== count)
    throw new RangeError(
      `the reports are not shards 1..${count} of one fleet, each once (got ${reports.map((r) => r.shard ?? "whole").join(", ")})`,
    );
  const first = reports[0];
  const same = (r: FleetReport) =>
    r.mode === first.mode && JSON.stringify(r.limits) === JSON.stringify(first.limits);
  if (!reports.every(same))
    throw new RangeError("the shards ran with different modes or limits: not one fleet");
  const ids = new Set<string>();
  reports.forEach((r, i) => {
    for (const v of r.vms) {
      if (ids.has(v.id)) throw new RangeError(`${v.label} is in more than one shard`);
      ids.add(v.id);
      // The fleet file's unreadable entries have no id to shard by: the first shard reports them.
      const home =
        /^entry-\d+$/.test(v.id) && v.refusal === "invalid-input" ? 1 : shardOf(v.id, count);
      if (r.shard && home !== shards[i].index)
        throw new RangeError(`${v.label} belongs to shard ${home}/${count}, not to ${r.shard}`);
    }
  });
  return fleetReport(
    reports.flatMap((r) => r.vms),
    {
      mode: first.mode,
      limits: first.limits,
      shard: null,
      startedAt: reports.map((r) => r.startedAt).sort()[0],
    },
  );
}
