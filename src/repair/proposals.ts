/**
 * The action builders: each turns the plan context into the proposals for one action, with the
 * reason and the evidence, or refuses with a {@link PlanError} when its preconditions are not met.
 * Shared by the automatic rules and by the operator's `actions=`.
 */
import type { RepairAction } from "../collect/contract";
import type { RepairActionName } from "../vocabulary/repairActions";
import { PlanError } from "../vocabulary/errors";
import { SERVICE_NAME_PATTERN } from "../vocabulary/repairActions";
import { imageBaseName, imagePathOnVolume, normaliseModule } from "../drivers/bootCritical";
import {
  describeInstall,
  firstCrashTime,
  iso,
  packagesForModule,
  RECENT_INSTALL_WINDOW_HOURS,
  recentThirdPartyPackage,
  time,
} from "./evidence";
import { protectedBinaries } from "./culprit";
import { isSafeWindowsPath } from "./validate";
import {
  corroboratePackage,
  corroborated,
  describeCorroboration,
  packageModules,
} from "./invariants/corroboration";
import { refuse, violationsOf } from "./invariants";
import type { PlanContext, Proposal } from "./types";

/** One action as the plan carries it. */
export function act<K extends RepairActionName>(
  action: K,
  args: Extract<RepairAction, { action: K }>["args"],
  reason: string,
): RepairAction {
  return { action, args, reason } as RepairAction;
}

/** A proposed action and the facts it rests on. */
export function proposal(action: RepairAction, evidence: string[]): Proposal {
  return { action, evidence };
}

/** Refuses an action whose preconditions are not met. */
export function fail(action: RepairActionName, why: string): never {
  throw new PlanError("precondition-failed", `${action}: ${why}`);
}

/**
 * Service names repair.ps1 can take; the others (real hives hold ".NET CLR Data" and names with
 * spaces) are left out with a note instead of failing the whole plan.
 */
export function takeableServices(
  ctx: PlanContext,
  action: string,
  names: readonly string[],
): string[] {
  const ok = names.filter((n) => SERVICE_NAME_PATTERN.test(n));
  for (const n of names.filter((x) => !SERVICE_NAME_PATTERN.test(x)))
    ctx.notes.push({
      action: "none",
      reason: `${action} skips the service ${JSON.stringify(n)}: repair.ps1 takes service names of letters, digits, "_", "." and "-" only (at most 64)`,
      evidence: [],
    });
  return ok;
}

/**
 * DisableDriver for each service of the culprit. A boot-critical one is proposed all the same:
 * the invariants (src/repair/invariants/) refuse it whoever asked.
 */
export function buildDisable(ctx: PlanContext, reason: string): Proposal[] {
  const c = ctx.culprit;
  if (!c) fail("DisableDriver", "no culprit driver: the dumps name none; pass driver=<service>");
  if (c.services.length === 0) fail("DisableDriver", `no service on the disk runs ${c.module}`);
  const names = takeableServices(
    ctx,
    "DisableDriver",
    c.services.map((s) => s.name),
  );
  return c.services
    .filter((s) => names.includes(s.name))
    .map((s) =>
      proposal(
        act(
          "DisableDriver",
          { service: s.name },
          `${reason}: set Services\\${s.name}\\Start=4 (was ${s.start ?? "absent"})`,
        ),
        c.evidence,
      ),
    );
}

/** QuarantineDriverFile for each existing binary of the culprit under the Windows folder. */
export function buildQuarantine(ctx: PlanContext, reason: string): Proposal[] {
  const c = ctx.culprit;
  if (!c)
    fail("QuarantineDriverFile", "no culprit driver: the dumps name none; pass driver=<service>");
  const out: Proposal[] = [];
  const why: string[] = [];
  for (const s of c.services) {
    // The path is decided here from ImagePath; collect's file facts count only when they are for that file.
    const path = imagePathOnVolume(s.imagePath, s.name);
    const facts =
      s.file && path !== null && s.file.path.toLowerCase() === path.toLowerCase() ? s.file : null;
    const from = facts ? "" : " (collect had no file facts for this path)";
    // a boot file spelled so that it is not a plain path is refused as the boot file it may be
    const raw = path ?? s.imagePath ?? "";
    const boot = violationsOf(act("QuarantineDriverFile", { path: raw }, reason), {
      collect: ctx.collect,
      triage: ctx.selection.valid,
    }).find((v) => v.invariant === "boot-file");
    if (boot) refuse(boot);
    if (facts && !facts.exists) why.push(`${facts.path} does not exist`);
    else if (!path || !isSafeWindowsPath(path))
      why.push(`${path ?? s.imagePath} is not under the Windows folder`);
    else
      out.push(
        proposal(
          act(
            "QuarantineDriverFile",
            { path },
            `${reason}: move ${path} out of the boot path, keeping it to put back${from}`,
          ),
          c.evidence,
        ),
      );
  }
  if (out.length === 0)
    fail("QuarantineDriverFile", why.join("; ") || `no service on the disk runs ${c.module}`);
  return out;
}

/** RemoveDriverPackage for the culprit's own third-party package, the last installed before its first crash. */
export function buildRemoveOwnPackage(ctx: PlanContext, reason: string): Proposal[] {
  const c = ctx.culprit;
  if (!c) return [];
  const before = firstCrashTime(ctx.selection, ctx.collect.events, c.module);
  const guard = protectedBinaries(ctx.collect, ctx.protectedServices);
  if (c.bootCritical || guard.has(normaliseModule(c.module))) return [];
  // the package in effect: the most recent one that carried the module before the first crash
  return packagesForModule(ctx.collect.driverInstalls, c.module, before)
    .slice(-1)
    .map((i) =>
      proposal(
        act(
          "RemoveDriverPackage",
          { publishedInf: i.publishedInf! },
          `${reason}: remove ${i.publishedInf}${i.originalInf ? ` (${i.originalInf})` : ""}, the package that installed ${c.module}${before !== null ? `, before the first crash at ${iso(before)}` : ""}`,
        ),
        [describeInstall(i)],
      ),
    );
}

/** RemoveDriverPackage for the third-party package installed just before the first crash. */
export function buildRemoveRecentPackage(
  ctx: PlanContext,
  reason: string,
  requested = false,
): Proposal[] {
  const first = firstCrashTime(ctx.selection, ctx.collect.events, ctx.culprit?.module ?? null);
  if (first === null) return [];
  const pkg = recentThirdPartyPackage(
    ctx.collect.driverInstalls,
    first,
    protectedBinaries(ctx.collect, ctx.protectedServices),
  );
  if (!pkg) return [];
  const hours = Math.round((first - time(pkg.timeUtc)!) / 3600_000);
  const c = corroboratePackage(pkg, ctx.collect, ctx.selection.valid);
  // the operator's request stays a removal, so the invariants refuse it naming why
  if (!requested && !corroborated(c)) {
    // timestamps alone never choose an irreversible removal: disable its driver (reversible)
    const modules = packageModules(pkg);
    const services = ctx.collect.services.filter((s) => modules.includes(imageBaseName(s)));
    const why = `${reason}: ${pkg.publishedInf} is the last third-party driver package installed before the first crash (${hours} h before ${iso(first)}), but it is not removed: ${describeCorroboration(pkg, c)}`;
    ctx.notes.push({ action: "none", reason: why, evidence: [describeInstall(pkg)] });
    if (services.length === 0)
      return ctx.collect.target.bcdStore
        ? buildSetSafeBoot(ctx, `${why}; no service runs its driver, so safe mode instead`)
        : [];
    return takeableServices(
      ctx,
      "DisableDriver",
      services.map((s) => s.name),
    ).map((name) =>
      proposal(
        act(
          "DisableDriver",
          { service: name },
          `${why}; its driver's service ${name} is disabled instead (reversible)`,
        ),
        [describeInstall(pkg)],
      ),
    );
  }
  return [
    proposal(
      act(
        "RemoveDriverPackage",
        { publishedInf: pkg.publishedInf! },
        `${reason}: ${pkg.publishedInf}${pkg.originalInf ? ` (${pkg.originalInf})` : ""} is the last third-party driver package installed before the first crash (${hours} h before ${iso(first)})`,
      ),
      [describeInstall(pkg)],
    ),
  ];
}

/** The operator asked for the package removal: the culprit's own package, else the recent one; refused when there is none. */
export function buildRequestedRemove(ctx: PlanContext, reason: string): Proposal[] {
  const own = buildRemoveOwnPackage(ctx, reason);
  const found = own.length > 0 ? own : buildRemoveRecentPackage(ctx, reason, true);
  if (found.length === 0)
    fail(
      "RemoveDriverPackage",
      `setupapi.dev.log shows no third-party package (oemNN.inf) for the culprit or installed within ${RECENT_INSTALL_WINDOW_HOURS / 24} days before the first crash`,
    );
  return found;
}

function safeBootMode(ctx: PlanContext): "minimal" | "network" {
  return ctx.options.safeBootMode ?? "minimal";
}

export function buildSetSafeBoot(ctx: PlanContext, reason: string): Proposal[] {
  if (!ctx.collect.target.bcdStore) fail("SetSafeBoot", "no BCD store was found on the disk");
  const mode = safeBootMode(ctx);
  return [
    proposal(
      act(
        "SetSafeBoot",
        { mode },
        `${reason}: boot into safe mode (${mode}) so a person can investigate; ClearSafeBoot undoes it`,
      ),
      [`BCD store ${ctx.collect.target.bcdStore}`],
    ),
  ];
}

export function buildCleanBoot(ctx: PlanContext, reason: string): Proposal[] {
  const services = takeableServices(ctx, "CleanBoot", ctx.cleanBootServices);
  if (services.length === 0)
    fail("CleanBoot", "no non-Microsoft service starts automatically on this disk");
  return [
    proposal(
      act(
        "CleanBoot",
        { services: [...services] },
        `${reason}: disable the ${services.length} non-Microsoft services that start on their own (${services.join(", ")})`,
      ),
      [],
    ),
  ];
}
