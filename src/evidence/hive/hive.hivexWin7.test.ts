import { openHive } from "./hive";
import { describeWithHives, hiveFixture, readHiveFixture } from "./testing/fixtures";
import { compareWithExport, hivexExportAsync, parseRegExport } from "./testing/regExport";

test("the comparison with hivex's export notices a changed byte, type or key", () => {
  const exported = parseRegExport(
    'Windows Registry Editor Version 5.00\n\n[\\]\n\n[\\A]\n"V"=dword:00000001\n@=hex(3):01,02\n',
  );
  const raw = (hex: string): Buffer => Buffer.from(hex, "hex");
  const defaultValue = { name: "", type: 3, raw: raw("0102") };
  const v1 = { name: "V", type: 4, raw: raw("01000000") };
  const root = { path: "", values: [] };
  const withValues = (...values: (typeof v1)[]) => [root, { path: "A", values }];
  expect(compareWithExport(withValues(defaultValue, v1), exported).mismatches).toEqual([]);
  const changed = withValues({ ...v1, raw: raw("02000000") }, defaultValue);
  expect(compareWithExport(changed, exported).mismatches).toEqual([
    'key "A": reader "V" | 4 | 02000000 / hivex "V" | 4 | 01000000',
  ]);
  const retyped = withValues(v1, { ...defaultValue, type: 0 });
  expect(compareWithExport(retyped, exported).mismatches).toHaveLength(1);
  expect(compareWithExport(withValues(v1), exported).mismatches).toHaveLength(1);
  expect(compareWithExport([root], exported).mismatches).toEqual(['key only in hivex: "A"']);
});

describeWithHives("hive reader vs hivex: SYSTEM_WIN7_X86 (clean)", ["hivexregedit"], () => {
  test("every key and every value (name, type, raw bytes) agrees with hivexregedit", async () => {
    const exporting = hivexExportAsync(hiveFixture("SYSTEM_WIN7_X86"));
    const hive = openHive(readHiveFixture("SYSTEM_WIN7_X86"), { label: "SYSTEM_WIN7_X86" });
    expect(hive.dirty).toBe(false);
    expect(hive.warnings).toEqual([]);
    const ours = [...hive.walk()].map((key) => ({ path: key.path, values: key.values() }));
    const exported = await exporting;
    const result = compareWithExport(ours, exported);
    expect(result.mismatches).toEqual([]);
    expect(result.keys).toBe(exported.size);
    expect(result.values).toBe([...exported.values()].reduce((n, values) => n + values.length, 0));
    expect(result.keys).toBe(30756);
    expect(result.values).toBe(73456);
    // Values over 16344 bytes sit in big-data (db) segments; hivex read the same bytes.
    const big = ours.flatMap((key) =>
      key.values.filter((v) => v.raw.length > 16344).map((v) => `${key.path}\\${v.name}`),
    );
    expect(big).toHaveLength(8);
    expect(big).toContain("ControlSet001\\services\\rdyboost\\Parameters\\BootPlan");
  });

  test("class names: the LSA keys keep 8 hex digits each there", () => {
    const hive = openHive(readHiveFixture("SYSTEM_WIN7_X86"));
    const classOf = (name: string): string | undefined =>
      hive.key(`ControlSet001\\Control\\Lsa\\${name}`)?.className;
    expect(["JD", "Skew1", "GBG", "Data"].map(classOf)).toEqual([
      "67cd88ed",
      "8df2db5b",
      "e770d1f4",
      "b6cf2e27",
    ]);
    expect(hive.key("ControlSet001\\Control\\Lsa")?.className).toBeUndefined();
  });
});
