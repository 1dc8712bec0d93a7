/** Small formatting helpers shared by the triage modules. */

/** `0x`-prefixed lower-case hex without padding: 0x334c, 0xfffff8048b58334c. */
export function hex(value: bigint | number): string {
  return "0x" + value.toString(16);
}

/** Bug-check code as the contract spells it: `0x` + upper-case digits, e.g. 0x1000007E. */
export function bugCheckCodeString(code: number): string {
  return "0x" + (code >>> 0).toString(16).toUpperCase();
}

/** A module-relative address as WinDbg and BlueScreenView print it: `amdppm.sys+0x334c`. */
export function moduleOffset(module: string, offset: bigint): string {
  return `${module}+${hex(offset)}`;
}
