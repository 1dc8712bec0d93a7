/**
 * The packages jest.config.js maps to lazy stand-ins: loading the Pulumi SDK does not load them,
 * and a use loads the real package and gets its answer.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { REPO_ROOT } from "../../helpers/paths";

const { LOADED } = require("./lazy") as { LOADED: symbol };
type Lazy = Record<symbol, boolean>;

const pkg = (name: string) =>
  JSON.parse(
    fs.readFileSync(path.join(REPO_ROOT, "node_modules", name, "package.json"), "utf8"),
  ) as { version: string };

test("the Pulumi SDK loads without them; they load on first use", () => {
  require("@pulumi/pulumi");
  const ts = require("typescript") as Lazy & { version: string };
  const arborist = require("@npmcli/arborist") as Lazy & { __esModule: boolean };
  expect([ts[LOADED], arborist[LOADED]]).toEqual([false, false]);
  expect(arborist.__esModule).toBe(true); // answered without loading
  expect(arborist[LOADED]).toBe(false);
  expect(LOADED in ts).toBe(true); // asked without loading
  expect(ts[LOADED]).toBe(false);
  expect(ts.version).toBe(pkg("typescript").version);
  expect(ts[LOADED]).toBe(true);
});

test("typescript: the real compiler answers through the stand-in", () => {
  const ts = require("typescript") as typeof import("typescript");
  const file = ts.createSourceFile("a.ts", "let a = 1;", ts.ScriptTarget.ES2022);
  expect(file.statements).toHaveLength(1);
  expect(file.statements[0].kind).toBe(ts.SyntaxKind.VariableStatement);
  expect("createProgram" in ts).toBe(true);
  expect(Object.keys(ts)).toContain("createProgram");
  // Freezing or a non-configurable property is refused, and the stand-in keeps answering.
  expect(() => Object.preventExtensions(ts)).toThrow(TypeError);
  expect(() => Object.defineProperty(ts, "x", { value: 1, configurable: false })).toThrow(
    TypeError,
  );
  expect(Object.keys(ts)).toContain("createProgram");
});

test("@npmcli/arborist: Pulumi's `__importStar` keeps the stand-in, whose Arborist is the real class", () => {
  const arborist = require("@npmcli/arborist") as { __esModule?: boolean; Arborist: unknown };
  expect("__esModule" in arborist).toBe(true);
  expect(Object.keys(arborist)).not.toContain("__esModule"); // not enumerable, as TypeScript emits it
  const real = require(path.join(REPO_ROOT, "node_modules", "@npmcli", "arborist")) as {
    Arborist: unknown;
  };
  expect(typeof arborist.Arborist).toBe("function");
  expect(arborist.Arborist).toBe(real.Arborist);
});
