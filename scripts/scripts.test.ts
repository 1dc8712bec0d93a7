/**
 * Static checks of the PowerShell recovery scripts (no PowerShell here): they are read with
 * tree-sitter-powershell in a child process (scripts/ps-facts.ts) and checked against the rules in
 * scripts/README.md.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { analyzeScriptFiles, analyzeScriptText, type PsScriptFacts } from "./ps-facts";

const dir = __dirname;
const files = readdirSync(dir).filter((f) => f.endsWith(".ps1")).sort();
let facts: Record<string, PsScriptFacts>;

beforeAll(() => {
  facts = analyzeScriptFiles(files.map((f) => path.join(dir, f)));
});
const of = (f: string) => facts[path.join(dir, f)];

describe("every recovery script", () => {
  it("includes the shared code and both entry scripts", () => {
    expect(files).toEqual(expect.arrayContaining(["common.ps1", "collect.ps1", "repair.ps1"]));
  });

  it.each(files)("%s parses without ERROR or MISSING nodes", (f) => {
    expect(of(f).syntaxErrors).toEqual([]);
  });

  it.each(files)("%s starts with Set-StrictMode -Version Latest and $ErrorActionPreference = 'Stop'", (f) => {
    expect({ strictMode: of(f).strictMode, errorActionStop: of(f).errorActionStop }).toEqual({ strictMode: true, errorActionStop: true });
  });

  it.each(files)("%s checks $LASTEXITCODE in the statement after every native tool call", (f) => {
    expect(of(f).nativeCalls.filter((c) => !c.checked)).toEqual([]);
  });

  it.each(files)("%s never evaluates text as code", (f) => {
    expect(of(f).forbidden).toEqual([]);
  });

  it("finds the native tool calls the scripts make", () => {
    const tools = new Set(files.flatMap((f) => of(f).nativeCalls.map((c) => c.tool)));
    expect([...tools].sort()).toEqual(["bcdedit", "chkdsk", "diskpart", "dism", "fsutil", "reg", "sfc"]);
  });
});

describe.each(["collect.ps1", "repair.ps1"])("%s parameters", (f) => {
  it("has its param() block first", () => {
    expect(of(f).paramBlockFirst).toBe(true);
    expect(of(f).paramError).toBeNull();
  });

  it("puts a validation attribute on every parameter that carries a value", () => {
    const unvalidated = of(f).params.filter((p) => p.type !== "switch" && p.validators.length === 0).map((p) => p.name);
    expect(unvalidated).toEqual([]);
  });
});

describe("the checks catch what they look for", () => {
  const preamble = "param([ValidateRange(1,2)][int]$N = 1)\nSet-StrictMode -Version Latest\n$ErrorActionPreference = 'Stop'\n";

  it("flags a native call whose exit code is not checked, and accepts a checked one", () => {
    const bad = analyzeScriptText(`${preamble}$out = & reg.exe add HKLM\\X /v A /d 1 /f\nWrite-Output $out\nbcdedit.exe /enum\nif ($LASTEXITCODE -ne 0) { throw 'x' }\n`);
    expect(bad.nativeCalls).toEqual([
      { tool: "reg", line: 4, checked: false },
      { tool: "bcdedit", line: 6, checked: true },
    ]);
  });

  it("flags Invoke-Expression and iex, a missing preamble and a syntax error", () => {
    const bad = analyzeScriptText("param([string]$X)\n$ErrorActionPreference = 'Stop'\nInvoke-Expression $X\niex $X\nif ($X {\n");
    expect(bad.forbidden.map((x) => x.text)).toEqual(["invoke-expression", "iex"]);
    expect(bad.strictMode).toBe(false);
    expect(bad.syntaxErrors.length).toBeGreaterThan(0);
    expect(bad.params[0].validators).toEqual([]);
  });
});

describe("the scripts write every field the schemas require", () => {
  /** Property names of a schema, all levels (refs and anyOf/oneOf branches included). */
  function propertyNames(schema: unknown, out = new Set<string>()): Set<string> {
    if (Array.isArray(schema)) schema.forEach((s) => propertyNames(s, out));
    else if (schema && typeof schema === "object") {
      const o = schema as Record<string, unknown>;
      if (o.properties && typeof o.properties === "object") Object.keys(o.properties).forEach((k) => out.add(k));
      Object.values(o).forEach((v) => propertyNames(v, out));
    }
    return out;
  }
  const read = (f: string) => readFileSync(path.join(dir, f), "utf8");
  const schema = (f: string) => JSON.parse(readFileSync(path.resolve(dir, "..", "schemas", f), "utf8"));

  it.each([
    ["collect-output.schema.json", ["collect.ps1", "common.ps1"]],
    ["repair-result.schema.json", ["repair.ps1", "common.ps1"]],
  ])("%s", (schemaFile, scripts) => {
    const text = scripts.map(read).join("\n");
    const missing = [...propertyNames(schema(schemaFile))].filter((name) => !new RegExp(`[{;\\s]${name} = `).test(text));
    expect(missing).toEqual([]);
  });
});
