/**
 * Corroboration of an update rollback (`RevertPendingActions`, DISM's
 * `/Cleanup-Image /RevertPendingActions`, which cannot be put back): servicing left pending on the
 * disk (`Windows\WinSxS\pending.xml`, `PendingFileRenameOperations`) is one source, and is common on
 * a healthy machine between an update and its reboot; the crash must point at servicing too: a stop
 * code that a half-applied update leaves (in a dump, a bug-check event 1001 or Kernel-Power 41) or
 * a Windows Update event of an install that failed or began shortly before the first crash.
 */
import type { CollectOutput, EventFacts } from "../../collect/contract";
import type { TriageResult } from "../../triage/types";

/**
 * Stop codes of a boot that servicing left inconsistent: a session-critical user-mode process
 * (smss, csrss, winlogon) died, typically on system files a half-applied update mismatched; or a
 * system image failed its checksum, a file half-replaced.
 */
export const SERVICING_STOP_CODES: Readonly<Record<string, string>> = {
  "0xC000021A": "STATUS_SYSTEM_PROCESS_TERMINATED",
  "0xC0000221": "STATUS_IMAGE_CHECKSUM_MISMATCH",
};

/** Windows Update client events: 20 an installation failed, 43 an installation started. */
export const UPDATE_EVENT_IDS: readonly number[] = [20, 43];
const UPDATE_PROVIDER = /^Microsoft-Windows-WindowsUpdateClient$/i;
/** The kernel's own modules: a dump that names one of them blames no driver. */
const KERNEL_MODULES =
  /^(ntoskrnl|ntkrnlmp|ntkrnlpa|ntkrpamp|hal|halmacpi|halacpi)\.exe$|^hal\.dll$/i;
/** An update event (an install begun or failed) at most this long before the first crash counts. */
const UPDATE_WINDOW_MS = 7 * 24 * 3600 * 1000;

export interface ServicingCorroboration {
  /** The servicing left pending on the disk, one line each (empty: nothing pending). */
  pending: string[];
  /** What in the crash evidence points at servicing, one line each. */
  crash: string[];
}

/** "0xC000021A" for 0xc000021a, 3221226010 or "0x00000000c000021a"; null for no code. */
function codeOf(raw: string | undefined): string | null {
  if (raw === undefined) return null;
  const t = raw.trim();
  const n = /^0x[0-9a-f]+$/i.test(t) ? Number.parseInt(t, 16) : /^\d+$/.test(t) ? Number(t) : NaN;
  if (!Number.isFinite(n) || n === 0) return null;
  return `0x${n.toString(16).toUpperCase()}`;
}

function stopCodeOfEvent(e: EventFacts): string | null {
  if (e.id === 41 && /kernel-power/i.test(e.provider)) return codeOf(e.data.BugcheckCode);
  if (e.id === 1001 && /systemerrorreporting|bugcheck/i.test(e.provider))
    return codeOf(/^\s*(0x[0-9a-f]+)/i.exec(e.data.param1 ?? "")?.[1]);
  return null;
}

/** Both sources of a rollback: what is pending, and what in the crash points at servicing. */
export function corroborateServicing(
  collect: Pick<CollectOutput, "pendingUpdates" | "events">,
  dumps: readonly TriageResult[],
): ServicingCorroboration {
  const p = collect.pendingUpdates;
  // DISM /RevertPendingActions reverts the component store's pending actions (pending.xml); the
  // renames other installers leave in PendingFileRenameOperations are not its to revert, so they
  // are cited beside pending.xml and never stand for it.
  const pending = p.pendingXml
    ? [
        "Windows\\WinSxS\\pending.xml exists",
        ...(p.pendingFileRenames ? ["Session Manager PendingFileRenameOperations is set"] : []),
      ]
    : [];
  const crash: string[] = [];
  const valid = dumps.filter((t) => t.error === null);
  for (const t of valid) {
    const code = codeOf(t.bugCheck?.code);
    if (code !== null && code in SERVICING_STOP_CODES)
      crash.push(`${t.file}: stop code ${code} ${SERVICING_STOP_CODES[code]}`);
  }
  for (const e of collect.events) {
    const code = stopCodeOfEvent(e);
    if (code !== null && code in SERVICING_STOP_CODES)
      crash.push(
        `event ${e.id} at ${e.timeCreatedUtc}: stop code ${code} ${SERVICING_STOP_CODES[code]}`,
      );
  }
  const crashTimes = [
    ...valid.map((t) => t.crashTime),
    ...collect.events.filter((e) => stopCodeOfEvent(e) !== null).map((e) => e.timeCreatedUtc),
  ]
    .map((s) => (s === null ? NaN : Date.parse(s)))
    .filter((t) => Number.isFinite(t));
  const firstCrash = crashTimes.length > 0 ? Math.min(...crashTimes) : null;
  // A dump that names a driver other than the kernel's own modules points away from servicing:
  // an update event beside it is not the crash's cause (long-lived servers keep both).
  const driverBlamed = valid.some(
    (t) =>
      t.causedBy !== null &&
      !KERNEL_MODULES.test(t.causedBy.module) &&
      !((codeOf(t.bugCheck?.code) ?? "") in SERVICING_STOP_CODES),
  );
  for (const e of collect.events) {
    if (!UPDATE_PROVIDER.test(e.provider) || !UPDATE_EVENT_IDS.includes(e.id)) continue;
    if (driverBlamed) continue;
    const t = Date.parse(e.timeCreatedUtc);
    // an install that began or failed long before the crashes (or after the first) is not their cause
    if (firstCrash === null || !(t >= firstCrash - UPDATE_WINDOW_MS && t <= firstCrash)) continue;
    const what = e.id === 20 ? "an update failed to install" : "an update began to install";
    const update = e.data.updateTitle ?? e.data.param1;
    crash.push(`event ${e.id} at ${e.timeCreatedUtc}: ${what}${update ? ` (${update})` : ""}`);
  }
  return { pending, crash };
}

/** True when servicing is pending and the crash evidence points at it. */
export function servicingCorroborated(c: ServicingCorroboration): boolean {
  return c.pending.length > 0 && c.crash.length > 0;
}
