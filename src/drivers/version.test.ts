import fc from "fast-check";
import { compareVersions, parseVersion } from "./version";

describe("compareVersions", () => {
  test.each([
    ["2.7.41491.1009", "2.7.41491.1010", -1],
    ["2.7.41491.1102", "2.7.41491.1010", 1],
    ["10.0.17763.6414", "10.0.17763.6414", 0],
    ["2.2", "2.2.0.0", 0],
    ["1.5.0", "2.0.0", -1],
    ["2.10.0", "2.9.9", 1],
    ["6.3.9600.18907", "6.3.9600", 1],
  ])("%s vs %s", (a, b, sign) => {
    expect(Math.sign(compareVersions(a, b))).toBe(sign);
  });

  test("compares numerically, not as text", () => {
    expect(compareVersions("8.10.0", "8.4.3")).toBeGreaterThan(0);
  });

  test("rejects text that is not a dotted numeric version", () => {
    expect(() => compareVersions("2.2.4-beta", "2.2.4")).toThrow(/2\.2\.4-beta/);
    expect(() => compareVersions("1.2.3.4.5", "1")).toThrow();
  });

  test("is antisymmetric and agrees with equality of padded parts", () => {
    const v = fc
      .array(fc.integer({ min: 0, max: 70000 }), { minLength: 1, maxLength: 4 })
      .map((p) => p.join("."));
    fc.assert(
      fc.property(v, v, (a, b) => {
        expect(Math.sign(compareVersions(a, b))).toBe(-Math.sign(compareVersions(b, a)));
        expect(compareVersions(a, a)).toBe(0);
      }),
    );
  });
});

describe("parseVersion", () => {
  test("accepts 1 to 4 numeric parts and trims", () => {
    expect(parseVersion(" 10.0.20348.1 ")).toEqual([10, 0, 20348, 1]);
    expect(parseVersion("8")).toEqual([8]);
  });
  test.each([null, undefined, "", "v2.1", "2..1", "2.1.", "1.2.3.4.5"])("rejects %p", (t) => {
    expect(parseVersion(t as string | null)).toBeNull();
  });
});
