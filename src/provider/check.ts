/**
 * Check of a step's inputs: the types its {@link PropertySpec}s declare, the required ones present,
 * then the kind's own rules. Every failure names its property, so the engine shows it on the input.
 * Values not known yet (preview) are not judged.
 */
import type * as provider from "@pulumi/pulumi/provider";
import type { PropertySpec } from "../steps/contract";
import type { AnyStepKind } from "./anyKind";
import { containsUnknown, reveal, type Props } from "./values";

function typeOf(v: unknown): string {
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

function fits(spec: PropertySpec, v: unknown): boolean {
  const t = typeOf(v);
  if (spec.type === "number") return t === "number" || t === "integer";
  if (t !== spec.type) return false;
  if (spec.items && t === "array") return (v as unknown[]).every((x) => fits(spec.items!, x));
  if (spec.objectType && t === "object") {
    const props = spec.objectType.properties;
    const fields = v as Props;
    return (
      Object.keys(fields).every((k) => k in props) &&
      Object.entries(props).every(([k, p]) =>
        fields[k] === undefined || fields[k] === null ? p.optional === true : fits(p, fields[k]),
      )
    );
  }
  if (t === "object") return Object.values(v as Props).every((x) => fits(spec.items ?? STRING, x));
  return true;
}

const STRING: PropertySpec = { type: "string", description: "A value." };

/** What a value of the spec is, in words. */
function what(spec: PropertySpec): string {
  if (spec.objectType) return `a ${spec.objectType.name} object`;
  return `${spec.type === "array" || spec.type === "object" || spec.type === "integer" ? "an" : "a"} ${spec.type}`;
}

/** The property a kind's failure line names: the first input key that appears in it as a word. */
export function propertyOf(line: string, keys: readonly string[]): string {
  let best = "";
  let at = Infinity;
  for (const k of keys) {
    const m = new RegExp(`\\b${k}\\b`).exec(line);
    if (m && m.index < at) {
      at = m.index;
      best = k;
    }
  }
  return best;
}

export function checkProperties(kind: AnyStepKind, news: Props): provider.CheckFailure[] {
  const failures: provider.CheckFailure[] = [];
  const values = reveal(news) as Props;
  const unknown = new Set(Object.keys(values).filter((k) => containsUnknown(values[k])));
  const specs = kind.inputs as Record<string, PropertySpec>;
  for (const [k, spec] of Object.entries(specs)) {
    const v = values[k];
    if (unknown.has(k)) continue;
    if (v === undefined || v === null) {
      if (!spec.optional) failures.push({ property: k, reason: `${k} is required` });
    } else if (!fits(spec, v)) {
      failures.push({
        property: k,
        reason: `${k} must be ${what(spec)}`,
      });
    }
  }
  for (const k of Object.keys(values)) {
    if (!(k in specs))
      failures.push({ property: k, reason: `${k} is not an input of ${kind.token}` });
  }
  if (failures.length > 0 || !kind.check) return failures;
  const known = Object.fromEntries(Object.entries(values).filter(([k]) => !unknown.has(k)));
  const keys = Object.keys(specs);
  for (const line of kind.check(known)) {
    const property = propertyOf(line, keys);
    if (!unknown.has(property)) failures.push({ property, reason: line });
  }
  return failures;
}
