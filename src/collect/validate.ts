/**
 * Validates documents printed by the recovery scripts against `schemas/*.schema.json` (JSON Schema
 * 2020-12, ajv's code compiled ahead). Anything invalid — bad JSON, a missing field, a wrong type —
 * becomes one {@link ScriptOutputError} with a one-line message; nothing else is thrown.
 */
import type { ErrorObject, ValidateFunction } from "ajv/dist/2020";
import type { CollectOutput, RepairResult } from "./contract";
import type { CollectManifest } from "./manifest";
import { driverInstallsOf } from "./setupapi";

export type ScriptDocumentKind = "collect output" | "collect manifest" | "repair result";

/** A script document that is not valid JSON or does not match its schema. */
export class ScriptOutputError extends Error {
  constructor(
    readonly document: ScriptDocumentKind,
    readonly problems: string[],
  ) {
    super(
      `invalid ${document}: ${problems.slice(0, 3).join("; ")}${problems.length > 3 ? ` (and ${problems.length - 3} more)` : ""}`,
    );
    this.name = "ScriptOutputError";
  }
}

type Validators = {
  collect: ValidateFunction;
  manifest: ValidateFunction;
  repair: ValidateFunction;
};
let validators: Validators | undefined;

/**
 * The schemas' validators, compiled ahead by ajv (tools/generate-validators.mjs): loaded with the
 * first document, not at start-up (`vm-rescue --help` does not need them).
 */
function compiled(): Validators {
  validators ??= require("./validators.generated") as Validators;
  return validators;
}

function describe(e: ErrorObject): string {
  const at = e.instancePath === "" ? "(document)" : e.instancePath;
  if (e.keyword === "required")
    return `${at}: missing ${String((e.params as { missingProperty: string }).missingProperty)}`;
  if (e.keyword === "enum" || e.keyword === "const") {
    const allowed = (e.params as { allowedValues?: unknown[]; allowedValue?: unknown })
      .allowedValues ?? [(e.params as { allowedValue?: unknown }).allowedValue];
    return `${at}: must be one of ${allowed.map((v) => JSON.stringify(v)).join(", ")}`;
  }
  return `${at}: ${e.message ?? e.keyword}`;
}

function parse<T>(
  kind: ScriptDocumentKind,
  validate: ValidateFunction,
  input: string | unknown,
): T {
  let value = input;
  if (typeof input === "string") {
    // The scripts print the document and then one summary line; accept that output as well.
    const text = input.replace(/^\uFEFF/, "").trim();
    try {
      value = JSON.parse(text);
    } catch (first) {
      const firstLine = text.split(/\r?\n/)[0];
      try {
        value = JSON.parse(firstLine);
      } catch {
        throw new ScriptOutputError(kind, [`not JSON (${(first as Error).message})`]);
      }
    }
  }
  if (!validate(value)) {
    throw new ScriptOutputError(kind, [...new Set((validate.errors ?? []).map(describe))]);
  }
  return value as T;
}

/**
 * Parses and validates the output of collect.ps1 (the JSON document, or the whole printed output).
 * `driverInstalls` is derived from the shipped `setupApiLog` and `timeZone` (src/collect/setupapi.ts);
 * a collect.ps1 1.0 document without `setupApiLog` keeps the `driverInstalls` it carries.
 */
export function parseCollectOutput(json: string | unknown): CollectOutput {
  const doc = parse<CollectOutput>("collect output", compiled().collect, json);
  return { ...doc, driverInstalls: driverInstallsOf(doc) };
}

/** Parses and validates the manifest collect.ps1 2.x prints (the JSON document, or the whole printed output). */
export function parseCollectManifest(json: string | unknown): CollectManifest {
  return parse<CollectManifest>("collect manifest", compiled().manifest, json);
}

/** Parses and validates the output of repair.ps1 (the JSON document, or the whole printed output). */
export function parseRepairResult(json: string | unknown): RepairResult {
  return parse<RepairResult>("repair result", compiled().repair, json);
}
