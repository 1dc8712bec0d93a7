/**
 * Moving a VM onto another OS disk as a resumable state machine recorded in Azure, not only in
 * Pulumi's state: the disk being put in carries a phase tag (`prepared` → `deallocated` →
 * `started`) and the serial log's baseline. A step killed, cancelled or timed out anywhere resumes
 * from what the tags and the VM say: a VM already on the new disk whose phase is not `started` is
 * still started, one whose phase is `started` is never started again.
 */
import type { SerialBaseline } from "../../swap/serialLog";
import { serialBaseline } from "../../swap/serialLog";
import { readSerialLog } from "./bootVerification";
import { type AzureComputeOps, step } from "./operations";

/** On the repaired copy: how far the swap that puts it in got. */
export const SWAP_PHASE_TAG = "vm-rescue:swap-phase";
/** On the original OS disk: how far the rollback that puts it back got. */
export const ROLLBACK_PHASE_TAG = "vm-rescue:rollback-phase";
/** On the disk being put in: the serial log's baseline (`<length>:<sha256>`) before it was started. */
export const SERIAL_BASELINE_TAG = "vm-rescue:serial-baseline";

export type MovePhase = "prepared" | "deallocated" | "started" | "released";

/** A tag's value, whatever the casing of its key. */
export function tagValue(
  tags: Record<string, string> | null | undefined,
  key: string,
): string | undefined {
  return Object.entries(tags ?? {}).find(([k]) => k.toLowerCase() === key.toLowerCase())?.[1];
}

/** A baseline as a tag value (length and hash; a tag holds at most 256 characters). */
export const encodeBaseline = (b: SerialBaseline | null): string =>
  b ? `${b.length}:${b.sha256}` : "none";

export function decodeBaseline(v: string | undefined): SerialBaseline | null {
  const m = /^(\d+):([0-9a-f]{64})$/.exec(v ?? "");
  return m ? { length: Number(m[1]), sha256: m[2] } : null;
}

/** Power states in which the VM is down: no deallocate is needed before the disk is swapped. */
const DOWN = new Set(["deallocated", "stopped"]);

/** Power states in which a start is not needed. */
const UP = new Set(["running", "starting"]);

/**
 * Deallocates the VM (unless it is down already), records the phase and the serial baseline on `to`, makes `to` the OS disk and
 * starts it ({@link resumeStart}). Returns the baseline. The caller checked the VM is on the disk to
 * replace and wrote the `prepared` phase.
 */
export async function moveOsDisk(
  c: AzureComputeOps,
  rg: string,
  vmName: string,
  to: string,
  phaseTag: string,
): Promise<SerialBaseline | null> {
  // The broken VM crashes in a loop until it is deallocated: the baseline is taken after that
  // (and before, in case boot diagnostics cannot be read for a deallocated VM). The rescue's stop
  // (`stop.ts`) deallocated it after the backup, off this path; a VM still up is deallocated here.
  const before = serialBaseline((await readSerialLog(c, rg, vmName)).serial);
  const status = await step(`reading the instance view of VM ${vmName}`, () =>
    c.getStatus(rg, vmName),
  );
  if (!DOWN.has(status.powerState ?? ""))
    await step(`deallocating VM ${vmName}`, () => c.deallocate(rg, vmName));
  const baseline = serialBaseline((await readSerialLog(c, rg, vmName)).serial) ?? before;
  await step(`recording the phase on ${to}`, () =>
    c.addDiskTags(to, {
      [phaseTag]: "deallocated",
      [SERIAL_BASELINE_TAG]: encodeBaseline(baseline),
    }),
  );
  await step(`setting ${to} as the OS disk of VM ${vmName}`, () => c.setOsDisk(rg, vmName, to));
  await resumeStart(c, rg, vmName, to, {}, phaseTag);
  return baseline;
}

/**
 * The VM is on `to`: starts it unless `to`'s phase says the start was done (a done start is never
 * repeated) or it already runs, then records `started`. Returns whether it was started now and
 * the baseline recorded on `to`.
 */
export async function resumeStart(
  c: AzureComputeOps,
  rg: string,
  vmName: string,
  to: string,
  toTags: Record<string, string>,
  phaseTag: string,
): Promise<{ started: boolean; baseline: SerialBaseline | null }> {
  const baseline = decodeBaseline(tagValue(toTags, SERIAL_BASELINE_TAG));
  const phase = tagValue(toTags, phaseTag);
  if (phase === "started") return { started: false, baseline };
  const status = await step(`reading the instance view of VM ${vmName}`, () =>
    c.getStatus(rg, vmName),
  );
  const start = !UP.has(status.powerState ?? "");
  if (start) await step(`starting VM ${vmName}`, () => c.start(rg, vmName));
  // A VM that runs on a disk with no phase (moved before phases were recorded) needs no record.
  if (start || phase !== undefined)
    await step(`recording the phase on ${to}`, () => c.addDiskTags(to, { [phaseTag]: "started" }));
  return { started: start, baseline };
}

/**
 * A move that was given up before its disk went in (a gate closed since, or the step was removed):
 * when `to`'s phase says this rescue deallocated the VM, the VM is started again on the disk it has
 * and the phase becomes `released`. Returns a reason when it did something.
 */
export async function releaseHalfDone(
  c: AzureComputeOps,
  rg: string,
  vmName: string,
  to: string,
  phaseTag: string,
): Promise<string | null> {
  const tags = await step(`reading the tags of ${to}`, () => c.getDiskTags(to));
  const phase = tagValue(tags, phaseTag);
  if (phase !== "prepared" && phase !== "deallocated") return null;
  const status = await step(`reading the instance view of VM ${vmName}`, () =>
    c.getStatus(rg, vmName),
  );
  if (!UP.has(status.powerState ?? ""))
    await step(`starting VM ${vmName}`, () => c.start(rg, vmName));
  await step(`recording the phase on ${to}`, () => c.addDiskTags(to, { [phaseTag]: "released" }));
  return `an interrupted disk move was given up: VM ${vmName} was started again on the disk it has`;
}
