/**
 * Names of what the Azure rescue creates: the disks' deterministic names, the hash that makes the
 * storage account and computer names unique, the GUIDs role assignments need, and the
 * case-insensitive comparison ARM names and ids call for.
 */
import { createHash } from "crypto";

/** ARM names, ids and tag names compare case-insensitively. */
export const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** Disk names: ≤ 80 chars of [A-Za-z0-9_.-], starting with a letter/digit, ending with a letter/digit/_. */
export function diskName(vmName: string, id: string, suffix: string): string {
  if (id.startsWith(vmName.toLowerCase())) vmName = "";
  const tail = vmName ? `-${id}-${suffix}` : `${id}-${suffix}`;
  if (!vmName) return tail;
  const head = vmName
    .replace(/[^A-Za-z0-9_.-]/g, "-")
    .slice(0, 80 - tail.length)
    .replace(/^[^A-Za-z0-9]+/, "");
  return `${head || "vm"}${tail}`;
}

/** SHA-256 of `text` in hex: what makes the storage account and computer names unique. */
export function shortHash(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** A stable GUID (version-5 layout) from text, for ARM resources whose names must be GUIDs. */
export function guidFrom(text: string): string {
  const h = createHash("sha1").update(text).digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString("hex");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}
