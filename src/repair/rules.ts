/**
 * The rules of the automatic choice: each looks at the plan context and proposes the actions its
 * facts call for, or notes why it proposes none. `planRepair` runs them in turn.
 */
import type { RepairAction } from "../collect/contract";
import type { DriverFinding } from "../drivers/types";
import { PlanError } from "../vocabulary/errors";
import { crashEvidence, recentCrashEvents, RECENT_INSTALL_WINDOW_HOURS } from "./evidence";
import {
  act,
  buildCleanBoot,
  buildDisable,
  buildQuarantine,
  buildRemoveOwnPackage,
  buildRemoveRecentPackage,
  buildSetSafeBoot,
  proposal,
} from "./proposals";
import { corroborateServicing } from "./invariants";
import type { PlanContext, RuleOutcome } from "./types";

function empty(): RuleOutcome {
  return { proposals: [], notes: [] };
}

/**
 * The dump (or the operator) names a driver. A third-party, non-boot-critical driver is disabled and
 * its file quarantined — both undone from the repair result's undo records; its package stays in the
 * driver store (named in the reasons) unless the operator asks for `removeDriverPackage`, or the
 * driver cannot be disabled (no service runs it). A boot-critical or Microsoft driver is left alone:
 * the third-party package installed just before the first crash is removed instead, or, when there
 * is none, the VM boots into safe mode for a person to investigate.
 */
export function ruleCulprit(ctx: PlanContext): RuleOutcome {
  const c = ctx.culprit;
  if (!c) return empty();
  const out = empty();
  const owner = c.services.map((s) => s.name).join(", ") || "no service";
  const source = c.forced
    ? `the operator named ${owner} (driver=${ctx.options.driver})`
    : `${c.module} caused the crash`;
  const evidence = [...crashEvidence(ctx), ...c.evidence];
  if (c.forced && (c.bootCritical || !c.thirdParty)) {
    // The operator's explicit choice: honoured for Microsoft drivers, for boot-critical ones only with permission.
    out.proposals.push(...buildDisable(ctx, source));
    if (c.thirdParty) out.proposals.push(...buildQuarantine(ctx, source));
    return out;
  }
  if (c.thirdParty && !c.bootCritical) {
    const reason = `${source}; ${c.module} is a third-party driver (${owner}) not needed to boot`;
    const own = buildRemoveOwnPackage(ctx, reason);
    const pkg =
      own.length > 0 ? (own[0].action.args as { publishedInf: string }).publishedInf : null;
    const remove =
      own.length > 0 && (ctx.options.removeDriverPackage === true || c.services.length === 0);
    if (c.services.length > 0) {
      const kept =
        pkg !== null && !remove
          ? `; its package ${pkg} stays installed (not reversible offline; removeDriverPackage removes it)`
          : "";
      out.proposals.push(...buildDisable(ctx, `${reason}${kept}`).map((p) => ({ ...p, evidence })));
      try {
        out.proposals.push(...buildQuarantine(ctx, reason).map((p) => ({ ...p, evidence })));
      } catch (e) {
        if (!(e instanceof PlanError)) throw e;
        out.notes.push({
          action: "none",
          reason: `The driver file is not quarantined: ${e.message}`,
          evidence: [],
        });
      }
    } else {
      out.notes.push({
        action: "none",
        reason: `${c.module} is third-party but no service on the disk runs it: it cannot be disabled`,
        evidence,
      });
    }
    if (remove) out.proposals.push(...own);
    else if (pkg !== null) {
      out.notes.push({
        action: "none",
        reason: `${pkg} (the package that installed ${c.module}) is not removed: disabling the driver and quarantining its file are enough to boot and can be undone, removing the package cannot (offline DISM); pass removeDriverPackage (or actions=RemoveDriverPackage) to remove it`,
        evidence: own[0].evidence,
      });
    } else if (!ctx.options.removeDriverPackage) {
      out.notes.push({
        action: "none",
        reason: `No third-party package (oemNN.inf) for ${c.module} is in setupapi.dev.log: its package is not removed`,
        evidence: [],
      });
    }
    if (c.services.length === 0 && own.length === 0)
      out.proposals.push(...buildSetSafeBoot(ctx, reason));
    return out;
  }
  const what = c.bootCritical
    ? "boot-critical"
    : c.thirdParty
      ? "third-party"
      : "Microsoft's (or of unknown origin)";
  const reason = `${source}, but ${c.module} is ${what} and is not disabled`;
  out.notes.push({ action: "none", reason, evidence });
  const recent = buildRemoveRecentPackage(ctx, `${reason}; suspected instead`);
  if (recent.length > 0) out.proposals.push(...recent);
  else
    out.proposals.push(
      ...buildSetSafeBoot(
        ctx,
        `${reason}; no third-party driver package was installed in the ${RECENT_INSTALL_WINDOW_HOURS / 24} days before the first crash`,
      ),
    );
  return out;
}

/** The dump names only the kernel or the HAL (or nothing): repair the system files. */
export function ruleReporterOnly(ctx: PlanContext): RuleOutcome {
  const t = ctx.selection.primary;
  if (!t || ctx.culprit) return empty();
  const who = t.causedBy
    ? `only ${t.causedBy.module}, which reports crashes rather than causing them`
    : "no module";
  const reason = `${t.file} names ${who}: repair the Windows image and its system files`;
  const evidence = crashEvidence(ctx);
  return {
    proposals: [
      proposal(act("DismRestoreHealth", {}, `${reason} (component store first)`), evidence),
      proposal(act("SfcOffline", {}, `${reason} (then the protected system files)`), evidence),
    ],
    notes: [],
  };
}

/** No usable dump, but System.evtx shows crashes or failing drivers: clean boot, then safe mode. */
export function ruleNoDumpEvents(ctx: PlanContext): RuleOutcome {
  if (ctx.selection.primary || ctx.culprit) return empty();
  const events = recentCrashEvents(ctx.collect.events);
  if (events.length === 0) {
    return {
      proposals: [],
      notes: [
        {
          action: "none",
          reason:
            "No dump and no crash events (41, 1001, 6008, 7000, 7026): nothing points at a cause",
          evidence: [],
        },
      ],
    };
  }
  const counts = new Map<number, number>();
  for (const e of events) counts.set(e.id, (counts.get(e.id) ?? 0) + 1);
  const summary = [...counts]
    .sort((a, b) => a[0] - b[0])
    .map(([id, n]) => `${n}× ${id}`)
    .join(", ");
  const named = events
    .filter((e) => e.id === 7000 || e.id === 7026)
    .map(
      (e) =>
        `event ${e.id} at ${e.timeCreatedUtc}: ${e.data.param1 ?? Object.values(e.data).join(" ")}`,
    );
  const reason = `No usable dump, but System.evtx shows ${summary}`;
  const evidence = [
    ...named,
    ...events
      .filter((e) => e.id !== 7000 && e.id !== 7026)
      .map((e) => `event ${e.id} (${e.provider}) at ${e.timeCreatedUtc}`),
  ];
  const out = empty();
  if (ctx.cleanBootServices.length > 0)
    out.proposals.push(...buildCleanBoot(ctx, reason).map((p) => ({ ...p, evidence })));
  else
    out.notes.push({
      action: "none",
      reason: "No non-Microsoft service starts on its own: a clean boot would change nothing",
      evidence: [],
    });
  out.proposals.push(...buildSetSafeBoot(ctx, reason));
  return out;
}

/**
 * Servicing left half-done (pending.xml, PendingFileRenameOperations) is rolled back when the crash
 * points at it; pending servicing alone is proposed all the same and the invariants leave it out
 * with the reason (src/repair/invariants/servicing.ts).
 */
export function rulePendingUpdate(ctx: PlanContext): RuleOutcome {
  const c = corroborateServicing(ctx.collect, ctx.selection.valid);
  if (c.pending.length === 0 && ctx.collect.pendingUpdates.pendingFileRenames)
    return {
      proposals: [],
      notes: [
        {
          action: "none",
          reason:
            "Not planned: RevertPendingActions: PendingFileRenameOperations is set but WinSxS\\pending.xml is not; DISM reverts the component store's pending actions, not the renames other installers leave",
          evidence: ["Session Manager PendingFileRenameOperations is set"],
        },
      ],
    };
  if (c.pending.length === 0) return empty();
  const why =
    c.crash.length > 0
      ? "An update was left pending and the crash points at servicing: revert it"
      : "An update was left pending";
  return {
    proposals: [proposal(act("RevertPendingActions", {}, why), [...c.pending, ...c.crash])],
    notes: [],
  };
}

/** A volume marked dirty is checked and repaired first. */
export function ruleDirtyVolume(ctx: PlanContext): RuleOutcome {
  if (ctx.collect.volume.dirty !== true) return empty();
  if ((ctx.collect.volume.fileSystem ?? "").toUpperCase() === "REFS") {
    return {
      proposals: [],
      notes: [
        {
          action: "none",
          reason: "The volume is marked dirty but is ReFS, which chkdsk does not repair",
          evidence: [],
        },
      ],
    };
  }
  return {
    proposals: [
      proposal(
        act(
          "Chkdsk",
          {},
          "The Windows volume is marked dirty: check and repair the file system before anything writes to it",
        ),
        ["fsutil dirty query: dirty"],
      ),
    ],
    notes: [],
  };
}

/** Driver-check findings that carry an offline remedy. */
export function ruleFindings(findings: readonly DriverFinding[]): RuleOutcome {
  return {
    proposals: findings
      .filter(
        (f): f is DriverFinding & { remedyAction: RepairAction } => f.remedyAction !== undefined,
      )
      .map((f) =>
        proposal(
          {
            ...f.remedyAction,
            reason: `${f.component}: ${f.remedyAction.reason || f.reason}`,
          } as RepairAction,
          [f.reason, `source: ${f.source}`],
        ),
      ),
    notes: [],
  };
}
