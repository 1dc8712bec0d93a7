/**
 * The culprit: the driver the operator names (`driver=`) or the most recent dump blames, with the
 * services that run it and whether it is third-party and boot-critical.
 */
import type {
  CollectOutput,
  DriverInstallFacts,
  EventFacts,
  ServiceFacts,
} from "../collect/contract";
import { SERVICE_NAME_PATTERN } from "../vocabulary/repairActions";
import { PlanError } from "../vocabulary/errors";
import {
  BOOT_CRITICAL_SERVICES,
  classifyService,
  findService,
  imageBaseName,
  normaliseModule,
  servicesForModule,
} from "../drivers/bootCritical";
import { describeInstall, namedModule, packagesForModule } from "./evidence";
import { bootFileOf, canonicalServiceName, refuse } from "./invariants";
import type { CulpritFacts, DumpSelection, RepairOptions } from "./types";

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
  evidence.push(...driverInstallEvents(collect.events, module, services, packaged));
  const thirdParty = vendors.length > 0 && vendors.every((v) => v === "third-party");
  return { module, services, thirdParty, bootCritical, forced, evidence };
}

const base = (p: string | undefined) =>
  (p ?? "").slice((p ?? "").lastIndexOf("\\") + 1).toLowerCase();

/**
 * The System log's UserPnp records of the culprit's install, which corroborate setupapi: 20003 (a
 * service added for a device) naming one of its services or its file, 20001 (a driver installed)
 * naming one of the packages that carried it. One line each, with its time.
 */
export function driverInstallEvents(
  events: readonly EventFacts[],
  module: string,
  services: readonly ServiceFacts[],
  packaged: readonly DriverInstallFacts[],
): string[] {
  const names = new Set(services.map((s) => s.name.toLowerCase()));
  const file = normaliseModule(module);
  const infs = new Set(
    packaged
      .flatMap((p) => [p.publishedInf, p.originalInf])
      .flatMap((n) => (n ? [n.toLowerCase()] : [])),
  );
  const userPnp = (e: EventFacts) => /userpnp/i.test(e.provider);
  return events.filter(userPnp).flatMap((e) => {
    const d = e.data;
    if (
      e.id === 20003 &&
      (names.has((d.ServiceName ?? "").toLowerCase()) || base(d.DriverFileName) === file)
    )
      return [
        `event 20003 (UserPnp) at ${e.timeCreatedUtc}: service ${d.ServiceName ?? "?"} added${d.DriverFileName ? ` for ${d.DriverFileName}` : ""}${d.DeviceInstanceID ? ` (device ${d.DeviceInstanceID})` : ""}`,
      ];
    if (e.id === 20001 && infs.has(base(d.DriverName)))
      return [
        `event 20001 (UserPnp) at ${e.timeCreatedUtc}: driver ${d.DriverName} installed${d.DeviceInstanceID ? ` (device ${d.DeviceInstanceID})` : ""}`,
      ];
    return [];
  });
}

/** driver= naming a boot file or a boot-critical driver is refused naming the invariant. */
function refuseInvariantDriver(name: string): void {
  const file = normaliseModule(name);
  const boot =
    bootFileOf(`Windows\\System32\\${file}`) ?? bootFileOf(`Windows\\System32\\drivers\\${file}`);
  if (boot)
    refuse({ invariant: "boot-file", message: `driver=${name}: it is the boot file ${boot}` });
  const service = canonicalServiceName(file.replace(/\.sys$/, ""));
  if (BOOT_CRITICAL_SERVICES.includes(service))
    refuse({
      invariant: "boot-critical-driver",
      message: `driver=${name}: ${service} is part of the boot storage/bus/file-system stack`,
    });
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
      // a boot file or boot-critical driver the hive does not list is refused naming the invariant
      refuseInvariantDriver(name);
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

/** The binaries of the protected (boot-critical) services, by file name. */
export function protectedBinaries(collect: CollectOutput, names: readonly string[]): Set<string> {
  return new Set(
    names
      .map((n) => findService(collect.services, n))
      .filter((s): s is ServiceFacts => !!s)
      .map(imageBaseName),
  );
}
