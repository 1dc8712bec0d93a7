/**
 * The invariants every plan keeps, whoever asked for it (the automatic choice, the operator's
 * `driver=` / `actions=`, a driver-check remedy, a playbook): no action disables, quarantines,
 * moves or removes
 *
 * - `boot-file`: a file the loader or kernel needs (by canonical path, {@link bootFileOf}), or a
 *   service whose ImagePath points at one;
 * - `boot-critical-driver`: a driver the hive says is needed to boot (boot or system start read by
 *   the loader, a boot-critical group, the storage/file-system/bus stack, a storage class filter);
 * - `corroborated-identity`: anything whose identity rests on uncorroborated evidence (a service
 *   the hive does not hold, a file no service runs and no evidence lists, a package only
 *   setupapi.dev.log names, an update rollback from pending servicing the crash does not point at).
 */
import type { CollectOutput, RepairAction, ServiceFacts } from "../../collect/contract";
import {
  BOOT_CRITICAL_SERVICES,
  bootCriticalReasons,
  imagePathOnVolume,
} from "../../drivers/bootCritical";
import type { TriageResult } from "../../triage/types";
import { corroboratePackage, corroborated, describeCorroboration } from "./corroboration";
import { corroborateServicing, servicingCorroborated } from "./servicing";
import {
  bootFileOf,
  canonicalPath,
  canonicalServiceName,
  sameFile,
  unresolvedShortName,
} from "./paths";

export const INVARIANTS = ["boot-file", "boot-critical-driver", "corroborated-identity"] as const;
export type InvariantName = (typeof INVARIANTS)[number];

export interface Violation {
  invariant: InvariantName;
  /** One line naming the action, its target and why. */
  message: string;
}

/** The facts the invariants are judged on. */
export interface InvariantFacts {
  collect: Pick<
    CollectOutput,
    "services" | "classFilters" | "driverInstalls" | "incidentFiles" | "pendingUpdates" | "events"
  >;
  /** The dumps' triage (only readable ones count). */
  triage: readonly TriageResult[];
}

function serviceNamed(facts: InvariantFacts, name: string): ServiceFacts | undefined {
  const n = canonicalServiceName(name);
  return facts.collect.services.find((s) => canonicalServiceName(s.name) === n);
}

/** The canonical path of a service's binary, or null when it cannot be resolved. */
function imageOf(s: ServiceFacts): string | null {
  const onVolume = imagePathOnVolume(s.imagePath, s.name);
  return onVolume === null ? null : canonicalPath(onVolume);
}

/** The canonical long paths the facts know: services' binaries and collected incident files. */
function knownPaths(facts: InvariantFacts): string[] {
  return [
    ...facts.collect.services.map(imageOf),
    ...(facts.collect.incidentFiles ?? []).map((f) => canonicalPath(f.path)),
  ].filter((p): p is string => p !== null);
}

/** A boot-file violation when `p` holds an 8.3 short name no known long name explains. */
function shortNameViolation(facts: InvariantFacts, what: string, p: string): Violation[] {
  const short = unresolvedShortName(p, knownPaths(facts));
  return short === null
    ? []
    : [
        {
          invariant: "boot-file",
          message: `${what}: the 8.3 short name ${short} cannot be tied to a known long name, so it may be a boot file`,
        },
      ];
}

function criticalReasons(facts: InvariantFacts, s: ServiceFacts): string[] {
  const reasons = bootCriticalReasons(s, facts.collect.classFilters);
  if (reasons.length === 0 && BOOT_CRITICAL_SERVICES.includes(canonicalServiceName(s.name)))
    reasons.push(`${s.name} is part of the boot storage/bus/file-system stack`);
  return reasons;
}

function checkService(facts: InvariantFacts, action: string, name: string): Violation[] {
  const what = `${action} ${name}`;
  if (BOOT_CRITICAL_SERVICES.includes(canonicalServiceName(name)))
    return [
      {
        invariant: "boot-critical-driver",
        message: `${what}: ${name} is part of the boot storage/bus/file-system stack`,
      },
    ];
  const s = serviceNamed(facts, name);
  if (!s)
    return [
      {
        invariant: "corroborated-identity",
        message: `${what}: the hive holds no service of that name`,
      },
    ];
  const out: Violation[] = [];
  const reasons = criticalReasons(facts, s);
  if (reasons.length > 0)
    out.push({ invariant: "boot-critical-driver", message: `${what}: ${reasons.join("; ")}` });
  const boot = [s.imagePath, imagePathOnVolume(s.imagePath, s.name)]
    .filter((p): p is string => p !== null)
    .map(bootFileOf)
    .find((b) => b !== null);
  if (boot)
    out.push({
      invariant: "boot-file",
      message: `${what}: its ImagePath ${JSON.stringify(s.imagePath)} is the boot file ${boot}`,
    });
  else {
    const image = [s.imagePath, imagePathOnVolume(s.imagePath, s.name)]
      .filter((p): p is string => p !== null)
      .map(canonicalPath)
      .filter((p): p is string => p !== null);
    out.push(...image.flatMap((p) => shortNameViolation(facts, what, p)).slice(0, 1));
  }
  return out;
}

function checkFile(facts: InvariantFacts, action: string, path: string): Violation[] {
  const what = `${action} ${path}`;
  const boot = bootFileOf(path);
  if (boot) return [{ invariant: "boot-file", message: `${what}: it is the boot file ${boot}` }];
  const p = canonicalPath(path);
  if (p === null)
    return [{ invariant: "corroborated-identity", message: `${what}: not a path on the volume` }];
  const short = shortNameViolation(facts, what, p);
  if (short.length > 0) return short;
  const defaultImage = BOOT_CRITICAL_SERVICES.find((n) =>
    sameFile(p, `windows\\system32\\drivers\\${n}.sys`),
  );
  if (defaultImage)
    return [
      {
        invariant: "boot-critical-driver",
        message: `${what}: it is the binary of ${defaultImage}, part of the boot storage/bus/file-system stack`,
      },
    ];
  const runners = facts.collect.services.filter((s) => {
    const image = imageOf(s);
    return image !== null && sameFile(p, image);
  });
  for (const s of runners) {
    const reasons = criticalReasons(facts, s);
    if (reasons.length > 0)
      return [
        {
          invariant: "boot-critical-driver",
          message: `${what}: it is the binary of ${s.name}, which is boot-critical (${reasons.join("; ")})`,
        },
      ];
  }
  const listed = (facts.collect.incidentFiles ?? []).some((f) => {
    const c = canonicalPath(f.path);
    return f.exists && c !== null && c === p;
  });
  if (runners.length === 0 && !listed)
    return [
      {
        invariant: "corroborated-identity",
        message: `${what}: no service in the hive runs it and no collected file fact lists it`,
      },
    ];
  return [];
}

function checkPackage(facts: InvariantFacts, action: string, inf: string): Violation[] {
  const what = `${action} ${inf}`;
  const pkg = facts.collect.driverInstalls.find(
    (i) => i.publishedInf?.toLowerCase() === inf.toLowerCase(),
  );
  if (!pkg)
    return [
      {
        invariant: "corroborated-identity",
        message: `${what}: no install of that package is on record`,
      },
    ];
  for (const file of pkg.files) {
    const boot = bootFileOf(`Windows\\System32\\${file}`);
    const v = [
      ...(boot
        ? [{ invariant: "boot-file" as const, message: `${what}: it carries ${boot}` }]
        : []),
      ...checkFile(facts, action, `Windows\\System32\\drivers\\${file}`).filter(
        (x) => x.invariant !== "corroborated-identity",
      ),
    ];
    if (v.length > 0)
      return v.map((x) => ({ ...x, message: `${what}: carries ${file} (${x.message})` }));
  }
  const c = corroboratePackage(pkg, facts.collect, facts.triage);
  return corroborated(c)
    ? []
    : [
        {
          invariant: "corroborated-identity",
          message: `${what}: ${describeCorroboration(pkg, c)}`,
        },
      ];
}

/** An update rollback needs servicing pending on the disk and a crash that points at it. */
function checkRollback(facts: InvariantFacts, action: string): Violation[] {
  const c = corroborateServicing(facts.collect, facts.triage);
  if (servicingCorroborated(c)) return [];
  const pending = c.pending.join(" and ") || "nothing is pending";
  return [
    {
      invariant: "corroborated-identity",
      message: `${action}: ${pending}, but nothing in the crash evidence points at servicing (no stop code 0xC000021A or 0xC0000221, no failed or just-started update event); an update is rolled back only when both agree`,
    },
  ];
}

/** Every invariant `a` breaks (empty when it keeps them all). */
export function violationsOf(a: RepairAction, facts: InvariantFacts): Violation[] {
  switch (a.action) {
    case "DisableDriver":
      return checkService(facts, a.action, a.args.service);
    case "CleanBoot":
      return a.args.services.flatMap((s) => checkService(facts, a.action, s));
    case "QuarantineDriverFile":
      return checkFile(facts, a.action, a.args.path);
    case "RemoveDriverPackage":
      return checkPackage(facts, a.action, a.args.publishedInf);
    case "RevertPendingActions":
      return checkRollback(facts, a.action);
    default:
      return [];
  }
}

/** The one line a refusal prints: the invariant's name first. */
export function violationLine(v: Violation): string {
  return `invariant ${v.invariant}: ${v.message}`;
}
