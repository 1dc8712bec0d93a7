/**
 * collect.ps1 ships files and reads no registry value itself: the facts come from the TypeScript
 * readers of the shipped hives. This reads the script's text (comments included: a read hidden
 * behind a comment marker on the same line still counts) and fails on any way PowerShell has to
 * read the registry or the BCD store, in collect.ps1 and in the shared functions it calls.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/** Each way of reading the registry (or the BCD store through it), named for the finding. */
const REGISTRY_READS: ReadonlyArray<[string, RegExp]> = [
  ["Get-ItemProperty(Value)", /\b(?:Get-ItemProperty(?:Value)?|gpv?)\b(?!-)/i],
  ["a registry drive (HKLM:, HKCU:…)", /\bHK(?:LM|CU|CR|U|CC)\s*:/i],
  ["a registry root name (HKEY_…)", /\bHKEY_[A-Z_]+/i],
  ["the Registry:: provider", /\bRegistry::/i],
  ["reg.exe", /\breg(?:\.exe)?\s+(?:query|load|unload|export|save|copy|compare|restore)\b/i],
  ["the .NET registry API", /\bMicrosoft\.Win32\.Registry|\[\s*Registry(?:Key)?\s*\]/i],
  [
    "a registry key method",
    /\.(?:OpenSubKey|OpenBaseKey|OpenRemoteBaseKey|GetValue|GetValueNames|GetSubKeyNames)\s*\(/i,
  ],
  ["WMI's registry provider", /\bStdRegProv\b/i],
  ["bcdedit", /\bbcdedit(?:\.exe)?\b/i],
  ["a hive loaded to read it", /\bMount-OfflineHive\b/i],
];

interface RegistryRead {
  line: number;
  how: string;
  text: string;
}

/** Every line of `text` that reads the registry, with how. */
function registryReads(text: string): RegistryRead[] {
  const found: RegistryRead[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    for (const [how, re] of REGISTRY_READS)
      if (re.test(line)) found.push({ line: i + 1, how, text: line.trim() });
  });
  return found;
}

/** The functions of common.ps1 (name -> body), split at each top-level `function`. */
function functionsOf(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const parts = text.split(/^function\s+/m).slice(1);
  for (const part of parts) out.set(part.slice(0, part.search(/[\s{(]/)), part);
  return out;
}

/** Registry reads in a collect script: its own lines and the common.ps1 functions it calls. */
function readsOfCollect(collectText: string, commonText: string): string[] {
  const own = registryReads(collectText).map((r) => `collect.ps1:${r.line} ${r.how}: ${r.text}`);
  const called = [...functionsOf(commonText)].filter(([name]) =>
    new RegExp(`(?<![\\w-])${name.replace(/-/g, "\\-")}(?![\\w-])`, "i").test(collectText),
  );
  const viaCommon = called.flatMap(([name, body]) =>
    registryReads(body).map(
      (r) => `common.ps1 ${name} (called by collect.ps1) ${r.how}: ${r.text}`,
    ),
  );
  return [...own, ...viaCommon];
}

const GUEST = __dirname;
const read = (f: string) => readFileSync(path.join(GUEST, f), "utf8");

describe("collect.ps1 reads no registry value itself", () => {
  it("has no registry read, in its own lines or in the shared functions it calls", () => {
    expect(readsOfCollect(read("collect.ps1"), read("common.ps1"))).toEqual([]);
  });

  it("still calls into common.ps1 (so the shared functions are checked)", () => {
    const called = [...functionsOf(read("common.ps1")).keys()].filter((n) =>
      read("collect.ps1").includes(n),
    );
    expect(called.length).toBeGreaterThan(3);
  });

  describe("fails on a registry read injected into a copy of the script", () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(path.join(os.tmpdir(), "vmr-collect-"));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it.each([
      ["$s = Get-ItemProperty -Path 'HKLM:\\VMR_SYSTEM\\Select' -Name Default", "Get-ItemProperty"],
      ["$v = Get-ItemPropertyValue -LiteralPath $key -Name Start", "Get-ItemProperty"],
      ["Get-ChildItem HKLM:\\VMR_SYSTEM\\ControlSet001\\Services", "registry drive"],
      ["& reg.exe query HKLM\\VMR_SYSTEM\\Select /v Default", "reg.exe"],
      ["& reg load HKLM\\VMR_SYSTEM $hive", "reg.exe"],
      ["Get-Item -LiteralPath 'Registry::HKEY_LOCAL_MACHINE\\VMR_SYSTEM'", "Registry::"],
      ["$k = [Microsoft.Win32.Registry]::LocalMachine.OpenSubKey('VMR_SYSTEM')", ".NET registry"],
      ["$k = $root.OpenSubKey('Select'); $k.GetValue('Default')", "registry key method"],
      ["$text = & bcdedit /store $store /enum all", "bcdedit"],
      ["$mount = Mount-OfflineHive -HivePath $hive -Label SYSTEM", "hive loaded"],
    ])("%s", (line, how) => {
      const original = read("collect.ps1");
      const at = original.indexOf("\nfunction ") + 1;
      const copy = path.join(dir, "collect.ps1");
      writeFileSync(copy, `${original.slice(0, at)}${line}\n${original.slice(at)}`);
      const reads = readsOfCollect(readFileSync(copy, "utf8"), read("common.ps1"));
      const own = reads.filter((r) => r.startsWith("collect.ps1:"));
      expect(own.join("\n")).toContain(how);
    });
  });
});
