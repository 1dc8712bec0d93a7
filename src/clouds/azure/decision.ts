/**
 * `CollectTriage`: reads the collect script's output blob, and from it decides the repair — minidump
 * triage, guest-driver check, repair plan, repair.ps1 parameters and the swap gate. All deciding is
 * {@link triageCollectOutput}, a pure function the tests and the simulated cloud call directly; the
 * provider only fetches the blob.
 */
import * as pulumi from "@pulumi/pulumi";
import { parseCollectOutput } from "../../collect/validate";
import type { RepairParams } from "../../guest/params.generated";
import type { TriageResult } from "../../triage";
import type { DriverFinding } from "../../drivers/types";
import type { Culprit, Decision, RepairOptions } from "../../repair/types";
import {
  decideRescue,
  nothingToRepairWhy,
  decisionLine,
  findingLine,
  swapGate,
  triageCollectedDumps,
  triageLine,
  type SwapGate,
} from "../../repair/decide";
import { Clock, realClock } from "./operations";
import { compiledProvider, idempotentProvider, InputsOf } from "./dynamic";
import { DYNAMIC_KINDS, DYNAMIC_MODULE } from "../../vocabulary/tokens";

export { decisionLine, findingLine, swapGate, triageCollectedDumps, triageLine };

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
  const decided = decideRescue({
    collect: parseCollectOutput(doc),
    cloud: "azure",
    options: {
      driver: choice.driver,
      actions: choice.actions as RepairOptions["actions"],
      dryRun: choice.dryRun,
    },
  });
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
    gate: swapGate(decided.findings, nothingToRepairWhy(decided), choice),
    nothingToRepair: decided.nothingToRepair,
  };
}

export interface CollectTriageInputs extends RepairChoice {
  /** The collect run command's output blob. */
  collectOutputUrl: string;
  /** The collect run command (a re-run collect re-runs the triage). */
  collectRunCommandId: string;
  rescueId: string;
}

export type CollectTriageOutputs = CollectTriageInputs & TriageOutcome;

/** Reads a blob with the deploying identity (needs Storage Blob Data Reader on the container). */
export async function readBlobWithAzureIdentity(url: string): Promise<string> {
  // Required here: this runs inside the dynamic provider process, clients are created per call.

  const { BlobClient } = require("@azure/storage-blob") as typeof import("@azure/storage-blob");

  const { DefaultAzureCredential } = require("@azure/identity") as typeof import("@azure/identity");
  const buffer = await new BlobClient(url, new DefaultAzureCredential()).downloadToBuffer();
  return buffer.toString("utf8");
}

/** Role assignments take minutes to reach the data plane: a 403 is retried for this long. */
export const ROLE_PROPAGATION_MINUTES = 10;

/** Reads the blob, retrying while a fresh role assignment has not reached storage yet (HTTP 403). */
export async function readCollectOutput(
  url: string,
  read: (url: string) => Promise<string>,
  clock: Clock,
): Promise<string> {
  const deadline = clock.now() + ROLE_PROPAGATION_MINUTES * 60_000;
  for (;;) {
    try {
      return await read(url);
    } catch (e) {
      const status = (e as { statusCode?: number }).statusCode;
      if (status === 403 && clock.now() < deadline) {
        await clock.sleep(15_000);
        continue;
      }
      throw new Error(
        `reading the collect output ${url} failed${status ? ` (HTTP ${status})` : ""}: ${(e as Error).message}`,
      );
    }
  }
}

const KEYS: (keyof CollectTriageInputs)[] = [
  "collectOutputUrl",
  "collectRunCommandId",
  "driver",
  "actions",
  "dryRun",
  "allowIncompatibleDrivers",
  "swap",
];

export function collectTriageProvider(
  read: (url: string) => Promise<string> = readBlobWithAzureIdentity,
  clock: Clock = realClock,
): pulumi.dynamic.ResourceProvider {
  return idempotentProvider<CollectTriageInputs, CollectTriageOutputs>(
    KEYS,
    (i) => `${i.collectOutputUrl}#triage`,
    async (i) => ({
      ...i,
      ...triageCollectOutput(await readCollectOutput(i.collectOutputUrl, read, clock), i),
    }),
  );
}

/** Triage and repair decision from the collect output. Type `pulumi-nodejs:dynamic/vm-rescue:CollectTriage`. */
export class CollectTriage extends pulumi.dynamic.Resource {
  declare readonly triage: pulumi.Output<TriageResult[]>;
  declare readonly summary: pulumi.Output<string[]>;
  declare readonly findings: pulumi.Output<DriverFinding[]>;
  declare readonly decision: pulumi.Output<Decision[]>;
  declare readonly culprit: pulumi.Output<Culprit | null>;
  declare readonly repairActions: pulumi.Output<string[]>;
  declare readonly repairParams: pulumi.Output<RepairParams>;
  declare readonly gate: pulumi.Output<SwapGate>;
  declare readonly nothingToRepair: pulumi.Output<boolean>;

  constructor(
    name: string,
    args: InputsOf<CollectTriageInputs>,
    opts?: pulumi.CustomResourceOptions,
  ) {
    const outs = {
      nothingToRepair: undefined,
      triage: undefined,
      summary: undefined,
      findings: undefined,
      decision: undefined,
      culprit: undefined,
      repairActions: undefined,
      repairParams: undefined,
      gate: undefined,
    };
    super(
      compiledProvider("decision", "collectTriageProvider"),
      name,
      { ...args, ...outs },
      opts,
      DYNAMIC_MODULE,
      DYNAMIC_KINDS.azure.collectTriage,
    );
  }
}
