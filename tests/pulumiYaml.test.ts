import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { SETTINGS } from "../src/engine/settings";
import { renderPulumiYaml } from "../src/engine/generatedDocs";

const file = path.resolve(__dirname, "..", "Pulumi.yaml");

test("Pulumi.yaml declares every setting the program reads (regenerate with npm run gen:pulumi-yaml)", () => {
  expect(fs.readFileSync(file, "utf8")).toBe(renderPulumiYaml());
});

test("Pulumi.yaml is a valid project file: nodejs runtime, main program, typed and documented config", () => {
  const y = parse(fs.readFileSync(file, "utf8"));
  expect(y.name).toBe("vm-rescue");
  expect(y.runtime.name).toBe("nodejs");
  expect(fs.existsSync(path.resolve(__dirname, "..", y.main))).toBe(true);
  expect(Object.keys(y.config)).toEqual(SETTINGS.map((s) => s.key));
  for (const [key, c] of Object.entries<any>(y.config)) {
    expect(["string", "integer", "boolean", "array"]).toContain(c.type);
    expect(c.description.length).toBeGreaterThan(10);
    if (c.default !== undefined)
      expect(
        typeof c.default === "string"
          ? "string"
          : typeof c.default === "number"
            ? "integer"
            : typeof c.default === "boolean"
              ? "boolean"
              : "array",
      ).toBe(c.type);
    expect(key).toMatch(/^[a-z][A-Za-z]+$/);
  }
});
