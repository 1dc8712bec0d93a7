/**
 * `RepairCheck`: after the repair Run Command and before the swap, the hives the repair shipped
 * back are re-read by the TypeScript readers and compared with the plan: the plan's actions are
 * compiled against the evidence's SYSTEM hive and BCD store (as collect shipped them, size and
 * SHA-256 checked), and every operation must be in the returned hives with nothing else changed
 * under the keys they touch. Any difference — a value not written, one changed that no operation
 * writes, a hive not returned or unreadable, a plan that cannot be compiled — closes the swap gate
 * ({@link gateAfterRepairCheck}: no setting overrides it). A collect.ps1 1.x document ships no files:
 * then nothing is checked (`checkedRaw` false, with the reason) and the gate stays as it was.
 * The step reads blobs only; it never changes the cloud.
 */
import { createHash } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import type { RepairPlan } from "../../collect/contract";
import { shippedFileUrl } from "../../collect/layout";
import { parseRepairResult } from "../../collect/validate";
import { decodeBcd } from "../../evidence/bcd";
import { bundleFromManifest } from "../../evidence/facts";
import { openHive } from "../../evidence/hive";
import {
  checkRepairedDisk,
  compileRepairPlan,
  gateAfterRepairCheck,
  type CompiledRepair,
  type RepairDifference,
} from "../../repair/operations";
import type { SwapGate } from "../../repair/decide";
import { manifestOf } from "../../report/rawEvidence";
import type { PropertySpec, StepKind } from "../../steps/contract";
import { StepResource, type InputsOf } from "../../steps/resource";
import { STEP_TYPES } from "../../vocabulary/tokens";
import { azureRuntime, boundRuntime, type AzureRuntime, type RuntimeFor } from "./runtime";
import { stepTimeouts } from "./timeouts";

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

export interface RepairCheckResult {
  /** True when the returned hives hold exactly what the plan writes (always true when not checked). */
  ok: boolean;
  /** Values and elements compared. */
  checked: number;
  differences: RepairDifference[];
  /** True when the returned hives were read and compared (a collect manifest run). */
  checkedRaw: boolean;
  /** Why nothing was checked (a collect.ps1 1.x document); absent when checked. */
  reason?: string;
  /** The swap gate after the check: the triage's, closed on any difference. */
  gate: SwapGate;
}

export type RepairCheckOutputs = RepairCheckInputs & RepairCheckResult;

/** What the component exports of the check (the stack output `repairCheck`). */
export type RepairCheckSummary = Omit<RepairCheckResult, "gate">;

/** Why a 1.x collect document is not checked. */
export const NOT_CHECKED_1X =
  "the collect output is a collect.ps1 1.x document: it shipped no hives, so the repair was not checked against the disk's bytes";

const missing = (what: "SYSTEM" | "BCD", found: string): RepairDifference => ({
  where: what,
  kind: "missing",
  expected: what === "SYSTEM" ? "the repaired SYSTEM hive" : "the repaired BCD store",
  found,
});

const firstLine = (e: unknown) => (e as Error).message.split("\n")[0];

type Blobs = Pick<AzureRuntime, "readBlob" | "readBlobBytes">;

/** The hive the repair returned as `name`, checked against the size and SHA-256 its result gives. */
async function returnedHive(
  blobs: Blobs,
  base: string,
  entry: { sizeBytes: number | null; sha256: string | null; uploaded: boolean } | undefined,
  name: "SYSTEM" | "BCD",
  diffs: RepairDifference[],
): Promise<Buffer | null> {
  if (!entry?.uploaded || entry.sizeBytes === null) return null;
  const bytes = await blobs.readBlobBytes(shippedFileUrl(base, "repaired", name), entry.sizeBytes);
  if (bytes === null) return null;
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sha = createHash("sha256").update(buf).digest("hex");
  if (buf.length !== entry.sizeBytes || (entry.sha256 !== null && sha !== entry.sha256)) {
    diffs.push({
      where: name,
      kind: "differs",
      expected: `the ${entry.sizeBytes} bytes (SHA-256 ${entry.sha256}) the repair reported`,
      found: `${buf.length} bytes, SHA-256 ${sha}`,
    });
    return null;
  }
  return buf;
}

/** The check itself, over the container's blobs. Never throws for bad evidence: it becomes a difference. */
export async function checkRepair(
  blobs: Blobs,
  i: Omit<RepairCheckInputs, "repairRunCommandId" | "rescueId">,
): Promise<RepairCheckResult> {
  if (!i.rawEvidence)
    return {
      ok: true,
      checked: 0,
      differences: [],
      checkedRaw: false,
      reason: NOT_CHECKED_1X,
      gate: i.triageGate,
    };
  const done = (checked: number, differences: RepairDifference[]): RepairCheckResult => {
    const check = { ok: differences.length === 0, checked, differences };
    return { ...check, checkedRaw: true, gate: gateAfterRepairCheck(i.triageGate, check) };
  };
  let manifest;
  try {
    manifest = manifestOf(await blobs.readBlob(i.collectOutputUrl));
  } catch (e) {
    manifest = firstLine(e);
  }
  if (manifest === null || typeof manifest === "string")
    return done(0, [
      {
        where: "collect manifest",
        kind: "missing",
        expected: "the manifest the triage planned from",
        found: manifest ?? "the collect output is no longer a manifest",
      },
    ]);
  const bundle = await bundleFromManifest(manifest, (name, max) =>
    blobs.readBlobBytes(shippedFileUrl(i.filesBase, "collect", name), max),
  );
  const system = bundle.systemHive;
  if (system === null)
    return done(0, [
      {
        where: "SYSTEM (evidence)",
        kind: "missing",
        expected: "the SYSTEM hive collect shipped",
        found: "not readable from the rescue's storage",
      },
    ]);
  let compiled: CompiledRepair;
  try {
    const hive = openHive(system.bytes, {
      label: "SYSTEM",
      logs: bundle.systemHiveLogs.map((l) => l.bytes),
    });
    const bcd = bundle.bcd
      ? decodeBcd(openHive(bundle.bcd.bytes, { label: "BCD" }), { file: bundle.bcd.path })
      : null;
    compiled = compileRepairPlan(i.repairPlan, { system: hive, bcd }, { checkOnly: true });
  } catch (e) {
    return done(0, [
      {
        where: "plan",
        kind: "differs",
        expected: "the plan's operations compiled against the evidence",
        found: firstLine(e),
      },
    ]);
  }
  const diffs: RepairDifference[] = [];
  let returned: NonNullable<ReturnType<typeof parseRepairResult>["returned"]> = [];
  try {
    returned = parseRepairResult(await blobs.readBlob(i.repairResultUrl)).returned ?? [];
  } catch (e) {
    diffs.push({
      where: "repair result",
      kind: "missing",
      expected: "repair.ps1's result listing the hives it returned",
      found: firstLine(e),
    });
  }
  const entry = (name: "SYSTEM" | "BCD") => returned.find((r) => r.name === name);
  const afterSystem = await returnedHive(blobs, i.filesBase, entry("SYSTEM"), "SYSTEM", diffs);
  const afterBcd = await returnedHive(blobs, i.filesBase, entry("BCD"), "BCD", diffs);
  const check = checkRepairedDisk(compiled, {
    before: { system, systemLogs: bundle.systemHiveLogs, bcd: bundle.bcd },
    after: { system: afterSystem, bcd: afterBcd },
  });
  const all = [...diffs, ...check.differences];
  // On a manifest run every hive the evidence holds must come back, even when no operation touches it.
  const said = (w: string) => all.some((d) => d.where === w);
  const why = (name: "SYSTEM" | "BCD") =>
    entry(name)?.message ?? (entry(name) ? "not found in the rescue's storage" : "not returned");
  if (afterSystem === null && !said("SYSTEM")) all.push(missing("SYSTEM", why("SYSTEM")));
  if (bundle.bcd !== null && afterBcd === null && !said("BCD"))
    all.push(missing("BCD", why("BCD")));
  return done(check.checked, all);
}

const list = (description: string, items: PropertySpec["type"] = "string"): PropertySpec => ({
  type: "array",
  items: { type: items, description: "One item." },
  description,
});

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
      repairPlan: { type: "object", description: "The plan repair.ps1 ran." },
      triageGate: { type: "object", description: "The triage's swap gate." },
      rawEvidence: {
        type: "boolean",
        description: "True when the triage planned from a collect manifest's files.",
      },
      rescueId: { type: "string", description: "The rescue." },
    },
    outputs: {
      ok: { type: "boolean", description: "True when the returned hives match the plan." },
      checked: { type: "number", description: "Values and elements compared." },
      differences: list("Where the returned hives differ from the plan.", "object"),
      checkedRaw: {
        type: "boolean",
        description: "True when the returned hives were read and compared.",
      },
      reason: { type: "string", optional: true, description: "Why nothing was checked." },
      gate: { type: "object", description: "The swap gate after the check." },
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
