/**
 * `SnapshotDiagnosis`: the diagnosis and the repair plan read straight from the backup snapshot,
 * while the helper is still being created and booted. Read access is granted on the snapshot, the
 * evidence files are read through HTTP range requests and the access is revoked
 * (`snapshotRead.ts`); the facts are decided exactly as the collect triage decides a collect
 * manifest's files ({@link triageEvidenceBundle}). A snapshot that cannot be read gives
 * `diagnosed: false` with the reason; given `filesBase` (the rescue: it decides the repair) the step
 * then fails, so nothing is repaired from facts it does not have.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { Culprit } from "../../repair/types";
import type { RepairPlan } from "../../collect/contract";
import type { RepairParams } from "../../guest/params.generated";
import type { SwapGate } from "../../repair/decide";
import { buildReport } from "../../report/diagnosis";
import type { PropertySpec, StepContext, StepKind } from "../../steps/contract";
import {
  CULPRIT,
  objectOf,
  REPAIR_PARAMS_TYPE,
  REPAIR_PLAN,
  SWAP_GATE,
} from "../../steps/objectTypes";
import { StepResource, type InputsOf } from "../../steps/resource";
import { STEP_TYPES } from "../../vocabulary/tokens";
import { decisionLine, findingLine, triageEvidenceBundle, type RepairChoice } from "./decision";
import { shipSnapshotEvidence, type BlobWriter } from "./evidenceShip";
import { azureCredential, bounded } from "./runtime";
import {
  armSnapshotAccess,
  httpSasOpener,
  readSnapshotEvidence,
  revokeSnapshotRead,
  snapshotRef,
  type SasOpener,
  type SnapshotAccess,
} from "./snapshotRead";
import { fileSasOpener, fileSnapshotAccess } from "./simulatedSnapshots";
import { writeFileBlob } from "./simulatedFile";
import { stepTimeouts } from "./timeouts";

/** Which route gave the facts the repair was decided from. */
export type DiagnosisRoute = "snapshot" | "helper";

export interface SnapshotDiagnosisInputs extends RepairChoice {
  /** The backup snapshot's resource id. */
  snapshotId: string;
  rescueId: string;
  /**
   * The artifacts container: when given, the diagnosis decides the repair — it ships what it read
   * under `collect/` there with a collect-style manifest at `manifestUrl`, and a snapshot it cannot
   * read fails the step (the rescue refuses before anything is repaired).
   */
  filesBase?: string;
  /** Where the manifest of the shipped evidence goes (the collect output blob). */
  manifestUrl?: string;
}

export interface SnapshotDiagnosis {
  /** True when the snapshot was read and decided from. */
  diagnosed: boolean;
  /** Why it was not (one line, never a SAS); absent when diagnosed. */
  error?: string;
  /** The read access could not be revoked: the command that ends it (the diagnosis stands). */
  warning?: string;
  /** The control set the SYSTEM hive boots (e.g. ControlSet001). */
  controlSet?: string;
  /** The BCD default entry's loader path, from the ESP (Gen2) or the system partition. */
  defaultLoaderPath?: string;
  /** One line per minidump. */
  summary: string[];
  culprit?: Culprit;
  /** The repair actions the plan chose, in order. */
  repairActions: string[];
  /** The planner's decisions, one line each. */
  decision: string[];
  /** Guest-driver findings, one line each (blocking ones first). */
  findings?: string[];
  /** What of the evidence could not be read. */
  evidenceProblems: string[];
  /** Range requests and bytes the read took. */
  requests: number;
  bytes: number;
  /**
   * Whether the swap may happen, and if not why: the collect triage's gate, decided by the same
   * code from the snapshot's evidence; closed, with the reason, when the snapshot was not diagnosed.
   */
  gate: SwapGate;
  /** The validated repair.ps1 parameters (absent when not diagnosed: nothing is repaired from it). */
  repairParams?: RepairParams;
  /** The plan repair.ps1 runs (absent when not diagnosed). */
  repairPlan?: RepairPlan;
  /** The plan compiled against the snapshot's SYSTEM hive and BCD store (JSON); empty when none. */
  operations: string;
}

/** What the diagnosis found, less the repair's facts (what its lines report). */
export type DiagnosisFacts = Omit<
  SnapshotDiagnosis,
  "gate" | "repairParams" | "repairPlan" | "operations"
>;

/** The gate of a snapshot that was not diagnosed: closed, saying why and what the operator can do. */
export function notDiagnosedGate(error: string | undefined): SwapGate {
  return {
    allowed: false,
    reasons: [
      `the backup snapshot could not be diagnosed (${error ?? "unknown error"}): no repair was decided from it, so nothing is repaired or swapped; the snapshot, the copy and the helper's evidence are kept for a person`,
    ],
  };
}

/** The outcome of a diagnosis that failed: nothing decided, the gate closed with `error`. */
function notDiagnosed(error: string, stats = { requests: 0, bytes: 0 }): SnapshotDiagnosis {
  return {
    diagnosed: false,
    error,
    ...{ summary: [], repairActions: [], decision: [], evidenceProblems: [] },
    ...stats,
    gate: notDiagnosedGate(error),
    operations: "",
  };
}

export type SnapshotDiagnosisOutputs = SnapshotDiagnosisInputs & SnapshotDiagnosis;

/** The snapshot calls and the SAS reader of a step call. */
export interface SnapshotReader {
  access: SnapshotAccess;
  open: SasOpener;
  /** Writes a blob of the artifacts container (needed only to ship the evidence). */
  write?: BlobWriter;
}

export type SnapshotReaderFor = (ctx: StepContext, subscriptionId: string) => SnapshotReader;

/**
 * The range reads of a step call: bounded by the step's cancel and deadline and by a budget far
 * above what a diagnosis needs (tens of requests, tens of MiB), so that a crafted or huge disk
 * cannot keep the read going.
 */
export function snapshotRangeOptions(ctx: Pick<StepContext, "signal" | "deadline">): {
  signal: AbortSignal;
  maxRequests: number;
  maxBytes: number;
} {
  const left = Math.max(0, ctx.deadline - Date.now());
  return {
    signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(left)]),
    maxRequests: 2000,
    maxBytes: 512 * 1024 * 1024,
  };
}

/** The simulated cloud file when the configuration names one, else Azure as the step's identity. */
export const azureSnapshotReader: SnapshotReaderFor = (ctx, subscriptionId) => {
  const file = ctx.config.simulatedCloud;
  if (file)
    return {
      access: fileSnapshotAccess(file),
      open: fileSasOpener(file),
      write: async (url, bytes) => writeFileBlob(file, url, bytes),
    };
  const credential = azureCredential(ctx.config.azure);
  return {
    access: armSnapshotAccess(subscriptionId, { credential, signal: ctx.signal }),
    open: httpSasOpener(snapshotRangeOptions(ctx)),
    async write(url, bytes) {
      const { BlockBlobClient } =
        require("@azure/storage-blob") as typeof import("@azure/storage-blob");
      await new BlockBlobClient(url, credential).uploadData(bytes, { abortSignal: ctx.signal });
    },
  };
};

const firstLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split("\n")[0] ?? "";

/** Reads and decides; any failure is the outcome `diagnosed: false` with its line. */
export async function diagnoseSnapshot(
  reader: SnapshotReader,
  i: SnapshotDiagnosisInputs,
): Promise<SnapshotDiagnosis> {
  let read;
  try {
    read = await readSnapshotEvidence(reader.access, i.snapshotId, reader.open);
  } catch (e) {
    return notDiagnosed(firstLine(e));
  }
  const { evidence, image } = read;
  const warning = read.warning ? { warning: read.warning } : {};
  const stats = { requests: evidence.stats.requests ?? 0, bytes: evidence.stats.bytes ?? 0 };
  try {
    const outcome = triageEvidenceBundle(evidence, i);
    const report = buildReport(evidence, { ...image, source: image.label }, [], 0, null);
    if (i.filesBase && i.manifestUrl) {
      if (!reader.write) throw new Error("no blob writer to ship the evidence with");
      const at = new Date().toISOString();
      await shipSnapshotEvidence(reader.write, i.filesBase, i.manifestUrl, evidence, at).catch(
        (e: unknown) => {
          throw new Error(`shipping the evidence read failed: ${firstLine(e)}`);
        },
      );
    }
    return {
      diagnosed: true,
      ...(report.controlSet ? { controlSet: report.controlSet.name } : {}),
      ...(report.bcd?.defaultLoaderPath ? { defaultLoaderPath: report.bcd.defaultLoaderPath } : {}),
      summary: outcome.summary,
      ...(outcome.culprit ? { culprit: outcome.culprit } : {}),
      repairActions: outcome.repairActions,
      decision: outcome.decision.map(decisionLine),
      findings: outcome.findings.map(findingLine),
      evidenceProblems: outcome.evidenceProblems,
      ...stats,
      ...warning,
      gate: outcome.gate,
      repairParams: outcome.repairParams,
      repairPlan: outcome.repairPlan,
      operations: outcome.operations,
    };
  } catch (e) {
    return { ...notDiagnosed(firstLine(e), stats), ...warning };
  }
}

const MiB = 1024 * 1024;

/** The diagnosis as the component exports it: one line, with what the read took. */
export function snapshotDiagnosisLine(d: DiagnosisFacts): string {
  if (!d.diagnosed) return `not diagnosed from the snapshot: ${d.error ?? "unknown error"}`;
  const plan = d.repairActions.length > 0 ? d.repairActions.join(", ") : "nothing to repair";
  return (
    `diagnosed from the snapshot: ${d.controlSet ?? "no control set"}, ` +
    `loader ${d.defaultLoaderPath ?? "unknown"}, culprit ${d.culprit?.module ?? "none"}; ` +
    `plan: ${plan} (${d.requests} requests, ${(d.bytes / MiB).toFixed(1)} MiB)`
  );
}

const list = (description: string): PropertySpec => ({
  type: "array",
  items: { type: "string", description: "One item." },
  description,
});
const flag = (description: string): PropertySpec => ({
  type: "boolean",
  optional: true,
  description,
});
const text = (description: string): PropertySpec => ({
  type: "string",
  optional: true,
  description,
});

/** The diagnosis as a step kind: it reads the snapshot and decides; it changes nothing but the snapshot's access, which it ends. */
export function snapshotDiagnosisKind(
  readerFor: SnapshotReaderFor = azureSnapshotReader,
): StepKind<SnapshotDiagnosisInputs, SnapshotDiagnosisOutputs> {
  const token = STEP_TYPES.azure.snapshotDiagnosis;
  const run = async (ctx: StepContext, i: SnapshotDiagnosisInputs) => {
    const reader = readerFor(ctx, snapshotRef(i.snapshotId).subscriptionId);
    // The deadline or a cancel ends the read as a failed diagnosis, with its reason.
    const outs = await bounded(ctx, token, () => diagnoseSnapshot(reader, i)).catch(
      (e: unknown): SnapshotDiagnosis => notDiagnosed(firstLine(e)),
    );
    if (outs.warning) ctx.log(outs.warning);
    // Deciding the repair, it refuses: nothing is repaired from a snapshot it could not read.
    if (i.filesBase && !outs.diagnosed)
      throw new Error(`${notDiagnosedGate(outs.error).reasons[0]}`);
    ctx.log(
      outs.diagnosed
        ? `diagnosed from the snapshot: ${outs.culprit?.module ?? "no culprit"}; plan ${outs.repairActions.join(", ") || "none"} (${outs.requests} requests, ${outs.bytes} bytes)`
        : `the snapshot was not diagnosed (${outs.error})`,
    );
    return { ...i, ...outs };
  };
  return {
    token,
    description:
      "Diagnosis and repair plan read straight from the backup snapshot (read-only SAS, range reads), while the helper boots.",
    inputs: {
      snapshotId: { type: "string", description: "The backup snapshot's resource id." },
      rescueId: { type: "string", description: "The rescue." },
      driver: text("Force the culprit driver."),
      actions: { ...list("Replace the automatic choice of repair actions."), optional: true },
      dryRun: flag("repair.ps1 only reports what it would do."),
      allowIncompatibleDrivers: flag("Swap even when a guest-driver finding blocks it."),
      swap: flag("False: repair the copy but never swap it in."),
      filesBase: text(
        "The artifacts container: ship the evidence read there and decide the repair.",
      ),
      manifestUrl: text("Where the manifest of the shipped evidence goes."),
    },
    outputs: {
      diagnosed: { type: "boolean", description: "True when the snapshot was read and decided." },
      error: text("Why the snapshot was not diagnosed (one line)."),
      warning: text("The read access could not be revoked: the command that ends it."),
      controlSet: text("The control set the SYSTEM hive boots."),
      defaultLoaderPath: text("The BCD default entry's loader path."),
      summary: list("One line per minidump."),
      culprit: objectOf(CULPRIT, "The culprit, if one was found.", { optional: true }),
      repairActions: list("The repair actions the plan chose, in order."),
      decision: list("The planner's decisions, one line each."),
      findings: { ...list("Guest-driver findings, one line each."), optional: true },
      evidenceProblems: list("What of the evidence could not be read."),
      requests: { type: "integer", description: "Range requests the read took." },
      bytes: { type: "integer", description: "Bytes the read fetched." },
      gate: objectOf(
        SWAP_GATE,
        "Whether the swap may happen, and if not why (closed when not diagnosed).",
      ),
      repairParams: objectOf(REPAIR_PARAMS_TYPE, "The validated repair.ps1 parameters.", {
        optional: true,
      }),
      repairPlan: objectOf(REPAIR_PLAN, "The plan repair.ps1 runs.", { optional: true }),
      operations: {
        type: "string",
        description:
          "The plan compiled into the operations repair.ps1 executes (JSON); empty when none were compiled.",
      },
    },
    identityKeys: ["snapshotId", "rescueId"],
    timeouts: stepTimeouts().snapshotDiagnosis,
    async create(ctx, i) {
      return { id: `${i.snapshotId}#diagnosis`, outs: await run(ctx, i) };
    },
    // A changed option decides again from the snapshot (its bytes do not change).
    update: (ctx, _id, _olds, news) => run(ctx, news),
    // The recorded diagnosis is the state: the snapshot is a point in time.
    read: async (_ctx, _id, state) => state,
    // The access was revoked when the read ended; revoking again is harmless and ends an access
    // a failed revoke left behind.
    async delete(ctx, _id, state) {
      const reader = readerFor(ctx, snapshotRef(state.snapshotId).subscriptionId);
      const warning = await revokeSnapshotRead(reader.access, state.snapshotId);
      if (warning) ctx.log(warning);
    },
  };
}

export const SnapshotDiagnosisKind = snapshotDiagnosisKind();

/** Diagnosis from the backup snapshot. Type `vm-rescue:azure:SnapshotDiagnosis`. */
export class SnapshotDiagnosisStep extends StepResource {
  declare readonly diagnosed: pulumi.Output<boolean>;
  declare readonly error: pulumi.Output<string | undefined>;
  declare readonly warning: pulumi.Output<string | undefined>;
  declare readonly controlSet: pulumi.Output<string | undefined>;
  declare readonly defaultLoaderPath: pulumi.Output<string | undefined>;
  declare readonly summary: pulumi.Output<string[]>;
  declare readonly culprit: pulumi.Output<Culprit | undefined>;
  declare readonly repairActions: pulumi.Output<string[]>;
  declare readonly decision: pulumi.Output<string[]>;
  declare readonly findings: pulumi.Output<string[] | undefined>;
  declare readonly evidenceProblems: pulumi.Output<string[]>;
  declare readonly requests: pulumi.Output<number>;
  declare readonly bytes: pulumi.Output<number>;
  declare readonly gate: pulumi.Output<SwapGate>;
  declare readonly repairParams: pulumi.Output<RepairParams | undefined>;
  declare readonly repairPlan: pulumi.Output<RepairPlan | undefined>;
  declare readonly operations: pulumi.Output<string>;

  constructor(
    name: string,
    args: InputsOf<SnapshotDiagnosisInputs>,
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(SnapshotDiagnosisKind, name, args, opts);
  }
}
