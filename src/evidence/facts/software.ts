/**
 * The SOFTWARE hive's part of the planner's document, read where collect.ps1 reads it: the OS
 * product, build and edition (`Microsoft\Windows NT\CurrentVersion`), the guest components Windows
 * records in the registry (Hyper-V integration services, the Azure agent's version, the AWS PV
 * driver) and the installed programs. Absent or unreadable, each fact stays unknown.
 */
import type { InstalledProgram } from "../../collect/contract";
import type { EvidenceBundle } from "../bundle";
import { isFormatError } from "../formatError";
import { openHive, type Hive } from "../hive/hive";
import type { HiveKey, HiveValue } from "../hive/key";
import { pointer, type FactLog } from "./types";

export interface SoftwarePart {
  productName: string | null;
  build: number | null;
  ubr: number | null;
  installationType: string | null;
  editionId: string | null;
  /** SOFTWARE\Microsoft\Virtual Machine\Guest GuestAgentVersion. */
  azureGuestAgentVersion: string | null;
  hyperV: { version: string | null; hostOsMajor: number | null; hostOsMinor: number | null } | null;
  awsPvDriverVersion: string | null;
  installedPrograms: InstalledProgram[];
  file: string;
}

const STEP = "software-hive";
const CURRENT_VERSION = "Microsoft\\Windows NT\\CurrentVersion";
const UNINSTALL = [
  "Microsoft\\Windows\\CurrentVersion\\Uninstall",
  "WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall",
];

/** Reads the SOFTWARE hive, or returns null (with a `problems` line) when absent or unreadable. */
export function readSoftwarePart(bundle: EvidenceBundle, log: FactLog): SoftwarePart | null {
  const file = bundle.softwareHive;
  if (file === null) {
    log.problem(STEP, "no SOFTWARE hive in the evidence: the OS product and build are unknown");
    return null;
  }
  try {
    const hive = openHive(file.bytes, { label: file.path });
    for (const warning of hive.warnings) log.problem(STEP, warning);
    return read(hive, file.path, log);
  } catch (e) {
    if (!isFormatError(e)) throw e;
    log.problem(STEP, `SOFTWARE hive unreadable: ${e.message}`);
    return null;
  }
}

function read(hive: Hive, file: string, log: FactLog): SoftwarePart {
  const value = (keyPath: string, name: string, fact?: string): HiveValue | undefined => {
    const key = hive.key(keyPath);
    const v = key?.value(name);
    if (key !== undefined && v !== undefined && fact !== undefined) {
      log.cite(fact, { file, key: key.path, value: v.name });
    }
    return v;
  };
  const text = (keyPath: string, name: string, fact?: string): string | null => {
    const data = value(keyPath, name, fact)?.data;
    if (typeof data === "string") return data;
    return typeof data === "number" ? String(data) : null;
  };
  const dword = (keyPath: string, name: string, fact?: string): number | null => {
    const data = value(keyPath, name, fact)?.data;
    return typeof data === "number" ? data : null;
  };
  const buildText = text(CURRENT_VERSION, "CurrentBuildNumber", pointer("os", "build"));
  const build = buildText !== null && /^\d{1,9}$/.test(buildText.trim()) ? Number(buildText) : null;
  if (buildText !== null && build === null) {
    log.problem("os", `${CURRENT_VERSION}\\CurrentBuildNumber is not a build number`);
  }
  const hv = (field: string) => pointer("guest", "hyperVIntegrationServices", field);
  const ic = text("Microsoft\\Virtual Machine\\Auto", "IntegrationServicesVersion", hv("version"));
  const parameters = "Microsoft\\Virtual Machine\\Guest\\Parameters";
  const hostOsMajor = dword(parameters, "HostSystemOSMajor", hv("hostOsMajor"));
  const hyperV =
    ic === null && hostOsMajor === null
      ? null
      : {
          version: ic,
          hostOsMajor,
          hostOsMinor: dword(parameters, "HostSystemOSMinor", hv("hostOsMinor")),
        };
  return {
    file,
    productName: text(CURRENT_VERSION, "ProductName", pointer("os", "productName")),
    build,
    ubr: dword(CURRENT_VERSION, "UBR", pointer("os", "ubr")),
    installationType: text(CURRENT_VERSION, "InstallationType", pointer("os", "installationType")),
    editionId: text(CURRENT_VERSION, "EditionID", pointer("os", "editionId")),
    azureGuestAgentVersion: text(
      "Microsoft\\Virtual Machine\\Guest",
      "GuestAgentVersion",
      pointer("guest", "azureGuestAgent", "version"),
    ),
    hyperV,
    awsPvDriverVersion: text(
      "Amazon\\PVDriver",
      "Version",
      pointer("guest", "awsPvDriver", "version"),
    ),
    installedPrograms: installedPrograms(hive, file, log),
  };
}

function installedPrograms(hive: Hive, file: string, log: FactLog): InstalledProgram[] {
  const out: InstalledProgram[] = [];
  for (const path of UNINSTALL) {
    for (const key of hive.key(path)?.subkeys() ?? []) {
      const name = stringValue(key, "DisplayName");
      if (name === null) continue;
      log.cite(pointer("installedPrograms", out.length), { file, key: key.path });
      out.push({
        name,
        version: stringValue(key, "DisplayVersion"),
        publisher: stringValue(key, "Publisher"),
      });
    }
  }
  return out;
}

function stringValue(key: HiveKey, name: string): string | null {
  const data = key.value(name)?.data;
  return typeof data === "string" ? data : null;
}
