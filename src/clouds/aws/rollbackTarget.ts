/**
 * Which volume the direct AWS rollback puts back, from the instance's root volume and the tags the
 * rescues left on their backups and copies (the Azure side needs only the OS disk's own tags:
 * `originalToRestore` in src/swap/rollback.ts, which this also uses for a repair copy). Pure.
 */
import { lowerKeys, originalToRestore } from "../../swap/rollback";
import { UsageError } from "../../vocabulary/exitCodes";
import {
  BACKUP_ROLE,
  COPY_OF_TAG,
  ID_TAG,
  MODE_TAG,
  REPAIR_COPY_ROLE,
  ROLE_TAG,
  ROLLBACK_FROM_BACKUP_ROLE,
  SOURCE_TAG,
} from "../../vocabulary/tags";
import type { SnapshotView } from "./snapshots";
import type { VolumeView } from "./operations";

/** What the direct AWS rollback puts back. */
export type AwsRollbackTarget =
  | { kind: "already"; originalId: string; restoredId?: string; fromSnapshot?: string }
  /** Attach this volume (the original, or --original-volume) as the root. */
  | { kind: "reattach"; originalId: string; rescueId: string | null }
  /** inPlace: a volume from the backup snapshot, with the original's settings, becomes the root. */
  | {
      kind: "fromBackup";
      originalId: string;
      snapshotId: string;
      rescueId: string;
      /** When the backup was taken (ISO; "" unknown). */ takenAt: string;
    };

const newestFirst = (a: SnapshotView, b: SnapshotView) => b.startTime.localeCompare(a.startTime);

/**
 * Which volume goes back, from the instance's root volume (null: nothing attached at its root
 * device) and what the rescues tagged. Pure; throws UsageError (nothing was changed).
 *
 * - Root is a rescue's copy (vm-rescue:role=repair-copy): its vm-rescue:copy-of original (see
 *   {@link originalToRestore}; --original-volume when the tag is missing).
 * - Root is a volume from a backup (role=rollback-from-backup): already rolled back.
 * - Root is the source of a backup snapshot tagged vm-rescue:mode=inPlace: it was repaired in
 *   place, so a volume from the newest such backup goes back (the repaired one is kept). The
 *   source of a copy-mode backup is the original: nothing to do.
 * - No root: the original named by the rescue's tags — the source volume of a backup snapshot
 *   tagged vm-rescue:source=<instance>, or the copy-of of a repair copy with that tag; when that
 *   rescue was inPlace, a volume from its backup. More than one original: --original-volume or --stack.
 *
 * `backups`: snapshots with vm-rescue:role=backup of the root volume (or, with no root, of the
 * instance); `copies`: with no root, the repair copies of the instance.
 */
export function awsRollbackTarget(
  t: { instanceId: string; label: string; rootDeviceName: string },
  root: { volumeId: string; tags: Record<string, string>; snapshotId: string | null } | null,
  found: { backups: SnapshotView[]; copies: Pick<VolumeView, "volumeId" | "tags">[] },
  o: { pinned?: string; rescueId?: string },
): AwsRollbackTarget {
  const ours = (tags: Record<string, string>) =>
    !o.rescueId || lowerKeys(tags)[ID_TAG] === o.rescueId;
  const backups = found.backups
    .filter(
      (b) => b.state !== "error" && lowerKeys(b.tags)[ROLE_TAG] === BACKUP_ROLE && ours(b.tags),
    )
    .sort(newestFirst);
  // Every rescue's backups (not only --stack's): a newer rescue of the volume decides what it is now.
  const allBackups = found.backups
    .filter((b) => b.state !== "error" && lowerKeys(b.tags)[ROLE_TAG] === BACKUP_ROLE)
    .sort(newestFirst);
  const fromBackup = (originalId: string, b: SnapshotView): AwsRollbackTarget => ({
    kind: "fromBackup",
    originalId,
    snapshotId: b.snapshotId,
    rescueId: lowerKeys(b.tags)[ID_TAG] ?? "manual",
    takenAt: b.startTime,
  });
  /**
   * The backup to restore `volumeId` from: only when the newest rescue that backed it up (of any
   * mode, any stack) was inPlace — the volume is then that rescue's repaired-in-place root — and
   * is the chosen rescue (--stack). A newer copy-mode rescue means the volume is its untouched
   * original: nothing to restore (null). An older inPlace backup is never used.
   */
  const inPlaceBackupOf = (volumeId: string): SnapshotView | null => {
    const newest = allBackups.find((b) => b.volumeId === volumeId);
    if (!newest || lowerKeys(newest.tags)[MODE_TAG] !== "inPlace") return null;
    if (!ours(newest.tags)) {
      const mine = backups.find((b) => b.volumeId === volumeId);
      if (!mine) return null;
      throw new UsageError(
        `the backup ${mine.snapshotId} of rescue ${o.rescueId} (taken ${mine.startTime || "at an unknown time"}) is older than ${newest.snapshotId} of rescue ${lowerKeys(newest.tags)[ID_TAG] ?? "unknown"} (taken ${newest.startTime || "at an unknown time"}), which repaired ${volumeId} since; restoring it would undo that rescue too: roll back that one (--stack), or give --original-volume`,
      );
    }
    return newest;
  };
  const rescueNote = o.rescueId ? ` of rescue ${o.rescueId}` : "";

  if (!root) {
    if (o.pinned) return { kind: "reattach", originalId: o.pinned, rescueId: null };
    const originals = new Map<string, string | null>();
    for (const b of backups)
      if (lowerKeys(b.tags)[SOURCE_TAG] === t.instanceId && b.volumeId)
        originals.set(b.volumeId, lowerKeys(b.tags)[ID_TAG] ?? null);
    for (const c of found.copies) {
      const tags = lowerKeys(c.tags);
      if (
        tags[ROLE_TAG] === REPAIR_COPY_ROLE &&
        tags[SOURCE_TAG] === t.instanceId &&
        tags[COPY_OF_TAG] &&
        ours(c.tags)
      )
        originals.set(tags[COPY_OF_TAG], tags[ID_TAG] ?? null);
    }
    const none = `${t.label} has no volume at its root device ${t.rootDeviceName}`;
    if (originals.size === 0)
      throw new UsageError(
        `${none} and no backup snapshot or repair copy${rescueNote} names its original root (tag ${SOURCE_TAG}=${t.instanceId}); give --original-volume <vol-id>`,
      );
    if (originals.size > 1)
      throw new UsageError(
        `${none} and the rescues' tags name several original roots (${[...originals.keys()].join(", ")}); give --original-volume <vol-id> or --stack <rescue>`,
      );
    const [[originalId, rescueId]] = [...originals];
    const inPlace = inPlaceBackupOf(originalId);
    return inPlace ? fromBackup(originalId, inPlace) : { kind: "reattach", originalId, rescueId };
  }

  const tags = lowerKeys(root.tags);
  if (!o.pinned && tags[ROLE_TAG] === ROLLBACK_FROM_BACKUP_ROLE) {
    return {
      kind: "already",
      originalId: tags[COPY_OF_TAG] ?? root.volumeId,
      restoredId: root.volumeId,
      ...(root.snapshotId ? { fromSnapshot: root.snapshotId } : {}),
    };
  }
  if (o.pinned || tags[ROLE_TAG] === REPAIR_COPY_ROLE) {
    const r = originalToRestore(
      { id: root.volumeId, tags: root.tags },
      {
        pinned: o.pinned,
        rescueId: o.rescueId,
        what: "root volume",
        vmLabel: t.label,
        originalFlag: "--original-volume",
        copyOf: (x) => lowerKeys(x)[COPY_OF_TAG] ?? null,
      },
    );
    return r.kind === "already"
      ? r
      : { kind: "reattach", originalId: r.originalId, rescueId: r.rescueId };
  }
  const inPlace = inPlaceBackupOf(root.volumeId);
  if (inPlace) return fromBackup(root.volumeId, inPlace);
  // The newest rescue of this volume was a copy-mode one: the root is its original, back already.
  if (
    allBackups.some((b) => b.volumeId === root.volumeId) &&
    (!o.rescueId || backups.some((b) => b.volumeId === root.volumeId))
  )
    return { kind: "already", originalId: root.volumeId };
  throw new UsageError(
    `${t.label} runs on root volume ${root.volumeId}, which is not a rescue's repaired copy (no ${ROLE_TAG}=${REPAIR_COPY_ROLE} tag) nor the source of an inPlace rescue's backup snapshot${rescueNote} (${MODE_TAG}=inPlace); nothing to roll back (--original-volume <id> puts a given one back)`,
  );
}
