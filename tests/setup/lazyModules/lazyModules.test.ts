/**
 * The packages jest.config.js maps to lazy stand-ins behave as the packages: a use loads the real
 * one and gets its answer.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { REPO_ROOT } from "../../helpers/paths";

const pkg = (name: string) =>
  JSON.parse(
    fs.readFileSync(path.join(REPO_ROOT, "node_modules", name, "package.json"), "utf8"),
  ) as { version: string };

test("typescript: the real compiler answers through the stand-in", () => {
  const ts = require("typescript") as typeof import("typescript");
  expect(ts.version).toBe(pkg("typescript").version);
  const file = ts.createSourceFile("a.ts", "let a = 1;", ts.ScriptTarget.ES2022);
  expect(file.statements).toHaveLength(1);
  expect(file.statements[0].kind).toBe(ts.SyntaxKind.VariableStatement);
  expect("createProgram" in ts).toBe(true);
});

test("@npmcli/arborist: Pulumi's `__importStar` keeps the stand-in, whose Arborist is the real class", () => {
  const arborist = require("@npmcli/arborist") as { __esModule?: boolean; Arborist: unknown };
  expect(arborist.__esModule).toBe(true);
  const real = require(path.join(REPO_ROOT, "node_modules", "@npmcli", "arborist")) as {
    Arborist: unknown;
  };
  expect(typeof arborist.Arborist).toBe("function");
  expect(arborist.Arborist).toBe(real.Arborist);
});
