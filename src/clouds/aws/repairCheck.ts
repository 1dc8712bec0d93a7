/**
 * `RepairCheck` (AWS): after the repair command and before the stop/detach and the swap, the hives
 * the repair shipped back to `repaired/` of the rescue's S3 prefix are re-read by the TypeScript
 * readers and compared with the plan (src/repair/operations/afterRepair.ts, the same check as
 * Azure's): any difference closes the swap gate, with no override. A collect.ps1 1.x document ships
 * no files: then nothing is checked (`checkedRaw` false, with the reason) and the gate stays as it
 * was. The step reads the bucket only; it never changes the cloud.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { RepairPlan } from "../../collect/contract";
import type { RepairDifference } from "../../repair/operations";
import { checkRepair, type RepairCheckResult } from "../../repair/operations/afterRepair";
import type { SwapGate } from "../../repair/decide";
import type { StepKind } from "../../steps/contract";
import { StepResource, type InputsOf } from "../../steps/resource";
import { STEP_TYPES } from "../../vocabulary/tokens";
import { objectOf, REPAIR_PLAN } from "../../steps/objectTypes";
import { s3Store } from "./s3Files";
import { GATE_SPEC, opsOf, STEP_INPUT_SPECS, stepTimeouts, type StepInputs } from "./stepKit";
import { REPAIR_CHECK_OUTPUTS } from "../../steps/repairCheck";

export interface AwsRepairCheckInputs extends StepInputs {
  /** The collect command's output folder (`s3://bucket/prefix<commandId>/<helper>/`): its stdout is the manifest. */
  collectOutputUrl: string;
  /** The rescue's files location (`s3://bucket/prefix`): evidence under `collect/`, returned hives under `repaired/`. */
  filesBase: string;
  /** The repair command's output folder: its stdout is repair.ps1's result, listing what it `returned`. */
  repairResultUrl: string;
  /** The repair command: the check's identity (a re-run repair is checked again). */
  repairCommandId: string;
  /** The plan repair.ps1 ran (the decision's `repairPlan`). */
  repairPlan: RepairPlan;
  /** The decision's swap gate. */
  triageGate: SwapGate;
  /** True when the decision was taken from a collect manifest's files. */
  rawEvidence: boolean;
  rescueId: string;
}

export type AwsRepairCheckOutputs = AwsRepairCheckInputs & RepairCheckResult;

const run = async (ctx: Parameters<StepKind["create"]>[0], i: AwsRepairCheckInputs) => {
  const { ops } = opsOf(ctx, i);
  return { ...i, ...(await checkRepair(s3Store(ops.s3), i)) };
};

/** The check as a step kind: reads the bucket, decides nothing new, changes nothing. */
export const repairCheckKind: StepKind<AwsRepairCheckInputs, AwsRepairCheckOutputs> = {
  token: STEP_TYPES.aws.repairCheck,
  description: "Checks the hives the repair returned against the plan before the swap.",
  inputs: {
    ...STEP_INPUT_SPECS,
    collectOutputUrl: { type: "string", description: "The collect command's output folder." },
    filesBase: { type: "string", description: "The rescue's files location (s3://bucket/prefix)." },
    repairResultUrl: { type: "string", description: "The repair command's output folder." },
    repairCommandId: { type: "string", description: "The repair command checked." },
    repairPlan: objectOf(REPAIR_PLAN, "The plan repair.ps1 ran."),
    triageGate: { ...GATE_SPEC, description: "The decision's swap gate." },
    rawEvidence: {
      type: "boolean",
      description: "True when the decision was taken from a collect manifest's files.",
    },
    rescueId: { type: "string", description: "The rescue." },
  },
  outputs: {
    ...REPAIR_CHECK_OUTPUTS,
    gate: { ...GATE_SPEC, description: "The swap gate after the check." },
  },
  identityKeys: ["repairCommandId"],
  // Reads of the evidence and the returned hives (a SYSTEM hive is tens of MB).
  timeouts: stepTimeouts(900),
  async create(ctx, i) {
    return { id: i.repairCommandId, outs: await run(ctx, i) };
  },
  // A changed plan or gate is checked again; the check acts on nothing.
  update: (ctx, _id, _olds, news) => run(ctx, news),
  // The recorded check is the state: the objects it read are evidence, not live state.
  read: async (_ctx, _id, state) => state,
  async delete() {
    // Nothing: the check created nothing.
  },
};

/** The check after the repair, before the swap. Type `vm-rescue:aws:RepairCheck`. */
export class RepairCheck extends StepResource {
  declare readonly ok: pulumi.Output<boolean>;
  declare readonly checked: pulumi.Output<number>;
  declare readonly differences: pulumi.Output<RepairDifference[]>;
  declare readonly checkedRaw: pulumi.Output<boolean>;
  declare readonly reason: pulumi.Output<string | undefined>;
  declare readonly gate: pulumi.Output<SwapGate>;

  constructor(
    name: string,
    args: InputsOf<AwsRepairCheckInputs>,
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(repairCheckKind, name, args, opts);
  }
}
