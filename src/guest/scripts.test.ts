/**
 * Static checks of the PowerShell recovery scripts (no PowerShell here): they are read with
 * tree-sitter-powershell in a child process (tests/helpers/psFacts.ts) and checked against the rules in
 * src/guest/README.md.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import {
  analyzeScriptFiles,
  analyzeScriptText,
  type PsScriptFacts,
} from "../../tests/helpers/psFacts";
import { SCHEMAS } from "../../tests/helpers/paths";

const dir = __dirname;
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".ps1"))
  .sort();
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

  it.each(files)(
    "%s starts with Set-StrictMode -Version Latest and $ErrorActionPreference = 'Stop'",
    (f) => {
      expect({ strictMode: of(f).strictMode, errorActionStop: of(f).errorActionStop }).toEqual({
        strictMode: true,
        errorActionStop: true,
      });
    },
  );

  it.each(files)("%s checks $LASTEXITCODE in the statement after every native tool call", (f) => {
    expect(of(f).nativeCalls.filter((c) => !c.checked)).toEqual([]);
  });

  it.each(files)("%s never evaluates text as code", (f) => {
    expect(of(f).forbidden).toEqual([]);
  });

  it("finds the native tool calls the scripts make", () => {
    const tools = new Set(files.flatMap((f) => of(f).nativeCalls.map((c) => c.tool)));
    expect([...tools].sort()).toEqual([
      "bcdedit",
      "chkdsk",
      "diskpart",
      "dism",
      "fsutil",
      "icacls",
      "reg",
      "sfc",
      "takeown",
    ]);
  });
});

describe.each(["collect.ps1", "repair.ps1"])("%s parameters", (f) => {
  it("has its param() block first", () => {
    expect(of(f).paramBlockFirst).toBe(true);
    expect(of(f).paramError).toBeNull();
  });

  it("puts a validation attribute on every parameter that carries a value", () => {
    const unvalidated = of(f)
      .params.filter((p) => p.type !== "switch" && p.validators.length === 0)
      .map((p) => p.name);
    expect(unvalidated).toEqual([]);
  });
});

describe("the checks catch what they look for", () => {
  const preamble =
    "param([ValidateRange(1,2)][int]$N = 1)\nSet-StrictMode -Version Latest\n$ErrorActionPreference = 'Stop'\n";

  it("flags a native call whose exit code is not checked, and accepts a checked one", () => {
    const bad = analyzeScriptText(
      `${preamble}$out = & reg.exe add HKLM\\X /v A /d 1 /f\nWrite-Output $out\nbcdedit.exe /enum\nif ($LASTEXITCODE -ne 0) { throw 'x' }\n`,
    );
    expect(bad.nativeCalls).toEqual([
      { tool: "reg", line: 4, checked: false },
      { tool: "bcdedit", line: 6, checked: true },
    ]);
  });

  it("flags Invoke-Expression and iex, a missing preamble and a syntax error", () => {
    const bad = analyzeScriptText(
      "param([string]$X)\n$ErrorActionPreference = 'Stop'\nInvoke-Expression $X\niex $X\nif ($X {\n",
    );
    expect(bad.forbidden.map((x) => x.text)).toEqual(["invoke-expression", "iex"]);
    expect(bad.strictMode).toBe(false);
    expect(bad.syntaxErrors.length).toBeGreaterThan(0);
    expect(bad.params[0].validators).toEqual([]);
  });
});

/** A JSON object the schema describes: where it is and its property names (deprecated ones left out). */
interface SchemaObject {
  at: string;
  keys: string;
}

/**
 * Every object schema (`type` object with `properties`) of a schema, all levels ($defs, anyOf/oneOf
 * branches included). Deprecated properties (documents of older scripts) are left out; the base of a
 * discriminated union is not an object of its own (its oneOf branches are).
 */
function schemaObjects(schema: unknown, at = "#", out: SchemaObject[] = []): SchemaObject[] {
  if (Array.isArray(schema)) schema.forEach((s, i) => schemaObjects(s, `${at}/${i}`, out));
  else if (schema && typeof schema === "object") {
    const o = schema as Record<string, unknown>;
    if (o.deprecated === true) return out;
    const types = Array.isArray(o.type) ? o.type : [o.type];
    if (
      types.includes("object") &&
      o.properties &&
      typeof o.properties === "object" &&
      !o.discriminator
    ) {
      const props = o.properties as Record<string, { deprecated?: boolean }>;
      out.push({
        at,
        keys: Object.keys(props)
          .filter((k) => props[k]?.deprecated !== true)
          .sort()
          .join(","),
      });
    }
    for (const [k, v] of Object.entries(o))
      if (k !== "const" && k !== "enum" && k !== "examples") schemaObjects(v, `${at}/${k}`, out);
  }
  return out;
}

/**
 * Compares the objects a schema describes with the hashtable literals of the scripts, per object:
 * `missing` = object schemas no hashtable writes with exactly their properties; `stray` = `[ordered]`
 * hashtables (the scripts' document objects) whose keys match no object schema exactly.
 */
function compareShapes(schemas: unknown[], tables: PsScriptFacts["hashtables"]) {
  const objects = schemas.flatMap((s) => schemaObjects(s));
  const written = new Set(
    tables.filter((t) => t.keys.length > 0).map((t) => [...t.keys].sort().join(",")),
  );
  const described = new Set(objects.map((o) => o.keys));
  return {
    missing: objects.filter((o) => !written.has(o.keys)).map((o) => `${o.at}: {${o.keys}}`),
    stray: tables
      .filter(
        (t) =>
          t.cast === "ordered" && t.keys.length > 0 && !described.has([...t.keys].sort().join(",")),
      )
      .map((t) => `line ${t.line}: {${t.keys.join(",")}}`),
  };
}

describe("the scripts write exactly the objects the schemas describe", () => {
  const schema = (f: string) => JSON.parse(readFileSync(path.join(SCHEMAS, f), "utf8"));

  it.each([
    ["collect-manifest.schema.json", "collect.ps1"],
    ["repair-result.schema.json", "repair.ps1"],
  ])(
    "%s: every object schema is written by %s (with common.ps1), key for key",
    (schemaFile, script) => {
      const tables = [...of(script).hashtables, ...of("common.ps1").hashtables];
      expect(compareShapes([schema(schemaFile)], tables).missing).toEqual([]);
    },
  );

  it.each(["collect.ps1", "repair.ps1", "common.ps1"])(
    "%s writes no [ordered] object that a schema does not describe",
    (script) => {
      const schemas = [
        "collect-manifest.schema.json",
        "collect-output.schema.json",
        "repair-result.schema.json",
      ].map(schema);
      expect(compareShapes(schemas, of(script).hashtables).stray).toEqual([]);
    },
  );

  it("a missing, an extra or a misspelt key fails the comparison", () => {
    const s = {
      type: "object",
      properties: {
        kind: { const: "x" },
        volume: { type: "object", properties: { dirty: {}, sizeBytes: {} } },
        old: { deprecated: true },
      },
    };
    const script = (volume: string) =>
      analyzeScriptText(
        `${"param([ValidateRange(1,2)][int]$N = 1)\nSet-StrictMode -Version Latest\n$ErrorActionPreference = 'Stop'\n"}$doc = [ordered]@{ kind = 'x'; volume = ${volume} }\n`,
      ).hashtables;
    expect(compareShapes([s], script("[ordered]@{ dirty = $true; sizeBytes = 1 }"))).toEqual({
      missing: [],
      stray: [],
    });
    expect(compareShapes([s], script("[ordered]@{ dirty = $true }"))).toEqual({
      missing: ["#/properties/volume: {dirty,sizeBytes}"],
      stray: ["line 4: {dirty}"],
    });
    expect(
      compareShapes([s], script("[ordered]@{ dirty = $true; sizeBytes = 1; freeBytes = 2 }")).stray,
    ).toEqual(["line 4: {dirty,sizeBytes,freeBytes}"]);
    expect(
      compareShapes([s], script("[ordered]@{ dirty = $true; sizebytes = 1 }")).missing,
    ).toEqual(["#/properties/volume: {dirty,sizeBytes}"]);
  });
});
