/**
 * The repair planner: turns the facts collected from the offline disk, the triage of its minidumps
 * and the guest-driver findings into the {@link RepairPlan} that `repair.ps1` executes. Every
 * decision is made here, by small pure rules that each give a human reason and the evidence they
 * used; the script only executes the plan.
 */
import type {
  CollectOutput,
  DriverInstallFacts,
  EventFacts,
  RepairAction,
  RepairPlan,
  ServiceFacts,
} from "../collect/contract";
import { CONTRACT_VERSION } from "../collect/contract";
import {
  ACTION_ORDER,
  REPAIR_ACTIONS,
  SERVICE_NAME_PATTERN,
  type RepairActionName,
} from "../vocabulary/repairActions";
import type { TriageResult } from "../triage/types";
import type { DriverFinding } from "../drivers/types";
import { PlanError } from "../vocabulary/errors";
import {
  classifyService,
  cleanBootServices,
  findService,
  imageBaseName,
  imagePathOnVolume,
  isReporterModule,
  normaliseModule,
  protectedServices,
  servicesForModule,
} from "../drivers/bootCritical";

// ---------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------

export interface RepairOptions {
  /** Force the culprit: a service name (or the file name of its binary) from the inventory. */
  driver?: string;
  /** Replace the automatic choice of actions; each is still checked against its preconditions. */
  actions?: RepairActionName[];
  dryRun?: boolean;
  /** Allow disabling a boot-critical driver named by `driver` or `actions`. */
  allowBootCriticalDisable?: boolean;
  safeBootMode?: "minimal" | "network";
  enableCrashDump?: boolean;
  enableEms?: boolean;
  /**
   * Also remove the culprit's third-party driver package (offline `dism /Remove-Driver`). Off by
   * default: removal cannot be undone offline, while DisableDriver and QuarantineDriverFile can; the
   * plan names the package in its reasons instead. (Without a way to disable the driver — a
   * boot-critical or Microsoft culprit — the recent package is removed anyway.)
   */
  removeDriverPackage?: boolean;
}

export interface Decision {
  action: RepairActionName | "none";
  reason: string;
  evidence: string[];
}

export interface Culprit {
  module: string;
  service: string | null;
  thirdParty: boolean;
  bootCritical: boolean;
}

export interface UndoStep {
  action: RepairActionName;
  how: string;
}

export interface RepairDecision {
  plan: RepairPlan;
  decisions: Decision[];
  culprit: Culprit | null;
  /** The services a clean boot disables (computed whether or not CleanBoot is planned). */
  cleanBootServices: string[];
  /** Boot-critical services present on the disk: `repair.ps1` refuses to disable them unless forced. */
  protectedServices: string[];
  /** How to put each planned action back, last action first. */
  undo: UndoStep[];
}

export interface PlanInput {
  collect: CollectOutput;
  triage: TriageResult[];
  findings: DriverFinding[];
  options: RepairOptions;
}

/** A proposed action and the facts it rests on. */
export interface Proposal {
  action: RepairAction;
  evidence: string[];
}

export interface RuleOutcome {
  proposals: Proposal[];
  notes: Decision[];
}

// ---------------------------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------------------------

/** Actions that may appear several times with different arguments. */
const MULTI_INSTANCE: readonly RepairActionName[] = [
  "DisableDriver",
  "QuarantineDriverFile",
  "RemoveDriverPackage",
];

export const PUBLISHED_INF_PATTERN = /^oem[0-9]{1,5}\.inf$/i;
/** "Just before the first crash": a third-party package installed this long before it is a suspect. */
export const RECENT_INSTALL_WINDOW_HOURS = 7 * 24;
/** Events that show a boot loop when there is no dump (System.evtx). */
export const CRASH_EVENT_IDS: readonly number[] = [41, 1001, 6008, 7000, 7026];

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

function time(iso: string | null | undefined): number | null {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : t;
}

function iso(t: number): string {
  return new Date(t).toISOString().replace(".000Z", "Z");
}

function stem(fileName: string): string {
  const base = fileName.toLowerCase();
  const dot = base.lastIndexOf(".");
  return dot > 0 ? base.slice(0, dot) : base;
}

function act<K extends RepairActionName>(
  action: K,
  args: Extract<RepairAction, { action: K }>["args"],
  reason: string,
): RepairAction {
  return { action, args, reason } as RepairAction;
}

function proposal(action: RepairAction, evidence: string[]): Proposal {
  return { action, evidence };
}

function empty(): RuleOutcome {
  return { proposals: [], notes: [] };
}

// ---------------------------------------------------------------------------------------------
// Dumps
// ---------------------------------------------------------------------------------------------

export interface DumpSelection {
  /** The most recent readable dump, or null when there is none. */
  primary: TriageResult | null;
  /** Readable dumps, most recent first. */
  valid: TriageResult[];
  notes: Decision[];
}

/** Culprit module a dump names, or null when it names none or only a reporter (kernel, HAL). */
export function namedModule(t: TriageResult): string | null {
  if (!t.causedBy) return null;
  const m = normaliseModule(t.causedBy.module);
  return isReporterModule(m) ? null : m;
}

/**
 * Picks the dump the plan is based on: the most recent readable one (by crash time, else by the
 * minidump's last write time, else the order collect listed them in, newest first), and says
 * whether the other dumps agree with it.
 */
export function selectDump(
  triage: readonly TriageResult[],
  collect: Pick<CollectOutput, "dumps">,
): DumpSelection {
  const notes: Decision[] = [];
  const unreadable = triage.filter((t) => t.error !== null);
  for (const t of unreadable)
    notes.push({
      action: "none",
      reason: `${t.file} was not used: ${t.error}`,
      evidence: [t.file],
    });
  const written = new Map(
    collect.dumps.minidumps.map((m) => [m.name.toLowerCase(), time(m.lastWriteUtc)]),
  );
  const keyed = triage
    .map((t, index) => ({
      t,
      index,
      when: time(t.crashTime) ?? written.get(t.file.toLowerCase()) ?? null,
    }))
    .filter((k) => k.t.error === null);
  keyed.sort((a, b) => (b.when ?? -Infinity) - (a.when ?? -Infinity) || a.index - b.index);
  const valid = keyed.map((k) => k.t);
  const primary = valid[0] ?? null;
  if (primary && valid.length > 1) {
    const describe = (t: TriageResult) =>
      `${t.file} (${t.crashTime ?? "time unknown"}): ${namedModule(t) ?? "no culprit module"}`;
    const main = namedModule(primary);
    const agree = valid.every((t) => namedModule(t) === main);
    notes.push({
      action: "none",
      reason: agree
        ? `All ${valid.length} dumps agree: ${main ?? "none of them names a culprit module"}`
        : `The dumps disagree; the most recent, ${primary.file}, decides (${main ?? "no culprit module"})`,
      evidence: valid.map(describe),
    });
  }
  return { primary, valid, notes };
}

/** Bug-check events (1001 from WER-SystemErrorReporting / BugCheck). */
function isBugcheckEvent(e: EventFacts): boolean {
  return e.id === 1001 && /systemerrorreporting|bugcheck/i.test(e.provider);
}

/**
 * When the crashes blamed on `module` began: the earliest crash time of the dumps naming it; with
 * no such dump, the earliest dump or bug-check event; null when nothing has a time.
 */
export function firstCrashTime(
  selection: DumpSelection,
  events: readonly EventFacts[],
  module: string | null,
): number | null {
  const wanted = module === null ? null : normaliseModule(module);
  const naming = selection.valid.filter((t) => wanted !== null && namedModule(t) === wanted);
  const pool = naming.length > 0 ? naming : selection.valid;
  const times = pool.map((t) => time(t.crashTime)).filter((t): t is number => t !== null);
  if (times.length === 0)
    times.push(
      ...events
        .filter(isBugcheckEvent)
        .map((e) => time(e.timeCreatedUtc))
        .filter((t): t is number => t !== null),
    );
  return times.length > 0 ? Math.min(...times) : null;
}

// ---------------------------------------------------------------------------------------------
// Driver packages (setupapi.dev.log)
// ---------------------------------------------------------------------------------------------

function isThirdPartyInstall(
  i: DriverInstallFacts,
): i is DriverInstallFacts & { publishedInf: string } {
  return (
    i.publishedInf !== null &&
    PUBLISHED_INF_PATTERN.test(i.publishedInf) &&
    (i.exitStatus ?? "SUCCESS").toUpperCase() !== "FAILURE"
  );
}

function installCarries(i: DriverInstallFacts, module: string): boolean {
  const m = normaliseModule(module);
  return (
    i.files.some((f) => f.toLowerCase() === m) ||
    (i.originalInf !== null && stem(i.originalInf) === stem(m))
  );
}

/**
 * Third-party packages (oemNN.inf) that carry `module` (by copied file or by original INF name) and
 * were installed before `before` (or at an unreadable time), oldest first, one per published INF.
 */
export function packagesForModule(
  installs: readonly DriverInstallFacts[],
  module: string,
  before: number | null,
): DriverInstallFacts[] {
  const hits = installs
    .filter(isThirdPartyInstall)
    .filter((i) => installCarries(i, module))
    .filter((i) => {
      const t = time(i.timeUtc);
      return before === null || t === null || t <= before;
    });
  const seen = new Set<string>();
  return hits
    .sort((a, b) => (time(a.timeUtc) ?? 0) - (time(b.timeUtc) ?? 0))
    .filter((i) => {
      const key = i.publishedInf!.toLowerCase();
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}

/**
 * The third-party package installed last within {@link RECENT_INSTALL_WINDOW_HOURS} before
 * `firstCrash`, skipping packages that carry a binary of a protected (boot-critical) service:
 * removing those could make the disk unbootable.
 */
export function recentThirdPartyPackage(
  installs: readonly DriverInstallFacts[],
  firstCrash: number,
  protectedBinaries: ReadonlySet<string>,
): DriverInstallFacts | null {
  const from = firstCrash - RECENT_INSTALL_WINDOW_HOURS * 3600_000;
  const candidates = installs
    .filter(isThirdPartyInstall)
    .filter((i) => {
      const t = time(i.timeUtc);
      return t !== null && t >= from && t <= firstCrash;
    })
    .filter((i) => !i.files.some((f) => protectedBinaries.has(f.toLowerCase())))
    .sort((a, b) => time(b.timeUtc)! - time(a.timeUtc)!);
  return candidates[0] ?? null;
}

function describeInstall(i: DriverInstallFacts): string {
  const files = i.files.length > 0 ? `, files ${i.files.join(", ")}` : "";
  return `setupapi: ${i.publishedInf}${i.originalInf ? ` (${i.originalInf})` : ""} installed ${i.timeUtc}${files}`;
}

// ---------------------------------------------------------------------------------------------
// Context and culprit
// ---------------------------------------------------------------------------------------------

export interface CulpritFacts {
  module: string;
  services: ServiceFacts[];
  thirdParty: boolean;
  bootCritical: boolean;
  /** Forced by the operator (`driver=`), not found by triage. */
  forced: boolean;
  evidence: string[];
}

export interface PlanContext {
  collect: CollectOutput;
  options: RepairOptions;
  selection: DumpSelection;
  culprit: CulpritFacts | null;
  protectedServices: string[];
  cleanBootServices: string[];
}

/** Facts about a module and the services that run it. */
export function describeCulprit(
  collect: CollectOutput,
  module: string,
  services: ServiceFacts[],
  forced: boolean,
): CulpritFacts {
  const evidence: string[] = [];
  let bootCritical = false;
  let vendors: string[] = [];
  for (const s of services) {
    const c = classifyService(s, collect.classFilters);
    evidence.push(
      `service ${s.name}: ImagePath ${s.imagePath ?? "(absent)"}, Start=${s.start ?? "?"}, Type=${s.type ?? "?"}, Group ${s.group ?? "(none)"}; vendor ${c.vendor} (${c.vendorEvidence})`,
    );
    evidence.push(...c.bootCriticalReasons);
    bootCritical ||= c.bootCritical;
    vendors.push(c.vendor);
  }
  const packaged = packagesForModule(collect.driverInstalls, module, null);
  if (services.length === 0) evidence.push(`no service in the inventory runs ${module}`);
  // A module whose vendor cannot be read counts as third-party only when a third-party package carried it.
  vendors = vendors.map((v) => (v === "unknown" && packaged.length > 0 ? "third-party" : v));
  if (services.length === 0 && packaged.length > 0) vendors.push("third-party");
  if (packaged.length > 0) evidence.push(...packaged.map(describeInstall));
  const thirdParty = vendors.length > 0 && vendors.every((v) => v === "third-party");
  return { module, services, thirdParty, bootCritical, forced, evidence };
}

/**
 * The culprit: the operator's `driver` (validated: it must be a service, or the binary of a
 * service, in the inventory), else the module the most recent dump names; null when there is none.
 */
export function resolveCulprit(
  collect: CollectOutput,
  selection: DumpSelection,
  options: RepairOptions,
): CulpritFacts | null {
  if (options.driver !== undefined) {
    const name = options.driver.trim();
    if (!SERVICE_NAME_PATTERN.test(name)) {
      throw new PlanError(
        "invalid-option",
        `driver=${JSON.stringify(options.driver)} is not a valid service name (letters, digits, "_", ".", "-"; at most 64)`,
      );
    }
    const byName = findService(collect.services, name);
    const services = byName ? [byName] : servicesForModule(collect.services, name);
    if (services.length === 0) {
      throw new PlanError(
        "unknown-driver",
        `driver=${name}: no service of that name (or running a binary of that name) is on the disk`,
      );
    }
    const module = imageBaseName(services[0]);
    return describeCulprit(collect, module, services, true);
  }
  const module = selection.primary ? namedModule(selection.primary) : null;
  if (module === null) return null;
  return describeCulprit(collect, module, servicesForModule(collect.services, module), false);
}

function protectedBinaries(collect: CollectOutput, names: readonly string[]): Set<string> {
  return new Set(
    names
      .map((n) => findService(collect.services, n))
      .filter((s): s is ServiceFacts => !!s)
      .map(imageBaseName),
  );
}

function crashEvidence(ctx: PlanContext): string[] {
  const t = ctx.selection.primary;
  if (!t) return [];
  const bc = t.bugCheck
    ? `${t.bugCheck.code}${t.bugCheck.name ? ` ${t.bugCheck.name}` : ""}`
    : "bug check unknown";
  const by = t.causedBy
    ? `, caused by ${t.causedBy.module}+${t.causedBy.offset} (${t.causedBy.method})`
    : "";
  return [`${t.file}: ${bc} at ${t.crashTime ?? "unknown time"}${by}`];
}

// ---------------------------------------------------------------------------------------------
// Action builders (shared by the rules and by the operator's `actions=`)
// ---------------------------------------------------------------------------------------------

function fail(action: RepairActionName, why: string): never {
  throw new PlanError("precondition-failed", `${action}: ${why}`);
}

/** DisableDriver for each service of the culprit; refuses boot-critical ones unless allowed. */
export function buildDisable(ctx: PlanContext, reason: string): Proposal[] {
  const c = ctx.culprit;
  if (!c) fail("DisableDriver", "no culprit driver: the dumps name none; pass driver=<service>");
  if (c.services.length === 0) fail("DisableDriver", `no service on the disk runs ${c.module}`);
  if (c.bootCritical && !ctx.options.allowBootCriticalDisable) {
    throw new PlanError(
      "boot-critical-refused",
      `DisableDriver: ${c.services.map((s) => s.name).join(", ")} is boot-critical; disabling it would stop Windows from booting. Pass allowBootCriticalDisable to do it anyway`,
    );
  }
  return c.services.map((s) => {
    const force = c.bootCritical ? { force: true } : {};
    const why = c.bootCritical ? `${reason} (boot-critical, forced by the operator)` : reason;
    return proposal(
      act(
        "DisableDriver",
        { service: s.name, ...force },
        `${why}: set Services\\${s.name}\\Start=4 (was ${s.start ?? "absent"})`,
      ),
      c.evidence,
    );
  });
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
export function buildRemoveRecentPackage(ctx: PlanContext, reason: string): Proposal[] {
  const first = firstCrashTime(ctx.selection, ctx.collect.events, ctx.culprit?.module ?? null);
  if (first === null) return [];
  const pkg = recentThirdPartyPackage(
    ctx.collect.driverInstalls,
    first,
    protectedBinaries(ctx.collect, ctx.protectedServices),
  );
  if (!pkg) return [];
  const hours = Math.round((first - time(pkg.timeUtc)!) / 3600_000);
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
  const found = own.length > 0 ? own : buildRemoveRecentPackage(ctx, reason);
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
  const services = ctx.cleanBootServices;
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

function buildRequested(name: RepairActionName, ctx: PlanContext): Proposal[] {
  const why = `requested by the operator (actions=${name})`;
  const c = ctx.collect;
  switch (name) {
    case "DisableDriver":
      return buildDisable(ctx, why);
    case "QuarantineDriverFile":
      return buildQuarantine(ctx, why);
    case "RemoveDriverPackage":
      return buildRequestedRemove(ctx, why);
    case "SetSafeBoot":
      return buildSetSafeBoot(ctx, why);
    case "ClearSafeBoot":
      if (!c.target.bcdStore) fail(name, "no BCD store was found on the disk");
      if (!c.bcd?.safeboot) fail(name, "the default boot entry has no safeboot value to clear");
      return [
        proposal(
          act(name, {}, `${why}: delete safeboot=${c.bcd.safeboot} from the default boot entry`),
          [],
        ),
      ];
    case "CleanBoot":
      return buildCleanBoot(ctx, why);
    case "UndoCleanBoot":
      return [
        proposal(
          act(
            name,
            {},
            `${why}: re-enable the services a previous clean boot disabled, from its undo records`,
          ),
          [],
        ),
      ];
    case "SfcOffline":
    case "DismRestoreHealth":
      return [proposal(act(name, {}, why), [])];
    case "Chkdsk":
      if ((c.volume.fileSystem ?? "").toUpperCase() === "REFS")
        fail(name, "the Windows volume is ReFS, which chkdsk does not repair");
      return [
        proposal(
          act(name, {}, `${why}${c.volume.dirty ? " (the volume is marked dirty)" : ""}`),
          [],
        ),
      ];
    case "RevertPendingActions":
      if (!c.pendingUpdates.pendingXml && !c.pendingUpdates.pendingFileRenames)
        fail(name, "nothing is pending: no WinSxS\\pending.xml and no PendingFileRenameOperations");
      return [proposal(act(name, {}, why), [])];
    case "RestoreLastKnownGood": {
      const { current, lastKnownGood } = c.controlSets;
      if (lastKnownGood === null || lastKnownGood === current)
        fail(
          name,
          `there is no last-known-good control set different from the current one (ControlSet00${current})`,
        );
      return [
        proposal(
          act(
            name,
            {},
            `${why}: boot ControlSet00${lastKnownGood} instead of ControlSet00${current}`,
          ),
          [],
        ),
      ];
    }
    case "EnableEms":
      if (!c.target.bcdStore) fail(name, "no BCD store was found on the disk");
      return [
        proposal(act(name, {}, `${why}: serial console (EMS) on the default boot entry`), []),
      ];
    case "EnableCrashDump":
      return [proposal(act(name, { kind: "kernel" }, why), [])];
  }
}

// ---------------------------------------------------------------------------------------------
// Rules (automatic choice)
// ---------------------------------------------------------------------------------------------

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

/** Crash events of the week before the newest one. */
export function recentCrashEvents(events: readonly EventFacts[]): EventFacts[] {
  const relevant = events.filter(
    (e) => CRASH_EVENT_IDS.includes(e.id) && (e.id !== 1001 || isBugcheckEvent(e)),
  );
  const times = relevant.map((e) => time(e.timeCreatedUtc)).filter((t): t is number => t !== null);
  if (times.length === 0) return relevant;
  const newest = Math.max(...times);
  return relevant.filter((e) => {
    const t = time(e.timeCreatedUtc);
    return t === null || t >= newest - 7 * 24 * 3600_000;
  });
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

/** Servicing left half-done (pending.xml, PendingFileRenameOperations) is rolled back. */
export function rulePendingUpdate(ctx: PlanContext): RuleOutcome {
  const p = ctx.collect.pendingUpdates;
  if (!p.pendingXml && !p.pendingFileRenames) return empty();
  const evidence = [
    p.pendingXml ? "Windows\\WinSxS\\pending.xml exists" : null,
    p.pendingFileRenames ? "Session Manager PendingFileRenameOperations is set" : null,
  ].filter((e): e is string => e !== null);
  return {
    proposals: [
      proposal(
        act(
          "RevertPendingActions",
          {},
          "An update was left pending; a half-applied update is a common boot-loop cause: revert it",
        ),
        evidence,
      ),
    ],
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

/** Without a dump configured the next crash tells nothing: enable a kernel dump (or on request). */
export function ruleCrashDump(ctx: PlanContext): RuleOutcome {
  const cc = ctx.collect.dumps.crashControl;
  const off = cc === null || cc.crashDumpEnabled === null || cc.crashDumpEnabled === 0;
  if (!off && !ctx.options.enableCrashDump) return empty();
  const evidence = [
    cc === null
      ? "Control\\CrashControl is absent"
      : `CrashControl\\CrashDumpEnabled=${cc.crashDumpEnabled ?? "absent"}`,
  ];
  const reason = off
    ? "Crash dumps are disabled: the next crash would leave nothing to triage; enable a kernel memory dump"
    : "Requested by the operator (enableCrashDump)";
  return {
    proposals: [proposal(act("EnableCrashDump", { kind: "kernel" }, reason), evidence)],
    notes: [],
  };
}

/** Serial console (EMS) only on request. */
export function ruleEms(ctx: PlanContext): RuleOutcome {
  if (!ctx.options.enableEms) return empty();
  if (ctx.collect.bcd?.ems)
    return {
      proposals: [],
      notes: [
        { action: "none", reason: "EMS is already on for the default boot entry", evidence: [] },
      ],
    };
  if (!ctx.collect.target.bcdStore) fail("EnableEms", "no BCD store was found on the disk");
  return {
    proposals: [
      proposal(
        act(
          "EnableEms",
          {},
          "Requested by the operator (enableEms): serial console on the default boot entry",
        ),
        [`BCD store ${ctx.collect.target.bcdStore}`],
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

// ---------------------------------------------------------------------------------------------
// Validation, order, undo
// ---------------------------------------------------------------------------------------------

/** A path relative to the volume root, under the Windows folder, without `..`, drive or UNC prefix. */
export function isSafeWindowsPath(path: string): boolean {
  if (!/^windows\\/i.test(path) || path.length > 260) return false;
  const parts = path.split("\\");
  return parts.every(
    (p) => p !== "" && p !== "." && p !== ".." && /^[A-Za-z0-9 _.\-{}()~$#@+,=\[\]]+$/.test(p),
  );
}

/** Throws a PlanError naming the action when an argument is not acceptable. */
export function validateAction(a: RepairAction): void {
  const bad = (why: string): never => {
    throw new PlanError("invalid-argument", `${a.action}: ${why}`);
  };
  if (!(REPAIR_ACTIONS as readonly string[]).includes(a.action)) bad("unknown action");
  if (typeof a.reason !== "string" || a.reason.trim() === "") bad("every action needs a reason");
  switch (a.action) {
    case "DisableDriver":
      if (!SERVICE_NAME_PATTERN.test(a.args.service))
        bad(`service ${JSON.stringify(a.args.service)} is not a valid service name`);
      if (a.args.force !== undefined && typeof a.args.force !== "boolean")
        bad("force must be true or false");
      return;
    case "QuarantineDriverFile":
      if (!isSafeWindowsPath(a.args.path))
        bad(
          `path ${JSON.stringify(a.args.path)} must be relative to the volume root, under Windows\\, without ".."`,
        );
      return;
    case "RemoveDriverPackage":
      if (!PUBLISHED_INF_PATTERN.test(a.args.publishedInf))
        bad(
          `publishedInf ${JSON.stringify(a.args.publishedInf)} must be a published third-party INF name (oemNN.inf)`,
        );
      return;
    case "SetSafeBoot":
      if (a.args.mode !== "minimal" && a.args.mode !== "network")
        bad(`mode ${JSON.stringify(a.args.mode)} must be "minimal" or "network"`);
      return;
    case "CleanBoot":
      if (!Array.isArray(a.args.services) || a.args.services.length === 0)
        bad("services must list at least one service");
      for (const s of a.args.services)
        if (!SERVICE_NAME_PATTERN.test(s))
          bad(`service ${JSON.stringify(s)} is not a valid service name`);
      return;
    case "EnableCrashDump":
      if (a.args.kind !== undefined && !["small", "kernel", "automatic"].includes(a.args.kind))
        bad(`kind ${JSON.stringify(a.args.kind)} must be small, kernel or automatic`);
      return;
    default:
      if (a.args && Object.keys(a.args).length > 0) bad("takes no arguments");
  }
}

const CONFLICTS: readonly [RepairActionName, RepairActionName][] = [
  ["SetSafeBoot", "ClearSafeBoot"],
  ["CleanBoot", "UndoCleanBoot"],
];

function keyOf(a: RepairAction): string {
  return MULTI_INSTANCE.includes(a.action)
    ? `${a.action}:${JSON.stringify(a.args).toLowerCase()}`
    : a.action;
}

/**
 * Validates, de-duplicates (the first proposal of an action wins; later ones only add evidence) and
 * orders the proposals by {@link ACTION_ORDER}; refuses contradictory pairs.
 */
export function finalise(proposals: readonly Proposal[]): Proposal[] {
  const byKey = new Map<string, Proposal>();
  for (const p of proposals) {
    validateAction(p.action);
    const key = keyOf(p.action);
    const seen = byKey.get(key);
    if (seen) seen.evidence = [...seen.evidence, `also: ${p.action.reason}`];
    else byKey.set(key, { action: p.action, evidence: [...p.evidence] });
  }
  const names = new Set([...byKey.values()].map((p) => p.action.action));
  for (const [a, b] of CONFLICTS) {
    if (names.has(a) && names.has(b))
      throw new PlanError(
        "conflicting-actions",
        `${a} and ${b} contradict each other; plan one of them`,
      );
  }
  return [...byKey.values()].sort(
    (x, y) => ACTION_ORDER.indexOf(x.action.action) - ACTION_ORDER.indexOf(y.action.action),
  );
}

/** How to put one action back. */
export function undoFor(a: RepairAction, collect: CollectOutput): string {
  const set = `ControlSet00${collect.controlSets.current}`;
  const store = collect.target.bcdStore ?? "the BCD store";
  switch (a.action) {
    case "DisableDriver": {
      const s = findService(collect.services, a.args.service);
      return `Set ${set}\\Services\\${a.args.service}\\Start back to ${s?.start ?? "its recorded value"} (the repair result's registry undo record)`;
    }
    case "QuarantineDriverFile":
      return `Move the quarantined copy back to ${a.args.path} (the repair result's file undo record)`;
    case "RemoveDriverPackage": {
      const i = collect.driverInstalls.find(
        (d) => d.publishedInf?.toLowerCase() === a.args.publishedInf.toLowerCase(),
      );
      return `Not reversible offline: reinstall the vendor's package${i?.originalInf ? ` (${i.originalInf})` : ""}, or return to the snapshot`;
    }
    case "SetSafeBoot":
      return `ClearSafeBoot: bcdedit /store ${store} /deletevalue {default} safeboot`;
    case "ClearSafeBoot":
      return `SetSafeBoot with mode ${collect.bcd?.safeboot ?? "minimal"}`;
    case "CleanBoot":
      return `UndoCleanBoot: restore the Start values of ${a.args.services.join(", ")} from the undo records`;
    case "UndoCleanBoot":
      return "CleanBoot again with the same services";
    case "EnableCrashDump": {
      const cc = collect.dumps.crashControl;
      return cc === null
        ? "Delete the CrashControl values written (registry undo records)"
        : `Set CrashControl\\CrashDumpEnabled back to ${cc.crashDumpEnabled ?? "absent"} (registry undo records)`;
    }
    case "EnableEms":
      return `bcdedit /store ${store} /ems {default} off`;
    case "RestoreLastKnownGood":
      return `Set SYSTEM\\Select\\Current back to ${collect.controlSets.current} (registry undo record)`;
    case "RevertPendingActions":
      return "Not reversible: install the update again once the VM boots";
    case "Chkdsk":
    case "SfcOffline":
    case "DismRestoreHealth":
      return "Not reversible: return to the snapshot taken before the repair";
  }
}

// ---------------------------------------------------------------------------------------------
// Entry point
// ---------------------------------------------------------------------------------------------

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

/** Plans the offline repair. Pure: the same input always gives the same decision. Throws {@link PlanError}. */
export function planRepair(input: PlanInput): RepairDecision {
  const { collect, triage, findings, options } = input;
  validateOptions(options);
  const selection = selectDump(triage, collect);
  const culprit = resolveCulprit(collect, selection, options);
  const ctx: PlanContext = {
    collect,
    options,
    selection,
    culprit,
    protectedServices: protectedServices(collect),
    cleanBootServices: cleanBootServices(collect),
  };

  const outcomes: RuleOutcome[] = [{ proposals: [], notes: selection.notes }];
  if (options.actions) {
    const requested = [
      ...new Set([
        ...options.actions,
        ...(options.removeDriverPackage ? (["RemoveDriverPackage"] as const) : []),
      ]),
    ];
    outcomes.push({
      proposals: requested.flatMap((a) => buildRequested(a, ctx)),
      notes: [
        {
          action: "none",
          reason: `The operator chose the actions (${requested.join(", ")}); the automatic choice and the driver-check remedies are not applied`,
          evidence: [],
        },
      ],
    });
    if (options.enableCrashDump) outcomes.push(ruleCrashDump(ctx));
    outcomes.push(ruleEms(ctx));
  } else {
    outcomes.push(
      ruleDirtyVolume(ctx),
      rulePendingUpdate(ctx),
      ruleCulprit(ctx),
      ruleReporterOnly(ctx),
      ruleNoDumpEvents(ctx),
      ruleCrashDump(ctx),
      ruleEms(ctx),
      ruleFindings(findings),
    );
    if (
      options.removeDriverPackage &&
      !outcomes.some((o) => o.proposals.some((p) => p.action.action === "RemoveDriverPackage"))
    ) {
      outcomes.push({
        proposals: buildRequestedRemove(ctx, "requested by the operator (removeDriverPackage)"),
        notes: [],
      });
    }
  }

  const chosen = finalise(outcomes.flatMap((o) => o.proposals));
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
    undo: [...actions].reverse().map((a) => ({ action: a.action, how: undoFor(a, collect) })),
  };
}
