/**
 * The compiled registry and BCD operations as edits of a hive image ({@link applyHiveEdits}), so
 * the offline simulation can apply a plan to the sample hives the way repair.ps1 would. A BCD
 * element is the `Element` value (REG_BINARY) of the key `Objects\{entry}\Elements\{id}`: a
 * boolean is one byte (01/00), an integer eight bytes little-endian, as Windows stores them; an
 * element set to null is removed by deleting its key.
 */
import type { HiveEdit } from "../../evidence/hive/edit";
import type { BcdData, Operation } from "./types";

/** The bytes of a BCD element value as the store keeps them. */
export function bcdElementBytes(value: Exclude<BcdData, null>): Buffer {
  if (typeof value === "boolean") return Buffer.from([value ? 1 : 0]);
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(value));
  return b;
}

/** The edits of `ops` that go to one hive: SYSTEM (createKey, setValue) or BCD (setElement). */
export function operationsToEdits(ops: readonly Operation[], which: "SYSTEM" | "BCD"): HiveEdit[] {
  const edits: HiveEdit[] = [];
  for (const op of ops) {
    if (which === "SYSTEM" && op.op === "createKey")
      edits.push({ kind: "createKey", path: op.key });
    if (which === "SYSTEM" && op.op === "setValue")
      edits.push({ kind: "setValue", path: op.key, name: op.name, ...op.value });
    if (which === "BCD" && op.op === "setElement") {
      const path = `Objects\\${op.entry}\\Elements\\${op.elementId}`;
      if (op.value === null) {
        edits.push({ kind: "deleteKey", path });
      } else {
        edits.push({ kind: "createKey", path });
        const data = bcdElementBytes(op.value);
        edits.push({ kind: "setValue", path, name: "Element", type: "REG_BINARY", data });
      }
    }
  }
  return edits;
}
