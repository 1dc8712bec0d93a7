import { openHive } from "./hive";
import { describeWithHives, hiveFixture, readHiveFixture } from "./testing/fixtures";
import { compareWithExport, hivexExportAsync } from "./testing/regExport";

const TITLE = "hive reader vs hivex: SYSTEM_WIN_10_1709 (dirty, no logs)";

describeWithHives(TITLE, ["hivexregedit"], () => {
  test("the primary-only view agrees with hivexregedit on every key and value", async () => {
    const exporting = hivexExportAsync(hiveFixture("SYSTEM_WIN_10_1709"));
    const hive = openHive(readHiveFixture("SYSTEM_WIN_10_1709"), { label: "SYSTEM_WIN_10_1709" });
    expect(hive.dirty).toBe(true);
    expect(hive.replayed).toBe("none");
    expect(hive.primaryBaseBlock.primarySequence).toBe(4317);
    expect(hive.primaryBaseBlock.secondarySequence).toBe(4316);
    expect(hive.warnings).toEqual([
      expect.stringMatching(/^hive is dirty \(primary 4317, secondary 4316\) and no transaction/),
    ]);
    const ours = [...hive.walk()].map((key) => ({ path: key.path, values: key.values() }));
    const exported = await exporting;
    const result = compareWithExport(ours, exported);
    expect(result.mismatches).toEqual([]);
    expect(result.keys).toBe(exported.size);
    expect(result.keys).toBe(43211);
    const all = [...exported.values()].flat();
    expect(result.values).toBe(all.length);

    // Windows 10's device-property types (0x10001...0xffff0010) stay raw bytes, named by number.
    const unusual = ours.flatMap((key) => key.values.filter((value) => value.type > 11));
    expect(unusual.length).toBe(all.filter((value) => value.type > 11).length);
    expect(unusual.length).toBeGreaterThan(100);
    for (const value of unusual) {
      expect(Buffer.isBuffer(value.data)).toBe(true);
      expect(value.typeName).toBe(`REG_0x${value.type.toString(16).padStart(8, "0")}`);
    }
  });
});
