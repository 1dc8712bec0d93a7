/**
 * Applies compiled registry and BCD operations to a copy of a real hive with Debian's
 * `hivexregedit --merge`: an independent writer, so the verification reads a hive our code did
 * not write. Test-only.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Operation, RegData } from "../types";

const PREFIX = "HKEY_LOCAL_MACHINE\\HIVE";

function utf16Hex(text: string): string {
  return [...Buffer.from(`${text}\u0000`, "utf16le")]
    .map((b) => b.toString(16).padStart(2, "0"))
    .join(",");
}

function regLine(name: string, v: RegData): string {
  const n = JSON.stringify(name);
  switch (v.type) {
    case "REG_DWORD":
      return `${n}=dword:${(v.data >>> 0).toString(16).padStart(8, "0")}`;
    case "REG_SZ":
      return `${n}=hex(1):${utf16Hex(v.data)}`;
    case "REG_EXPAND_SZ":
      return `${n}=hex(2):${utf16Hex(v.data)}`;
    case "REG_MULTI_SZ":
      return `${n}=hex(7):${utf16Hex(`${v.data.join("\u0000")}\u0000`)}`;
  }
}

function bcdElementHex(v: number | boolean): string {
  if (typeof v === "boolean") return v ? "01" : "00";
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(v));
  return [...b].map((x) => x.toString(16).padStart(2, "0")).join(",");
}

/** The .reg text of the operations that go to one hive ("SYSTEM" or "BCD"). */
export function regText(ops: readonly Operation[], hive: "SYSTEM" | "BCD"): string {
  const lines = ["Windows Registry Editor Version 5.00", ""];
  for (const op of ops) {
    if (hive === "SYSTEM" && op.op === "createKey") lines.push(`[${PREFIX}\\${op.key}]`, "");
    if (hive === "SYSTEM" && op.op === "setValue")
      lines.push(`[${PREFIX}\\${op.key}]`, regLine(op.name, op.value), "");
    if (hive === "BCD" && op.op === "setElement") {
      const key = `${PREFIX}\\Objects\\${op.entry}\\Elements\\${op.elementId}`;
      if (op.value === null) lines.push(`[-${key}]`, "");
      else lines.push(`[${key}]`, `"Element"=hex:${bcdElementHex(op.value)}`, "");
    }
  }
  return lines.join("\r\n");
}

/** A copy of `hive` with `ops` merged by hivexregedit. */
export function applyWithHivex(
  hive: Buffer,
  ops: readonly Operation[],
  which: "SYSTEM" | "BCD",
): Buffer {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vmr-hivex-"));
  try {
    const file = path.join(dir, "hive");
    const reg = path.join(dir, "ops.reg");
    fs.writeFileSync(file, hive);
    fs.writeFileSync(reg, regText(ops, which));
    execFileSync("hivexregedit", ["--merge", "--prefix", PREFIX, file, reg], { stdio: "pipe" });
    return fs.readFileSync(file);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
