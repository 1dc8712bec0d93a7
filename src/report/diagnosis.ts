import * as path from "node:path";
import { decodeBcd, type BcdElement } from "../evidence/bcd";
import type { EvidenceFile } from "../evidence/bundle";
import type { DiskImageFormat, Partition } from "../evidence/disk";
import { printable, type DiskEvidence } from "../evidence/fromDisk";
import { openHive, systemFacts, type Hive } from "../evidence/hive";
import { inspectDump, type TriageDetails, type TriageResult } from "../triage";
import { renderRow } from "../triage/render";

/**
 * What `vm-rescue diagnose` prints: the bundle read from the disk, decoded by the readers the
 * planner uses (the control set from the SYSTEM hive, the default loader from the BCD, the triage
 * of each minidump). A file that does not decode adds a problem line; nothing here throws for
 * bytes from the disk.
 */

export interface ControlSetReport {
  name: string;
  number: number;
  /** `Select` as stored: Default, Current, Failed, LastKnownGood. */
  select: Record<string, number | null>;
  hiveDirty: boolean;
  logsReplayed: string;
  warnings: string[];
}

export interface BcdReport {
  path: string;
  defaultLoaderPath: string | null;
  defaultDescription: string | null;
  systemRoot: string | null;
  /** The boot manager's `default` element (a GUID). */
  defaultEntry: string | null;
  safeBoot: number | null;
  bootStatusPolicy: number | null;
  warnings: string[];
}

export interface DiagnoseReport {
  route: string;
  /** The container and the virtual disk's size; `source` is a label (never a SAS token). */
  image: { source: string; format: DiskImageFormat; size: number };
  disk: DiskEvidence["disk"];
  partitions: (Partition & { role: string | null })[];
  windowsVolume: { partition: number; label: string; serial: string };
  controlSet: ControlSetReport | null;
  bcd: BcdReport | null;
  triage: TriageResult[];
  /** The evidence files read, with their sizes. */
  evidence: { path: string; bytes: number }[];
  memoryDumpBytes: number | null;
  problems: string[];
  stats: DiskEvidence["stats"] & { elapsedMs: number };
  /** What the planner made of the bundle; null when no planner is wired in. */
  plan: unknown;
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split("\n")[0];
}

function openEvidenceHive(file: EvidenceFile, logs: EvidenceFile[] = []): Hive {
  return openHive(file.bytes, {
    label: file.path,
    logs: logs.map((l) => ({ name: path.win32.basename(l.path), bytes: l.bytes })),
  });
}

function controlSetOf(bundle: DiskEvidence, problems: string[]): ControlSetReport | null {
  if (!bundle.systemHive) return null;
  try {
    const hive = openEvidenceHive(bundle.systemHive, bundle.systemHiveLogs);
    const facts = systemFacts(hive, { file: bundle.systemHive.path });
    const select: Record<string, number | null> = {};
    for (const [name, fact] of Object.entries(facts.select)) select[name] = fact?.value ?? null;
    return {
      name: facts.controlSet.name,
      number: facts.controlSet.number,
      select,
      hiveDirty: facts.hive.dirty,
      logsReplayed: facts.hive.replayed,
      warnings: [...facts.hive.warnings, ...facts.warnings],
    };
  } catch (e) {
    problems.push(`${bundle.systemHive.path}: does not decode: ${firstLine(e)}`);
    return null;
  }
}

function text(element: BcdElement | undefined): string | null {
  return typeof element?.data === "string" ? element.data : null;
}

function integer(element: BcdElement | undefined): number | null {
  return typeof element?.data === "number" ? element.data : null;
}

function bcdOf(bundle: DiskEvidence, problems: string[]): BcdReport | null {
  if (!bundle.bcd) return null;
  try {
    const store = decodeBcd(openEvidenceHive(bundle.bcd), { file: bundle.bcd.path });
    const loader = store.defaultLoader;
    if (!loader) problems.push(`${bundle.bcd.path}: the boot manager names no default loader`);
    return {
      path: bundle.bcd.path,
      defaultLoaderPath: text(loader?.path),
      defaultDescription: text(loader?.description),
      systemRoot: text(loader?.systemRoot),
      defaultEntry: text(store.bootManager?.default),
      safeBoot: integer(loader?.safeBoot),
      bootStatusPolicy: integer(loader?.bootStatusPolicy),
      warnings: [...store.hive.warnings, ...store.warnings],
    };
  } catch (e) {
    problems.push(`${bundle.bcd.path}: does not decode: ${firstLine(e)}`);
    return null;
  }
}

/** The triage of each minidump, with what the text report shows. */
export function triageOf(bundle: DiskEvidence): TriageDetails[] {
  return bundle.minidumps.map((d) => inspectDump(d.bytes, d.path));
}

function evidenceFiles(bundle: DiskEvidence): EvidenceFile[] {
  const single = [
    bundle.systemHive,
    bundle.softwareHive,
    bundle.bcd,
    bundle.systemEventLog,
    bundle.setupApiLog,
    bundle.pendingXml,
  ];
  const files = [...single.slice(0, 1), ...bundle.systemHiveLogs, ...single.slice(1)];
  return [...files, ...bundle.minidumps].filter((f): f is EvidenceFile => f !== null);
}

export function buildReport(
  bundle: DiskEvidence,
  image: { source: string; format: DiskImageFormat; size: number },
  triage: TriageDetails[],
  elapsedMs: number,
  plan: unknown,
): DiagnoseReport {
  const problems = [...bundle.problems];
  const controlSet = controlSetOf(bundle, problems);
  const bcd = bcdOf(bundle, problems);
  const { layout } = bundle;
  const role = (p: Partition): string | null =>
    p.index === layout.windowsPartition
      ? "windows"
      : p.index === layout.bcdPartition
        ? "boot"
        : null;
  return {
    route: bundle.route,
    image,
    disk: bundle.disk,
    partitions: layout.partitions.map((p) => ({ ...p, role: role(p) })),
    windowsVolume: {
      partition: layout.windowsPartition,
      label: layout.volumeLabel,
      serial: layout.volumeSerial,
    },
    controlSet,
    bcd,
    triage: triage.map((t) => t.result),
    evidence: evidenceFiles(bundle).map((f) => ({ path: f.path, bytes: f.bytes.length })),
    memoryDumpBytes: bundle.memoryDumpBytes,
    problems,
    stats: { ...bundle.stats, elapsedMs },
    plan,
  };
}

const MiB = 1024 * 1024;

function size(n: number): string {
  return n >= MiB ? `${(n / MiB).toFixed(1)} MiB` : `${(n / 1024).toFixed(1)} KiB`;
}

/**
 * The human-readable report: one fact per line, problems last. Every line passes through
 * `printable`, so nothing read from the disk (names, labels, BCD strings) can break a line.
 */
export function renderReport(
  report: DiagnoseReport,
  triage: TriageDetails[],
  planLines: string[] | null,
): string {
  const out: string[] = [];
  const { image, disk, controlSet, bcd, stats } = report;
  const generation = disk.generation ? `, Gen${disk.generation}` : "";
  out.push(
    `disk: ${image.source} (${image.format}, ${size(image.size)})` +
      `, ${disk.partitionStyle ?? "no partition table"}${generation}`,
  );
  for (const p of report.partitions) {
    const role = p.role ? ` [${p.role}]` : "";
    out.push(`  partition ${p.index}: ${p.typeName}, ${size(p.length)} at ${size(p.start)}${role}`);
  }
  const { windowsVolume: w } = report;
  out.push(`windows volume: partition ${w.partition}, label "${w.label}", serial ${w.serial}`);
  if (controlSet) {
    const state = controlSet.hiveDirty
      ? `hive dirty, logs replayed: ${controlSet.logsReplayed}`
      : "hive clean";
    out.push(`control set: ${controlSet.name} (${state})`);
    for (const w of controlSet.warnings) out.push(`  warning: ${w}`);
  } else out.push("control set: unknown (see problems)");
  if (bcd) {
    const name = bcd.defaultDescription ? `"${bcd.defaultDescription}" ` : "";
    const safe = bcd.safeBoot === null ? "" : `, safeboot ${bcd.safeBoot}`;
    out.push(`bcd: ${bcd.path}: default ${name}→ ${bcd.defaultLoaderPath ?? "no loader"}${safe}`);
    for (const w of bcd.warnings) out.push(`  warning: ${w}`);
  } else out.push("bcd: not read (see problems)");
  out.push(`minidumps: ${triage.length}`);
  for (const t of triage) out.push(`  ${renderRow(t)}`);
  const memory = report.memoryDumpBytes === null ? "absent" : size(report.memoryDumpBytes);
  out.push(`MEMORY.DMP: ${memory}`);
  out.push(`evidence: ${report.evidence.map((e) => `${e.path} (${size(e.bytes)})`).join(", ")}`);
  const transport =
    stats.requests === null ? "" : `${stats.requests} requests, ${size(stats.bytes ?? 0)}; `;
  out.push(
    `read: ${transport}${stats.diskReads} disk reads, ${size(stats.diskBytes)}; ` +
      `${(stats.elapsedMs / 1000).toFixed(2)} s`,
  );
  if (planLines) {
    out.push("plan:");
    for (const line of planLines) out.push(`  ${line}`);
  } else out.push("plan: not made (no planner is wired into diagnose yet)");
  out.push(report.problems.length === 0 ? "problems: none" : "problems:");
  for (const p of report.problems) out.push(`  - ${p}`);
  return out.map(printable).join("\n");
}
