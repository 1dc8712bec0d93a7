/**
 * The shape of the tree (ARCHITECTURE.md): the import directions of tools/architecture.cjs hold for
 * every import, there is no cycle between files or between folders, production files stay small,
 * nothing in the product reads outside the repository, and every package it loads is declared.
 */
import * as fs from "node:fs";
import { builtinModules } from "node:module";
import * as path from "node:path";
import { REPO_ROOT } from "./helpers/paths";

const arch = require("../tools/architecture.cjs") as {
  STAGES: string[];
  CLOUDS: string[];
  areaOf(p: string): string | null;
  isTestCode(p: string): boolean;
  violation(from: string, to: string): string | null;
  packageViolation(from: string, spec: string): string | null;
};

type Graph = Map<string, Set<string>>;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true })) {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) out.push(...sourceFiles(rel));
    else if (e.name.endsWith(".ts")) out.push(rel);
  }
  return out;
}

const IMPORT =
  /(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s+["']([^"']+)["']|require\(["']([^"']+)["']\)/g;

/** The module specifiers of a file (static imports, re-exports and require calls). */
function specifiersOf(file: string): string[] {
  const text = fs.readFileSync(path.join(REPO_ROOT, file), "utf8");
  return [...text.matchAll(IMPORT)].map((m) => m[1] ?? m[2]);
}

function resolveRelative(from: string, spec: string): string | null {
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), spec));
  for (const f of [base, `${base}.ts`, `${base}/index.ts`]) {
    const abs = path.join(REPO_ROOT, f);
    if (fs.existsSync(abs) && fs.statSync(abs).isFile()) return f;
  }
  return null;
}

/** Strongly connected components with more than one node, or a node that imports itself. */
export function cycles(graph: Graph): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || graph.get(v)?.has(v)) found.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return found;
}

const product = sourceFiles("src").filter((f) => !arch.isTestCode(f));
const fileGraph: Graph = new Map();
const folderGraph: Graph = new Map();
const edges: { from: string; to: string }[] = [];
for (const f of product) {
  fileGraph.set(f, new Set());
  for (const spec of specifiersOf(f)) {
    if (!spec.startsWith(".")) continue;
    const to = resolveRelative(f, spec);
    if (to === null || !to.endsWith(".ts")) continue;
    fileGraph.get(f)!.add(to);
    edges.push({ from: f, to });
    const a = arch.areaOf(f)!;
    const b = arch.areaOf(to)!;
    if (a !== b) {
      if (!folderGraph.has(a)) folderGraph.set(a, new Set());
      folderGraph.get(a)!.add(b);
    }
  }
}

describe("the tree's import directions", () => {
  test("the cycle finder finds a cycle where there is one (a test that can fail)", () => {
    const g: Graph = new Map([
      ["a", new Set(["b"])],
      ["b", new Set(["c"])],
      ["c", new Set(["a"])],
      ["d", new Set(["a"])],
    ]);
    expect(cycles(g)).toEqual([["a", "b", "c"]]);
    expect(cycles(new Map([["x", new Set(["x"])]]))).toEqual([["x"]]);
    expect(cycles(new Map([["x", new Set(["y"])]]))).toEqual([]);
  });

  test("the rules refuse what ARCHITECTURE.md forbids", () => {
    expect(arch.violation("src/triage/a.ts", "src/clouds/azure/b.ts")).toMatch(/pure stage/);
    expect(arch.violation("src/describe/a.ts", "src/repair/b.ts")).toMatch(/only earlier stages/);
    expect(arch.violation("src/clouds/aws/a.ts", "src/clouds/azure/b.ts")).toMatch(/each other/);
    expect(arch.violation("src/engine/a.ts", "src/cli/main.ts")).toMatch(/outside the CLI/);
    expect(arch.violation("src/steps/a.ts", "src/clouds/aws/b.ts")).toMatch(/only the stages/);
    expect(arch.violation("src/clouds/aws/a.ts", "src/provider/b.ts")).toMatch(/never imports/);
    expect(arch.violation("src/provider/a.ts", "src/engine/b.ts")).toMatch(/never imports/);
    expect(arch.violation("src/provider/a.ts", "src/clouds/aws/b.ts")).toBeNull();
    expect(arch.violation("src/clouds/azure/a.ts", "src/steps/contract.ts")).toBeNull();
    expect(arch.violation("src/cli/commands/a.ts", "src/cli/commands/b.ts")).toMatch(/command/);
    expect(arch.violation("src/report/a.ts", "tests/builders/facts.ts")).toMatch(/never imports/);
    expect(arch.violation("src/report/a.ts", "src/evidence/disk/testing/fakeEbs.ts")).toMatch(
      /test code/,
    );
    expect(arch.packageViolation("src/repair/a.ts", "@pulumi/pulumi")).toMatch(/pure stage/);
    expect(arch.violation("src/repair/a.ts", "src/triage/b.ts")).toBeNull();
    expect(arch.violation("src/repair/a.test.ts", "tests/builders/facts.ts")).toBeNull();
  });

  test("every import of the product follows the directions", () => {
    const bad = edges
      .map(({ from, to }) => ({ from, to, why: arch.violation(from, to) }))
      .filter((e) => e.why !== null)
      .map((e) => `${e.from} → ${e.to}: ${e.why}`);
    for (const f of product) {
      for (const spec of specifiersOf(f)) {
        const why = spec.startsWith(".") ? null : arch.packageViolation(f, spec);
        if (why) bad.push(`${f} → ${spec}: ${why}`);
      }
    }
    expect(bad).toEqual([]);
  });

  test("no cycle between files", () => {
    expect(cycles(fileGraph)).toEqual([]);
  });

  test("no cycle between folders", () => {
    expect(cycles(folderGraph)).toEqual([]);
  });

  test("ARCHITECTURE.md names the stages in the order the rules use", () => {
    const doc = fs.readFileSync(path.join(REPO_ROOT, "ARCHITECTURE.md"), "utf8");
    const named = [...doc.matchAll(/^\| \d+ \| `src\/([A-Za-z]+)\/` \|/gm)].map((m) => m[1]);
    expect(named).toEqual(arch.STAGES);
    for (const f of fs.readdirSync(path.join(REPO_ROOT, "src"), { withFileTypes: true })) {
      if (f.isDirectory()) expect(doc).toContain(`src/${f.name}/`);
    }
  });
});

describe("the product's files", () => {
  test("no production file is over 400 lines", () => {
    const long = product
      .filter((f) => !f.endsWith(".generated.ts"))
      .map((f) => ({
        f,
        n: fs.readFileSync(path.join(REPO_ROOT, f), "utf8").split("\n").length - 1,
      }))
      .filter((x) => x.n > 400)
      .map((x) => `${x.f}: ${x.n}`);
    expect(long).toEqual([]);
  });

  test("no production file reads outside the repository", () => {
    const outside = product.filter((f) =>
      /\.\.\/shared|["']\.\.["'],\s*["']shared["']/.test(
        fs.readFileSync(path.join(REPO_ROOT, f), "utf8"),
      ),
    );
    expect(outside).toEqual([]);
  });

  test("every package the product loads is one of its dependencies (not a dependency's)", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8"));
    const declared = new Set(Object.keys(pkg.dependencies ?? {}));
    const builtin = new Set(builtinModules);
    const LOAD =
      /(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s+["']([^"']+)["']|(?:^|\n)\s*import\s+["']([^"']+)["']|\b(?:require|require\.resolve|import)\(["']([^"']+)["']\)/g;
    // the forms it must see, so a new form of loading is not missed unseen
    const seen = (line: string) => [...line.matchAll(LOAD)].map((m) => m[1] ?? m[2] ?? m[3]);
    expect(
      [
        'import { a } from "p1";',
        'import type { b } from "p2";',
        'export * from "p3";',
        'import "p4";',
        'const c = require("p5");',
        'const d = require.resolve("p6");',
        'const e = await import("p7");',
      ].flatMap(seen),
    ).toEqual(["p1", "p2", "p3", "p4", "p5", "p6", "p7"]);
    const undeclared = new Set<string>();
    for (const f of [...product, "index.ts"]) {
      const text = fs.readFileSync(path.join(REPO_ROOT, f), "utf8");
      for (const m of text.matchAll(LOAD)) {
        const spec = m[1] ?? m[2] ?? m[3];
        if (spec.startsWith(".")) continue;
        if (spec.startsWith("node:") || builtin.has(spec.split("/")[0])) continue;
        const name = spec
          .split("/")
          .slice(0, spec.startsWith("@") ? 2 : 1)
          .join("/");
        if (!declared.has(name)) undeclared.add(`${f}: ${name}`);
      }
    }
    expect([...undeclared]).toEqual([]);
  });

  test("the build leaves tests, builders and fakes out of dist/", () => {
    const build = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "tsconfig.build.json"), "utf8"));
    expect(build.include).toEqual(["index.ts", "src"]);
    expect(build.exclude).toEqual(expect.arrayContaining(["**/*.test.ts", "**/testing/**"]));
  });
});
