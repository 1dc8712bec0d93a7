// Reads PowerShell scripts with tree-sitter-powershell and reports what the TypeScript side needs:
// the param() block (names, types, Mandatory, validation attributes, defaults) and the facts the
// script checks test (syntax errors, strict mode, native tool calls and their exit-code checks,
// forbidden commands).
//
// The grammar is an ES module with top-level await, which jest (CommonJS) cannot load, so tests and
// the generator run this file with plain `node`:
//   node tools/ps-syntax.mjs src/guest/collect.ps1 ...   -> JSON { "<file>": ScriptFacts }
//   node tools/ps-syntax.mjs --stdin                    -> JSON ScriptFacts of the text on stdin
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import Parser from "tree-sitter";
import PowerShell from "tree-sitter-powershell";

/** Native tools whose every call must be followed by a $LASTEXITCODE check. */
export const NATIVE_TOOLS = [
  "reg",
  "bcdedit",
  "sfc",
  "dism",
  "chkdsk",
  "diskpart",
  "fsutil",
  "takeown",
  "icacls",
];
/** Commands that evaluate text as code; never allowed. */
export const FORBIDDEN_COMMANDS = ["invoke-expression", "iex"];

const parser = new Parser();
parser.setLanguage(PowerShell);

export function parsePowerShell(text) {
  // The native binding reads long inputs through a callback in chunks; pass one.
  return parser.parse((index) => text.slice(index, index + 8192));
}

const lineOf = (node) => node.startPosition.row + 1;

function* walk(node) {
  yield node;
  for (const child of node.children) yield* walk(child);
}

function syntaxErrors(root) {
  const errors = [];
  for (const n of walk(root)) {
    if (n.type === "ERROR" || n.isMissing)
      errors.push({
        line: lineOf(n),
        type: n.isMissing ? `MISSING ${n.type}` : "ERROR",
        text: n.text.slice(0, 80),
      });
  }
  return errors;
}

/** Value of a literal expression in a param block (strings, integers, $true/$false/$null, @()). */
function literalValue(node) {
  const leaves = [...walk(node)].filter(
    (n) =>
      n.childCount === 0 ||
      n.type === "string_literal" ||
      n.type === "variable" ||
      n.type === "array_expression",
  );
  const first = leaves.find((n) =>
    [
      "string_literal",
      "integer_literal",
      "decimal_integer_literal",
      "variable",
      "array_expression",
      "hexadecimal_integer_literal",
    ].includes(n.type),
  );
  if (!first) throw new Error(`unsupported literal at line ${lineOf(node)}: ${node.text}`);
  switch (first.type) {
    case "string_literal": {
      const t = first.text;
      if (!t.startsWith("'"))
        throw new Error(
          `line ${lineOf(node)}: use single-quoted strings in param() attributes and defaults: ${t}`,
        );
      return t.slice(1, -1).replace(/''/g, "'");
    }
    case "decimal_integer_literal":
    case "integer_literal": {
      const m = /^(-?)(\d+)(kb|mb|gb)?$/i.exec(node.text.replace(/^=/, "").trim());
      if (!m) throw new Error(`line ${lineOf(node)}: unsupported number ${node.text}`);
      const mult = { kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(m[3] ?? "").toLowerCase()] ?? 1;
      return (m[1] ? -1 : 1) * Number(m[2]) * mult;
    }
    case "variable": {
      const v = first.text.toLowerCase();
      if (v === "$true") return true;
      if (v === "$false") return false;
      if (v === "$null") return null;
      throw new Error(`line ${lineOf(node)}: variables are not allowed here: ${first.text}`);
    }
    case "array_expression":
      if (/^@\(\s*\)$/.test(first.text)) return [];
      throw new Error(`line ${lineOf(node)}: only @() is supported as an array default`);
    default:
      throw new Error(`line ${lineOf(node)}: unsupported literal ${node.text}`);
  }
}

function readAttribute(attr) {
  const typeLiteral = attr.namedChildren.find((c) => c.type === "type_literal");
  if (typeLiteral) return { kind: "type", type: typeLiteral.text.slice(1, -1).toLowerCase() };
  const name = attr.namedChildren.find((c) => c.type === "attribute_name")?.text ?? "";
  const argsNode = attr.namedChildren.find((c) => c.type === "attribute_arguments");
  const positional = [];
  const named = {};
  for (const arg of argsNode?.namedChildren.filter((c) => c.type === "attribute_argument") ?? []) {
    const simple = arg.namedChildren.find((c) => c.type === "simple_name");
    const valueNode = arg.namedChildren.find((c) => c.type !== "simple_name");
    if (simple) named[simple.text.toLowerCase()] = valueNode ? literalValue(valueNode) : true;
    else positional.push(literalValue(arg));
  }
  return { kind: "attribute", name, positional, named, line: lineOf(attr) };
}

const PAIR_VALIDATORS = {
  validaterange: "validateRange",
  validatelength: "validateLength",
  validatecount: "validateCount",
};
const TYPES = {
  string: "string",
  "string[]": "string[]",
  int: "int",
  long: "int",
  switch: "switch",
};

function readParameters(paramBlock) {
  const list = paramBlock.namedChildren.find((c) => c.type === "parameter_list");
  const params = [];
  for (const p of list?.namedChildren.filter((c) => c.type === "script_parameter") ?? []) {
    const variable = p.namedChildren.find((c) => c.type === "variable");
    const spec = {
      name: variable.text.replace(/^\$/, ""),
      type: null,
      mandatory: false,
      line: lineOf(p),
      validators: [],
    };
    const help = [];
    for (let prev = p.previousSibling; prev && prev.type === "comment"; prev = prev.previousSibling)
      help.unshift(prev.text.replace(/^#\s?/, ""));
    if (help.length) spec.help = help.join(" ");
    const attrs =
      p.namedChildren
        .find((c) => c.type === "attribute_list")
        ?.namedChildren.filter((c) => c.type === "attribute") ?? [];
    for (const a of attrs.map(readAttribute)) {
      if (a.kind === "type") {
        if (!(a.type in TYPES)) throw new Error(`$${spec.name}: unsupported type [${a.type}]`);
        spec.type = TYPES[a.type];
        continue;
      }
      const key = a.name.toLowerCase();
      if (key === "parameter") spec.mandatory = a.named.mandatory === true;
      else if (key === "validateset") {
        spec.validateSet = a.positional.map(String);
        spec.validators.push(a.name);
      } else if (key === "validatepattern") {
        spec.validatePattern = String(a.positional[0]);
        spec.validators.push(a.name);
      } else if (key in PAIR_VALIDATORS) {
        spec[PAIR_VALIDATORS[key]] = [a.positional[0], a.positional[1]];
        spec.validators.push(a.name);
      } else if (key.startsWith("validate") || key.startsWith("allow"))
        throw new Error(`$${spec.name}: attribute [${a.name}] is not supported by the generator`);
    }
    if (!spec.type) throw new Error(`$${spec.name}: every parameter needs an explicit type`);
    const def = p.namedChildren.find((c) => c.type === "script_parameter_default");
    if (def) spec.default = literalValue(def);
    params.push(spec);
  }
  return params;
}

function commandName(cmd) {
  const nameNode = cmd.childForFieldName("command_name");
  if (!nameNode) return null;
  return nameNode.text.replace(/^['"]|['"]$/g, "");
}

/** The statement (direct child of a statement_list) that contains a node. */
function enclosingStatement(node) {
  let n = node;
  while (n.parent && n.parent.type !== "statement_list" && n.parent.type !== "program")
    n = n.parent;
  return n;
}

function nextStatement(stmt) {
  for (let s = stmt.nextNamedSibling; s; s = s.nextNamedSibling) if (s.type !== "comment") return s;
  return null;
}

const mentionsLastExitCode = (node) =>
  node !== null &&
  [...walk(node)].some((n) => n.type === "variable" && n.text.toLowerCase() === "$lastexitcode");

/**
 * Rule for native tools: a command whose name is one of NATIVE_TOOLS (with or without ".exe", called
 * bare or with `&`) sits in a statement whose next statement in the same block reads $LASTEXITCODE.
 */
function nativeCalls(root) {
  const calls = [];
  for (const n of walk(root)) {
    if (n.type !== "command") continue;
    const name = commandName(n);
    if (!name) continue;
    const base = name.toLowerCase().replace(/\.exe$/, "");
    if (!NATIVE_TOOLS.includes(base)) continue;
    calls.push({
      tool: base,
      line: lineOf(n),
      checked: mentionsLastExitCode(nextStatement(enclosingStatement(n))),
    });
  }
  return calls;
}

function forbiddenCalls(root) {
  const found = [];
  for (const n of walk(root)) {
    if (n.type === "command") {
      const name = (commandName(n) ?? "").toLowerCase();
      if (FORBIDDEN_COMMANDS.includes(name)) found.push({ line: lineOf(n), text: name });
    }
    if (n.type === "invokation_expression" || n.type === "member_access") {
      if (/\[scriptblock\]\s*::\s*create/i.test(n.text))
        found.push({ line: lineOf(n), text: "[scriptblock]::Create" });
    }
  }
  return found;
}

/**
 * Every hashtable literal (`@{...}`, `[ordered]@{...}`, `[pscustomobject]@{...}`) with its keys in
 * source order: the shape of the objects a script writes into its JSON document.
 */
function hashtables(root) {
  const found = [];
  for (const n of walk(root)) {
    if (n.type !== "hash_literal_expression") continue;
    const body = n.namedChildren.find((c) => c.type === "hash_literal_body");
    const keys = (body?.namedChildren.filter((c) => c.type === "hash_entry") ?? []).map((e) => {
      const k = e.namedChildren.find((c) => c.type === "key_expression");
      return (k?.text ?? "")
        .trim()
        .replace(/^'(.*)'$/s, "$1")
        .replace(/^"(.*)"$/s, "$1");
    });
    const cast =
      n.parent?.parent?.type === "cast_expression"
        ? (n.parent.parent.namedChildren
            .find((c) => c.type === "type_literal")
            ?.text.slice(1, -1)
            .toLowerCase() ?? null)
        : null;
    found.push({ line: lineOf(n), cast, keys });
  }
  return found;
}

/** The first two statements after the param block (or at the top) set strict mode and Stop. */
function preamble(root, paramBlock) {
  const statementList = root.namedChildren.find((c) => c.type === "statement_list");
  const statements = statementList
    ? statementList.namedChildren.filter((c) => c.type !== "comment")
    : [];
  const texts = statements.slice(0, 2).map((s) => s.text.replace(/\s+/g, " ").trim());
  return {
    strictMode: /^Set-StrictMode -Version Latest$/i.test(texts[0] ?? ""),
    errorActionStop: /^\$ErrorActionPreference = 'Stop'$/i.test(texts[1] ?? ""),
    paramBlockFirst:
      paramBlock !== null &&
      root.namedChildren.filter((c) => c.type !== "comment")[0] === paramBlock,
  };
}

export function analyzePowerShell(text) {
  const tree = parsePowerShell(text);
  const root = tree.rootNode;
  const paramBlock = root.namedChildren.find((c) => c.type === "param_block") ?? null;
  const facts = {
    syntaxErrors: syntaxErrors(root),
    params: [],
    paramError: null,
    nativeCalls: nativeCalls(root),
    forbidden: forbiddenCalls(root),
    hashtables: hashtables(root),
    ...preamble(root, paramBlock),
  };
  if (paramBlock) {
    try {
      facts.params = readParameters(paramBlock);
    } catch (e) {
      facts.paramError = e.message;
    }
  }
  return facts;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  if (args[0] === "--stdin") {
    process.stdout.write(JSON.stringify(analyzePowerShell(readFileSync(0, "utf8"))));
  } else {
    const out = {};
    for (const file of args) out[file] = analyzePowerShell(readFileSync(file, "utf8"));
    process.stdout.write(JSON.stringify(out));
  }
}
