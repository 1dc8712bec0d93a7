/**
 * Checks a document read as a fleet report (a shard's, for `fleet merge`) against
 * `schemas/fleet-report.schema.json`, naming the first fields that do not match.
 */
import type { ErrorObject, ValidateFunction } from "ajv/dist/2020";
import schema from "../../schemas/fleet-report.schema.json";

let validator: ValidateFunction | undefined;

/** ajv is loaded with the first report, not at start-up. */
function compiled(): ValidateFunction {
  if (!validator) {
    const Ajv2020 = (require("ajv/dist/2020") as typeof import("ajv/dist/2020")).default;
    const addFormats = (require("ajv-formats") as typeof import("ajv-formats")).default;
    const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
    addFormats(ajv);
    validator = ajv.compile(schema);
  }
  return validator;
}

function describe(e: ErrorObject): string {
  const at = e.instancePath === "" ? "" : `${e.instancePath.slice(1).replace(/\//g, ".")}: `;
  if (e.keyword === "required")
    return `${at}missing field ${String((e.params as { missingProperty: string }).missingProperty)}`;
  if (e.keyword === "additionalProperties")
    return `${at}unknown field ${String((e.params as { additionalProperty: string }).additionalProperty)}`;
  if (e.keyword === "const" || e.keyword === "enum") {
    const p = e.params as { allowedValue?: unknown; allowedValues?: unknown[] };
    const allowed = p.allowedValues ?? [p.allowedValue];
    return `${at}must be ${allowed.map((v) => JSON.stringify(v)).join(" or ")}`;
  }
  return `${at}${e.message ?? e.keyword}`;
}

/** The problems of a fleet report, first ones first; empty when it is one. */
export function fleetReportProblems(json: unknown): string[] {
  const validate = compiled();
  if (validate(json)) return [];
  return (validate.errors ?? []).map(describe);
}
