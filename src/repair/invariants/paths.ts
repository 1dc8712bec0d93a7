/**
 * Canonical volume paths and the files Windows cannot boot without. A path on a broken disk may be
 * spelled to slip past a comparison: another case, trailing dots or spaces (Win32 strips them),
 * `\??\` / `\\?\` prefixes, `\Device\HarddiskVolumeN\`, `\SystemRoot\`, `%SystemRoot%`, `%windir%`, a drive letter, `.` and `..`
 * components, 8.3 short names (`NTOSKR~1.EXE`) or an alternate data stream (`ci.dll:x`,
 * `::$DATA`). {@link canonicalPath} folds every such spelling to one lower-case path relative to
 * the volume root; {@link sameFile} also lets a short-name component stand for its long name.
 *
 * Sources: guest-drivers-and-incidents.md (offline conventions: `Windows\System32\config\SYSTEM`,
 * boot drivers), crash-triage.md §3 (the modules of every boot: kernel, HAL, kd, ci.dll), Windows
 * file-naming rules (trailing dots and spaces are stripped, `:` separates a stream name).
 */

/** Files the loader or the kernel needs on every boot, canonical (lower-case, volume-relative). */
export const BOOT_FILES: readonly string[] = [
  ...[
    "ntoskrnl.exe",
    "ntkrnlmp.exe",
    "ntkrnlpa.exe",
    "ntkrpamp.exe",
    "hal.dll",
    "halmacpi.dll",
    "halacpi.dll",
    "halaacpi.dll",
    "winload.exe",
    "winload.efi",
    "winresume.exe",
    "winresume.efi",
    "ci.dll",
    "kd.dll",
    "kdcom.dll",
    "kdnet.dll",
    "bootvid.dll",
    "pshed.dll",
    "clfs.sys",
    "skci.dll",
    "securekernel.exe",
    "mcupdate_genuineintel.dll",
    "mcupdate_authenticamd.dll",
    "smss.exe",
    "csrss.exe",
    "wininit.exe",
    "winlogon.exe",
    "services.exe",
    "lsass.exe",
    "ntdll.dll",
  ].map((f) => `windows\\system32\\${f}`),
  ...["ksecdd.sys", "cng.sys", "tpm.sys", "wdf01000.sys", "acpi.sys", "clfs.sys"].map(
    (f) => `windows\\system32\\drivers\\${f}`,
  ),
  "bootmgr",
  "efi\\microsoft\\boot\\bootmgfw.efi",
  "efi\\boot\\bootx64.efi",
];

/** Folders everything under which is needed to boot: the hives, the boot manager's files. */
export const BOOT_FOLDERS: readonly string[] = [
  "windows\\system32\\config",
  "windows\\boot",
  "windows\\system32\\boot",
  "boot",
  "efi\\microsoft\\boot",
];

/**
 * `\Device\HarddiskVolumeN`, `\Device\HarddiskN\PartitionM` (also after `\\?\GLOBALROOT`): the NT
 * names of a volume, which ImagePath values and event messages use for a file's volume.
 */
const DEVICE_PREFIX =
  /^\\*(?:globalroot\\+)?device\\+(?:harddiskvolume\d+|harddisk\d+\\+partition\d+)(?=\\|$)/;

/**
 * The path as one canonical, lower-case, volume-relative spelling (`windows\system32\ci.dll`), or
 * null when it cannot name a file on the volume (empty, or `..` above the root).
 */
export function canonicalPath(raw: string): string | null {
  let p = raw
    .trim()
    .replace(/^"+|"+$/g, "")
    .replace(/\//g, "\\")
    .toLowerCase();
  p = p.replace(/^(?:\\\?\?\\|\\\\[?.]\\)/, "");
  // An NT device path names the volume itself (as ImagePath values and events spell it).
  p = p.replace(DEVICE_PREFIX, "");
  p = p.replace(/^\\*(?:\\systemroot|%systemroot%|%windir%)(?=\\|$)/, "windows");
  p = p.replace(/^[a-z]:(?=\\|$)/, "");
  p = p.replace(/^\\+/, "");
  if (/^(system32|syswow64)(\\|$)/.test(p)) p = `windows\\${p}`;
  const out: string[] = [];
  for (const part of p.split("\\")) {
    // An alternate data stream names the same file: keep the part before the first ':'.
    const whole = part.split(":")[0].trim();
    const name = whole.replace(/[. ]+$/, "");
    if (whole === "..") {
      if (out.length === 0) return null;
      out.pop();
      continue;
    }
    if (name === "") continue;
    out.push(name);
  }
  return out.length === 0 ? null : out.join("\\");
}

/** True when `given` (one canonical component) is `long` or an 8.3 short name of it (`ntoskr~1.exe`). */
export function componentMatches(given: string, long: string): boolean {
  if (given === long) return true;
  const m = /^([^~.]{1,6})~\d{1,6}(?:\.([^.]{0,3}))?$/.exec(given);
  if (!m) return false;
  const dot = long.lastIndexOf(".");
  const base = (dot > 0 ? long.slice(0, dot) : long).replace(/[ .]/g, "");
  const ext = dot > 0 ? long.slice(dot + 1).slice(0, 3) : "";
  return base.startsWith(m[1]) && (m[2] ?? "") === ext;
}

const SHORT_COMPONENT = /^[^~.]{1,6}~\d{1,6}(?:\.[^.]{0,3})?$/;

/**
 * The first 8.3 short-name component of a canonical path that no known long path explains, or
 * null. A short name may be hashed (`nt3f2a~1.exe`: two letters, four hex digits, `~N`), which no
 * prefix comparison ties to its long name, so a short name is trusted only when a known long path
 * (one without short names: a service's ImagePath, a collected file) matches it component by
 * component.
 */
export function unresolvedShortName(given: string, known: readonly string[]): string | null {
  const parts = given.split("\\");
  const short = parts.find((c) => SHORT_COMPONENT.test(c));
  if (short === undefined) return null;
  const longs = known.filter((k) => !k.split("\\").some((c) => SHORT_COMPONENT.test(c)));
  return longs.some((k) => sameFile(given, k)) ? null : short;
}

/** True when two canonical paths name the same file (component by component, short names allowed). */
export function sameFile(given: string, long: string): boolean {
  const a = given.split("\\");
  const b = long.split("\\");
  return a.length === b.length && a.every((c, i) => componentMatches(c, b[i]));
}

/** True when the canonical path lies under the canonical folder (short names allowed). */
export function underFolder(given: string, folder: string): boolean {
  const a = given.split("\\");
  const b = folder.split("\\");
  return a.length > b.length && b.every((c, i) => componentMatches(a[i], c));
}

/** The boot file (or boot folder) a path names, in its canonical spelling, or null. */
export function bootFileOf(raw: string): string | null {
  const p = canonicalPath(raw);
  if (p === null) return null;
  const file = BOOT_FILES.find((f) => sameFile(p, f));
  if (file) return file;
  const folder = BOOT_FOLDERS.find((f) => underFolder(p, f));
  return folder ? `${folder}\\${p.split("\\").slice(folder.split("\\").length).join("\\")}` : null;
}

/** A service name as Windows compares it: case-folded, trailing dots and spaces stripped. */
export function canonicalServiceName(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[. ]+$/, "");
}
