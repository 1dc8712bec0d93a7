import {
  bootFileOf,
  canonicalPath,
  canonicalServiceName,
  componentMatches,
  unresolvedShortName,
} from "./paths";

describe("canonical paths", () => {
  test.each([
    ["Windows\\System32\\ci.dll", "windows\\system32\\ci.dll"],
    ["\\??\\C:\\Windows\\System32\\CI.DLL", "windows\\system32\\ci.dll"],
    ["\\\\?\\C:\\Windows\\System32\\ci.dll", "windows\\system32\\ci.dll"],
    ["\\SystemRoot\\System32\\ci.dll", "windows\\system32\\ci.dll"],
    ["%SystemRoot%\\system32\\ci.dll", "windows\\system32\\ci.dll"],
    ["%windir%\\system32\\ci.dll", "windows\\system32\\ci.dll"],
    ["System32\\drivers\\..\\ci.dll", "windows\\system32\\ci.dll"],
    ["Windows\\System32\\ci.dll. . ", "windows\\system32\\ci.dll"],
    ["Windows\\System32.\\.\\ci.dll", "windows\\system32\\ci.dll"],
    ["Windows\\System32\\ci.dll::$DATA", "windows\\system32\\ci.dll"],
    ["C:/Windows/System32/ci.dll:evil", "windows\\system32\\ci.dll"],
    ["\\Device\\HarddiskVolume3\\Windows\\System32\\ci.dll", "windows\\system32\\ci.dll"],
    ["\\device\\harddiskvolume12\\WINDOWS\\system32\\CI.dll.", "windows\\system32\\ci.dll"],
    [
      "\\\\?\\GLOBALROOT\\Device\\HarddiskVolume2\\Windows\\System32\\ci.dll",
      "windows\\system32\\ci.dll",
    ],
    ["\\??\\GLOBALROOT\\Device\\Harddisk0\\Partition2\\Windows\\ci.dll", "windows\\ci.dll"],
    ["\\Device\\HarddiskVolume3", null],
    ["..\\Windows", null],
    ["", null],
  ])("%j → %j", (raw, canonical) => {
    expect(canonicalPath(raw)).toBe(canonical);
  });

  test("8.3 short names match their long name, not another", () => {
    expect(componentMatches("ntoskr~1.exe", "ntoskrnl.exe")).toBe(true);
    expect(componentMatches("ntoskr~1.ex", "ntoskrnl.exe")).toBe(false);
    expect(componentMatches("cxnetm~1.sys", "ntoskrnl.exe")).toBe(false);
    expect(componentMatches("progra~1", "program files")).toBe(true);
  });

  test("a short name no known long name explains (a hashed one) stays unresolved", () => {
    expect(unresolvedShortName("windows\\system32\\nt3f2a~1.exe", [])).toBe("nt3f2a~1.exe");
    const known = ["windows\\system32\\drivers\\cxnetmon.sys"];
    expect(unresolvedShortName("windows\\system32\\drivers\\cxnetm~1.sys", known)).toBeNull();
    expect(unresolvedShortName("windows\\system32\\drivers\\cxnetmon.sys", [])).toBeNull();
  });

  test.each([
    "Windows\\System32\\NTOSKR~1.EXE",
    "\\??\\C:\\WINDOWS\\system32\\winload.efi.",
    "Windows\\System32\\config\\SYSTEM",
    "windows\\system32\\CONFIG\\software ",
    "\\SystemRoot\\System32\\drivers\\..\\..\\System32\\hal.dll",
    "Windows\\SYSTEM~1\\ci.dll",
    "Windows\\System32\\config\\SYSTEM:Zone.Identifier",
    "\\Device\\HarddiskVolume4\\Windows\\System32\\ntoskrnl.exe",
    "\\Device\\HarddiskVolume1\\EFI\\Microsoft\\Boot\\bootmgfw.efi",
  ])("%j is a boot file", (raw) => {
    expect(bootFileOf(raw)).not.toBeNull();
  });

  test.each(["Windows\\System32\\drivers\\cxnetmon.sys", "Windows\\System32\\notepad.exe"])(
    "%j is not",
    (raw) => {
      expect(bootFileOf(raw)).toBeNull();
    },
  );

  test("service names fold case and trailing dots and spaces", () => {
    expect(canonicalServiceName("Ntfs. ")).toBe("ntfs");
    expect(canonicalServiceName(".NET CLR Data")).toBe(".net clr data");
  });
});
