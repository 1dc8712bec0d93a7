/**
 * `buildReport`: the rescue outcome as a report with a status, the exit code it maps to, what was
 * kept and how to delete it, a cost estimate and the next steps for a person. Pure.
 */
import { blocksSwap } from "../drivers/check";
import { helperPricePerHour, PRICE_BASIS } from "./prices";
import {
  CostEstimate,
  KeptKind,
  ReportKept,
  REPORT_VERSION,
  RescueCloud,
  RescueOutcome,
  RescueReport,
  RescueStatus,
  TimelineStep,
} from "./types";

/** Exit code of each status: rescued/prepared 0, failed 1, blocked by the driver check 4. */
export const STATUS_EXIT_CODE: Record<RescueStatus, 0 | 1 | 4> = {
  rescued: 0,
  prepared: 0,
  failed: 1,
  blocked: 4,
};

/** Whether anything in the outcome failed (errors, a failed repair action, a failed swap or boot). */
function failures(o: RescueOutcome): string[] {
  const out = [...o.errors];
  for (const r of o.repair?.results ?? [])
    if (r.status === "failed") out.push(`repair action ${r.action} failed: ${r.message}`);
  const check = o.repairCheck;
  if (check && !check.ok) {
    const d = check.differences[0];
    out.push(
      `the check after the repair found ${check.differences.length} difference(s) from the plan (first: ${d.where} ${d.kind}, expected ${d.expected}, found ${d.found}): the repaired disk is not swapped in`,
    );
  }
  if (o.swap.attempted && !o.swap.swapped)
    out.push(`the disk swap did not complete${o.swap.message ? `: ${o.swap.message}` : ""}`);
  if (o.verify.booted === false)
    out.push(
      `the VM did not boot after the swap${o.verify.message ? `: ${o.verify.message}` : ""}`,
    );
  if (o.swap.swapped && stillInSafeMode(o))
    out.push(
      "safe mode is still set: the VM booted in safe mode and the rescue could not revert it (see the next steps for what to run)",
    );
  for (const s of o.timeline)
    if (s.status === "failed")
      out.push(`${s.op} ${s.name} failed${s.message ? `: ${s.message}` : ""}`);
  return [...new Set(out)];
}

/** The boot verification left work for a person: the VM runs, but safe mode is still set. */
function stillInSafeMode(o: RescueOutcome): boolean {
  return (o.verify.leftForPerson ?? []).length > 0;
}

/** The status of a rescue outcome. */
export function rescueStatus(o: RescueOutcome): RescueStatus {
  if (blocksSwap(o.findings) && !o.swap.swapped) return "blocked";
  if (failures(o).length > 0) return "failed";
  if (o.swap.swapped) return "rescued";
  return "prepared";
}

const SAFE = /^[A-Za-z0-9_./:=@%+,-]+$/;
function sh(value: string): string {
  return SAFE.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The command that deletes a kept resource. */
export function deleteCommand(cloud: RescueCloud, kind: KeptKind, id: string): string {
  if (cloud === "azure") {
    if (kind === "snapshot") return `az snapshot delete --ids ${sh(id)}`;
    if (kind === "artifacts") {
      const url = /^https:\/\/([a-z0-9]+)\.blob\.core\.windows\.net\/([^/?#]+)/.exec(id);
      if (url)
        return `az storage container delete --account-name ${url[1]} --name ${sh(url[2])} --auth-mode login`;
      return `az storage account delete --ids ${sh(id)} --yes`;
    }
    return `az disk delete --ids ${sh(id)} --yes`;
  }
  if (kind === "snapshot") return `aws ec2 delete-snapshot --snapshot-id ${sh(id)}`;
  if (kind === "artifacts") return `aws s3 rm ${sh(id.endsWith("/") ? id : `${id}/`)} --recursive`;
  return `aws ec2 delete-volume --volume-id ${sh(id)}`;
}

const HELPER_TYPES = new Set(["azure-native:compute:VirtualMachine", "aws:ec2/instance:Instance"]);

/** Minutes the helper existed: from the start of its creation to the end of its deletion (or of the run). */
export function helperMinutes(timeline: readonly TimelineStep[], endedAt: string): number | null {
  const helper = timeline.filter((s) => HELPER_TYPES.has(s.type));
  const created = helper.find((s) => s.op === "create");
  if (!created) return null;
  const deleted = helper.find((s) => s.op === "delete" && s.name === created.name);
  const ms = Date.parse(deleted?.endedAt ?? endedAt) - Date.parse(created.startedAt);
  return Number.isFinite(ms) && ms >= 0 ? Math.round((ms / 60000) * 10) / 10 : null;
}

export function costEstimate(size: string | null, minutes: number | null): CostEstimate | null {
  if (!size || minutes === null) return null;
  const usdPerHour = helperPricePerHour(size);
  return {
    size,
    minutes,
    usdPerHour,
    usd: usdPerHour === null ? null : Math.round((usdPerHour * minutes * 100) / 60) / 100,
    basis:
      usdPerHour === null ? `no list price for ${size} in the table; ${PRICE_BASIS}` : PRICE_BASIS,
  };
}

/** A live rescue held to a subscription (a fleet's): `rollback` must act in that one too. */
function subscriptionFlag(o: RescueOutcome): string {
  const sub =
    o.mode === "live" ? /^\/subscriptions\/([^/]+)\//i.exec(o.vm.id ?? "")?.[1] : undefined;
  return sub ? ` --subscription ${sh(sub)}` : "";
}

/** The flags of `vm-rescue rollback` for this VM (its subscription too, when the stack named one). */
function rollbackFlags(o: RescueOutcome): string {
  return `${vmFlags(o)}${subscriptionFlag(o)}`;
}

function vmFlags(o: RescueOutcome): string {
  const stack = ` --stack ${sh(o.stack)}`;
  if (o.cloud === "azure")
    return `--cloud azure --resource-group ${sh(o.vm.resourceGroup ?? "RG")} --vm ${sh(o.vm.name ?? "NAME")}${stack}`;
  return `--cloud aws --instance-id ${sh(o.vm.instanceId ?? "i-...")}${o.vm.region ? ` --region ${sh(o.vm.region)}` : ""}${stack}`;
}

/**
 * AWS inPlace: the repaired disk is the instance's own root (the outputs list no separate
 * original), so it is the disk the instance boots from in every outcome.
 */
export function repairedInPlace(o: Pick<RescueOutcome, "cloud" | "kept">): boolean {
  return (
    o.cloud === "aws" &&
    o.kept.some((k) => k.kind === "repairedDisk") &&
    !o.kept.some((k) => k.kind === "originalDisk")
  );
}

/** What a person should do next, in order. */
export function nextSteps(o: RescueOutcome, status: RescueStatus): string[] {
  const steps: string[] = [];
  const artifacts = o.artifactsUrl ? ` (artifacts: ${o.artifactsUrl})` : "";
  if (status === "blocked") {
    for (const f of o.findings.filter((x) => x.severity === "block"))
      steps.push(
        `Fix the guest driver ${f.component} (found ${f.found ?? "nothing"}, needs ${f.required}): ${f.remedy}`,
      );
    steps.push(
      "The original OS disk was not touched and nothing was swapped; the repaired copy and the backup snapshot are kept.",
    );
    steps.push(`After fixing the drivers, run \`vm-rescue rescue ${vmFlags(o)}\` again.`);
  }
  if (status === "failed" && o.swap.swapped && stillInSafeMode(o))
    for (const l of o.verify.leftForPerson ?? []) steps.push(`Safe mode is still set: ${l}`);
  if (status === "failed") {
    for (const f of failures(o)) steps.push(`Look into: ${f}${artifacts}`);
    if (o.swap.swapped && o.verify.booted !== true)
      steps.push(`Put the original disk back: \`vm-rescue rollback ${rollbackFlags(o)}\`.`);
    const outcomeUnknown = o.errors.some((e) => /pulumi up failed/.test(e)) && !o.swap.attempted;
    if (outcomeUnknown) {
      steps.push(
        `The run stopped before its outcome was known: check which disk the ${o.cloud === "aws" ? "instance's root volume" : "VM's OS disk"} is now. The original is never deleted; if the ${o.cloud === "aws" ? "instance" : "VM"} is on the rescue's copy or has none, \`vm-rescue rollback ${rollbackFlags(o)}\` puts the original back.`,
      );
    } else if (!o.swap.swapped) {
      steps.push(
        `The ${o.cloud === "aws" ? "instance" : "VM"} still runs from its original ${o.cloud === "aws" ? "root volume" : "OS disk"}; nothing on it was changed.`,
      );
    }
    if (o.triage.length > 0 && o.triage.every((t) => !t.causedBy))
      steps.push(`No dump names a culprit: open the minidump in WinDbg (!analyze -v)${artifacts}.`);
  }
  if (o.helperRemoved === false)
    steps.push(
      `The helper was not removed: run \`pulumi destroy --stack ${sh(o.stack)}${o.projectDir ? ` --cwd ${sh(o.projectDir)}` : ""}\` (kept resources survive it).`,
    );
  if (status === "prepared") {
    const inPlaceDryRun = `Dry run: the root volume was not written. In inPlace mode the instance was still stopped and its root detached for the inspection on the helper, then reattached (DeleteOnTermination restored); the instance is left stopped — start it when you want it running. Run again without --dry-run to repair.`;
    steps.push(
      o.dryRun
        ? repairedInPlace(o)
          ? inPlaceDryRun
          : `Dry run: nothing was changed. Run again without --dry-run to repair.`
        : repairedInPlace(o)
          ? `The root volume was repaired in place and reattached; the instance is left stopped and was not verified: start it, or roll back with \`vm-rescue rollback ${rollbackFlags(o)}\`.`
          : `The repaired disk is ready but not swapped: run \`vm-rescue rescue ${vmFlags(o)}\` without --no-swap to swap it.`,
    );
  }
  if (status === "rescued") {
    if (o.verify.booted === null)
      steps.push(
        "Check that the VM boots to the login screen (boot diagnostics / serial console); no boot verification ran.",
      );
    steps.push(
      `If the VM misbehaves, put the original disk back with \`vm-rescue rollback ${rollbackFlags(o)}\`.`,
    );
    if (o.kept.length > 0)
      steps.push(
        "Once the VM has run well for a while, delete the kept resources with the commands listed under Kept.",
      );
  }
  return steps;
}

function summaryOf(o: RescueOutcome, status: RescueStatus): string {
  const who =
    o.cloud === "azure"
      ? `${o.vm.resourceGroup}/${o.vm.name}`
      : `${o.vm.instanceId}${o.vm.region ? ` (${o.vm.region})` : ""}`;
  const culprit = o.decision?.culprit
    ? ` Culprit: ${o.decision.culprit.module}${o.decision.culprit.service ? ` (service ${o.decision.culprit.service})` : ""}.`
    : "";
  const sim = o.mode === "simulated" ? " [simulated]" : "";
  switch (status) {
    case "rescued":
      return `${who} was rescued: the repaired ${o.cloud === "aws" ? "root volume" : "OS disk"} is swapped in${o.verify.booted ? ` and the ${o.cloud === "aws" ? "instance" : "VM"} booted` : ""}.${culprit}${sim}`;
    case "prepared":
      return `${who}: the repair is ${o.dryRun ? "planned (dry run)" : "done on the copy"}, the disk is not swapped.${culprit}${sim}`;
    case "blocked":
      return `${who}: the guest-driver check blocks the disk swap; nothing was swapped.${culprit}${sim}`;
    case "failed":
      if (o.swap.swapped && o.verify.booted === true && stillInSafeMode(o))
        return `${who}: the repaired OS disk is swapped in and the VM booted in safe mode, but safe mode is still set: it is not rescued until a person reverts it (${o.verify.leftForPerson?.[0] ?? ""}).${culprit}${sim}`;
      return `${who}: the rescue failed (${failures(o)[0] ?? "see errors"}).${culprit}${sim}`;
  }
}

/** The report of one rescue. Pure. */
export function buildReport(o: RescueOutcome): RescueReport {
  const status = rescueStatus(o);
  // The disk the VM boots from now is listed but never offered for deletion. AWS inPlace lists
  // only the repaired disk, which is the original root itself: in use whatever happened.
  const inPlace = repairedInPlace(o);
  const bootDisk = o.swap.swapped || inPlace ? "repairedDisk" : "originalDisk";
  const kept: ReportKept[] = o.kept.map((k) => {
    const inUse = k.kind === bootDisk;
    return { ...k, inUse, deleteCommand: inUse ? null : deleteCommand(o.cloud, k.kind, k.id) };
  });
  const duration = (Date.parse(o.endedAt) - Date.parse(o.startedAt)) / 1000;
  const t = o.timeToRecovery;
  return {
    reportVersion: REPORT_VERSION,
    status,
    exitCode: STATUS_EXIT_CODE[status],
    summary: summaryOf(o, status),
    cloud: o.cloud,
    vm: o.vm,
    stack: o.stack,
    mode: o.mode,
    dryRun: o.dryRun,
    startedAt: o.startedAt,
    endedAt: o.endedAt,
    durationSeconds: Number.isFinite(duration) && duration >= 0 ? duration : 0,
    timeline: o.timeline,
    triage: o.triage,
    triageSummary: o.triageSummary,
    findings: o.findings,
    swapBlocked: blocksSwap(o.findings),
    decision: o.decision,
    ...(o.facts ? { facts: o.facts } : {}),
    repair: o.repair,
    repairResultUrl: o.repairResultUrl,
    repairCheck: o.repairCheck ?? null,
    ...(o.diagnosis ? { diagnosis: o.diagnosis } : {}),
    swap: o.swap,
    verify: o.verify,
    kept,
    artifactsUrl: o.artifactsUrl,
    helperRemoved: o.helperRemoved,
    ...(o.standbyHelper ? { standbyHelper: o.standbyHelper } : {}),
    cost: costEstimate(o.helperSize, helperMinutes(o.timeline, o.endedAt)),
    timeToRecovery: t
      ? {
          modeledSeconds: t.totalSeconds,
          criticalPath: t.criticalPath.map((p) => p.id),
          assumedPhases: t.assumed,
          anchor: t.anchor,
          ...(t.diagnosis ? { diagnosis: t.diagnosis } : {}),
        }
      : null,
    nextSteps: nextSteps(o, status),
    errors: failures(o),
    warnings: o.warnings,
    evidence: o.evidence ?? [],
  };
}
