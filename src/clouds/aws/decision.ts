/**
 * From the collect script's output to the repair command's parameters and the swap gate, with the
 * same pure layers the Azure rescue uses: triage of the bundled minidumps, the guest-driver check
 * for the EC2 instance type the repaired disk will boot on, the rule-based repair planner. A
 * collect.ps1 2.x manifest names the raw files it shipped to the rescue's S3 prefix: they are read
 * back ({@link evidenceFromCollect}, run by the collect step, which holds the stack's identity),
 * checked against their sizes and SHA-256, and the facts are what the TypeScript readers find in
 * them; a collect.ps1 1.x document is decided from as it is (as on Azure). Nothing here throws for
 * an outcome (a blocking driver finding, nothing to repair): the gate closes and says why, and the
 * outputs carry the findings and decisions.
 */
import { parseCollectOutput } from "../../collect/validate";
import type { CollectOutput, RepairPlan } from "../../collect/contract";
import { shippedFileUrl } from "../../collect/layout";
import { collectFromManifest } from "../../evidence/facts";
import { RescueStepError } from "./operations";
import { manifestOf } from "../../report/rawEvidence";
import type { ShippedStore } from "../../repair/operations/afterRepair";
import { validateRepairParams, type RepairParams } from "../../guest/params.generated";
import { encodeOperations, type CompiledRepair } from "../../repair/operations";
import { ssmCommandDocument } from "../../guest/embed";
import type { RepairOptions, Decision } from "../../repair/types";
import {
  compileDecision,
  compilePlan,
  decideRescue,
  hivesOfBundle,
  type CompileHives,
  nothingToRepairWhy,
  decisionLine,
  findingLine,
  swapGate,
  triageLine,
  type SwapGate,
} from "../../repair/decide";
import type { DriverFinding } from "../../drivers/types";

/** Whether the broken instance may be changed (copy: stopped, its root swapped; inPlace: started on the repaired root), and if not, why. */
/** The AWS swap gate is the shared one (src/repair/decide.ts). */
export type AwsSwapGate = SwapGate;

/** The operator's choices that shape the repair and the gate. */
export interface AwsRepairChoice {
  mode?: "copy" | "inPlace";
  driver?: string | null;
  actions?: string[] | null;
  dryRun?: boolean;
  allowIncompatibleDrivers?: boolean;
  /** False: repair but do not swap (copy) / do not start (inPlace). Default true. */
  swap?: boolean;
}

export interface AwsRepairDecision {
  /** Parameters of the repair document (SendCommand `Parameters`). */
  parameters: Record<string, string[]>;
  /** The validated repair.ps1 parameters behind {@link parameters}. */
  repairParams: RepairParams;
  gate: AwsSwapGate;
  /** True when repair.ps1 runs as a dry run (asked for, nothing to repair, or inPlace with a blocked gate). */
  repairIsDryRun: boolean;
  nothingToRepair: boolean;
  decisions: Decision[];
  /** One line per decision: `Action: reason` (notes as `note: …`). */
  decisionLines: string[];
  /** The chosen repair actions in the order repair.ps1 runs them (empty when nothing to repair). */
  repairActions: string[];
  findings: string[];
  triageSummary: string[];
  culprit: string | null;
  /** The plan repair.ps1 runs (what the check after the repair compiles and compares). */
  repairPlan: RepairPlan;
  /** True when the facts were read from the files collect shipped (a manifest), false for a 1.x document. */
  rawEvidence: boolean;
  /** What of the shipped evidence could not be read or checked (empty for a 1.x document). */
  evidenceProblems: string[];
  /** The plan compiled into what repair.ps1 executes (sent as `Operations`); null when none was (the gate says why). */
  operations: CompiledRepair | null;
}

/** The shipped hives the plan compiles against, and the helper's build from the collect manifest. */
export interface AwsCompileEvidence {
  hives: CompileHives | null;
  helperBuild: number | null;
}

/**
 * The SSM repair command's parameter values: repair.ps1's parameters and the plan compiled into
 * operations (`-Operations`, what repair.ps1 2.0 executes; the document declares it like every
 * other parameter, with the script's own pattern).
 */
export function repairCommandParameters(
  params: RepairParams,
  operations?: CompiledRepair,
): Record<string, string[]> {
  return ssmCommandDocument("repair.ps1", {
    ...params,
    ...(operations ? { Operations: encodeOperations(operations) } : {}),
  }).parameters;
}

/** What the TypeScript readers found in the files a collect manifest lists. */
export interface CollectEvidence {
  collect: CollectOutput;
  problems: string[];
}

/** The collect step's `evidence` output back as facts (null when empty: a 1.x document). */
export function parseEvidence(text: string | null | undefined): CollectEvidence | null {
  return text ? (JSON.parse(text) as CollectEvidence) : null;
}

/**
 * The facts of a collect.ps1 2.x run, from its files under `collect/` of `filesBase` (read with
 * `store`, each bounded by its manifest size); null when `stdout` is a 1.x document.
 */
export async function evidenceFromCollect(
  stdout: string,
  store: ShippedStore,
  filesBase: string,
): Promise<CollectEvidence | null> {
  const manifest = manifestOf(stdout);
  if (manifest === null) return null;
  const facts = await collectFromManifest(manifest, (name, max) =>
    store.readBlobBytes(shippedFileUrl(filesBase, "collect", name), max),
  );
  return { collect: facts.collect, problems: facts.problems };
}

/**
 * The repair command's parameters with the plan compiled at run time against the SYSTEM hive and
 * BCD store collect shipped under `collect/` of `filesBase` (as the Azure triage compiles): what
 * repair.ps1 executes (`Operations`). A collect.ps1 1.x document ships no hive: the parameters go
 * as they are (repair.ps1 then refuses to run). A plan that cannot be compiled is refused here, in
 * one line, before anything is sent to the helper.
 */
export async function compiledRepairParameters(
  parameters: Record<string, string[]>,
  plan: RepairPlan,
  collectStdout: string,
  store: ShippedStore,
  filesBase: string,
): Promise<Record<string, string[]>> {
  const manifest = manifestOf(collectStdout);
  if (manifest === null) return parameters;
  const facts = await collectFromManifest(manifest, (name, max) =>
    store.readBlobBytes(shippedFileUrl(filesBase, "collect", name), max),
  );
  const opened = hivesOfBundle(facts.bundle);
  const compiled = compilePlan(plan, opened.hives, {
    imageBuild: facts.collect.os.build > 0 ? facts.collect.os.build : null,
    helperBuild: manifest.helper?.osBuild ?? null,
  });
  if (compiled.operations === null)
    throw new RescueStepError(
      "repair-not-compiled",
      opened.reason ?? compiled.reason ?? "the plan was not compiled",
    );
  return { ...parameters, Operations: [encodeOperations(compiled.operations)] };
}

/** The gate from the findings and the operator's choices (pure; `nothingToRepair` closes it too). */
export function awsSwapGate(
  findings: readonly DriverFinding[],
  nothingToRepair: boolean | string,
  choice: AwsRepairChoice & { leftForPerson?: readonly string[]; collect1x?: boolean },
  targetInstanceType: string | null,
): AwsSwapGate {
  return swapGate(findings, nothingToRepair, {
    ...choice,
    inPlace: choice.mode === "inPlace",
    target: targetInstanceType,
  });
}

/**
 * Plans the repair from collect.ps1's JSON. `targetInstanceType` is the type the guest drivers are
 * checked for. The collect's disk number is passed to repair.ps1 (the same helper runs both).
 * inPlace: when a driver finding blocks the swap, repair.ps1 runs as a dry run, so the original root
 * is not written for a boot that is refused. Throws ScriptOutputError / PlanError / EmbedError only
 * for bad input (an invalid document, a driver that is not on the disk).
 */
export function repairFromCollect(
  collectJson: string | unknown,
  targetInstanceType: string | null,
  choice: AwsRepairChoice = {},
  evidence: CollectEvidence | null = null,
  shipped: AwsCompileEvidence | null = null,
): AwsRepairDecision {
  if (evidence === null && typeof collectJson === "string" && manifestOf(collectJson) !== null)
    throw new Error(
      "the collect output is a manifest of shipped files, but they were not read (the collect step was given no filesBase)",
    );
  const collect = evidence ? evidence.collect : parseCollectOutput(collectJson);
  const options: RepairOptions = {
    driver: choice.driver ?? undefined,
    actions: (choice.actions ?? undefined) as RepairOptions["actions"],
    dryRun: choice.dryRun === true,
  };
  const decided = decideRescue({
    collect,
    cloud: "aws",
    instanceType: targetInstanceType ?? undefined,
    options,
    pinDiskNumber: true,
  });
  const nothingToRepair = decided.nothingToRepair;
  const gate = awsSwapGate(
    decided.findings,
    nothingToRepairWhy(decided),
    { ...choice, leftForPerson: decided.repair.leftForPerson, collect1x: evidence === null },
    targetInstanceType,
  );
  const compiled = compileDecision(decided, shipped?.hives ?? null, {
    helperBuild: shipped?.helperBuild ?? null,
  });
  // Raw evidence that cannot be compiled closes the gate. A collect.ps1 1.x document has no hive:
  // nothing is compiled, so repair.ps1 refuses to run and the chain stops before the swap.
  if (
    compiled.operations === null &&
    compiled.reason !== null &&
    shipped !== null &&
    !nothingToRepair
  )
    Object.assign(gate, { allowed: false, reasons: [...gate.reasons, compiled.reason] });
  const blockedByDrivers = decided.blocked && choice.allowIncompatibleDrivers !== true;
  let repairParams: RepairParams = decided.repairParams;
  // inPlace writes the original root: with a blocked swap, repair only as a dry run.
  if (choice.mode === "inPlace" && blockedByDrivers && repairParams.DryRun !== true)
    repairParams = validateRepairParams({ ...repairParams, DryRun: true });
  const decisionLines = decided.repair.decisions.map(decisionLine);
  // An inPlace repair forced to a dry run executes its operations as a dry run.
  const operations =
    compiled.operations && repairParams.DryRun === true && !compiled.operations.dryRun
      ? { ...compiled.operations, dryRun: true }
      : compiled.operations;
  return {
    parameters: repairCommandParameters(repairParams, operations ?? undefined),
    repairParams,
    gate,
    repairIsDryRun: repairParams.DryRun === true,
    nothingToRepair,
    decisions: decided.repair.decisions,
    decisionLines,
    repairActions: nothingToRepair ? [] : decided.repair.plan.actions.map((a) => a.action),
    findings: decided.findings.map(findingLine),
    triageSummary: decided.triage.map(triageLine),
    culprit: decided.repair.culprit?.module ?? null,
    // The plan as it runs: an inPlace repair forced to a dry run changes nothing.
    repairPlan:
      repairParams.DryRun === true && !decided.repair.plan.dryRun
        ? { ...decided.repair.plan, dryRun: true }
        : decided.repair.plan,
    rawEvidence: evidence !== null,
    evidenceProblems: evidence?.problems ?? [],
    operations,
  };
}
