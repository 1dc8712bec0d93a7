/** `renderMarkdown`: the report as Markdown for a person or a ticket. Pure. */
import { formatDuration } from "../recoveryTime/azure";
import { evidenceLine, type EvidenceDocument, type RescueReport } from "./types";

const STATUS_TITLE: Record<RescueReport["status"], string> = {
  rescued: "RESCUED",
  prepared: "PREPARED (not swapped)",
  failed: "FAILED",
  blocked: "BLOCKED by the guest-driver check",
};

function cell(v: unknown): string {
  return String(v ?? "—")
    .replace(/\|/g, "\\|")
    .replace(/\n/g, " ");
}

const blank = (v: unknown) => v === null || v === undefined || v === "";

/** A Markdown table; the `optional` columns are left out when no row has a value in them. */
function table(
  head: string[],
  rows: unknown[][],
  optional: string[] = [],
  empty = "(none)",
): string[] {
  if (rows.length === 0) return [empty];
  const keep = head.map((h, i) => !optional.includes(h) || rows.some((r) => !blank(r[i])));
  const pick = <T>(xs: T[]) => xs.filter((_, i) => keep[i]);
  return [
    `| ${pick(head).join(" | ")} |`,
    `|${pick(head)
      .map(() => "---")
      .join("|")}|`,
    ...rows.map((r) => `| ${pick(r).map(cell).join(" | ")} |`),
  ];
}

/** What the evidence step says about a document, when it could not be used. */
function evidenceProblem(r: RescueReport, document: EvidenceDocument["document"]): string | null {
  const d = r.evidence.find((x) => x.document === document);
  return d && (d.status === "unreadable" || d.status === "invalid") ? evidenceLine(d) : null;
}

/** Against what the guest drivers were checked: the cloud, and on AWS the instance type. */
function checkedAgainst(r: RescueReport): string {
  if (r.cloud === "azure") return "Azure";
  return r.vm.instanceType
    ? `the AWS instance type ${r.vm.instanceType}`
    : "AWS (instance type unknown)";
}

/** What the teardown left of the standby helper: stopped with nothing attached, or what is not. */
export function standbyLine(h: {
  id: string;
  powerState: string | null;
  dataDiskIds: string[];
}): string {
  const name = h.id.split("/").pop();
  const stopped = h.powerState === "deallocated" || h.powerState === "stopped";
  const state = stopped ? `left ${h.powerState}` : `NOT stopped (${h.powerState ?? "unknown"})`;
  const disks =
    h.dataDiskIds.length === 0 ? "nothing attached" : `STILL HOLDS ${h.dataDiskIds.join(", ")}`;
  return `Standby helper: ${name} used instead of a new helper; ${state} with ${disks}`;
}

function hhmmss(iso: string): string {
  return iso.length >= 19 ? iso.slice(11, 19) : iso;
}

export function renderMarkdown(r: RescueReport): string {
  const L: string[] = [];
  L.push(`# vm-rescue report: ${STATUS_TITLE[r.status]} (exit ${r.exitCode})`, "", r.summary, "");
  const vm =
    r.cloud === "azure"
      ? `${r.vm.resourceGroup}/${r.vm.name}`
      : `${r.vm.instanceId}${r.vm.region ? ` in ${r.vm.region}` : ""}`;
  L.push(
    `- Cloud: ${r.cloud}; VM: ${vm}; stack: ${r.stack}${r.mode === "simulated" ? "; **simulated** (no cloud was touched; times are modeled)" : ""}${r.dryRun ? "; dry run" : ""}`,
  );
  L.push(`- Ran ${r.startedAt} → ${r.endedAt} (${formatDuration(r.durationSeconds)})`);
  if (r.timeToRecovery) {
    const a = r.timeToRecovery.anchor;
    L.push(
      `- Modeled time to recovery: ${formatDuration(r.timeToRecovery.modeledSeconds)}${a ? ` (${a.name}: ${formatDuration(a.seconds)}, ratio ${a.ratio})` : ""}`,
    );
    const d = r.timeToRecovery.diagnosis;
    // Only a diagnosis that succeeded was ready; the total time to recovery does not change.
    const diagnosed = r.diagnosis?.snapshot.some((l) =>
      l.startsWith("diagnosed from the snapshot"),
    );
    if (d && diagnosed)
      L.push(
        `- Time to a diagnosis: ${formatDuration(d.readySeconds)}, read from the snapshot off the helper's path${d.helperReadySeconds !== null ? ` (helper ready at ${formatDuration(d.helperReadySeconds)})` : ""}; ${r.diagnosis?.route === "snapshot" ? "the repair was decided from it" : "the time to recovery is unchanged"}`,
      );
  }
  if (r.diagnosis) {
    const from = r.diagnosis.route === "helper" ? "the helper's collect" : "the backup snapshot";
    L.push(`- Facts the repair was decided from: ${from}`);
    for (const line of r.diagnosis.snapshot) L.push(`- Backup snapshot, read directly: ${line}`);
  }
  if (r.cost) {
    L.push(
      `- Helper cost: ${r.cost.usd === null ? "unknown" : `~$${r.cost.usd.toFixed(2)}`} (${r.cost.size}, ${r.cost.minutes} min${r.cost.usdPerHour !== null ? ` × $${r.cost.usdPerHour}/h` : ""}; ${r.cost.basis})`,
    );
  }
  L.push(
    "",
    "## Next steps",
    "",
    ...(r.nextSteps.length > 0 ? r.nextSteps.map((s, i) => `${i + 1}. ${s}`) : ["Nothing to do."]),
  );
  if (r.errors.length > 0) L.push("", "## Errors", "", ...r.errors.map((e) => `- ${e}`));

  const collectProblem = evidenceProblem(r, "collect output");
  const collectRead = r.evidence.some(
    (d) => d.document === "collect output" && d.status === "read",
  );
  L.push("", "## Triage", "");
  if (r.triage.length > 0) {
    L.push(
      ...table(
        ["Dump", "Bug check", "Caused by", "Crash time", "Error"],
        r.triage.map((t) => [
          t.file,
          t.bugCheck ? `${t.bugCheck.code}${t.bugCheck.name ? ` ${t.bugCheck.name}` : ""}` : null,
          t.causedBy ? `${t.causedBy.module}+${t.causedBy.offset} (${t.causedBy.method})` : null,
          t.crashTime,
          t.error,
        ]),
        ["Error", "Crash time"],
      ),
    );
  } else if (r.triageSummary.length > 0) L.push(...r.triageSummary.map((t) => `- ${t}`));
  else
    L.push(
      collectRead
        ? "No minidump was collected from the disk."
        : "(no triage: the collect output was not read)",
    );
  if (collectProblem) L.push("", `Evidence: ${collectProblem}`);

  L.push("", `## Guest-driver check${r.swapBlocked ? " (blocks the swap)" : ""}`, "");
  // "no finding" is only claimed from a collect output that was read (or an outcome with no evidence step)
  const checked =
    collectRead || (r.evidence.length === 0 && (r.triage.length > 0 || r.triageSummary.length > 0));
  const noFinding = checked
    ? `No finding was raised against ${checkedAgainst(r)}: the guest drivers on the disk fit it.`
    : "(not checked: the collect output was not read)";
  L.push(
    ...table(
      ["Severity", "Component", "Found", "Required", "Remedy"],
      r.findings.map((f) => [f.severity, f.component, f.found, f.required, f.remedy]),
      [],
      noFinding,
    ),
  );

  L.push("", "## Repair decision", "");
  if (!r.decision) L.push("(no decision was made)");
  else {
    if (r.decision.culprit)
      L.push(
        `Culprit: ${r.decision.culprit.module} (service ${r.decision.culprit.service ?? "unknown"}, ${r.decision.culprit.thirdParty ? "third-party" : "Microsoft"}${r.decision.culprit.bootCritical ? ", boot-critical" : ""})`,
        "",
      );
    L.push(
      ...table(
        ["Action", "Why", "Evidence"],
        r.decision.reasons.map((d) => [
          d.action === "none" ? "note" : d.action,
          d.reason,
          d.evidence.join("; "),
        ]),
        ["Evidence"],
      ),
    );
    if (r.decision.undo.length > 0)
      L.push(
        "",
        "Undo (last action first):",
        ...r.decision.undo.map((u) => `- ${u.action}: ${u.how}`),
      );
  }

  if (r.facts && r.facts.length > 0) {
    L.push("", "## Facts and where they were read", "");
    L.push(
      ...table(
        ["Fact", "Value", "Read from"],
        r.facts.map((f) => [f.fact, f.value, f.source]),
        [],
        "",
      ),
    );
  }

  L.push("", "## Repair results", "");
  if (r.repairResultUrl) L.push(`Full result: ${r.repairResultUrl}`, "");
  if (!r.repair)
    L.push(
      evidenceProblem(r, "repair result") ??
        (r.repairResultUrl
          ? "(the result document was not read back)"
          : "(the repair did not run)"),
    );
  else {
    if (r.repair.dryRun) L.push("Dry run: nothing was changed.", "");
    L.push(
      ...table(
        ["Action", "Status", "Message", "Undo records"],
        r.repair.results.map((x) => [
          x.action,
          x.status,
          x.message,
          x.undo
            .map((u) =>
              u.kind === "registry"
                ? `${u.key}\\${u.valueName}`
                : u.kind === "file"
                  ? `${u.from} → ${u.to}`
                  : u.kind === "bcd"
                    ? `bcd ${u.entry} ${u.element}`
                    : u.text,
            )
            .join("; "),
        ]),
        [],
        "(the result document lists no action)",
      ),
    );
  }

  if (r.repairCheck) {
    const c = r.repairCheck;
    L.push("", `## Check after the repair${c.ok ? "" : " (keeps the swap gate closed)"}`, "");
    L.push(
      c.ok
        ? `The returned hives hold every value the plan writes and nothing else changed under the keys it touches (${c.checked} values compared).`
        : `${c.differences.length} difference(s) between the plan and the returned hives (${c.checked} values compared):`,
    );
    if (!c.ok)
      L.push(
        "",
        ...table(
          ["Where", "Difference", "Expected", "Found"],
          c.differences.map((d) => [d.where, d.kind, d.expected, d.found]),
          [],
          "",
        ),
      );
  }

  L.push("", "## Swap and boot", "");
  L.push(
    `- Swap: ${r.swap.swapped ? "done" : r.swap.attempted ? "FAILED" : "not attempted"}${r.swap.message ? ` (${r.swap.message})` : ""}`,
  );
  L.push(
    `- Boot: ${r.verify.booted === null ? "not verified" : r.verify.booted ? "booted" : "DID NOT BOOT"}${r.verify.message ? ` (${r.verify.message})` : ""}`,
  );
  if (r.verify.boots && r.verify.boots.length > 0)
    L.push(`- Boot verified: ${r.verify.boots.map((b) => `${b} boot`).join(", then ")}`);
  L.push(
    `- Helper removed: ${r.helperRemoved === null ? "not attempted" : r.helperRemoved ? "yes" : "NO"}`,
  );
  if (r.standbyHelper) L.push(`- ${standbyLine(r.standbyHelper)}`);

  L.push("", "## Kept (survive the teardown; delete when no longer needed)", "");
  L.push(
    ...table(
      ["What", "Id", "Delete with"],
      r.kept.map((k) => [
        k.kind,
        k.id,
        k.deleteCommand ? `\`${k.deleteCommand}\`` : "keep: the VM boots from it",
      ]),
    ),
  );
  if (r.artifactsUrl) L.push("", `Artifacts: ${r.artifactsUrl}`);

  L.push("", "## Timeline", "");
  L.push(
    ...table(
      ["Start", "End", "Op", "Resource", "Type", "Status"],
      r.timeline.map((s) => [
        hhmmss(s.startedAt),
        hhmmss(s.endedAt),
        s.op,
        s.name,
        s.type,
        s.status,
      ]),
    ),
  );
  if (r.timeToRecovery)
    L.push(
      "",
      `Critical path: ${r.timeToRecovery.criticalPath.join(" → ")}${r.timeToRecovery.assumedPhases.length > 0 ? ` (modeled, not yet in the plan: ${r.timeToRecovery.assumedPhases.join(", ")})` : ""}`,
    );
  if (r.evidence.length > 0)
    L.push("", "## Evidence read back", "", ...r.evidence.map((d) => `- ${evidenceLine(d)}`));
  if (r.warnings.length > 0) L.push("", "## Warnings", "", ...r.warnings.map((w) => `- ${w}`));
  return L.join("\n") + "\n";
}
