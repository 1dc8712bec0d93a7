/**
 * The BCD store's part of the planner's document: the default boot entry and, of that entry, the
 * settings `bcdedit /enum` shows collect.ps1 (safe boot, boot-status policy, recovery, EMS), read
 * from the store's own elements. Names are bcdedit's ("minimal", "IgnoreAllFailures").
 */
import type { BcdFacts } from "../../collect/contract";
import { BOOT_STATUS_POLICY_NAMES, SAFEBOOT_NAMES, decodeBcd } from "../bcd/bcd";
import type { BcdElement, BcdObject, BcdStore } from "../bcd/bcd";
import type { EvidenceBundle } from "../bundle";
import { isFormatError } from "../formatError";
import { openHive } from "../hive/hive";
import { pointer, type FactLog } from "./types";

const STEP = "bcd";

/** The BCD facts, or null (with a `problems` line) when the store is absent or unreadable. */
export function readBcdPart(bundle: EvidenceBundle, log: FactLog): BcdFacts | null {
  const file = bundle.bcd;
  if (file === null) {
    log.problem(STEP, "no BCD store in the evidence: boot settings are unknown");
    return null;
  }
  let store: BcdStore;
  try {
    store = decodeBcd(openHive(file.bytes, { label: file.path }), { file: file.path });
  } catch (e) {
    if (!isFormatError(e)) throw e;
    log.problem(STEP, `BCD store unreadable: ${e.message}`);
    return null;
  }
  for (const warning of [...store.hive.warnings, ...store.warnings]) log.problem(STEP, warning);
  return bcdFacts(store, log);
}

function bcdFacts(store: BcdStore, log: FactLog): BcdFacts {
  const cite = (field: string, element: BcdElement | undefined, object?: BcdObject) => {
    const from = element?.citation ?? object?.citation;
    if (from !== undefined) log.cite(pointer("bcd", field), from);
  };
  const manager = store.bootManager;
  const loader = store.defaultLoader;
  const defaultEntry = typeof manager?.default?.data === "string" ? manager.default.data : null;
  cite("defaultEntry", manager?.default);
  const bootEms = manager?.object.elements.find((e) => e.id === "16000020");
  cite("bootEms", bootEms, manager?.object);
  if (loader === undefined) {
    return {
      defaultEntry,
      safeboot: null,
      safebootAlternateShell: false,
      bootStatusPolicy: null,
      recoveryEnabled: null,
      ems: false,
      bootEms: flag(bootEms, log) ?? false,
    };
  }
  const element = (id: string) => loader.object.elements.find((e) => e.id === id);
  const safeboot = named(loader.safeBoot, SAFEBOOT_NAMES, log)?.toLowerCase() ?? null;
  const alternateShell = element("26000081");
  const recovery = element("16000009");
  for (const [field, e] of [
    ["safeboot", loader.safeBoot],
    ["safebootAlternateShell", alternateShell],
    ["bootStatusPolicy", loader.bootStatusPolicy],
    ["recoveryEnabled", recovery],
    ["ems", loader.ems],
  ] as const) {
    cite(field, e, loader.object);
  }
  return {
    defaultEntry,
    safeboot,
    safebootAlternateShell: flag(alternateShell, log) ?? false,
    bootStatusPolicy: named(loader.bootStatusPolicy, BOOT_STATUS_POLICY_NAMES, log),
    recoveryEnabled: flag(recovery, log),
    ems: flag(loader.ems, log) ?? false,
    bootEms: flag(bootEms, log) ?? false,
  };
}

/** A boolean element's value; null when absent or not stored as a boolean (said in `problems`). */
function flag(element: BcdElement | undefined, log: FactLog): boolean | null {
  if (element === undefined) return null;
  if (typeof element.data === "boolean") return element.data;
  log.problem(STEP, `${element.citation.key}: ${element.problem ?? "not a boolean"}`);
  return null;
}

/** An integer element as bcdedit names it (`Minimal`), or its number when bcdedit has no name. */
function named(
  element: BcdElement | undefined,
  names: Readonly<Record<number, string>>,
  log: FactLog,
): string | null {
  if (element === undefined) return null;
  if (typeof element.data === "number") return names[element.data] ?? String(element.data);
  log.problem(STEP, `${element.citation.key}: ${element.problem ?? "not an integer"}`);
  return null;
}
