/**
 * Typed access to tools/ps-syntax.mjs from CommonJS code (jest, the CLI): the tree-sitter grammar
 * is an ES module with top-level await, so it runs in a child `node` process and answers in JSON.
 * Its answers are kept in .tools/ps-facts/ under a hash of everything they depend on (the tool's
 * source, the parser's versions, the arguments and the text read), as jest keeps its transforms:
 * a run with a changed input asks the tool again.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
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

const ROOT = path.join(__dirname, "..", "..");
const SYNTAX_TOOL = path.join(ROOT, "tools", "ps-syntax.mjs");
const CACHE = path.join(ROOT, ".tools", "ps-facts");

/**
 * What an answer depends on besides its arguments and input: the tool and the parser. The tool
 * imports nothing from this repository; a file it comes to import belongs here too.
 */
let identity: string | undefined;
function toolIdentity(): string {
  if (identity !== undefined) return identity;
  const version = (pkg: string) =>
    (
      JSON.parse(fs.readFileSync(require.resolve(`${pkg}/package.json`), "utf8")) as {
        version: string;
      }
    ).version;
  identity = [
    fs.readFileSync(SYNTAX_TOOL, "utf8"),
    process.version,
    version("tree-sitter"),
    version("tree-sitter-powershell"),
  ].join("\0");
  return identity;
}

function run(args: string[], input: string | undefined, read: string[]): string {
  const h = createHash("sha256")
    .update(toolIdentity())
    .update(JSON.stringify([args, input ?? null, read]));
  const cached = path.join(CACHE, `${h.digest("hex")}.json`);
  if (fs.existsSync(cached)) return fs.readFileSync(cached, "utf8");
  const answer = execFileSync(process.execPath, ["--no-deprecation", SYNTAX_TOOL, ...args], {
    input,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  JSON.parse(answer); // only a whole answer is kept
  fs.mkdirSync(CACHE, { recursive: true });
  const tmp = `${cached}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, answer);
  fs.renameSync(tmp, cached);
  return answer;
}

/** Facts of several .ps1 files, keyed by the path given. */
export function analyzeScriptFiles(files: string[]): Record<string, PsScriptFacts> {
  const texts = files.map((f) => fs.readFileSync(f, "utf8"));
  return JSON.parse(run(files, undefined, texts)) as Record<string, PsScriptFacts>;
}

/** Facts of PowerShell source text. */
export function analyzeScriptText(text: string): PsScriptFacts {
  return JSON.parse(run(["--stdin"], text, [])) as PsScriptFacts;
}
