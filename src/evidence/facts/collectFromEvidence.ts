/**
 * The planner's input derived from the disk's own bytes: a {@link CollectOutput} built only from
 * an {@link EvidenceBundle} through the TypeScript readers (hives with log replay, BCD, EVTX), with
 * where each fact was read. What the evidence cannot tell stays null/unknown; where the contract
 * forces a value (a disk number, an OS build), a placeholder stands in and `problems` says so.
 */
import { incidentFilesOf } from "./incidentFiles";
import type { CollectOs, CollectOutput, CollectTarget, VolumeFacts } from "../../collect/contract";
import { parseCollectOutput } from "../../collect/validate";
import type { EvidenceBundle } from "../bundle";
import { readBcdPart } from "./bcd";
import { readEventsPart } from "./events";
import { readDumpsPart, readPendingXml, readSetupApiPart } from "./files";
import { guestComponents } from "./guest";
import { readSoftwarePart, type SoftwarePart } from "./software";
import { readSystemPart, type SystemPart } from "./system";
import {
  DEFAULTS,
  FactLog,
  pointer,
  type CollectFromEvidenceOptions,
  type FactCitation,
} from "./types";

export interface EvidenceFacts {
  /** Valid against `schemas/collect-output.schema.json`; `driverInstalls` derived as for collect. */
  collect: CollectOutput;
  citations: FactCitation[];
  /** One line per thing not read, unknown or standing in (also in `collect.errors`). */
  problems: string[];
}

const UNKNOWN_VOLUME: VolumeFacts = {
  fileSystem: null,
  sizeBytes: null,
  freeBytes: null,
  dirty: null,
};

/**
 * Derives the collect document from the evidence. Pure: reads only the bundle's bytes (and the
 * clock, unless `opts.now` is given). Throws only for invalid options; unreadable evidence becomes
 * `problems` lines.
 */
export function collectFromEvidence(
  bundle: EvidenceBundle,
  opts: CollectFromEvidenceOptions = {},
): EvidenceFacts {
  const log = new FactLog();
  for (const problem of bundle.problems) log.problem("evidence", problem);
  const system = readSystemPart(bundle, log);
  const software = readSoftwarePart(bundle, log);
  const events = readEventsPart(
    bundle,
    {
      eventDays: opts.eventDays ?? DEFAULTS.eventDays,
      maxEvents: opts.maxEvents ?? DEFAULTS.maxEvents,
    },
    log,
  );
  const dumps = readDumpsPart(
    bundle,
    events,
    {
      maxMinidumps: opts.maxMinidumps ?? DEFAULTS.maxMinidumps,
      maxMinidumpBytes: opts.maxMinidumpBytes ?? DEFAULTS.maxMinidumpBytes,
    },
    log,
  );
  const services = system?.services ?? [];
  if (services.length > 0) {
    log.problem(
      "services",
      "file facts (version, company, signer) of service binaries are unknown: the evidence carries no driver files",
    );
  }
  const doc: CollectOutput = {
    schemaVersion: 1,
    kind: "collect",
    collectedAtUtc: (opts.now ?? new Date()).toISOString(),
    scriptVersion: `vm-rescue evidence (${bundle.route})`,
    target: target(bundle, opts, log),
    os: os(software, system, log),
    controlSets: system?.controlSets ?? placeholderControlSets(log),
    services,
    classFilters: system?.classFilters ?? [],
    guest: guestComponents(software, services, system?.file ?? null, log, opts.binaries ?? []),
    installedPrograms: software?.installedPrograms ?? [],
    dumps: { ...dumps, crashControl: system?.crashControl ?? null },
    events,
    setupApiLog: readSetupApiPart(
      bundle,
      opts.maxSetupApiLogBytes ?? DEFAULTS.maxSetupApiLogBytes,
      log,
    ),
    timeZone: system?.timeZone ?? null,
    driverInstalls: [],
    bcd: readBcdPart(bundle, log),
    pendingUpdates: {
      pendingXml: readPendingXml(bundle, log),
      regBackPopulated: false,
      pendingFileRenames: system?.pendingFileRenames ?? false,
    },
    volume: UNKNOWN_VOLUME,
    acpiEnum: system?.acpiEnum ?? null,
    errors: [],
  };
  const incident = incidentFilesOf(bundle.listedFiles ?? [], opts.binaries ?? []);
  if (incident.length > 0) doc.incidentFiles = incident;
  log.problem(
    "evidence",
    "not in the evidence: pendingUpdates.regBackPopulated is false (config\\RegBack not read); volume facts (file system, size, dirty bit) are unknown",
  );
  const errors = log.errors.map((e) => ({ ...e }));
  const collect = validated({ ...doc, errors });
  return {
    collect,
    citations: log.citations,
    problems: errors.map((e) => `${e.step}: ${e.message}`),
  };
}

/** The document as the schema reads it; a failure here is a bug in this module, not bad evidence. */
function validated(doc: CollectOutput): CollectOutput {
  try {
    return parseCollectOutput(JSON.parse(JSON.stringify(doc)));
  } catch (e) {
    throw new Error(`collectFromEvidence built an invalid document: ${(e as Error).message}`);
  }
}

function target(
  bundle: EvidenceBundle,
  opts: CollectFromEvidenceOptions,
  log: FactLog,
): CollectTarget {
  const given = opts.target ?? {};
  const diskNumber = given.diskNumber;
  if (diskNumber !== undefined && !(Number.isInteger(diskNumber) && diskNumber >= 0)) {
    throw new RangeError(
      `collectFromEvidence: target.diskNumber ${diskNumber} is not a disk number`,
    );
  }
  const volume = given.windowsVolume;
  if (volume !== undefined && !/^[A-Za-z]:\\$/.test(volume)) {
    throw new RangeError(`collectFromEvidence: target.windowsVolume ${volume} is not like C:\\`);
  }
  const bcdPath = bundle.bcd?.path ?? null;
  let generation = bundle.disk.generation;
  if (generation === null && bcdPath !== null) {
    const p = bcdPath.replace(/\//g, "\\").toLowerCase();
    if (p.endsWith("\\efi\\microsoft\\boot\\bcd")) generation = 2;
    else if (/^\\?boot\\bcd$/.test(p)) generation = 1;
    if (generation !== null) log.cite(pointer("target", "generation"), { file: bcdPath });
  }
  let partitionStyle = bundle.disk.partitionStyle;
  if (partitionStyle === null && generation !== null) {
    partitionStyle = generation === 2 ? "GPT" : "MBR";
    log.problem(
      "target",
      `partition style not read: ${partitionStyle}, as a generation ${generation} Windows disk boots from`,
    );
  }
  const placeholders = [
    diskNumber === undefined
      ? "target.diskNumber 0 (pass pinDiskNumber: false to decideRescue)"
      : null,
    volume === undefined ? "target.windowsVolume C:\\" : null,
    given.busType === undefined ? 'target.busType "unknown"' : null,
    partitionStyle === null ? "target.partitionStyle MBR" : null,
  ].filter((p): p is string => p !== null);
  if (placeholders.length > 0) {
    log.problem("target", `not in the evidence, placeholders stand in: ${placeholders.join(", ")}`);
  }
  if (bcdPath !== null) log.cite(pointer("target", "bcdStore"), { file: bcdPath });
  return {
    diskNumber: diskNumber ?? 0,
    busType: given.busType ?? "unknown",
    partitionStyle: partitionStyle ?? "MBR",
    signatureCollision: false,
    windowsVolume: volume ?? "C:\\",
    bcdStore: bcdPath,
    generation,
  };
}

function os(software: SoftwarePart | null, system: SystemPart | null, log: FactLog): CollectOs {
  const unknown: string[] = [];
  if (software?.productName == null) unknown.push('productName ""');
  if (software?.build == null) unknown.push("build 0");
  if (system?.architecture == null) unknown.push('architecture ""');
  if (unknown.length > 0) {
    log.problem(
      "os",
      `not read from the hives, the schema's unknown values stand in: ${unknown.join(", ")}`,
    );
  }
  return {
    productName: software?.productName ?? "",
    build: software?.build ?? 0,
    ubr: software?.ubr ?? null,
    installationType: software?.installationType ?? null,
    editionId: software?.editionId ?? null,
    architecture: system?.architecture ?? "",
  };
}

function placeholderControlSets(log: FactLog): CollectOutput["controlSets"] {
  log.problem("control-sets", "no control set was read: controlSets.current 1 stands in");
  return { current: 1, default: null, failed: null, lastKnownGood: null };
}
