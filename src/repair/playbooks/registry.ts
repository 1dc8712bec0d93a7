/**
 * The registry edits a playbook prescribes, as data (the executor may compile them into its
 * operations) and as the exact offline commands a person runs on the helper today: the broken
 * SYSTEM hive loaded as HKLM\BROKENSYSTEM, edited, unloaded.
 */

/** One edit below the SYSTEM hive's root (e.g. `ControlSet001\Services\stornvme`). */
export type RegistryEdit =
  | { op: "setDword"; key: string; name: string; value: number }
  | { op: "deleteKey"; key: string }
  | { op: "copyKey"; from: string; to: string };

const ROOT = "HKLM\\BROKENSYSTEM";

/** The `reg.exe` command of one edit. */
export function regCommand(e: RegistryEdit): string {
  switch (e.op) {
    case "setDword":
      return `reg add "${ROOT}\\${e.key}" /v ${e.name} /t REG_DWORD /d ${e.value} /f`;
    case "deleteKey":
      return `reg delete "${ROOT}\\${e.key}" /f`;
    case "copyKey":
      return `reg copy "${ROOT}\\${e.from}" "${ROOT}\\${e.to}" /s /f`;
  }
}

/** The steps a person runs: load the hive, each edit, unload. */
export function manualSteps(edits: readonly RegistryEdit[], windowsVolume: string): string[] {
  if (edits.length === 0) return [];
  const hive = `${windowsVolume.replace(/\\+$/, "")}\\Windows\\System32\\config\\SYSTEM`;
  return [
    `back up ${hive}, then: reg load ${ROOT} ${hive}`,
    ...edits.map(regCommand),
    `reg unload ${ROOT}`,
  ];
}

/** The control sets a boot may use (current, default, last known good, failed), once each. */
export function bootControlSets(c: {
  current: number;
  default: number | null;
  lastKnownGood: number | null;
  failed: number | null;
}): string[] {
  const sets = [c.current, c.default, c.lastKnownGood, c.failed].filter(
    (n): n is number => typeof n === "number" && n > 0,
  );
  return [...new Set(sets)].map((n) => `ControlSet${String(n).padStart(3, "0")}`);
}
