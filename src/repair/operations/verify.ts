/**
 * The check after the repair, before the swap: the hives the repair returned, re-read by the
 * TypeScript readers, must hold every value the compiled operations write, and nothing else under
 * the keys they touch may have changed. A difference keeps the swap gate closed and is shown in
 * the report, key, value, expected and found.
 */
import { decodeBcd, type BcdStore } from "../../evidence/bcd";
import type { Hive, HiveKey } from "../../evidence/hive";
import type { BcdData, CompiledRepair, RegData, SetElementOp, SetValueOp } from "./types";

export interface RepairDifference {
  /** `SYSTEM\ControlSet001\Services\foo\Start` or `BCD {guid} safeboot (25000080)`. */
  where: string;
  /** "not applied": the disk still holds the old value; "differs": neither old nor new; "unexpected": changed although no operation writes it; "missing": the hive was not returned. */
  kind: "not applied" | "differs" | "unexpected" | "missing";
  expected: string;
  found: string;
}

export interface RepairVerification {
  ok: boolean;
  /** Values and elements compared. */
  checked: number;
  differences: RepairDifference[];
}

/** The hives before the repair (the evidence) and after (what the repair shipped back). */
export interface RepairedHives {
  before: { system: Hive; bcd: Hive | null };
  after: { system: Hive | null; bcd: Hive | null };
}

const show = (d: RegData | BcdData | undefined): string =>
  d === undefined || d === null
    ? "(absent)"
    : typeof d === "object"
      ? `${d.type} ${JSON.stringify(d.data)}`
      : JSON.stringify(d);

/** A value of a key as an operation compares it (any type, so a crafted one still shows). */
function valueOf(key: HiveKey | undefined, name: string): RegData | undefined {
  const v = key?.value(name);
  if (v === undefined) return undefined;
  const data =
    typeof v.data === "bigint"
      ? v.data.toString()
      : Buffer.isBuffer(v.data)
        ? v.data.toString("hex")
        : v.data;
  return { type: v.typeName, data } as RegData;
}

const sameReg = (a: RegData | undefined | null, b: RegData | undefined | null): boolean =>
  JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

function verifyRegistry(
  ops: readonly SetValueOp[],
  createdKeys: readonly string[],
  hives: RepairedHives,
  dryRun: boolean,
  out: RepairVerification,
): void {
  const after = hives.after.system;
  if (after === null) {
    if (ops.length > 0 || createdKeys.length > 0)
      out.differences.push({
        where: "SYSTEM",
        kind: "missing",
        expected: "the repaired SYSTEM hive",
        found: "not returned by the repair",
      });
    return;
  }
  const touched = new Map<string, Map<string, SetValueOp>>();
  for (const op of ops) {
    const k = op.key.toLowerCase();
    if (!touched.has(k)) touched.set(k, new Map());
    touched.get(k)?.set(op.name.toLowerCase(), op);
  }
  for (const key of createdKeys)
    if (!touched.has(key.toLowerCase())) touched.set(key.toLowerCase(), new Map());
  for (const op of ops) {
    out.checked += 1;
    const found = valueOf(after.key(op.key), op.name);
    const want = dryRun ? (op.expected ?? undefined) : op.value;
    if (sameReg(found, want)) continue;
    out.differences.push({
      where: `SYSTEM\\${op.key}\\${op.name}`,
      kind: !dryRun && sameReg(found, op.expected) ? "not applied" : "differs",
      expected: show(want),
      found: show(found),
    });
  }
  for (const [key, written] of touched) {
    const b = hives.before.system.key(key);
    const a = after.key(key);
    const names = new Map<string, string>();
    for (const v of [...(b?.values() ?? []), ...(a?.values() ?? [])])
      names.set(v.name.toLowerCase(), v.name);
    for (const [lower, name] of names) {
      if (written.has(lower)) continue;
      out.checked += 1;
      const was = valueOf(b, name);
      const now = valueOf(a, name);
      if (!sameReg(was, now))
        out.differences.push({
          where: `SYSTEM\\${a?.path ?? b?.path ?? key}\\${name}`,
          kind: "unexpected",
          expected: show(was),
          found: show(now),
        });
    }
  }
}

function elementOf(store: BcdStore | null, entry: string, id: string): BcdData | undefined {
  const object = store?.objects.find((o) => o.guid.toLowerCase() === entry.toLowerCase());
  if (object === undefined) return undefined;
  const e = object.elements.find((x) => x.id.toLowerCase() === id.toLowerCase());
  if (e === undefined) return null;
  return typeof e.data === "number" || typeof e.data === "boolean" ? e.data : undefined;
}

function verifyBcd(
  ops: readonly SetElementOp[],
  hives: RepairedHives,
  dryRun: boolean,
  out: RepairVerification,
): void {
  if (ops.length === 0) return;
  if (hives.after.bcd === null || hives.before.bcd === null) {
    out.differences.push({
      where: "BCD",
      kind: "missing",
      expected: "the repaired BCD store",
      found: "not returned by the repair",
    });
    return;
  }
  const before = decodeBcd(hives.before.bcd, { file: "BCD (before)" });
  const after = decodeBcd(hives.after.bcd, { file: "BCD (after)" });
  const written = new Set(ops.map((o) => `${o.entry}|${o.elementId}`.toLowerCase()));
  for (const op of ops) {
    out.checked += 1;
    const found = elementOf(after, op.entry, op.elementId);
    const want = dryRun ? op.expected : op.value;
    if (found === want) continue;
    out.differences.push({
      where: `BCD ${op.entry} ${op.element} (${op.elementId})`,
      kind: !dryRun && found === op.expected ? "not applied" : "differs",
      expected: show(want),
      found: found === undefined ? "(unreadable)" : show(found),
    });
  }
  for (const entry of new Set(ops.map((o) => o.entry.toLowerCase()))) {
    const b = before.objects.find((o) => o.guid.toLowerCase() === entry);
    const a = after.objects.find((o) => o.guid.toLowerCase() === entry);
    const ids = new Set(
      [...(b?.elements ?? []), ...(a?.elements ?? [])].map((e) => e.id.toLowerCase()),
    );
    for (const id of ids) {
      if (written.has(`${entry}|${id}`)) continue;
      out.checked += 1;
      const was = b?.elements.find((e) => e.id.toLowerCase() === id)?.rawHex ?? "(absent)";
      const now = a?.elements.find((e) => e.id.toLowerCase() === id)?.rawHex ?? "(absent)";
      if (was !== now)
        out.differences.push({
          where: `BCD ${entry} element ${id}`,
          kind: "unexpected",
          expected: was,
          found: now,
        });
    }
  }
}

/**
 * Compares the returned hives with the compiled operations. A dry run must have changed nothing:
 * every target still holds what the evidence held.
 */
export function verifyRepair(compiled: CompiledRepair, hives: RepairedHives): RepairVerification {
  const out: RepairVerification = { ok: true, checked: 0, differences: [] };
  const sets = compiled.operations.filter((o): o is SetValueOp => o.op === "setValue");
  const created = compiled.operations.flatMap((o) => (o.op === "createKey" ? [o.key] : []));
  verifyRegistry(sets, compiled.dryRun ? [] : created, hives, compiled.dryRun, out);
  verifyBcd(
    compiled.operations.filter((o): o is SetElementOp => o.op === "setElement"),
    hives,
    compiled.dryRun,
    out,
  );
  out.ok = out.differences.length === 0;
  return out;
}
