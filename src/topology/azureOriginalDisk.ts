/**
 * The original OS disk across re-runs: the tags with which the repaired copy names its original,
 * and how the planner finds the original when the VM already runs on the copy.
 */
import { PlanError } from "../vocabulary/errors";
import { parseArmId } from "../describe/azureVm";
import { ID_TAG, SOURCE_TAG, ROLE_TAG, REPAIR_COPY_ROLE, COPY_OF_TAG } from "../vocabulary/tags";
import { same } from "./azureNames";
import type { AzureRescueOptions } from "./azureOptions";
import type { AzureRescueInput } from "./azureOptions";

/** Azure's limit on a tag value. */
export const TAG_VALUE_MAX = 256;

/**
 * The tags that name the original OS disk on the copy: `vm-rescue:copy-of` = its id, or — for an id
 * over {@link TAG_VALUE_MAX} characters (a 90-character resource group and an 80-character disk
 * name make 272) — the id in two halves, `vm-rescue:copy-of-1` and `vm-rescue:copy-of-2`.
 */
export function copyOfTags(originalDiskId: string): Record<string, string> {
  if (originalDiskId.length <= TAG_VALUE_MAX) return { [COPY_OF_TAG]: originalDiskId };
  if (originalDiskId.length <= 2 * TAG_VALUE_MAX) {
    return {
      [`${COPY_OF_TAG}-1`]: originalDiskId.slice(0, TAG_VALUE_MAX),
      [`${COPY_OF_TAG}-2`]: originalDiskId.slice(TAG_VALUE_MAX),
    };
  }
  throw new PlanError(
    "invalid-input",
    `the OS disk's id is ${originalDiskId.length} characters; the copy cannot record it in its tags (at most ${2 * TAG_VALUE_MAX})`,
  );
}

/** The original OS disk a copy's tags name ({@link copyOfTags}), or null. Tag names are case-insensitive in Azure. */
export function copyOfFromTags(tags: Record<string, string> | null | undefined): string | null {
  const t = lowerKeys(tags);
  if (t[COPY_OF_TAG]) return t[COPY_OF_TAG];
  const a = t[`${COPY_OF_TAG}-1`];
  const b = t[`${COPY_OF_TAG}-2`];
  return a && b ? a + b : null;
}

function lowerKeys(tags: Record<string, string> | null | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(tags ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
}

/**
 * The original OS disk. Usually the VM's OS disk. When that is this rescue's repaired copy (a
 * re-run after the swap: tags `vm-rescue:role=repair-copy` and `vm-rescue:id=<rescueId>`, or the
 * copy's deterministic name in the VM's group), the original is the one the copy's
 * `vm-rescue:copy-of` tag names, or `originalOsDiskId` — never the copy, which would make the next
 * `up` snapshot and copy the copy and roll back to it. Another rescue's copy, or any other disk, is
 * the original as today.
 */
export function decideOriginalOsDisk(
  input: AzureRescueInput,
  options: AzureRescueOptions,
  at: {
    vmName: string;
    sourceRg: string;
    copyName: string;
    currentOsDiskId: string;
    currentArm: ArmIdParts;
  },
): { originalId: string; alreadySwapped: boolean } {
  const tags = lowerKeys(input.osDisk?.tags);
  const taggedOurs =
    tags[ROLE_TAG] === REPAIR_COPY_ROLE &&
    tags[ID_TAG] === options.rescueId &&
    (tags[SOURCE_TAG] === undefined || same(tags[SOURCE_TAG], `${at.sourceRg}/${at.vmName}`));
  const namedOurs =
    same(at.currentArm.type, "disks") &&
    same(at.currentArm.name, at.copyName) &&
    same(at.currentArm.resourceGroup, at.sourceRg);
  const pinned = options.originalOsDiskId;
  if (!taggedOurs && !namedOurs) {
    if (pinned !== undefined && !same(pinned, at.currentOsDiskId)) {
      throw new PlanError(
        "os-disk-changed",
        `VM ${at.vmName} has OS disk ${at.currentOsDiskId}, which is neither originalOsDiskId (${pinned}) nor this rescue's copy ${at.copyName}; it was changed outside this rescue`,
      );
    }
    return { originalId: at.currentOsDiskId, alreadySwapped: false };
  }
  const tagged = copyOfFromTags(input.osDisk?.tags);
  if (tagged !== null) parseArmId(tagged, `the ${COPY_OF_TAG} tag of the VM's OS disk`);
  if (tagged !== null && pinned !== undefined && !same(tagged, pinned)) {
    throw new PlanError(
      "invalid-option",
      `originalOsDiskId ${pinned} differs from the original disk the VM's OS disk (this rescue's copy) names in its ${COPY_OF_TAG} tag: ${tagged}`,
    );
  }
  // The tag holds exactly the id the first run used, so every input stays the same.
  const originalId = tagged ?? pinned;
  if (originalId === undefined) {
    throw new PlanError(
      "original-disk-unknown",
      `VM ${at.vmName} already runs on this rescue's repaired copy ${at.currentArm.name}, which does not name its original (no ${COPY_OF_TAG} tag); set originalOsDiskId to the original OS disk's id so the backup, the copy and a rollback keep pointing at it`,
    );
  }
  if (same(originalId, at.currentOsDiskId)) {
    throw new PlanError(
      "invalid-option",
      `the original OS disk ${originalId} cannot be the copy itself`,
    );
  }
  return { originalId, alreadySwapped: true };
}

export type ArmIdParts = ReturnType<typeof parseArmId>;
