import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describeIf, missing, sampleSystemHive } from "../facts/testing/evidence";
import { openHive } from "./hive";
import { setDwordsInPlace } from "./setDword";

const CXNETMON = "ControlSet001\\Services\\cxnetmon";

describeIf(missing([], ["xz", "hivexget"]), "a DWORD set in place", () => {
  const before = sampleSystemHive();

  function hivexget(hive: Buffer, key: string, value: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "setdword-"));
    try {
      fs.writeFileSync(path.join(dir, "SYSTEM"), hive);
      return execFileSync("hivexget", [path.join(dir, "SYSTEM"), key, value], {
        encoding: "utf8",
      }).trim();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  it("reads back with hivex and changes no other byte", () => {
    const after = setDwordsInPlace(before, [{ key: CXNETMON, name: "start", data: 4 }]);
    expect(hivexget(before, CXNETMON, "Start")).toBe("1");
    expect(hivexget(after, CXNETMON, "Start")).toBe("4");
    expect(hivexget(after, CXNETMON, "Type")).toBe("1");
    const changed = [...after.keys()].filter((i) => after[i] !== before[i]);
    expect(changed.length).toBeGreaterThan(0);
    expect(changed.length).toBeLessThanOrEqual(4);
    const hive = openHive(after);
    expect(hive.dirty).toBe(false);
    expect(
      hive.root.subkey("ControlSet001")?.subkey("Services")?.subkey("cxnetmon")?.value("Start")
        ?.data,
    ).toBe(4);
  });

  it("refuses what it cannot write in place", () => {
    expect(() => setDwordsInPlace(before, [{ key: CXNETMON, name: "Nope", data: 4 }])).toThrow(
      /no such value/,
    );
    expect(() =>
      setDwordsInPlace(before, [{ key: `${CXNETMON}\\x`, name: "Start", data: 4 }]),
    ).toThrow(/no such key/);
    expect(() => setDwordsInPlace(before, [{ key: CXNETMON, name: "Group", data: 4 }])).toThrow(
      /not a REG_DWORD/,
    );
    expect(() => setDwordsInPlace(before, [{ key: CXNETMON, name: "Start", data: -1 }])).toThrow(
      /not a DWORD/,
    );
  });
});
