/**
 * Modeled time to recovery. A rescue is a DAG of steps, each one (or a sequence of) operations whose
 * typical duration comes from the shared latency model (`latency-model.json`). The critical path
 * through the DAG is the modeled time to recovery; the anchor flows of the model (az vm repair,
 * AWSSupport-StartEC2RescueWorkflow) are plain sequences, so their time is a sum. The same table
 * prices both, so only the shape of the graph decides the comparison.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { PlanError } from "../vocabulary/errors";
import { packageRoot } from "../vocabulary/packageRoot";
import bundledModel from "./latency-model.json";

export interface AnchorFlow {
  about?: string;
  /** Operation keys ("azure.disk.copy"), run one after the other. */
  sequence: string[];
}

/**
 * The shape of `latency-model.json`: groups of operation durations in seconds ("azure", "aws",
 * "scripts", "human", ...) plus the anchor flows. The key "azure.snapshot.create" addresses
 * `model.azure["snapshot.create"]`: the group is the text before the first dot.
 */
export interface LatencyModel {
  about?: string;
  units?: string;
  anchorFlows: Record<string, AnchorFlow>;
  [group: string]: Record<string, number> | Record<string, AnchorFlow> | string | undefined;
}

export interface Step {
  id: string;
  /** One operation key, or several done in sequence by this step. */
  op: string | string[];
  dependsOn: string[];
}

export interface PathStep {
  id: string;
  op: string | string[];
  seconds: number;
  start: number;
  end: number;
}

export interface CriticalPath {
  totalSeconds: number;
  /** The steps of the longest chain, first to last. */
  path: PathStep[];
}

const NOT_GROUPS = new Set(["about", "units", "anchorFlows"]);

/** Duration of one operation key; throws a PlanError naming the key when the model lacks it. */
export function opSeconds(model: LatencyModel, op: string): number {
  const dot = op.indexOf(".");
  const group = dot > 0 ? op.slice(0, dot) : "";
  const key = dot > 0 ? op.slice(dot + 1) : "";
  const table = group && !NOT_GROUPS.has(group) ? model[group] : undefined;
  const value =
    table && typeof table === "object" ? (table as Record<string, unknown>)[key] : undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    const groups = Object.keys(model).filter((k) => !NOT_GROUPS.has(k));
    throw new PlanError(
      "unknown-op",
      `unknown operation "${op}": the latency model has no such duration (groups: ${groups.join(", ")}; keys are "<group>.<operation>")`,
    );
  }
  return value;
}

function stepSeconds(model: LatencyModel, step: Step): number {
  const ops = Array.isArray(step.op) ? step.op : [step.op];
  if (ops.length === 0) throw new PlanError("unknown-op", `step "${step.id}" has no operation`);
  return ops.reduce((sum, op) => sum + opSeconds(model, op), 0);
}

/** One cycle through `dependsOn`, as ids, or null when the graph is acyclic. */
function findCycle(steps: readonly Step[]): string[] | null {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (id: string): string[] | null => {
    if (state.get(id) === "done") return null;
    if (state.get(id) === "open") return [...stack.slice(stack.indexOf(id)), id];
    state.set(id, "open");
    stack.push(id);
    for (const dep of byId.get(id)!.dependsOn) {
      const cycle = visit(dep);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(id, "done");
    return null;
  };
  for (const s of steps) {
    const cycle = visit(s.id);
    if (cycle) return cycle;
  }
  return null;
}

/**
 * The longest (critical) path through a DAG of steps priced by `model`. Each step starts when all
 * its dependencies have ended. Throws a PlanError on duplicate or unknown ids, cycles and unknown
 * operations.
 */
export function criticalPath(steps: readonly Step[], model: LatencyModel): CriticalPath {
  const byId = new Map<string, Step>();
  for (const s of steps) {
    if (byId.has(s.id)) throw new PlanError("duplicate-step", `step id "${s.id}" is used twice`);
    byId.set(s.id, s);
  }
  for (const s of steps) {
    for (const d of s.dependsOn)
      if (!byId.has(d))
        throw new PlanError(
          "unknown-step",
          `step "${s.id}" depends on "${d}", which is not a step`,
        );
  }
  const cycle = findCycle(steps);
  if (cycle)
    throw new PlanError(
      "dag-cycle",
      `the steps depend on each other in a cycle: ${cycle.join(" → ")}`,
    );

  const timing = new Map<
    string,
    { start: number; end: number; seconds: number; via: string | null }
  >();
  const resolve = (
    id: string,
  ): { start: number; end: number; seconds: number; via: string | null } => {
    const known = timing.get(id);
    if (known) return known;
    const s = byId.get(id)!;
    let start = 0;
    let via: string | null = null;
    for (const d of s.dependsOn) {
      // the latest-ending dependency is the one on the critical path (ties: the first listed)
      const end = resolve(d).end;
      if (via === null || end > start) {
        start = end;
        via = d;
      }
    }
    const seconds = stepSeconds(model, s);
    const t = { start, end: start + seconds, seconds, via };
    timing.set(id, t);
    return t;
  };
  for (const s of steps) resolve(s.id);

  let last: string | null = null;
  for (const s of steps)
    if (last === null || timing.get(s.id)!.end > timing.get(last)!.end) last = s.id;
  const path: PathStep[] = [];
  for (let id = last; id !== null; id = timing.get(id)!.via) {
    const t = timing.get(id)!;
    path.unshift({ id, op: byId.get(id)!.op, seconds: t.seconds, start: t.start, end: t.end });
  }
  return { totalSeconds: last === null ? 0 : timing.get(last)!.end, path };
}

/** Modeled duration of a named anchor flow (a sequence: the sum of its operations). */
export function anchorFlowSeconds(model: LatencyModel, name: string): number {
  const flow = model.anchorFlows?.[name];
  if (!flow || !Array.isArray(flow.sequence)) {
    throw new PlanError(
      "unknown-flow",
      `unknown anchor flow "${name}"; the model has: ${Object.keys(model.anchorFlows ?? {}).join(", ") || "none"}`,
    );
  }
  return flow.sequence.reduce((sum, op) => sum + opSeconds(model, op), 0);
}

/**
 * The latency model the product uses: the copy kept in this package
 * (`src/recoveryTime/latency-model.json`, equal to the shared table it was copied from), found from
 * the package root so that sources and `dist/` read the same file and nothing outside the repository.
 */
export function defaultLatencyModelPath(): string {
  return path.join(packageRoot(), "src", "recoveryTime", "latency-model.json");
}

/**
 * Reads and checks a latency model. Without a file: the package's own copy
 * ({@link defaultLatencyModelPath}), compiled into the build, so a package copied elsewhere (the
 * provider plugin run from another folder) reads the same table without its sources. Every group
 * value must be a non-negative number of seconds and every anchor-flow operation must exist.
 */
export function loadLatencyModel(file?: string): LatencyModel {
  if (file === undefined)
    return checkedModel(structuredClone(bundledModel) as unknown, defaultLatencyModelPath());
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new PlanError(
      "latency-model-missing",
      `latency model not found at ${file}${code && code !== "ENOENT" ? ` (${code})` : ""}: pass the path of latency-model.json`,
    );
  }
  let model: unknown;
  try {
    model = JSON.parse(text);
  } catch (e) {
    throw new PlanError(
      "latency-model-invalid",
      `latency model ${file} is not valid JSON: ${(e as Error).message}`,
    );
  }
  return checkedModel(model, file);
}

/** The model after the checks {@link loadLatencyModel} describes. */
function checkedModel(model: unknown, file: string): LatencyModel {
  if (typeof model !== "object" || model === null || Array.isArray(model))
    throw new PlanError("latency-model-invalid", `latency model ${file} must be a JSON object`);
  const m = model as LatencyModel;
  if (m.units !== undefined && m.units !== "seconds")
    throw new PlanError(
      "latency-model-invalid",
      `latency model ${file}: units must be "seconds", not ${JSON.stringify(m.units)}`,
    );
  for (const [group, table] of Object.entries(m)) {
    if (NOT_GROUPS.has(group)) continue;
    if (typeof table !== "object" || table === null)
      throw new PlanError(
        "latency-model-invalid",
        `latency model ${file}: "${group}" must map operations to seconds`,
      );
    for (const [op, v] of Object.entries(table)) {
      if (typeof v !== "number" || !Number.isFinite(v) || v < 0)
        throw new PlanError(
          "latency-model-invalid",
          `latency model ${file}: ${group}.${op} must be a non-negative number of seconds`,
        );
    }
  }
  if (typeof m.anchorFlows !== "object" || m.anchorFlows === null) m.anchorFlows = {};
  for (const name of Object.keys(m.anchorFlows)) anchorFlowSeconds(m, name);
  return m;
}
