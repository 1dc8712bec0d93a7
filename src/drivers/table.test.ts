import Ajv from "ajv";
import addFormats from "ajv-formats";
import schema from "../../schemas/driver-compatibility.schema.json";
import raw from "./compatibility.json";
import { BOOT_CRITICAL_SERVICES } from "./bootCritical";
import { COMPATIBILITY_TABLE, OS_BUILDS } from "./table";

function validator() {
  const ajv = new Ajv({ allErrors: true, strictTypes: true });
  addFormats(ajv);
  return ajv.compile(schema);
}

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x));

describe("src/drivers/compatibility.json", () => {
  const validate = validator();

  test("validates against schemas/driver-compatibility.schema.json", () => {
    const ok = validate(raw);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  test("is versioned and dated", () => {
    expect(COMPATIBILITY_TABLE.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(Number.isNaN(Date.parse(COMPATIBILITY_TABLE.updated))).toBe(false);
  });

  test("every row has a source that names a document or a URL", () => {
    for (const rule of COMPATIBILITY_TABLE.rules) {
      expect({ id: rule.id, source: rule.source }).toEqual({
        id: rule.id,
        source: expect.stringMatching(/\.(md|ps1)\b|https?:\/\/|KB ?\d+/),
      });
    }
  });

  test("a row without a source, or with an empty one, fails validation", () => {
    const missing = clone(raw);
    delete (missing.rules[0] as { source?: string }).source;
    expect(validate(missing)).toBe(false);
    const blank = clone(raw);
    blank.rules[1].source = "  ";
    expect(validate(blank)).toBe(false);
  });

  test("malformed rows fail validation", () => {
    const badVersion = clone(raw);
    (badVersion.rules[0].check as { min?: string }).min = "2.7.x";
    expect(validate(badVersion)).toBe(false);
    const badOs = clone(raw);
    badOs.rules[2].os = ["2008R2"];
    expect(validate(badOs)).toBe(false);
    const hwOnAzure = clone(raw);
    (hwOnAzure.rules[0] as { when?: object }).when = { hypervisor: "nitro" };
    expect(validate(hwOnAzure)).toBe(false);
  });

  test("row ids are unique", () => {
    const ids = COMPATIBILITY_TABLE.rules.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test("has rows for every Windows Server release from 2012 R2 to 2025 on Azure and AWS, and for Hyper-V", () => {
    const covered = (cloud: string, os: string) =>
      COMPATIBILITY_TABLE.rules.some(
        (r) => r.clouds.includes(cloud as never) && (r.os === "any" || r.os.includes(os as never)),
      );
    for (const os of ["2012R2", "2016", "2019", "2022", "2025"]) {
      expect([os, covered("azure", os), covered("aws", os)]).toEqual([os, true, true]);
    }
    expect(
      COMPATIBILITY_TABLE.rules.some(
        (r) => r.clouds.includes("hyperv") && r.check.kind === "integrationServicesHost",
      ),
    ).toBe(true);
    expect(OS_BUILDS).toEqual({
      "2012": 9200,
      "2012R2": 9600,
      "2016": 14393,
      "2019": 17763,
      "2022": 20348,
      "2025": 26100,
    });
  });

  test("no row proposes disabling a boot-critical storage driver", () => {
    for (const rule of COMPATIBILITY_TABLE.rules.filter((r) => r.remedyAction)) {
      const service = rule.match?.service?.toLowerCase();
      expect({
        id: rule.id,
        bootCritical: service ? BOOT_CRITICAL_SERVICES.includes(service) : true,
      }).toEqual({ id: rule.id, bootCritical: false });
    }
  });
});
