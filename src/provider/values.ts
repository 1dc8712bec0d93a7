/**
 * Property values as the engine sends them over gRPC (`google.protobuf.Struct`): a secret is an
 * object with the secret signature and a `value`, an unknown (preview) is the unknown sentinel
 * string. The plugin unwraps secrets before a step sees its inputs and wraps them again on the way
 * out, so nothing secret reaches the state in plain text.
 */

/** Key of the signature object the engine uses for secrets, resources, assets… */
export const SIGNATURE_KEY = "4dabf18193072939515e22adb298388d";
/** Signature value of a secret. */
export const SECRET_SIGNATURE = "1b47061264138c4ac30d75fd1eb44270";
/** A value that is not known yet (preview). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export type Props = Record<string, unknown>;

export function isSecret(v: unknown): v is { value: unknown } {
  return typeof v === "object" && v !== null && (v as Props)[SIGNATURE_KEY] === SECRET_SIGNATURE;
}

export function secret(value: unknown): Props {
  return { [SIGNATURE_KEY]: SECRET_SIGNATURE, value };
}

/** True when the value or anything inside it is unknown. */
export function containsUnknown(v: unknown): boolean {
  if (v === UNKNOWN) return true;
  if (Array.isArray(v)) return v.some(containsUnknown);
  if (typeof v === "object" && v !== null) return Object.values(v).some(containsUnknown);
  return false;
}

/** The value without secret wrappers, at any depth. */
export function reveal(v: unknown): unknown {
  if (isSecret(v)) return reveal(v.value);
  if (Array.isArray(v)) return v.map(reveal);
  if (typeof v === "object" && v !== null) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, reveal(x)]));
  }
  return v;
}

/** The properties without secret wrappers, and the names of those that held a secret. */
export function unwrap(props: Props): { values: Props; secrets: Set<string> } {
  const secrets = new Set<string>();
  const values: Props = {};
  for (const [k, v] of Object.entries(props)) {
    if (JSON.stringify(v ?? null).includes(SECRET_SIGNATURE)) secrets.add(k);
    values[k] = reveal(v);
  }
  return { values, secrets };
}

/** The properties with the named ones wrapped as secrets (undefined values are left out). */
export function wrap(values: Props, secrets: ReadonlySet<string>): Props {
  const out: Props = {};
  for (const [k, v] of Object.entries(values)) {
    if (v === undefined) continue;
    out[k] = secrets.has(k) ? secret(v) : v;
  }
  return out;
}
