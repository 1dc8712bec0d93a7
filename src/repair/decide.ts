/**
 * From the collect script's facts to the repair: triage of the minidumps it brought back, the
 * guest-driver check for where the disk will boot, the repair plan and repair.ps1's validated
 * parameters. One pure function for every path — the Azure triage resource, the AWS chain and the
 * by-hand / on-premises Hyper-V path (`vm-rescue plan-repair`) — so they cannot drift apart.
 */
import type { CollectOutput, RepairPlan } from "../collect/contract";
import { repairParamsFromPlan } from "../guest/embed";
import type { RepairParams } from "../guest/params.generated";
import { triageDump } from "../triage";
import type { TriageResult } from "../triage/types";
import { blocksSwap, checkGuestDrivers, summarizeFindings } from "../drivers/check";
import type { Cloud, DriverFinding } from "../drivers/types";
import { validateRepairParams } from "../guest/params.generated";
import { planRepair } from "./plan";
import type { Decision, RepairDecision, RepairOptions } from "./types";
import { compileRepairPlan } from "./operations/compile";
import type { CompiledRepair } from "./operations/types";
import { PlanError } from "../vocabulary/errors";
import { openHive, type Hive } from "../evidence/hive";
import { decodeBcd, type BcdStore } from "../evidence/bcd";
import type { EvidenceBundle } from "../evidence/bundle";

export interface RescueDecisionInput {
  collect: CollectOutput;
  /** Where the repaired disk will boot. */
  cloud: Cloud;
  /** AWS: the instance type the disk boots on (Nitro/Xen rules). */
  instanceType?: string;
  /** On-premises Hyper-V: the host's Windows build. */
  hostBuild?: number;
  options?: RepairOptions;
  /** Where repair.ps1 writes its full result on the helper. */
  outputPath?: string;
  /** Pass the collect's disk number to repair.ps1 (the same helper, the same disk). Default true. */
  pinDiskNumber?: boolean;
}

export interface RescueDecision {
  /** One result per minidump the collect listed (newest first). */
  triage: TriageResult[];
  findings: DriverFinding[];
  /** True when a finding blocks the swap. */
  blocked: boolean;
  /** One line about the findings (empty when there are none). */
  findingsSummary: string;
  repair: RepairDecision;
  /** True when the planner chose no action: repair.ps1 then runs a dry run and nothing is swapped. */
  nothingToRepair: boolean;
  /**
   * repair.ps1's parameters, validated against its param() block. With nothing to repair, a dry run
   * of a harmless action (the Run Command / SSM document needs an action and the chain a result).
   */
  repairParams: RepairParams;
  /** The image's Windows build as collected (the image phase's default). */
  imageBuild: number | null;
}

/** Whether the repaired disk may replace the broken VM's, and if not, every reason why. */
export interface SwapGate {
  allowed: boolean;
  reasons: string[];
}

/** The operator's choices that close the gate. */
export interface SwapChoice {
  /** False: repair but never swap. Default true. */
  swap?: boolean;
  dryRun?: boolean;
  /** Swap even when a guest-driver finding blocks it. */
  allowIncompatibleDrivers?: boolean;
  /** AWS inPlace: the repaired root always goes back; swap=false then means "not started". */
  inPlace?: boolean;
  /** Where the disk will boot, named in the reasons (AWS target instance type). */
  target?: string | null;
  /** What the plan leaves for a person (RepairDecision.leftForPerson): each closes the gate. */
  leftForPerson?: readonly string[];
  /** True when the facts come from a collect.ps1 1.x document (PowerShell's conclusions): closes the gate. */
  collect1x?: boolean;
}

/** The code of the gate reason a collect.ps1 1.x document gives. */
export const NOT_CHECKED_1X_CODE = "NOT_CHECKED_1X";

/** Why a collect.ps1 1.x document keeps the swap gate closed (it is still read for display). */
export const COLLECT_1X_GATE_REASON = `${NOT_CHECKED_1X_CODE}: the collect output is a 1.x document: its facts were concluded by PowerShell, not read from the disk's bytes; re-run collect 2.x (it ships the hives, the BCD store and the logs as files)`;

/** What repair.ps1 runs when the planner chose nothing: a dry run that changes nothing. */
export const NOTHING_TO_REPAIR_ACTION = "EnableCrashDump";

/**
 * The swap gate from the findings, whether anything is to be repaired (false, or true / the planner's
 * reasons when nothing is), and the operator's choices.
 */
export function swapGate(
  findings: readonly DriverFinding[],
  nothingToRepair: boolean | string,
  choice: SwapChoice,
): SwapGate {
  const reasons: string[] = [];
  if (nothingToRepair !== false) {
    const why =
      typeof nothingToRepair === "string" && nothingToRepair ? ` (${nothingToRepair})` : "";
    reasons.push(
      `nothing to repair: the planner chose no repair action for this disk${why}; repair.ps1 ran only a dry run and nothing is swapped (choose actions with the actions setting)`,
    );
  }
  if (choice.swap === false) {
    reasons.push(
      choice.inPlace
        ? "swap=false: the repaired root goes back but the instance is not started"
        : "swap=false: the repaired copy is not swapped in; the broken machine is not touched",
    );
  }
  if (choice.dryRun === true)
    reasons.push("dryRun=true: repair.ps1 changes nothing, so there is no repaired disk to boot");
  if (choice.allowIncompatibleDrivers !== true) {
    for (const f of findings.filter((x) => x.severity === "block")) {
      reasons.push(
        `guest driver ${f.component} blocks the swap${choice.target ? ` to ${choice.target}` : ""} (found ${f.found ?? "nothing"}, required ${f.required}): ${f.reason} Remedy: ${f.remedy} (or set allowIncompatibleDrivers=true)`,
      );
    }
  }
  for (const step of choice.leftForPerson ?? [])
    reasons.push(`left for a person before the swap: ${step}`);
  if (choice.collect1x === true) reasons.push(COLLECT_1X_GATE_REASON);
  return { allowed: reasons.length === 0, reasons };
}

/** Why the planner chose nothing (its decisions' reasons), for the gate; false when it chose something. */
export function nothingToRepairWhy(d: RescueDecision): string | false {
  return d.nothingToRepair ? d.repair.decisions.map((x) => x.reason).join("; ") : false;
}

/** One line per dump: bug check and culprit, or why it could not be read. */
export function triageLine(t: TriageResult): string {
  if (t.error !== null || !t.bugCheck) return `${t.file}: ${t.error ?? "no bug check"}`;
  const culprit = t.causedBy
    ? `caused by ${t.causedBy.module}+${t.causedBy.offset}`
    : "no culprit module found";
  return `${t.file}: ${t.bugCheck.code}${t.bugCheck.name ? ` ${t.bugCheck.name}` : ""}, ${culprit}${t.crashTime ? ` at ${t.crashTime}` : ""}`;
}

/** One line per guest-driver finding. */
export function findingLine(f: DriverFinding): string {
  return `${f.severity} ${f.component}: found ${f.found ?? "nothing"}, required ${f.required}. ${f.reason}`;
}

/** One line per planner decision: the action (or "note") and why. */
export function decisionLine(d: Decision): string {
  return `${d.action === "none" ? "note" : d.action}: ${d.reason}`;
}

/** Triage of the dumps a collect output carries; a dump over the collect size cap is reported, not parsed. */
export function triageCollectedDumps(doc: CollectOutput): TriageResult[] {
  return doc.dumps.minidumps.map((m) =>
    m.base64 === null
      ? {
          file: m.name,
          bugCheck: null,
          crashTime: null,
          os: null,
          causedBy: null,
          drivers: null,
          error: `not collected (${m.sizeBytes} bytes, over the collect size cap)`,
        }
      : triageDump(Buffer.from(m.base64, "base64"), m.name),
  );
}

/** Decides the repair from the collected facts. Throws PlanError / EmbedError for impossible choices. */
export function decideRescue(input: RescueDecisionInput): RescueDecision {
  const { collect } = input;
  const triage = triageCollectedDumps(collect);
  const findings = checkGuestDrivers(collect, {
    cloud: input.cloud,
    instanceType: input.instanceType,
    hostBuild: input.hostBuild,
  });
  const repair = planRepair({
    collect,
    triage,
    findings,
    options: input.options ?? {},
    cloud: input.cloud,
  });
  const diskNumber = input.pinDiskNumber === false ? undefined : collect.target.diskNumber;
  const nothingToRepair = repair.plan.actions.length === 0;
  const repairParams = nothingToRepair
    ? validateRepairParams(
        Object.fromEntries(
          Object.entries({
            Actions: [NOTHING_TO_REPAIR_ACTION],
            CrashDumpKind: "automatic",
            ProtectedServices: [...repair.protectedServices],
            DiskNumber: diskNumber,
            OutputPath: input.outputPath,
            DryRun: true,
          }).filter(([, v]) => v !== undefined),
        ),
      )
    : repairParamsFromPlan(repair.plan, {
        protectedServices: repair.protectedServices,
        diskNumber,
        outputPath: input.outputPath,
      });
  return {
    triage,
    findings,
    blocked: blocksSwap(findings),
    findingsSummary: findings.length > 0 ? summarizeFindings(findings) : "",
    repair,
    nothingToRepair,
    repairParams,
    imageBuild: collect.os.build > 0 ? collect.os.build : null,
  };
}

/** The evidence a plan compiles against: the disk's SYSTEM hive and BCD store, as the readers opened them. */
export interface CompileHives {
  system: Hive | null;
  bcd: BcdStore | null;
}

/** What the evidence says about where the image phase may run (builds) and from what (source). */
export interface CompileFacts {
  imageBuild?: number | null;
  helperBuild?: number | null;
  repairSource?: string | null;
}

export interface CompiledDecision {
  /** The operations repair.ps1 executes (`-Operations`); null when none could be compiled. */
  operations: CompiledRepair | null;
  /** Why nothing was compiled (one line; closes the swap gate), else null. */
  reason: string | null;
  /** The compiler's own message when it refused the plan, else null. */
  compileError?: string | null;
}

/**
 * The decided plan compiled into repair.ps1's operations: one function for every path (the Azure
 * triage, the AWS decision, `vm-rescue plan-repair`), so what is printed is what is sent. No SYSTEM
 * hive (a collect.ps1 1.x document) or a plan that cannot be compiled gives no operations and a
 * reason: a repair never runs without compare-and-set data.
 */
export function compileDecision(
  decided: RescueDecision,
  hives: CompileHives | null,
  facts: CompileFacts = {},
): CompiledDecision {
  return compilePlan(decided.repair.plan, hives, {
    ...facts,
    imageBuild: facts.imageBuild ?? decided.imageBuild,
  });
}

/** {@link compileDecision} for a plan already decided (the AWS repair step compiles at run time). */
export function compilePlan(
  plan: RepairPlan,
  hives: CompileHives | null,
  facts: CompileFacts = {},
): CompiledDecision {
  if (hives === null || hives.system === null)
    return {
      operations: null,
      reason:
        "no SYSTEM hive in the evidence (a collect.ps1 1.x document or a hive not shipped): the plan is not compiled, so repair.ps1 does not run and nothing is swapped",
    };
  try {
    return {
      operations: compileRepairPlan(
        plan,
        { system: hives.system, bcd: hives.bcd },
        {
          imageBuild: facts.imageBuild ?? null,
          helperBuild: facts.helperBuild ?? null,
          repairSource: facts.repairSource ?? null,
        },
      ),
      reason: null,
    };
  } catch (e) {
    if (!(e instanceof PlanError)) throw e;
    return {
      operations: null,
      reason: `the plan could not be compiled: ${e.message.split("\n")[0]}; repair.ps1 does not run and nothing is swapped`,
      compileError: e.message,
    };
  }
}

/** The SYSTEM hive (with its logs replayed) and BCD store of an evidence bundle; a reason when unreadable. */
export function hivesOfBundle(bundle: EvidenceBundle): {
  hives: CompileHives | null;
  reason: string | null;
} {
  if (bundle.systemHive === null) return { hives: null, reason: null };
  try {
    const system = openHive(bundle.systemHive.bytes, {
      label: "SYSTEM",
      logs: bundle.systemHiveLogs.map((l) => l.bytes),
    });
    const bcd = bundle.bcd
      ? decodeBcd(openHive(bundle.bcd.bytes, { label: "BCD" }), { file: bundle.bcd.path })
      : null;
    return { hives: { system, bcd }, reason: null };
  } catch (e) {
    return {
      hives: null,
      reason: `the shipped hives could not be opened: ${(e as Error).message.split("\n")[0]}`,
    };
  }
}
