/**
 * Runtime side of the generated parameter descriptions (`src/guest/params.generated.ts`): validates a
 * value object the way PowerShell's parameter binder would, so a bad value is refused here, with a
 * message naming the parameter, before anything is created or sent to a VM.
 *
 * Regex dialect. `ValidatePattern` is a .NET regex matched case-insensitively. The scripts use a
 * subset that means the same in .NET and JavaScript: `^`, `\z` (end of input), literal characters,
 * `\.` `\\`, ASCII character classes, `(?:…)`, `|` and quantifiers. Not allowed: `$` (in .NET it
 * also matches before a final newline), `\d` `\w` `\s` `\b` (Unicode-aware in .NET), lookaround,
 * named groups and inline options. {@link psPatternToRegExp} checks this and turns `\z` into `$`,
 * compiled with the `i` and `u` flags.
 */

export type ScriptParamType = "string" | "string[]" | "int" | "switch";

/** One parameter of a script's param() block, as read by tools/generate-params.mjs. */
export interface ScriptParamSpec {
  readonly name: string;
  readonly type: ScriptParamType;
  readonly mandatory: boolean;
  readonly help?: string;
  readonly default?: string | number | boolean | readonly string[] | null;
  readonly validateSet?: readonly string[];
  readonly validatePattern?: string;
  readonly validateRange?: readonly [number, number];
  readonly validateLength?: readonly [number, number];
  readonly validateCount?: readonly [number, number];
}

/** A parameter value that the script would refuse. */
export class ScriptParamError extends Error {
  constructor(
    readonly script: string,
    readonly parameter: string | null,
    message: string,
  ) {
    super(parameter ? `${script} -${parameter}: ${message}` : `${script}: ${message}`);
    this.name = "ScriptParamError";
  }
}

const FORBIDDEN_CONSTRUCTS: ReadonlyArray<[RegExp, string]> = [
  [/(^|[^\\])(\\\\)*\$/, "'$' (use \\z: .NET '$' also matches before a final newline)"],
  [
    /\\[dwsbDWSBAZGpP]/,
    "\\d, \\w, \\s, \\b, \\A, \\Z, \\G or \\p (their meaning differs between .NET and JavaScript)",
  ],
  [/\(\?[^:]/, "lookaround, named groups or inline options"],
];

const compiled = new Map<string, RegExp>();

/** Compiles a PowerShell ValidatePattern for JavaScript; throws on a construct outside the shared subset. */
export function psPatternToRegExp(pattern: string): RegExp {
  const cached = compiled.get(pattern);
  if (cached) return cached;
  for (const [re, what] of FORBIDDEN_CONSTRUCTS) {
    if (re.test(pattern)) throw new Error(`ValidatePattern ${pattern} uses ${what}`);
  }
  if (
    !pattern.startsWith("^") ||
    !pattern.endsWith("\\z") ||
    pattern.indexOf("\\z") !== pattern.length - 2
  )
    throw new Error(`ValidatePattern ${pattern} must be anchored with ^ and \\z`);
  const re = new RegExp(pattern.slice(0, -2) + "$", "iu");
  compiled.set(pattern, re);
  return re;
}

/** The same pattern for places that take a JavaScript-style regex source (SSM allowedPattern). */
export function psPatternToJsSource(pattern: string): string {
  return psPatternToRegExp(pattern).source;
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60
    ? `${text.slice(0, 57)}..." (${String((value as { length?: number }).length ?? text.length)} characters)`
    : text;
}

function checkString(script: string, spec: ScriptParamSpec, value: unknown, where = ""): string {
  if (typeof value !== "string")
    throw new ScriptParamError(script, spec.name, `${where}expected a string, got ${show(value)}`);
  if (spec.validateLength) {
    const [min, max] = spec.validateLength;
    if (value.length < min || value.length > max)
      throw new ScriptParamError(
        script,
        spec.name,
        `${where}length ${value.length} is outside ${min}..${max}`,
      );
  }
  if (spec.validateSet && !spec.validateSet.some((s) => s.toLowerCase() === value.toLowerCase())) {
    throw new ScriptParamError(
      script,
      spec.name,
      `${where}${show(value)} is not one of ${spec.validateSet.join(", ")}`,
    );
  }
  if (spec.validatePattern !== undefined && !psPatternToRegExp(spec.validatePattern).test(value)) {
    throw new ScriptParamError(
      script,
      spec.name,
      `${where}${show(value)} does not match ${spec.validatePattern}`,
    );
  }
  return value;
}

function checkValue(script: string, spec: ScriptParamSpec, value: unknown): unknown {
  switch (spec.type) {
    case "string":
      return checkString(script, spec, value);
    case "string[]": {
      if (!Array.isArray(value))
        throw new ScriptParamError(
          script,
          spec.name,
          `expected an array of strings, got ${show(value)}`,
        );
      if (spec.validateCount) {
        const [min, max] = spec.validateCount;
        if (value.length < min || value.length > max)
          throw new ScriptParamError(
            script,
            spec.name,
            `${value.length} items is outside ${min}..${max}`,
          );
      }
      return value.map((item, i) => checkString(script, spec, item, `item ${i}: `));
    }
    case "int": {
      if (typeof value !== "number" || !Number.isSafeInteger(value))
        throw new ScriptParamError(script, spec.name, `expected an integer, got ${show(value)}`);
      if (spec.validateRange) {
        const [min, max] = spec.validateRange;
        if (value < min || value > max)
          throw new ScriptParamError(script, spec.name, `${value} is outside ${min}..${max}`);
      }
      return value;
    }
    case "switch":
      if (typeof value !== "boolean")
        throw new ScriptParamError(script, spec.name, `expected true or false, got ${show(value)}`);
      return value;
  }
}

/**
 * Validates parameter values against a script's param() description: unknown names, missing
 * Mandatory values, wrong types and every validation attribute. Returns a new object holding the
 * given (defined) values only; defaults stay with the script.
 */
export function validateScriptParams<T>(
  script: string,
  specs: readonly ScriptParamSpec[],
  input: unknown,
): T {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new ScriptParamError(script, null, `parameters must be an object, got ${show(input)}`);
  }
  const byName = new Map(specs.map((s) => [s.name, s]));
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(input)) {
    const spec = byName.get(name);
    if (!spec)
      throw new ScriptParamError(
        script,
        name,
        `unknown parameter (known: ${specs.map((s) => s.name).join(", ")})`,
      );
    if (value === undefined) continue;
    out[name] = checkValue(script, spec, value);
  }
  for (const spec of specs) {
    if (spec.mandatory && out[spec.name] === undefined)
      throw new ScriptParamError(script, spec.name, "is mandatory");
  }
  return out as T;
}
