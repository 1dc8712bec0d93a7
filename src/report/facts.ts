/**
 * The facts a repair decision rests on, each with where the TypeScript readers took it from: the
 * hive, key and value (or the event record, or the file). The report shows them so an operator can
 * re-read every fact on the disk or in the shipped evidence; a fact without a citation is not
 * shown as one.
 */
import type { CollectOutput } from "../collect/contract";
import type { FactCitation } from "../evidence/facts";
import type { RepairAction } from "../collect/contract";
import type { Culprit } from "../repair/types";

/** What of a decision the cited facts follow: its culprit and its actions. */
export interface DecisionBasis {
  culprit: Pick<Culprit, "service"> | null;
  actions: readonly Pick<RepairAction, "action" | "args">[];
}

export interface CitedFact {
  /** JSON pointer into the planner's input, e.g. `/services/12/start`. */
  fact: string;
  /** The fact's value as the planner used it (JSON). */
  value: string;
  /** Where it was read: `SYSTEM \ControlSet001\Services\cxnetmon : Start`, or `System.evtx record 42`. */
  source: string;
}

/** The value at a JSON pointer of `doc` (RFC 6901), or undefined. */
function at(doc: unknown, pointer: string): unknown {
  let v: unknown = doc;
  for (const raw of pointer.split("/").slice(1)) {
    const part = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

function sourceOf(c: FactCitation): string {
  const file = c.file.split(/[\\/]/).pop() || c.file;
  if (c.record !== undefined) return `${file} record ${c.record}`;
  if (c.key === undefined) return file;
  const key = c.key === "" ? "(root)" : `\\${c.key}`;
  return c.value === undefined ? `${file} ${key}` : `${file} ${key} : ${c.value || "(default)"}`;
}

const MAX_VALUE = 160;

/** A value as the report shows it: an event as its id, provider and time; long text cut. */
function shown(v: unknown): string {
  if (v === undefined) return "(not in the input)";
  const e = v as { id?: unknown; provider?: unknown; timeCreatedUtc?: unknown };
  if (v !== null && typeof v === "object" && typeof e.id === "number" && "timeCreatedUtc" in e)
    return `event ${e.id} (${String(e.provider)}) at ${String(e.timeCreatedUtc)}`;
  const text = JSON.stringify(v);
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE)}…` : text;
}

/** The services the decision touches or names: the culprit's and every planned action's. */
function servicesOf(decision: DecisionBasis): Set<string> {
  const names = new Set<string>();
  if (decision.culprit?.service) names.add(decision.culprit.service.toLowerCase());
  for (const a of decision.actions as readonly RepairAction[]) {
    if (a.action === "DisableDriver") names.add(a.args.service.toLowerCase());
    if (a.action === "CleanBoot") for (const s of a.args.services) names.add(s.toLowerCase());
  }
  return names;
}

/**
 * The cited facts behind a decision: the control sets, the boot entry, the guest components and
 * the keys of the services it acts on (in that order), with their values from `collect`.
 */
export function citedFacts(
  decision: DecisionBasis,
  collect: CollectOutput,
  citations: readonly FactCitation[],
): CitedFact[] {
  const services = servicesOf(decision);
  const indexes = new Set(
    collect.services.flatMap((s, i) => (services.has(s.name.toLowerCase()) ? [String(i)] : [])),
  );
  const wanted = (fact: string): boolean => {
    const [, top, index] = fact.split("/");
    if (top === "services") return index !== undefined && indexes.has(index);
    return ["controlSets", "bcd", "guest", "os", "dumps", "events"].includes(top ?? "");
  };
  const out: CitedFact[] = [];
  const seen = new Set<string>();
  for (const c of citations) {
    if (!wanted(c.fact) || c.fact.endsWith("/base64")) continue;
    const source = sourceOf(c);
    const id = `${c.fact}|${source}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push({ fact: c.fact, value: shown(at(collect, c.fact)), source });
  }
  return out;
}
