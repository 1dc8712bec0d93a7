/**
 * The compiled repair's JSON Schema (`schemas/repair-operations.schema.json`), checked here before
 * a document leaves TypeScript and again by repair.ps1 before it runs anything. Operations must
 * also be in phase order, the order Windows needs.
 */
import type { ValidateFunction } from "ajv/dist/2020";
import { PlanError } from "../../vocabulary/errors";
import { OPERATION_PHASES, type CompiledRepair } from "./types";

let validator: ValidateFunction | undefined;

/** The schema's validator, compiled ahead by ajv (tools/generate-validators.mjs). */
function compiled(): ValidateFunction {
  validator ??= (require("./validator.generated") as { operations: ValidateFunction }).operations;
  return validator;
}

/** The problems of a compiled repair document (empty: valid). */
export function operationProblems(doc: unknown): string[] {
  const validate = compiled();
  if (!validate(doc)) {
    return [
      ...new Set(
        (validate.errors ?? []).map(
          (e) => `${e.instancePath || "(document)"}: ${e.message ?? e.keyword}`,
        ),
      ),
    ];
  }
  const ops = (doc as CompiledRepair).operations;
  const problems: string[] = [];
  for (let i = 1; i < ops.length; i++) {
    if (OPERATION_PHASES.indexOf(ops[i].phase) < OPERATION_PHASES.indexOf(ops[i - 1].phase))
      problems.push(`/operations/${i}: phase ${ops[i].phase} after ${ops[i - 1].phase}`);
  }
  return problems;
}

/** Throws one PlanError naming the first problems when `doc` is not a valid compiled repair. */
export function assertCompiledRepair(doc: unknown): CompiledRepair {
  const problems = operationProblems(doc);
  if (problems.length > 0)
    throw new PlanError(
      "unexpected-evidence",
      `the compiled repair does not match its schema: ${problems.slice(0, 3).join("; ")}`,
    );
  return doc as CompiledRepair;
}

/** The document as repair.ps1's `-Operations` takes it: base64 of its UTF-8 JSON. */
export function encodeOperations(doc: CompiledRepair): string {
  return Buffer.from(JSON.stringify(assertCompiledRepair(doc)), "utf8").toString("base64");
}
