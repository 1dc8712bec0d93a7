/**
 * The rollback's cloud-neutral part: which disk goes back, read from the tags a rescue left on the
 * disk the VM runs on now, and what a direct rollback reports. Both clouds' direct rollbacks
 * (`clouds/azure/rollback.ts`, `clouds/aws/rollback.ts`) decide with {@link originalToRestore}
 * and return a {@link RollbackResult}. Pure.
 */
import { UsageError } from "../vocabulary/exitCodes";
import { ID_TAG, ORIGINAL_OS_DISK_OF_TAG, REPAIR_COPY_ROLE, ROLE_TAG } from "../vocabulary/tags";

/** What a direct rollback did, printed as one line or as JSON. */
export interface RollbackResult {
  cloud: "azure" | "aws";
  target: string;
  /** True when the original is the OS disk / root now (also when it already was). */
  rolledBack: boolean;
  /** False when the original already was in place (nothing was changed). */
  changed: boolean;
  originalId: string;
  /** The repaired copy that was replaced (kept, detached), or null. */
  replacedId: string | null;
  /** True when the VM booted after the rollback; null when nothing was started. */
  booted: boolean | null;
  reasons: string[];
  /** AWS inPlace: the backup snapshot the restored root was made from. */
  fromSnapshot?: string;
  /** AWS inPlace: when that backup was taken (ISO), null when unknown. */
  snapshotTakenAt?: string | null;
  /** AWS inPlace: the volume made from the backup that is the root now. */
  restoredId?: string;
}

/** How a direct rollback reports as it goes and asks before it changes anything. */
export interface RollbackHooks {
  /** One line of progress (stderr). */
  log(line: string): void;
  /** Asks before the first change; throws (a UsageError) when it may not go on. */
  confirm(what: string): Promise<void>;
}

/** The tags with lower-case keys (Azure keeps the casing they were written with). */
export const lowerKeys = (t: Record<string, string> | null | undefined) =>
  Object.fromEntries(Object.entries(t ?? {}).map(([k, v]) => [k.toLowerCase(), v]));

/** Same resource, whatever the casing (Azure returns resource groups in any case). */
const sameId = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * Which disk goes back, from the VM's OS disk and its tags: a rescue's repaired copy
 * (`vm-rescue:role=repair-copy`) names its original in `vm-rescue:copy-of` (or `-1`/`-2`);
 * `pinned` (--original-disk / --original-volume) names it when the tag is missing and must agree
 * with it otherwise. "already" when the OS disk is the original (pinned, or tagged as a rescue's
 * original). Throws UsageError (nothing was changed). Pure.
 */
export function originalToRestore(
  current: { id: string; tags: Record<string, string> | null },
  o: {
    pinned?: string;
    rescueId?: string;
    what: string;
    vmLabel: string;
    originalFlag: string;
    copyOf: (tags: Record<string, string>) => string | null;
  },
):
  | { kind: "already"; originalId: string }
  | { kind: "restore"; originalId: string; rescueId: string | null } {
  const tags = lowerKeys(current.tags);
  if (o.pinned && sameId(o.pinned, current.id)) return { kind: "already", originalId: current.id };
  const isCopy = tags[ROLE_TAG] === REPAIR_COPY_ROLE;
  if (!isCopy) {
    if (tags[ORIGINAL_OS_DISK_OF_TAG] !== undefined && !o.pinned)
      return { kind: "already", originalId: current.id };
    // Only a rescue's own copy is ever replaced: a pinned original does not make any other disk one.
    throw new UsageError(
      `${o.vmLabel} runs on ${o.what} ${current.id}, which is not a rescue's repaired copy (no ${ROLE_TAG}=${REPAIR_COPY_ROLE} tag); nothing to roll back, nothing was changed`,
    );
  }
  const rescueId = tags[ID_TAG] ?? null;
  if (isCopy && o.rescueId && rescueId && rescueId !== o.rescueId) {
    throw new UsageError(
      `${o.vmLabel} runs on the copy of rescue ${rescueId}, not of ${o.rescueId}; nothing was changed`,
    );
  }
  const tagged = isCopy ? o.copyOf(current.tags ?? {}) : null;
  if (tagged && o.pinned && !sameId(tagged, o.pinned)) {
    throw new UsageError(
      `${o.originalFlag} ${o.pinned} differs from the original the ${o.what} names in its vm-rescue:copy-of tag (${tagged}); nothing was changed`,
    );
  }
  const originalId = tagged ?? o.pinned;
  if (!originalId)
    throw new UsageError(
      `${o.vmLabel} runs on a rescue's repaired copy ${current.id} that does not name its original (no vm-rescue:copy-of tag); give ${o.originalFlag} <id>`,
    );
  return { kind: "restore", originalId, rescueId };
}
