/**
 * The serial console log of a Windows VM, read before and after a boot: where it stood before the
 * VM was started on another disk (the baseline), what it gained since, and whether that shows a new
 * bug check. Cloud-neutral: Azure's boot diagnostics log and EC2's console output are the same
 * Windows text (SAC's BLUESCREEN record, STOP codes), and the swap, the boot verification and the
 * rollback of both clouds read them through these functions. Pure.
 */
import { createHash } from "node:crypto";

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

/** Where the serial console log stood before the VM was started on another disk (after a swap, a rollback). */
export interface SerialBaseline {
  /** Characters in the log then. */
  length: number;
  /** SHA-256 (hex) of those characters: a log that no longer starts with them was reset or rotated. */
  sha256: string;
  /**
   * The last characters of the log then. A console that only returns its most recent window (EC2's
   * 64 KB) no longer starts with the recorded text once it has scrolled; the tail, found again,
   * still marks where the new text begins. Absent in baselines recorded before it existed.
   */
  tail?: string;
}

/** How much of the log's end a baseline keeps to find its place again in a scrolled window. */
export const BASELINE_TAIL_CHARS = 512;

/** The baseline of a serial log as read now; null when there is no log. */
export function serialBaseline(serialLog: string | null): SerialBaseline | null {
  return serialLog === null
    ? null
    : {
        length: serialLog.length,
        sha256: sha256(serialLog),
        tail: serialLog.slice(-BASELINE_TAIL_CHARS),
      };
}

/**
 * What the log holds that the baseline did not: the text after the baseline when the log still
 * starts with exactly the recorded text; when it does not (a window that scrolled), the text after
 * the last place the recorded tail appears, when anything follows it; else the whole log (no
 * baseline, reset or rotated: all of it is new — a false re-crash at worst, never a missed one).
 */
export function newSerialText(
  serialLog: string | null,
  baseline: SerialBaseline | null | undefined,
): string | null {
  if (serialLog === null || !baseline) return serialLog;
  if (
    serialLog.length >= baseline.length &&
    sha256(serialLog.slice(0, baseline.length)) === baseline.sha256
  )
    return serialLog.slice(baseline.length);
  if (baseline.tail) {
    // Only when something follows it: a log that merely ends with the old text shows no new boot.
    const at = serialLog.lastIndexOf(baseline.tail);
    if (at >= 0 && at + baseline.tail.length < serialLog.length)
      return serialLog.slice(at + baseline.tail.length);
  }
  return serialLog;
}

/**
 * The first serial-console line that reports a bug check (SAC's BLUESCREEN instance, a STOP code,
 * or a bug-check line), or null.
 */
export function findBugCheck(serialLog: string | null): string | null {
  if (!serialLog) return null;
  const line = serialLog
    .split(/\r?\n/)
    .find((l) =>
      /CLASSNAME="BLUESCREEN"|NAME="STOPCODE"|\*\*\* STOP: 0x|\bBugCheck\b|\bbug ?check(?:ed)?\b/i.test(
        l,
      ),
    );
  return line === undefined ? null : line.trim().slice(0, 300);
}
