/**
 * Modeled time to recovery of a planned rescue: the resources of the offline plan become a DAG of
 * steps priced by the shared latency model, and the critical path through it (src/recoveryTime/model.ts) is
 * the modeled time to recovery. Resources that take no modeled time (passwords, NSGs, role
 * assignments, containers) are contracted: their dependents wait for what they waited for.
 */
import { anchorFlowSeconds, criticalPath, LatencyModel, PathStep, Step } from "./model";
import type { RepairActionName } from "../vocabulary/repairActions";
import type { Phase } from "../vocabulary/phases";

/** The part of a planned resource the model needs (`OfflinePlan.resources[]`). */
export interface PlanResourceShape {
  type: string;
  name: string;
  dependsOn: string[];
}

/** Script cost of each repair action (`scripts.repair.*`); actions not listed cost nothing extra. */
export const REPAIR_ACTION_OPS: Partial<Record<RepairActionName, string>> = {
  DisableDriver: "scripts.repair.driver",
  QuarantineDriverFile: "scripts.repair.driver",
  RemoveDriverPackage: "scripts.repair.driver",
  SetSafeBoot: "scripts.repair.safeMode",
  CleanBoot: "scripts.repair.cleanBoot",
  SfcOffline: "scripts.repair.sfc",
  DismRestoreHealth: "scripts.repair.dism",
  Chkdsk: "scripts.repair.chkdsk",
};

/** The Azure OS-disk swap of a running VM: detach the repaired copy from the helper, deallocate, swap, start. */
export const AZURE_SWAP_OPS = [
  "azure.vm.detachDataDisk",
  "azure.vm.deallocate",
  "azure.vm.osDiskSwap",
  "azure.vm.start.windows",
];

/**
 * The swap when the plan's stop (`vm-rescue:azure:VmDeallocate`) deallocated the broken VM after
 * the backup, off the swap's path: no deallocate on it (Azure needs none to swap an OS disk).
 */
export const AZURE_SWAP_OPS_AFTER_STOP = AZURE_SWAP_OPS.filter(
  (op) => op !== "azure.vm.deallocate",
);

/** The step kinds of the Azure plan that take modeled time, by type token. */
const AZURE_STEP_OPS: Record<string, string[]> = {
  "vm-rescue:azure:SnapshotDiagnosis": [
    "azure.snapshot.grantAccess",
    "azure.snapshot.readEvidence",
    "scripts.triage.local",
  ],
  "vm-rescue:azure:DataDiskAttach": ["azure.vm.attachDataDisk"],
  "vm-rescue:azure:VmDeallocate": ["azure.vm.deallocate"],
  // a standby helper: started (not created), in parallel with the copy; DataDiskAttach attaches it
  "vm-rescue:azure:StandbyHelperUse": ["azure.vm.start.windows"],
};

/** The phases of a rescue, in order; a plan that lacks a later phase gets it modeled after the last. */
export type { Phase } from "../vocabulary/phases";
const PHASES: Phase[] = ["collect", "triage", "repair", "swap", "verify"];

export interface TtrOptions {
  /** The repair actions planned (prices the repair script); default: a driver repair. */
  repairActions?: readonly RepairActionName[];
  /** Model phases the plan does not (yet) contain after its last step. Default true. */
  completeChain?: boolean;
  /** The swap is not done (`--no-swap`): no swap or verify phase is added. */
  noSwap?: boolean;
  /** The broken VM is deallocated off the swap's path (the plan has a stop step): the swap does not deallocate. */
  stoppedBeforeSwap?: boolean;
}

function repairOps(actions: readonly RepairActionName[] | undefined): string[] {
  if (!actions) return ["scripts.repair.driver"];
  const ops = [
    ...new Set(actions.map((a) => REPAIR_ACTION_OPS[a]).filter((x): x is string => Boolean(x))),
  ];
  return ops.length > 0 ? ops : ["scripts.repair.driver"];
}

/**
 * Which phase a resource is: by the kind of a step (`vm-rescue:azure:OsDiskSwap`, `…:BootVerification`)
 * or by its name's last segment (`<rescueId>-collect`), or null.
 */
export function phaseOf(r: PlanResourceShape): Phase | null {
  const kind = (r.type.split(":").pop() ?? "").toLowerCase();
  const role = r.name.toLowerCase();
  if (kind.includes("rollback") || /(^|-)rollback$/.test(role)) return null;
  if (/(^|-)collect$/.test(role)) return "collect";
  if (kind.includes("triage") || /(^|-)triage$/.test(role)) return "triage";
  if (/(^|-)repair$/.test(role)) return "repair";
  if (kind.includes("swap") || /(^|-)swap$/.test(role)) return "swap";
  if (kind.includes("verif") || /(^|-)(verify|boot|boot-verify)$/.test(role)) return "verify";
  return null;
}

/**
 * The latency-model operations of one Azure resource, or [] when it takes no modeled time. Run
 * commands and the chain's steps are recognised by their role (collect, triage, ...).
 */
export function azureOpsFor(r: PlanResourceShape, options: TtrOptions = {}): string[] {
  switch (r.type) {
    case "azure-native:compute:Snapshot":
      return ["azure.snapshot.create"];
    case "azure-native:compute:Disk":
      return ["azure.disk.copy"];
    case "azure-native:network:NetworkInterface":
      return ["azure.nic.create"];
    case "azure-native:storage:StorageAccount":
      return ["azure.storage.create"];
    case "azure-native:compute:VirtualMachine":
      return ["azure.vm.create.windows"];
  }
  if (AZURE_STEP_OPS[r.type]) return AZURE_STEP_OPS[r.type];
  return phaseOps(phaseOf(r), options);
}

function phaseOps(phase: Phase | null, options: TtrOptions): string[] {
  switch (phase) {
    case "collect":
      return ["azure.runCommand.overhead", "scripts.collect"];
    case "triage":
      return ["scripts.triage.local"];
    case "repair":
      return ["azure.runCommand.overhead", ...repairOps(options.repairActions)];
    case "swap":
      return options.stoppedBeforeSwap ? AZURE_SWAP_OPS_AFTER_STOP : AZURE_SWAP_OPS;
    case "verify":
      return ["azure.vm.bootVerify"];
    default:
      return [];
  }
}

export interface StepDag {
  steps: Step[];
  /** Phases the plan does not contain yet, modeled after its last step. */
  assumed: Phase[];
}

/**
 * The step DAG of a plan: one step per resource with modeled time, dependencies through
 * zero-time resources contracted, and (with `completeChain`) the missing later phases appended.
 */
export function stepsFromPlan(
  resources: readonly PlanResourceShape[],
  planOptions: TtrOptions = {},
): StepDag {
  const options: TtrOptions = {
    stoppedBeforeSwap: resources.some((r) => r.type === "vm-rescue:azure:VmDeallocate"),
    ...planOptions,
  };
  const byName = new Map(resources.map((r) => [r.name, r]));
  const ops = new Map(resources.map((r) => [r.name, azureOpsFor(r, options)]));
  const memo = new Map<string, string[]>();
  // the timed resources a resource waits for, looking through the untimed ones
  const timedDeps = (name: string, seen: Set<string> = new Set()): string[] => {
    const known = memo.get(name);
    if (known) return known;
    const out = new Set<string>();
    for (const d of byName.get(name)?.dependsOn ?? []) {
      if (!byName.has(d) || seen.has(d)) continue;
      if ((ops.get(d) ?? []).length > 0) out.add(d);
      else for (const x of timedDeps(d, new Set([...seen, name]))) out.add(x);
    }
    const list = [...out];
    memo.set(name, list);
    return list;
  };
  const steps: Step[] = resources
    .filter((r) => ops.get(r.name)!.length > 0)
    .map((r) => ({ id: r.name, op: ops.get(r.name)!, dependsOn: timedDeps(r.name) }));

  const assumed: Phase[] = [];
  if (options.completeChain !== false && steps.length > 0) {
    const present = new Set(resources.map(phaseOf).filter((p): p is Phase => p !== null));
    const lastPresent = Math.max(-1, ...PHASES.map((p, i) => (present.has(p) ? i : -1)));
    let previous =
      [...present].length > 0
        ? resources.filter((r) => phaseOf(r) === PHASES[lastPresent]).map((r) => r.name)
        : [];
    const snapshot = resources.find((r) => r.type === "azure-native:compute:Snapshot")?.name;
    for (const phase of PHASES.slice(lastPresent + 1)) {
      if (options.noSwap && (phase === "swap" || phase === "verify")) break;
      const id = `(${phase})`;
      // the swap never runs before the backup exists
      const deps = phase === "swap" && snapshot ? [...previous, snapshot] : previous;
      steps.push({
        id,
        op: phaseOps(phase, options),
        dependsOn: deps.length > 0 ? deps : [steps[steps.length - 1].id],
      });
      assumed.push(phase);
      previous = [id];
    }
  }
  return { steps, assumed };
}

export interface ModeledTtr {
  /** The modeled time to recovery: the critical path of the rescue's step DAG. */
  totalSeconds: number;
  criticalPath: PathStep[];
  /** Every step with its modeled start and end (seconds from the start of `pulumi up`). */
  schedule: { id: string; start: number; end: number }[];
  /** Phases the plan does not contain yet, modeled after its last step. */
  assumed: Phase[];
  /** The same model's time for the hand-driven anchor flow, and our share of it. */
  anchor: { name: string; seconds: number; ratio: number } | null;
  /**
   * The diagnosis read straight from the snapshot: when it is ready, and when the helper it does
   * not wait for is (absent when the plan has no such step).
   */
  diagnosis?: { id: string; readySeconds: number; helperReadySeconds: number | null };
}

/**
 * The modeled time to recovery of a step DAG: its critical path, every step's modeled start and
 * end, and the same model's time for the anchor flow (when the model has it) with our ratio to it.
 */
export function ttrFromSteps(
  steps: readonly Step[],
  model: LatencyModel,
  anchorName: string,
  assumed: Phase[] = [],
): ModeledTtr {
  const cp = criticalPath(steps, model);
  const byId = new Map(steps.map((s) => [s.id, s]));
  const ancestors = (id: string, acc: Set<string> = new Set()): Set<string> => {
    if (acc.has(id)) return acc;
    acc.add(id);
    for (const d of byId.get(id)?.dependsOn ?? []) ancestors(d, acc);
    return acc;
  };
  // each step's end is the critical path of the sub-DAG that ends with it
  const schedule = steps.map((s) => {
    const sub = criticalPath(
      steps.filter((x) => ancestors(s.id).has(x.id)),
      model,
    );
    const own = sub.path[sub.path.length - 1];
    return {
      id: s.id,
      start: own.id === s.id ? own.start : sub.totalSeconds,
      end: sub.totalSeconds,
    };
  });
  let anchor: ModeledTtr["anchor"] = null;
  if (model.anchorFlows?.[anchorName]) {
    const seconds = anchorFlowSeconds(model, anchorName);
    anchor = {
      name: anchorName,
      seconds,
      ratio: seconds > 0 ? round(cp.totalSeconds / seconds, 3) : 0,
    };
  }
  return { totalSeconds: cp.totalSeconds, criticalPath: cp.path, schedule, assumed, anchor };
}

/** Modeled time to recovery of an Azure plan; compares with the `azure.azVmRepair` anchor flow. */
export function modeledTimeToRecovery(
  resources: readonly PlanResourceShape[],
  model: LatencyModel,
  options: TtrOptions = {},
): ModeledTtr {
  const { steps, assumed } = stepsFromPlan(resources, options);
  const ttr = ttrFromSteps(steps, model, "azure.azVmRepair", assumed);
  const endOf = (type: string) => {
    const names = new Set(resources.filter((r) => r.type === type).map((r) => r.name));
    const ends = ttr.schedule.filter((s) => names.has(s.id)).map((s) => s.end);
    return ends.length > 0 ? { id: [...names][0], end: Math.max(...ends) } : null;
  };
  const diagnosis = endOf("vm-rescue:azure:SnapshotDiagnosis");
  if (!diagnosis) return ttr;
  const helper = endOf("azure-native:compute:VirtualMachine");
  return {
    ...ttr,
    diagnosis: {
      id: diagnosis.id,
      readySeconds: diagnosis.end,
      helperReadySeconds: helper ? helper.end : null,
    },
  };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** "14 min 5 s" */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 === 0 ? `${m} min` : `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** One line for `vm-rescue plan`. */
export function ttrLine(t: ModeledTtr): string {
  const chain = t.criticalPath.map((p) => p.id).join(" → ");
  const anchor = t.anchor
    ? `; ${t.anchor.name}: ${formatDuration(t.anchor.seconds)} (ratio ${t.anchor.ratio})`
    : "";
  const assumed =
    t.assumed.length > 0 ? `; modeled phases not yet in the plan: ${t.assumed.join(", ")}` : "";
  const d = t.diagnosis;
  const diagnosis = d
    ? `; time to a diagnosis: ${formatDuration(d.readySeconds)} from the snapshot, off the helper's path${d.helperReadySeconds !== null ? ` (helper ready at ${formatDuration(d.helperReadySeconds)})` : ""}, the total above unchanged`
    : "";
  return `Modeled time to recovery: ${formatDuration(t.totalSeconds)} via ${chain}${anchor}${assumed}${diagnosis}`;
}
