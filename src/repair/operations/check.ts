/**
 * The check after the repair from bytes: the evidence's SYSTEM hive (with its logs) and BCD store
 * as collect shipped them, and the ones the repair shipped back. A returned hive that cannot be
 * read is a difference, never an exception: the gate then stays closed. A returned SYSTEM hive
 * left dirty is read with the logs that came back with it (replayed); dirty with no log that
 * applies, it is a difference too: its primary is not what the next boot reads.
 */
import type { EvidenceFile } from "../../evidence/bundle";
import { openHive, type Hive } from "../../evidence/hive";
import type { CompiledRepair } from "./types";
import { verifyRepair, type RepairDifference, type RepairVerification } from "./verify";

export interface RepairCheckInput {
  before: { system: EvidenceFile; systemLogs?: readonly EvidenceFile[]; bcd: EvidenceFile | null };
  /** What the repair returned: null when it returned nothing; `systemLogs` its SYSTEM.LOG1/LOG2. */
  after: { system: Buffer | null; systemLogs?: readonly EvidenceFile[]; bcd: Buffer | null };
}

function tryOpen(
  bytes: Buffer | null,
  label: string,
  problems: RepairDifference[],
  logs: readonly EvidenceFile[] = [],
): Hive | null {
  if (bytes === null) return null;
  try {
    return openHive(bytes, { label, logs: logs.map((l) => l.bytes) });
  } catch (e) {
    problems.push({
      where: label,
      kind: "differs",
      expected: "a readable hive",
      found: `unreadable: ${(e as Error).message.split("\n")[0]}`,
    });
    return null;
  }
}

/** Why the returned hive was dirty, for the finding. */
export const DIRTY_RETURNED_HIVE =
  "the repaired SYSTEM hive came back dirty (its primary and secondary sequence numbers differ) and no transaction log that came back with it applied";

/** The returned SYSTEM hive when it can be trusted: clean, or dirty with its logs replayed. */
function dirtyChecked(
  hive: Hive | null,
  logs: readonly EvidenceFile[],
  problems: RepairDifference[],
): Hive | null {
  if (hive === null || !hive.dirty || hive.replayed !== "none") return hive;
  const b = hive.primaryBaseBlock;
  problems.push({
    where: "SYSTEM (repaired)",
    kind: "differs",
    expected: "a clean hive, or a dirty one with the SYSTEM.LOG1/LOG2 that bring it up to date",
    found:
      `${DIRTY_RETURNED_HIVE} (sequences ${b.primarySequence}/${b.secondarySequence}; ` +
      `logs returned: ${logs.map((l) => l.path).join(", ") || "none"})`,
  });
  return null;
}

/** Opens the hives and compares them with the compiled operations. */
export function checkRepairedDisk(
  compiled: CompiledRepair,
  input: RepairCheckInput,
): RepairVerification {
  const problems: RepairDifference[] = [];
  const system = tryOpen(
    input.before.system.bytes,
    "SYSTEM (evidence)",
    problems,
    input.before.systemLogs,
  );
  const bcd = tryOpen(input.before.bcd?.bytes ?? null, "BCD (evidence)", problems);
  if (system === null) {
    return { ok: false, checked: 0, differences: problems };
  }
  const afterSystem = dirtyChecked(
    tryOpen(input.after.system, "SYSTEM (repaired)", problems, input.after.systemLogs),
    input.after.systemLogs ?? [],
    problems,
  );
  const afterBcd = tryOpen(input.after.bcd, "BCD (repaired)", problems);
  const v = verifyRepair(compiled, {
    before: { system, bcd },
    after: {
      system: input.after.system === null ? null : afterSystem,
      bcd: input.after.bcd === null ? null : afterBcd,
    },
  });
  const differences = [
    ...problems,
    ...v.differences.filter(
      (d) => !(d.kind === "missing" && problems.some((p) => p.where.startsWith(d.where))),
    ),
  ];
  return { ok: differences.length === 0, checked: v.checked, differences };
}
