/**
 * The Windows volume's dirty bit from the raw `fsutil dirty query <drive>` collect shipped. fsutil
 * prints one line: "Volume - C: is Dirty" / "Volume - C: is NOT Dirty" (documented as
 * "Volume C: is dirty" / "Volume C: is not dirty"). Anything else — a failed run, a localized
 * helper's text — is unknown (null), never guessed: the planner then does not act on the bit.
 */
import type { CollectManifest } from "../../collect/manifest";

const LINE = /^\s*Volume\s+(?:-\s+)?[A-Za-z]:\s+is\s+(not\s+)?dirty\.?\s*$/i;

/** True (dirty), false (not dirty) or null (not run, failed, or text this reader does not know). */
export function volumeDirtyOf(query: CollectManifest["dirtyQuery"]): boolean | null {
  if (!query || query.exitCode !== 0) return null;
  const found = query.output
    .split(/\r?\n/)
    .map((l) => LINE.exec(l))
    .filter((m): m is RegExpExecArray => m !== null);
  if (found.length !== 1) return null;
  return found[0][1] === undefined;
}
