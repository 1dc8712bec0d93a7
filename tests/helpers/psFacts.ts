/**
 * Typed access to tools/ps-syntax.mjs from CommonJS code (jest, the CLI): the tree-sitter grammar
 * is an ES module with top-level await, so it runs in a child `node` process and answers in JSON.
 */
import { execFileSync } from "node:child_process";
import path from "node:path";

export interface PsParamFacts {
  name: string;
  type: "string" | "string[]" | "int" | "switch";
  mandatory: boolean;
  line: number;
  /** Names of the validation attributes on the parameter, as written. */
  validators: string[];
  validatePattern?: string;
  validateSet?: string[];
}

export interface PsScriptFacts {
  syntaxErrors: Array<{ line: number; type: string; text: string }>;
  params: PsParamFacts[];
  paramError: string | null;
  nativeCalls: Array<{ tool: string; line: number; checked: boolean }>;
  forbidden: Array<{ line: number; text: string }>;
  strictMode: boolean;
  errorActionStop: boolean;
  paramBlockFirst: boolean;
  /** Hashtable literals: `cast` is the type they are cast to ("ordered", "pscustomobject") or null; keys in source order. */
  hashtables: Array<{ line: number; cast: string | null; keys: string[] }>;
}

const SYNTAX_TOOL = path.join(__dirname, "..", "..", "tools", "ps-syntax.mjs");

function run(args: string[], input?: string): string {
  return execFileSync(process.execPath, ["--no-deprecation", SYNTAX_TOOL, ...args], {
    input,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** Facts of several .ps1 files, keyed by the path given. */
export function analyzeScriptFiles(files: string[]): Record<string, PsScriptFacts> {
  return JSON.parse(run(files)) as Record<string, PsScriptFacts>;
}

/** Facts of PowerShell source text. */
export function analyzeScriptText(text: string): PsScriptFacts {
  return JSON.parse(run(["--stdin"], text)) as PsScriptFacts;
}
