import * as fs from "fs";
import * as path from "path";
import { replaceSettingsTable } from "../src/engine/generatedDocs";

const root = path.resolve(__dirname, "..");
const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));

test("the README starts with the two commands a newcomer needs, and package.json has them", () => {
  const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";
  const commands = firstBlock
    .split("\n")
    .map((l) => l.replace(/#.*$/, "").trim())
    .filter(Boolean);
  expect(commands).toEqual(["npm ci && npm start", "npm test"]);
  expect(readme.indexOf("```sh")).toBeLessThan(200);
  expect(pkg.scripts.start).toBeDefined();
  expect(pkg.scripts.test).toBeDefined();
});

test("the README's settings table is current (regenerate with npm run gen:pulumi-yaml)", () => {
  expect(readme).toBe(replaceSettingsTable(readme));
});

test("the CI script runs the README's test command after a clean install", () => {
  const ci = fs.readFileSync(path.join(root, ".ci", "run"), "utf8");
  expect(ci).toMatch(/npm ci/);
  expect(ci).toMatch(/npm test/);
});
