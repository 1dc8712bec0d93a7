/**
 * Dotted numeric versions as Windows reports them ("10.0.17763.6414", "2.7.41491.1102", "8.4.3").
 * `semver` needs exactly three parts, so this is a small comparator of its own: up to four
 * numeric parts, missing parts count as 0 ("2.2" = "2.2.0.0").
 */

const VERSION = /^\d{1,10}(\.\d{1,10}){0,3}$/;

/** The numeric parts of a dotted version, or null when `text` is not one. */
export function parseVersion(text: string | null | undefined): number[] | null {
  if (typeof text !== "string") return null;
  const trimmed = text.trim();
  if (!VERSION.test(trimmed)) return null;
  return trimmed.split(".").map(Number);
}

/**
 * Compares two dotted versions: negative when a < b, 0 when equal, positive when a > b.
 * Throws when either is not a dotted numeric version (callers check with {@link parseVersion}).
 */
export function compareVersions(a: string, b: string): number {
  const pa = parseVersion(a);
  const pb = parseVersion(b);
  if (!pa || !pb) throw new Error(`not a dotted numeric version: "${pa ? b : a}"`);
  for (let i = 0; i < 4; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
