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

test("Pulumi.yaml runs the compiled program and names the vm-rescue provider plugin by path", () => {
  const root = path.resolve(__dirname, "..");
  const y = parse(fs.readFileSync(file, "utf8"));
  // main is index.ts as tsconfig.build.json compiles it (rootDir . → outDir dist)
  const build = JSON.parse(fs.readFileSync(path.join(root, "tsconfig.build.json"), "utf8"));
  expect(build.include).toContain("index.ts");
  expect(path.join(build.compilerOptions.outDir, "index.js")).toBe(y.main);
  expect(y.runtime.options.typescript).toBe(false);
  expect(y.plugins.providers).toEqual([{ name: "vm-rescue", path: "./bin" }]);
});
