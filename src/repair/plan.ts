/**
 * The repair planner: turns the facts collected from the offline disk, the triage of its minidumps
 * and the guest-driver findings into the {@link RepairPlan} that `repair.ps1` executes. Every
 * decision is made here, by small pure rules that each give a human reason and the evidence they
 * used; the script only executes the plan.
 */
import { CONTRACT_VERSION } from "../collect/contract";
import { REPAIR_ACTIONS } from "../vocabulary/repairActions";
import { PlanError } from "../vocabulary/errors";
import { cleanBootServices, protectedServices } from "../drivers/bootCritical";
import { selectDump } from "./evidence";
import { resolveCulprit } from "./culprit";
import { buildRequestedRemove, buildSetSafeBoot } from "./proposals";
import { ADDITIVE, additiveSettings } from "./additive";
import { applyInvariants } from "./invariants";
import { matchPlaybooks, playbookNotes } from "./playbooks";
import { buildRequested } from "./requested";
import {
  ruleCulprit,
  ruleDirtyVolume,
  ruleFindings,
  ruleNoDumpEvents,
  rulePendingUpdate,
  ruleReporterOnly,
} from "./rules";
import { finalise } from "./validate";
import { undoFor } from "./undo";
import type {
  Decision,
  PlanContext,
  PlanInput,
  Proposal,
  RepairDecision,
  RepairOptions,
  RuleOutcome,
} from "./types";

function validateOptions(o: RepairOptions): void {
  if (o.actions !== undefined) {
    if (!Array.isArray(o.actions) || o.actions.length === 0)
      throw new PlanError("invalid-option", "actions= must name at least one action");
    for (const a of o.actions) {
      if (!(REPAIR_ACTIONS as readonly string[]).includes(a)) {
        throw new PlanError(
          "invalid-option",
          `actions=${a}: unknown action; known actions: ${REPAIR_ACTIONS.join(", ")}`,
        );
      }
    }
  }
  if (o.removeDriverPackage !== undefined && typeof o.removeDriverPackage !== "boolean") {
    throw new PlanError(
      "invalid-option",
      `removeDriverPackage=${JSON.stringify(o.removeDriverPackage)} must be true or false`,
    );
  }
  if (o.diskController !== undefined && o.diskController !== "scsi" && o.diskController !== "nvme")
    throw new PlanError(
      "invalid-option",
      `diskController=${JSON.stringify(o.diskController)} must be "scsi" or "nvme"`,
    );
  if (
    o.safeBootMode !== undefined &&
    o.safeBootMode !== "minimal" &&
    o.safeBootMode !== "network"
  ) {
    throw new PlanError(
      "invalid-option",
      `safeBootMode=${JSON.stringify(o.safeBootMode)} must be "minimal" or "network"`,
    );
  }
}

/** The one line that refuses SetSafeBoot on AWS (until its boot check verifies and reverts safe mode). */
export const AWS_SAFE_BOOT_REFUSAL =
  "SetSafeBoot is refused on AWS: the AWS boot check cannot verify a safe-mode boot nor revert it";

/** Plans the offline repair. Pure: the same input always gives the same decision. Throws {@link PlanError}. */
export function planRepair(input: PlanInput): RepairDecision {
  const { collect, triage, findings, options } = input;
  validateOptions(options);
  const aws = input.cloud === "aws";
  if (aws && options.actions?.includes("SetSafeBoot"))
    throw new PlanError("unsupported-on-cloud", AWS_SAFE_BOOT_REFUSAL);
  const selection = selectDump(triage, collect);
  const culprit = resolveCulprit(collect, selection, options);
  const ctx: PlanContext = {
    collect,
    options,
    selection,
    culprit,
    protectedServices: protectedServices(collect),
    cleanBootServices: cleanBootServices(collect),
    notes: [],
  };

  const outcomes: RuleOutcome[] = [{ proposals: [], notes: selection.notes }];
  /** The proposals the operator asked for: refused when they break an invariant. */
  const chosenByOperator = new Set<Proposal>();
  const playbooks = matchPlaybooks(collect, selection.valid, findings, options);
  if (options.actions) {
    const requested = [
      ...new Set([
        ...options.actions,
        ...(options.removeDriverPackage ? (["RemoveDriverPackage"] as const) : []),
      ]),
    ];
    const asked = requested.flatMap((a) => buildRequested(a, ctx));
    for (const p of asked) chosenByOperator.add(p);
    outcomes.push({
      proposals: asked,
      notes: [
        {
          action: "none",
          reason: `The operator chose the actions (${requested.join(", ")}); the automatic choice and the driver-check remedies are not applied`,
          evidence: [],
        },
      ],
    });
  } else {
    // A known incident's prescribed fix replaces the culprit rule (it may leave the culprit enabled).
    const fix = playbooks.flatMap((m) => m.proposals);
    const culprit = fix.length > 0 ? { proposals: [], notes: [] } : ruleCulprit(ctx);
    // A driver the operator named is their choice; what the other rules propose stays automatic.
    if (options.driver !== undefined) for (const p of culprit.proposals) chosenByOperator.add(p);
    outcomes.push(
      ...playbooks.map((m) => ({ proposals: m.proposals, notes: playbookNotes(m) })),
      ruleDirtyVolume(ctx),
      rulePendingUpdate(ctx),
      culprit,
      ruleReporterOnly(ctx),
      ruleNoDumpEvents(ctx),
      ruleFindings(findings),
    );
    if (
      options.removeDriverPackage &&
      !outcomes.some((o) => o.proposals.some((p) => p.action.action === "RemoveDriverPackage"))
    ) {
      const remove = buildRequestedRemove(ctx, "requested by the operator (removeDriverPackage)");
      for (const p of remove) chosenByOperator.add(p);
      outcomes.push({ proposals: remove, notes: [] });
    }
  }

  // The operator's choices are refused when they break an invariant; automatic ones are left out.
  const guarded = applyInvariants(
    outcomes.flatMap((o) => o.proposals),
    { collect, triage: selection.valid },
    (p) => chosenByOperator.has(p),
  );
  const repairs = guarded.kept.filter((p) => !ADDITIVE.includes(p.action.action));
  const leftForPerson = playbooks.flatMap((m) => m.manual.map((s) => `playbook ${m.id}: ${s}`));
  if (aws) awsWithoutSafeMode(guarded, leftForPerson);
  else if (guarded.dropped > 0 && repairs.length === 0 && collect.target.bcdStore)
    guarded.kept.push(
      ...buildSetSafeBoot(
        ctx,
        "The actions the evidence pointed at were left out (see the invariants above): boot into safe mode, the reversible way to a bootable machine",
      ),
    );
  const additive = additiveSettings(ctx, guarded.kept);
  outcomes.push({ proposals: [], notes: [...guarded.notes, ...ctx.notes, ...additive.notes] });
  const chosen = finalise([...guarded.kept, ...additive.proposals]);
  const actions = chosen.map((p) => p.action);
  const decisions: Decision[] = [
    ...chosen.map((p) => ({
      action: p.action.action,
      reason: p.action.reason,
      evidence: p.evidence,
    })),
    ...outcomes.flatMap((o) => o.notes),
  ];
  const c = culprit;
  return {
    plan: {
      schemaVersion: CONTRACT_VERSION,
      kind: "repairPlan",
      dryRun: options.dryRun === true,
      actions,
    },
    decisions,
    culprit: c
      ? {
          module: c.module,
          service: c.services[0]?.name ?? null,
          thirdParty: c.thirdParty,
          bootCritical: c.bootCritical,
        }
      : null,
    cleanBootServices: ctx.cleanBootServices,
    protectedServices: ctx.protectedServices,
    playbooks: playbooks.map(({ id, title, source, evidence, manual, keep, registry }) => ({
      id,
      title,
      source,
      evidence,
      manual,
      keep,
      registry: registry ?? [],
    })),
    undo: [...actions].reverse().map((a) => ({ action: a.action, how: undoFor(a, collect) })),
    leftForPerson,
  };
}

/**
 * AWS: safe mode is left for a person (the swap gate stays closed) instead of planned, because
 * the AWS boot check cannot verify a safe-mode boot nor revert it.
 */
function awsWithoutSafeMode(
  guarded: { kept: Proposal[]; notes: Decision[]; dropped: number },
  leftForPerson: string[],
): void {
  const safe = guarded.kept.filter((p) => p.action.action === "SetSafeBoot");
  guarded.kept = guarded.kept.filter((p) => p.action.action !== "SetSafeBoot");
  const repairs = guarded.kept.filter((p) => !ADDITIVE.includes(p.action.action));
  if (safe.length === 0 && (guarded.dropped === 0 || repairs.length > 0)) return;
  const why =
    "safe mode is not planned on AWS (its boot check cannot verify a safe-mode boot nor revert it): a person decides the repair; the repaired disk is not swapped in";
  guarded.notes.push({
    action: "none",
    reason: `Left for a person: ${why}`,
    evidence: safe.flatMap((p) => [p.action.reason, ...p.evidence]),
  });
  leftForPerson.push(why);
}
