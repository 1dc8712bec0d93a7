/**
 * Corroboration of a hard-to-undo action: a driver package is removed (offline DISM cannot put it
 * back) only when the crash dump's faulting module is the driver it carries and one other
 * independent source agrees — the hive's service that runs it with its file on the disk (the two
 * are one source: the same disk's registry and file system, written by the same installer).
 * setupapi.dev.log names the package but is never a source: anything on the disk can write it.
 */
import type { CollectOutput, DriverInstallFacts } from "../../collect/contract";
import { imageBaseName, normaliseModule } from "../../drivers/bootCritical";
import type { TriageResult } from "../../triage/types";
import { namedModule } from "../evidence";

/** At least this many independent sources must agree before a package is removed. */
export const MIN_SOURCES = 2;

export interface Corroboration {
  /** The independent sources that agree ("crash dump", "hive service", "file on disk"). */
  sources: string[];
  /** One line per source. */
  evidence: string[];
}

/** The driver files a package carries, lower-case (its listed files, else `<inf stem>.sys`). */
export function packageModules(pkg: DriverInstallFacts): string[] {
  const listed = pkg.files.map((f) => normaliseModule(f));
  const stem = pkg.originalInf?.toLowerCase().replace(/\.inf$/, "");
  return [...new Set(stem ? [...listed, `${stem}.sys`] : listed)];
}

/** What corroborates the driver of `pkg` beyond setupapi.dev.log. */
export function corroboratePackage(
  pkg: DriverInstallFacts,
  collect: Pick<CollectOutput, "services">,
  dumps: readonly TriageResult[],
): Corroboration {
  const modules = packageModules(pkg);
  const sources: string[] = [];
  const evidence: string[] = [];
  const crashed = dumps
    .filter((t) => t.error === null)
    .map((t) => ({ t, m: namedModule(t) }))
    .find(({ m }) => m !== null && modules.includes(m));
  if (crashed) {
    sources.push("crash dump");
    evidence.push(`${crashed.t.file} names ${crashed.m}`);
  }
  const services = collect.services.filter((s) => modules.includes(imageBaseName(s)));
  if (services.length > 0) {
    sources.push("hive service and its file");
    evidence.push(...services.map((s) => `service ${s.name} runs ${imageBaseName(s)}`));
    const file = services.map((s) => s.file).find((f) => f !== null && f.exists && f.version);
    if (file) evidence.push(`${file.path} exists, version ${file.version}`);
  }
  return { sources, evidence };
}

/** True when the dump names the package's driver and another independent source agrees. */
export function corroborated(c: Corroboration): boolean {
  return c.sources.includes("crash dump") && c.sources.length >= MIN_SOURCES;
}

/** One line: which sources agree, or why the evidence is not enough. */
export function describeCorroboration(pkg: DriverInstallFacts, c: Corroboration): string {
  const what = `${pkg.publishedInf} (${packageModules(pkg).join(", ") || "no driver file listed"})`;
  return corroborated(c)
    ? `${what} is corroborated by ${c.sources.join(", ")}`
    : `${what} rests on setupapi.dev.log${c.sources.length > 0 ? ` and the ${c.sources[0]} alone` : " alone"}; removing a package needs the crash dump's faulting module to be its driver and one other independent source (the hive's service and its file)`;
}
