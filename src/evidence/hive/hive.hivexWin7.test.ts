import { openHive } from "./hive";
import { describeWithHives, hiveFixture, readHiveFixture } from "./fixtures.testkit";
import { compareWithExport, hivexExport } from "./regExport.testkit";

describeWithHives("hive reader vs hivex: SYSTEM_WIN7_X86 (clean)", ["hivexregedit"], () => {
  test("every key and every value (name, type, raw bytes) agrees with hivexregedit", () => {
    const hive = openHive(readHiveFixture("SYSTEM_WIN7_X86"), { label: "SYSTEM_WIN7_X86" });
    expect(hive.dirty).toBe(false);
    expect(hive.warnings).toEqual([]);
    const exported = hivexExport(hiveFixture("SYSTEM_WIN7_X86"));
    const walk = (function* () {
      for (const key of hive.walk()) yield { path: key.path, values: key.values() };
    })();
    const result = compareWithExport(walk, exported);
    expect(result.mismatches).toEqual([]);
    expect(result.keys).toBe(exported.size);
    expect(result.values).toBe([...exported.values()].reduce((n, values) => n + values.length, 0));
    expect(result.keys).toBe(30756);
    expect(result.values).toBe(73456);
  });
});
