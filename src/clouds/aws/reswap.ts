/**
 * Whether the AWS root swap is redone after a rollback: the rollback marks the swap's record on the
 * instance `rolled-back`, and only a `swapGeneration` above the rolled-back swap's redoes it (as
 * `decideReswap` does for the Azure OS-disk swap).
 */
import { PlanError } from "../../vocabulary/errors";
import { ROLLED_BACK_PHASE, SWAP_PROGRESS_TAG, type Progress } from "./stepKit";

/** Refuses a `swapGeneration` that is not a non-negative integer (one line, before anything is created). */
export function validateSwapGeneration(v: unknown): void {
  if (v !== undefined && v !== null && !(typeof v === "number" && Number.isInteger(v) && v >= 0))
    throw new PlanError(
      "invalid-option",
      `swapGeneration must be a whole number 0 or above (raise it to swap again after a rollback), got ${JSON.stringify(v)}`,
    );
}

/** A swap generation from an input or a record: a non-negative integer, else 0. */
export const generationOf = (v: unknown): number =>
  typeof v === "number" && Number.isInteger(v) && v >= 0 ? v : 0;

/** What the swap does with an instance whose root is not the repaired volume. */
export type ReswapDecision =
  { swap: true; reason: string } | { swap: false; rolledBackGeneration: number; reason: string };

/**
 * Whether to swap the repaired volume in when it is not the root. A swap that was rolled back — the
 * instance's swap record for this volume says `rolled-back`, or says `started` while the root is
 * another volume (changed outside the stack, e.g. the direct rollback), or the previous run of this
 * resource (`olds`) had it as the root, or already refused for that reason — is redone only when
 * `swapGeneration` is above the rolled-back swap's generation (the record's, or the previous run's
 * input). Pure.
 */
export function decideReswap(
  i: { instanceId: string; volumeId: string; swapGeneration?: number },
  record: Progress | null,
  root: string | null,
  olds?: {
    swapped?: boolean;
    rootVolumeId?: string;
    rolledBack?: boolean;
    swapGeneration?: number;
  },
): ReswapDecision {
  const wanted = generationOf(i.swapGeneration);
  const evidence: { why: string; generation: number }[] = [];
  if (record?.phase === ROLLED_BACK_PHASE || record?.phase === "started")
    evidence.push({
      why:
        record.phase === ROLLED_BACK_PHASE
          ? `the instance's ${SWAP_PROGRESS_TAG} record says ${ROLLED_BACK_PHASE}`
          : `the swap completed earlier and the root is now ${root ?? "none"} (changed outside the rescue)`,
      generation: generationOf(record.generation),
    });
  if (olds?.swapped === true && olds.rootVolumeId === i.volumeId)
    evidence.push({
      why: "the previous run swapped the volume in and the root is another volume now",
      generation: generationOf(olds.swapGeneration),
    });
  if (olds?.rolledBack === true)
    evidence.push({
      why: "the previous run found the swap rolled back",
      generation: generationOf(olds.swapGeneration),
    });
  if (evidence.length === 0) return { swap: true, reason: "" };
  const rolledBackGeneration = Math.max(...evidence.map((e) => e.generation));
  if (wanted > rolledBackGeneration)
    return {
      swap: true,
      reason: `the rolled-back swap (generation ${rolledBackGeneration}) was redone: swapGeneration ${wanted}`,
    };
  return {
    swap: false,
    rolledBackGeneration,
    reason: `the swap of ${i.instanceId} to ${i.volumeId} was rolled back (${evidence.map((e) => e.why).join("; ")}), so the root stays ${root ?? "none"}; to swap the repaired volume in again set swapGeneration to ${rolledBackGeneration + 1}`,
  };
}
