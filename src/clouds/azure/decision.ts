/**
 * `CollectTriage`: reads the collect script's output blob, and from it decides the repair — minidump
 * triage, guest-driver check, repair plan, repair.ps1 parameters and the swap gate. A collect.ps1
 * 2.x manifest names the raw files it shipped: they are read from the artifacts container, checked
 * against their sizes and SHA-256 and read by the TypeScript readers ({@link triageCollectDocument});
 * a collect.ps1 1.x document is decided from as it is. All deciding is pure; the provider only
 * fetches the blobs.
 */
import type * as pulumi from "@pulumi/pulumi";
import { parseCollectOutput } from "../../collect/validate";
import type { CollectOutput, RepairPlan } from "../../collect/contract";
import { shippedFileUrl } from "../../collect/layout";
import type { EvidenceBundle } from "../../evidence/bundle";
import { collectFromEvidence, collectFromManifest, type FetchShipped } from "../../evidence/facts";
import { manifestOf } from "../../report/rawEvidence";
import type { RepairParams } from "../../guest/params.generated";
import type { TriageResult } from "../../triage";
import type { DriverFinding } from "../../drivers/types";
import type { Culprit, Decision, RepairOptions } from "../../repair/types";
import {
  compileDecision,
  decideRescue,
  hivesOfBundle,
  nothingToRepairWhy,
  decisionLine,
  findingLine,
  swapGate,
  triageCollectedDumps,
  triageLine,
  type SwapGate,
} from "../../repair/decide";
import { STEP_TYPES } from "../../vocabulary/tokens";
import type { CompiledRepair } from "../../repair/operations";
import type { PropertySpec, StepKind } from "../../steps/contract";
import {
  CULPRIT,
  DECISION,
  DRIVER_FINDING,
  listOf,
  objectOf,
  REPAIR_PARAMS_TYPE,
  REPAIR_PLAN,
  SWAP_GATE,
  TRIAGE_RESULT,
} from "../../steps/objectTypes";
import { StepResource, type InputsOf } from "../../steps/resource";
import { readCollectOutput } from "./blobRead";
import { azureRuntime, boundRuntime, type RuntimeFor } from "./runtime";
import { stepTimeouts } from "./timeouts";

export { decisionLine, findingLine, swapGate, triageCollectedDumps, triageLine };
export { readBlobWithAzureIdentity, readCollectOutput, ROLE_PROPAGATION_MINUTES } from "./blobRead";

/** The operator's choices that shape the repair and the swap. */
export interface RepairChoice {
  /** Force the culprit: a service name or driver file name on the disk. */
  driver?: string;
  /** Replace the automatic choice of repair actions. */
  actions?: string[];
  /** repair.ps1 reports what it would do and changes nothing (then nothing is swapped). */
  dryRun?: boolean;
  /** Swap even when a guest-driver finding blocks it. */
  allowIncompatibleDrivers?: boolean;
  /** False: repair the copy but never swap it in. Default true. */
  swap?: boolean;
}

export interface TriageOutcome {
  /** One result per minidump the collect listed (newest first). */
  triage: TriageResult[];
  /** One readable line per dump. */
  summary: string[];
  findings: DriverFinding[];
  /** The planner's decisions: each chosen action with its reason, then notes. */
  decision: Decision[];
  culprit: Culprit | null;
  /** The chosen repair actions, in the order repair.ps1 runs them (`actions` is the operator's input). */
  repairActions: string[];
  /** Validated repair.ps1 parameters. */
  repairParams: RepairParams;
  gate: SwapGate;
  /** True when the planner chose no action: repair.ps1 only runs {@link NOTHING_TO_REPAIR_PARAMS}' dry run and the gate is closed. */
  nothingToRepair: boolean;
  /** The plan repair.ps1 runs (what the check after the repair compiles and compares). */
  repairPlan: RepairPlan;
  /** True when the facts were read from the files collect shipped (a manifest), false for a 1.x document. */
  rawEvidence: boolean;
  /** What of the shipped evidence could not be read or checked (empty for a 1.x document). */
  evidenceProblems: string[];
  /**
   * The plan compiled against the shipped SYSTEM hive and BCD store: the JSON of exactly what
   * repair.ps1 executes (`-Operations`); empty when nothing was compiled (then the gate says why).
   */
  operations: string;
}

/** The compiled operations of an outcome (null when none were compiled). */
export function operationsOf(o: Pick<TriageOutcome, "operations">): CompiledRepair | null {
  return o.operations ? (JSON.parse(o.operations) as CompiledRepair) : null;
}

/**
 * The whole decision from a collect output document (text or parsed): validates it, triages its
 * dumps, checks the guest drivers for Azure, plans the repair and derives repair.ps1's parameters
 * and the swap gate. Throws `ScriptOutputError`, `PlanError` or `EmbedError` with one clear line.
 */
export function triageCollectOutput(
  doc: string | unknown,
  choice: RepairChoice = {},
): TriageOutcome {
  return decideFrom(parseCollectOutput(doc), choice, false, [], null);
}

/**
 * The decision from the collect output blob's text: a collect.ps1 2.x manifest has its files
 * fetched with `fetch` (null: the files' location is not known, which is refused), checked and read
 * by the TypeScript readers; a collect.ps1 1.x document goes to {@link triageCollectOutput}.
 */
export async function triageCollectDocument(
  text: string,
  fetch: FetchShipped | null,
  choice: RepairChoice = {},
): Promise<TriageOutcome> {
  const manifest = manifestOf(text);
  if (manifest === null) return triageCollectOutput(text, choice);
  if (fetch === null)
    throw new Error(
      "the collect output is a manifest of shipped files, but the step was given no filesBase to read them from",
    );
  const facts = await collectFromManifest(manifest, fetch);
  return decideFrom(facts.collect, choice, true, facts.problems, {
    bundle: facts.bundle,
    helperBuild: manifest.helper?.osBuild ?? null,
  });
}

/**
 * The decision from evidence read straight from a disk (the backup snapshot), decided as a collect
 * manifest's files are; no helper has numbered the disk, so repair.ps1 finds it (no pinned number).
 */
export function triageEvidenceBundle(
  bundle: EvidenceBundle,
  choice: RepairChoice = {},
): TriageOutcome {
  const facts = collectFromEvidence(bundle);
  return decideFrom(
    facts.collect,
    choice,
    true,
    facts.problems,
    { bundle, helperBuild: null },
    false,
  );
}

function decideFrom(
  collect: CollectOutput,
  choice: RepairChoice,
  rawEvidence: boolean,
  evidenceProblems: string[],
  shipped: { bundle: EvidenceBundle; helperBuild: number | null } | null,
  pinDiskNumber = true,
): TriageOutcome {
  const decided = decideRescue({
    collect,
    cloud: "azure",
    ...(pinDiskNumber ? {} : { pinDiskNumber: false }),
    options: {
      driver: choice.driver,
      actions: choice.actions as RepairOptions["actions"],
      dryRun: choice.dryRun,
    },
  });
  const opened = shipped ? hivesOfBundle(shipped.bundle) : { hives: null, reason: null };
  const compiled = compileDecision(decided, opened.hives, {
    helperBuild: shipped?.helperBuild ?? null,
  });
  const gate = swapGate(decided.findings, nothingToRepairWhy(decided), {
    ...choice,
    leftForPerson: decided.repair.leftForPerson,
    collect1x: !rawEvidence,
  });
  const compileReason = opened.reason ?? compiled.reason;
  // Raw evidence that cannot be compiled closes the gate. A collect.ps1 1.x document has no hive:
  // nothing is compiled, so repair.ps1 refuses to run and the chain stops before the swap.
  if (
    compiled.operations === null &&
    compileReason !== null &&
    shipped !== null &&
    !decided.nothingToRepair
  )
    Object.assign(gate, { allowed: false, reasons: [...gate.reasons, compileReason] });
  // Nothing to repair is an outcome, not a failure: the operator still gets the triage, the findings
  // and the decision as outputs; repair.ps1 runs a dry run and nothing is swapped.
  return {
    triage: decided.triage,
    summary: decided.triage.map(triageLine),
    findings: decided.findings,
    decision: decided.repair.decisions,
    culprit: decided.repair.culprit,
    repairActions: decided.nothingToRepair ? [] : decided.repair.plan.actions.map((a) => a.action),
    repairParams: decided.repairParams,
    gate,
    nothingToRepair: decided.nothingToRepair,
    repairPlan: decided.repair.plan,
    rawEvidence,
    evidenceProblems,
    operations: compiled.operations ? JSON.stringify(compiled.operations) : "",
  };
}

export interface CollectTriageInputs extends RepairChoice {
  /** The collect run command's output blob. */
  collectOutputUrl: string;
  /** The collect run command (a re-run collect re-runs the triage). */
  collectRunCommandId: string;
  rescueId: string;
  /** The artifacts container URL: a manifest's files are read from `collect/<name>` under it. */
  filesBase?: string;
}

export type CollectTriageOutputs = CollectTriageInputs & TriageOutcome;

const list = (description: string, items: PropertySpec["type"] = "string"): PropertySpec => ({
  type: "array",
  items: { type: items, description: "One item." },
  description,
});
const flag = (description: string): PropertySpec => ({
  type: "boolean",
  optional: true,
  description,
});

/** The triage as a step kind: it reads the collect output and decides; it acts on nothing. */
export function collectTriageKind(
  runtimeFor: RuntimeFor = azureRuntime,
): StepKind<CollectTriageInputs, CollectTriageOutputs> {
  const token = STEP_TYPES.azure.collectTriage;
  const run = async (ctx: Parameters<RuntimeFor>[0], i: CollectTriageInputs) => {
    const rt = boundRuntime(runtimeFor(ctx, ""), ctx, token);
    const text = await readCollectOutput(i.collectOutputUrl, rt.readBlob, rt.clock);
    const base = i.filesBase;
    const fetch: FetchShipped | null = base
      ? (name, max) => rt.readBlobBytes(shippedFileUrl(base, "collect", name), max)
      : null;
    return { ...i, ...(await triageCollectDocument(text, fetch, i)) };
  };
  return {
    token,
    description: "Triage and repair decision from the collect output.",
    inputs: {
      collectOutputUrl: { type: "string", description: "The collect Run Command's output blob." },
      collectRunCommandId: {
        type: "string",
        description: "The collect Run Command (a re-run collect re-runs the triage).",
      },
      rescueId: { type: "string", description: "The rescue." },
      filesBase: {
        type: "string",
        optional: true,
        description: "The artifacts container URL the shipped files sit under (collect/<name>).",
      },
      driver: { type: "string", optional: true, description: "Force the culprit driver." },
      actions: { ...list("Replace the automatic choice of repair actions."), optional: true },
      dryRun: flag("repair.ps1 only reports what it would do."),
      allowIncompatibleDrivers: flag("Swap even when a guest-driver finding blocks it."),
      swap: flag("False: repair the copy but never swap it in."),
    },
    outputs: {
      triage: listOf(TRIAGE_RESULT, "One result per minidump."),
      summary: list("One line per dump."),
      findings: listOf(DRIVER_FINDING, "Guest-driver findings."),
      decision: listOf(DECISION, "The planner's decisions."),
      culprit: objectOf(CULPRIT, "The culprit, if one was found.", { optional: true }),
      repairActions: list("The chosen repair actions, in order."),
      repairParams: objectOf(REPAIR_PARAMS_TYPE, "The validated repair.ps1 parameters."),
      gate: objectOf(SWAP_GATE, "Whether the swap may happen, and if not why."),
      nothingToRepair: { type: "boolean", description: "True when no action was chosen." },
      repairPlan: objectOf(REPAIR_PLAN, "The plan repair.ps1 runs."),
      rawEvidence: {
        type: "boolean",
        description: "True when the facts were read from the shipped files (a collect manifest).",
      },
      evidenceProblems: list("What of the shipped evidence could not be read or checked."),
      operations: {
        type: "string",
        description:
          "The plan compiled into the operations repair.ps1 executes (JSON); empty when none were compiled.",
      },
    },
    identityKeys: ["collectOutputUrl", "rescueId"],
    timeouts: stepTimeouts().triage,
    async create(ctx, i) {
      return { id: `${i.collectOutputUrl}#triage`, outs: await run(ctx, i) };
    },
    // Deciding acts on nothing: a changed option or a re-run collect decides again.
    update: (ctx, _id, _olds, news) => run(ctx, news),
    // Pure: the recorded decision is the live state.
    read: async (_ctx, _id, state) => state,
    async delete() {
      // Nothing: the triage created nothing.
    },
  };
}

export const CollectTriageKind = collectTriageKind();

/** Triage and repair decision from the collect output. Type `vm-rescue:azure:CollectTriage`. */
export class CollectTriage extends StepResource {
  declare readonly triage: pulumi.Output<TriageResult[]>;
  declare readonly summary: pulumi.Output<string[]>;
  declare readonly findings: pulumi.Output<DriverFinding[]>;
  declare readonly decision: pulumi.Output<Decision[]>;
  declare readonly culprit: pulumi.Output<Culprit | null>;
  declare readonly repairActions: pulumi.Output<string[]>;
  declare readonly repairParams: pulumi.Output<RepairParams>;
  declare readonly gate: pulumi.Output<SwapGate>;
  declare readonly nothingToRepair: pulumi.Output<boolean>;
  declare readonly repairPlan: pulumi.Output<RepairPlan>;
  declare readonly rawEvidence: pulumi.Output<boolean>;
  declare readonly evidenceProblems: pulumi.Output<string[]>;
  declare readonly operations: pulumi.Output<string>;

  constructor(
    name: string,
    args: InputsOf<CollectTriageInputs>,
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(CollectTriageKind, name, args, opts);
  }
}
