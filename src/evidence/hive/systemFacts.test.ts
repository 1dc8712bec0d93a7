import { execFileSync } from "child_process";
import { isFormatError } from "../formatError";
import { openHive } from "./hive";
import { factOf } from "./facts";
import { controlSetName, systemFacts } from "./systemFacts";
import { describeWithHives, hiveFixture, readHiveFixture, testWithTool } from "./testing/fixtures";

/** hivexsh's listing of the subkeys of `path`, in on-disk order: the oracle for key names. */
function hivexSubkeys(file: string, path: string): string[] {
  const out = execFileSync("hivexsh", [file], { input: `cd ${path}\nls\n`, encoding: "utf8" });
  return out.split("\n").filter((line) => line !== "");
}

describeWithHives("systemFacts: SYSTEM_WIN_10_1709", [], () => {
  const file = "Windows/System32/config/SYSTEM";
  const facts = systemFacts(openHive(readHiveFixture("SYSTEM_WIN_10_1709")), { file });

  test("Select values and the control set the next boot uses", () => {
    expect(facts.select.default?.value).toBe(1);
    expect(facts.select.current?.value).toBe(1);
    expect(facts.select.failed?.value).toBe(0);
    expect(facts.select.lastKnownGood?.value).toBe(1);
    expect(facts.select.default?.citation).toEqual({ file, key: "Select", value: "Default" });
    expect(facts.controlSet).toEqual({
      name: "ControlSet001",
      number: 1,
      citation: { file, key: "Select", value: "Default" },
    });
    expect(facts.controlSetPresent).toBe(true);
    expect(facts.hive).toMatchObject({ dirty: true, replayed: "none" });
  });

  test("storahci: ImagePath as stored, Start 0, Type 1, ErrorControl 3, Group", () => {
    const storahci = facts.services.find((s) => s.name === "storahci");
    const key = "ControlSet001\\Services\\storahci";
    expect(storahci?.key).toBe(key);
    expect(storahci?.imagePath).toEqual({
      value: "System32\\drivers\\storahci.sys",
      regType: "REG_EXPAND_SZ",
      citation: { file, key, value: "ImagePath" },
    });
    expect(storahci?.start).toEqual({
      value: 0,
      regType: "REG_DWORD",
      citation: { file, key, value: "Start" },
    });
    expect(storahci?.type?.value).toBe(1);
    expect(storahci?.errorControl?.value).toBe(3);
    expect(storahci?.group?.value).toBe("SCSI Miniport");
    expect(storahci?.owners?.value).toEqual(["mshdc.inf"]);
    expect(storahci?.displayName?.value).toBe(
      "@mshdc.inf,%storahci_ServiceDescription%;Microsoft Standard SATA AHCI Driver",
    );
  });

  test("StartOverride subkey values are reported with their citation", () => {
    const threeWare = facts.services.find((s) => s.name === "3ware");
    expect(threeWare?.startOverride).toEqual([
      {
        value: 3,
        regType: "REG_DWORD",
        citation: { file, key: "ControlSet001\\Services\\3ware\\StartOverride", value: "0" },
      },
    ]);
    expect(facts.services.filter((s) => s.startOverride !== undefined)).toHaveLength(44);
  });

  test("CrashControl: CrashDumpEnabled 7 and every value", () => {
    expect(facts.crashControl).not.toBe("absent");
    if (facts.crashControl === "absent") return;
    expect(facts.crashControl.crashDumpEnabled?.value).toBe(7);
    expect(facts.crashControl.crashDumpEnabled?.citation).toEqual({
      file,
      key: "ControlSet001\\Control\\CrashControl",
      value: "CrashDumpEnabled",
    });
    const values = facts.crashControl.values;
    const byName = Object.fromEntries(values.map((v) => [v.citation.value, v.value]));
    expect(byName).toMatchObject({
      AutoReboot: 1,
      DumpFile: "%SystemRoot%\\MEMORY.DMP",
      MinidumpDir: "%SystemRoot%\\Minidump",
      MinidumpsCount: 5,
      DumpFilters: ["dumpfve.sys"],
    });
  });

  testWithTool("hivexsh", "every service key, names kept verbatim, as hivexsh lists them", () => {
    const names = hivexSubkeys(hiveFixture("SYSTEM_WIN_10_1709"), "\\ControlSet001\\Services");
    expect(names).toHaveLength(737);
    // hivexsh sorts case-folded to lower case, the hive keeps Windows' upper-case order.
    expect(facts.services.map((s) => s.name).sort()).toEqual([...names].sort());
    expect(names).toContain(".NET CLR Data");
    expect(names.filter((n) => n.includes(" ")).length).toBeGreaterThan(5);
  });
});

describeWithHives("systemFacts: SYSTEM_WIN7_X86 and other hives", [], () => {
  test("Win7: Select Current 1, LastKnownGood 2, CrashDumpEnabled 2, 467 services", () => {
    const facts = systemFacts(openHive(readHiveFixture("SYSTEM_WIN7_X86")), { file: "SYSTEM" });
    expect(facts.select.current?.value).toBe(1);
    expect(facts.select.lastKnownGood?.value).toBe(2);
    expect(facts.controlSet.name).toBe("ControlSet001");
    expect(facts.services).toHaveLength(467);
    expect(facts.crashControl !== "absent" && facts.crashControl.crashDumpEnabled?.value).toBe(2);
    expect(facts.hive).toEqual({ dirty: false, replayed: "none", warnings: [] });
  });

  test("a hive without Select (the BCD store) is not a SYSTEM hive", () => {
    const bcd = openHive(readHiveFixture("BCD"));
    let error: unknown;
    try {
      systemFacts(bcd, { file: "BCD" });
    } catch (e) {
      error = e;
    }
    expect(isFormatError(error, "system-no-select")).toBe(true);
    expect((error as Error).message).toBe(
      "SYSTEM hive BCD: no Select key at the root (not a SYSTEM hive?)",
    );
  });
});

test("controlSetName pads to three digits", () => {
  expect(controlSetName(1)).toBe("ControlSet001");
  expect(controlSetName(12)).toBe("ControlSet012");
});

test("a value of the wrong type becomes a problem, not a guess", () => {
  const citation = { file: "SYSTEM", key: "ControlSet001\\Services\\x", value: "Start" };
  const raw = Buffer.from("30000000", "hex");
  const start = { name: "Start", type: 1, typeName: "REG_SZ", data: "0", raw };
  expect(factOf<number>(start, "number", citation)).toEqual({
    value: undefined,
    regType: "REG_SZ",
    citation,
    problem: "REG_SZ of 4 bytes where Windows reads REG_DWORD",
  });
  expect(factOf<number>(undefined, "number", citation)).toBeUndefined();
});
