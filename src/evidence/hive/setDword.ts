/**
 * The one hive write the offline simulation needs: a REG_DWORD value that already exists, changed
 * in place. A DWORD's four bytes live in its value record's data offset field (the data size's high
 * bit set), so the write moves no cell and allocates nothing: the hive's structure, its base block
 * and its sequence numbers stay as they were. Anything else (a new key or value, another type, a
 * dirty hive whose logs would have to be replayed first) is refused with an error naming it.
 */
import { openHive } from "./hive";
import type { HiveKey } from "./key";

const REG_DWORD = 4;
const RESIDENT_DWORD = 0x80000004;

/** One DWORD to write: the key below the hive's root (`ControlSet001\Services\x`), the value's name. */
export interface DwordWrite {
  key: string;
  name: string;
  data: number;
}

function keyAt(root: HiveKey, path: string): HiveKey | undefined {
  let k: HiveKey | undefined = root;
  for (const part of path.split("\\").filter((p) => p !== "")) k = k?.subkey(part);
  return k;
}

/** A copy of the clean hive `bytes` with each existing DWORD value of `writes` set in place. */
export function setDwordsInPlace(bytes: Buffer, writes: readonly DwordWrite[]): Buffer {
  const copy = Buffer.from(bytes);
  const hive = openHive(copy, { label: "hive" });
  if (hive.dirty)
    throw new Error("the hive is dirty: replay its logs before writing values in place");
  for (const w of writes) {
    const where = `${w.key} : ${w.name}`;
    const key = keyAt(hive.root, w.key);
    if (key === undefined) throw new Error(`${w.key}: no such key (only existing values are set)`);
    const record = key.valueRecord(w.name);
    if (record === undefined)
      throw new Error(`${where}: no such value (only existing values are set)`);
    if (record.type !== REG_DWORD || record.dataSizeField >>> 0 !== RESIDENT_DWORD)
      throw new Error(`${where}: not a REG_DWORD held in its record`);
    if (!Number.isInteger(w.data) || w.data < 0 || w.data > 0xffffffff)
      throw new Error(`${where}: ${w.data} is not a DWORD`);
    copy.writeUInt32LE(w.data, record.residentAt);
  }
  return copy;
}
