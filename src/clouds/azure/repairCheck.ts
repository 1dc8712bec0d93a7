/**
 * `RepairCheck`: after the repair Run Command and before the swap, the hives the repair shipped
 * back are re-read by the TypeScript readers and compared with the plan: the plan's actions are
 * compiled against the evidence's SYSTEM hive and BCD store (as collect shipped them, size and
 * SHA-256 checked), and every operation must be in the returned hives with nothing else changed
 * under the keys they touch. Any difference — a value not written, one changed that no operation
 * writes, a hive not returned or unreadable, a plan that cannot be compiled — closes the swap gate
 * (src/repair/operations/afterRepair.ts; no setting overrides it). A collect.ps1 1.x document ships no files:
 * then nothing is checked (`checkedRaw` false, with the reason) and the gate stays as it was.
 * The step reads blobs only; it never changes the cloud.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { RepairPlan } from "../../collect/contract";
import type { RepairDifference } from "../../repair/operations";
import { checkRepair, type RepairCheckResult } from "../../repair/operations/afterRepair";
import type { SwapGate } from "../../repair/decide";
import type { StepKind } from "../../steps/contract";
import { StepResource, type InputsOf } from "../../steps/resource";
import { STEP_TYPES } from "../../vocabulary/tokens";
import { REPAIR_CHECK_OUTPUTS } from "../../steps/repairCheck";
import { objectOf, REPAIR_PLAN, SWAP_GATE } from "../../steps/objectTypes";
import { azureRuntime, boundRuntime, type RuntimeFor } from "./runtime";
import { stepTimeouts } from "./timeouts";

export {
  checkRepair,
  NOT_CHECKED_1X,
  type RepairCheckResult,
  type RepairCheckSummary,
} from "../../repair/operations/afterRepair";

export interface RepairCheckInputs {
  /** The collect output blob (a collect.ps1 2.x manifest, or a 1.x document). */
  collectOutputUrl: string;
  /** The artifacts container URL: the evidence under `collect/`, the returned hives under `repaired/`. */
  filesBase: string;
  /** The repair Run Command's output blob (repair.ps1's result, listing what it `returned`). */
  repairResultUrl: string;
  /** The repair Run Command: the check's identity (a replaced repair is checked again). */
  repairRunCommandId: string;
  /** The plan repair.ps1 ran (the triage's `repairPlan`). */
  repairPlan: RepairPlan;
  /** The triage's swap gate. */
  triageGate: SwapGate;
  /** The triage's `rawEvidence`: true when it planned from a collect manifest's files. */
  rawEvidence: boolean;
  rescueId: string;
}

export type RepairCheckOutputs = RepairCheckInputs & RepairCheckResult;

/** The check as a step kind: reads blobs, decides nothing new, changes nothing. */
export function repairCheckKind(
  runtimeFor: RuntimeFor = azureRuntime,
): StepKind<RepairCheckInputs, RepairCheckOutputs> {
  const token = STEP_TYPES.azure.repairCheck;
  const run = async (ctx: Parameters<RuntimeFor>[0], i: RepairCheckInputs) => ({
    ...i,
    ...(await checkRepair(boundRuntime(runtimeFor(ctx, ""), ctx, token), i)),
  });
  return {
    token,
    description: "Checks the hives the repair returned against the plan before the swap.",
    inputs: {
      collectOutputUrl: { type: "string", description: "The collect Run Command's output blob." },
      filesBase: { type: "string", description: "The artifacts container URL." },
      repairResultUrl: { type: "string", description: "The repair Run Command's output blob." },
      repairRunCommandId: { type: "string", description: "The repair Run Command checked." },
      repairPlan: objectOf(REPAIR_PLAN, "The plan repair.ps1 ran."),
      triageGate: objectOf(SWAP_GATE, "The triage's swap gate."),
      rawEvidence: {
        type: "boolean",
        description: "True when the triage planned from a collect manifest's files.",
      },
      rescueId: { type: "string", description: "The rescue." },
    },
    outputs: {
      ...REPAIR_CHECK_OUTPUTS,
      gate: objectOf(SWAP_GATE, "The swap gate after the check."),
    },
    identityKeys: ["repairRunCommandId"],
    timeouts: stepTimeouts().triage,
    async create(ctx, i) {
      return { id: i.repairRunCommandId, outs: await run(ctx, i) };
    },
    // A changed plan or gate (the repair re-ran) is checked again; the check acts on nothing.
    update: (ctx, _id, _olds, news) => run(ctx, news),
    // The recorded check is the state: the blobs it read are evidence, not live state.
    read: async (_ctx, _id, state) => state,
    async delete() {
      // Nothing: the check created nothing.
    },
  };
}

export const RepairCheckKind = repairCheckKind();

/** The check after the repair, before the swap. Type `vm-rescue:azure:RepairCheck`. */
export class RepairCheck extends StepResource {
  declare readonly ok: pulumi.Output<boolean>;
  declare readonly checked: pulumi.Output<number>;
  declare readonly differences: pulumi.Output<RepairDifference[]>;
  declare readonly checkedRaw: pulumi.Output<boolean>;
  declare readonly reason: pulumi.Output<string | undefined>;
  declare readonly gate: pulumi.Output<SwapGate>;

  constructor(
    name: string,
    args: InputsOf<RepairCheckInputs>,
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(RepairCheckKind, name, args, opts);
  }
}
